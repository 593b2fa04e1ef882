"""GA checkpoints: everything needed to continue a killed run to the same result.

Written atomically after every generation: population and fitness, generation number, hall of
fame, logbook, fitness cache and the NumPy generator state (DEAP's checkpoint recipe plus the
cache), and, with delta evaluation, the fire records of the population. A fingerprint of the
config settings that shape the search refuses a checkpoint from another run.

Why a data-only file: results folders are shared and mailed around like model files, and
``pickle.load`` runs whatever code a file names. A checkpoint is one NumPy ``.npz`` archive read
with ``allow_pickle=False``: plain numeric arrays (individuals, fitness, cache keys and values,
fire records) plus one JSON text (config, logbook, generator state). Nothing in it can name a
class or a function, so a hostile file is at worst refused as corrupt. Floats round-trip exactly
(float64 arrays; JSON writes Python's shortest exact repr), so a resumed run stays identical.

Why store the records rather than recompute them on resume: a record made by delta evaluation
keeps a conservative superset of the spread-tree hubs, so a recomputed (full) record can differ
from it (13 of 50 one-swap children on Sub20x20 at 50 fires) and later delta evaluations would
re-run other fires. Fitness would still agree, but the ``fires`` column would not; stored
records keep a resumed run equal to an uninterrupted one, ``fires`` included. Cost: ~90 kB per
layout at 100 fires on 20x20, ~9 MB per checkpoint for a population of 100.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from pathlib import Path

import numpy as np
from deap import tools

from latentga.config import DEFAULT_CONFIG, RunConfig, config_hash, validate_config
from latentga.errors import CheckpointError
from latentga.ga.individual import fitness_array, individual_arrays, make_individual
from latentga.io import atomic_path

__all__ = ["CHECKPOINT_FORMAT", "config_fingerprint", "save_checkpoint", "load_checkpoint", "restore_population",
           "restore_hall_of_fame"]

CHECKPOINT_FORMAT = "latentga-ga-checkpoint-2"  # 1 was a pickle: no longer read (it can run code)
_NOT_IDENTITY = ("name", "output")  # where results go, not what is computed
_GA_NOT_IDENTITY = ("generations", "max_cost", "delta_evaluation")  # a longer run; the same fitness values
# keys added later, left out at their old behaviour so that older checkpoints still resume
_GA_LATER_KEYS = {"init_layouts": None, "seeding": DEFAULT_CONFIG["ga"]["seeding"],
                  "memetic": DEFAULT_CONFIG["ga"]["memetic"]}
_LATER_KEYS = {"ga": _GA_LATER_KEYS, "simulator": {"fuel_model": None}}
# keys added later inside a section of a section: (path, {key: old behaviour}), the same rule one level down
_NESTED_LATER_KEYS = ((("ga", "seeding"), {"lines": False}),)
# the rule checkpoints were written with while simulator.fuel_model was hashed at its default
_LATER_KEYS_BEFORE_FUEL_MODEL = {"ga": _GA_LATER_KEYS}
_FRESH = "delete it and run without --resume (or with --overwrite) to start over"


def config_fingerprint(config: RunConfig) -> str:
    """Hash of every setting that changes the search (not the run name, output folders,
    ``ga.generations``, so a finished run can be extended with more generations,
    ``ga.delta_evaluation``, which changes only how many fires are simulated, or ``model.device``,
    where the model runs)."""
    return config_hash(_identity(validate_config(config).to_dict()))


def _accepted_fingerprints(config: RunConfig) -> set[str]:
    """Fingerprints a checkpoint of ``config`` may carry: today's, and the one written while
    ``simulator.fuel_model`` was still hashed at its default."""
    plain = validate_config(config).to_dict()
    return {config_hash(_identity(plain)), config_hash(_identity(plain, _LATER_KEYS_BEFORE_FUEL_MODEL))}


def _identity(plain: dict, later_keys: dict = _LATER_KEYS) -> dict:
    """The settings a fingerprint hashes (see :func:`config_fingerprint`), from a config's plain dict
    (``RunConfig.to_dict()``, or the one a checkpoint stored)."""
    from latentga.models.config import model_identity  # torch-free

    subset = {k: v for k, v in plain.items() if k not in _NOT_IDENTITY}
    if subset.get("latent") == DEFAULT_CONFIG.get("latent"):  # added later: every lever off keeps old checkpoints
        del subset["latent"]
    subset["ga"] = {k: v for k, v in plain["ga"].items() if k not in _GA_NOT_IDENTITY}
    for section, later in later_keys.items():
        if isinstance(subset.get(section), dict):
            subset[section] = _without_later(subset[section], later)
    for (section, inner), later in _NESTED_LATER_KEYS:
        outer = subset.get(section)
        if isinstance(outer, dict) and isinstance(outer.get(inner), dict):
            outer[inner] = _without_later(outer[inner], later)
    if isinstance(subset.get("model"), dict):  # not where the model runs (model.device)
        subset["model"] = model_identity(subset["model"])
    return subset


def _without_later(section: dict, later: dict) -> dict:
    """``section`` less the keys of ``later`` that hold their old behaviour (``later``'s value)."""
    return {k: v for k, v in section.items() if not (k in later and v == later[k])}


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)


def _pack_keys(keys: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Byte-string keys as one uint8 blob plus end offsets (keys may differ in length)."""
    ends = np.cumsum([len(k) for k in keys], dtype=np.int64)
    return np.frombuffer(b"".join(keys), dtype=np.uint8).copy(), ends


def _unpack_keys(blob: np.ndarray, ends: np.ndarray) -> list[bytes]:
    if blob.dtype != np.uint8 or blob.ndim != 1 or ends.ndim != 1 or ends.dtype.kind not in "iu":
        raise ValueError("malformed key arrays")
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    if len(ends) and (np.any(ends < starts) or int(ends[-1]) != len(blob)):
        raise ValueError("key offsets do not fit the key bytes")
    data = blob.tobytes()
    return [data[s:e] for s, e in zip(starts.tolist(), ends.tolist())]


def _plain_records(records: dict | None) -> dict | None:
    """The delta tracker's records as ``{name: array or list of bytes}``.

    Takes either that form already (``tracker.state()``) or the tracker's raw records
    (layout key -> dataclass such as ``FireRecord``), which are stacked field by field.
    """
    if not records:
        return None
    if all(isinstance(k, str) for k in records):
        out = {k: (np.asarray(v) if not (isinstance(v, list) and v and isinstance(v[0], bytes)) else v)
               for k, v in records.items()}
        if any(isinstance(v, np.ndarray) and v.dtype == object for v in out.values()):
            raise TypeError("checkpoint records must be numeric arrays or lists of bytes")
        return out
    values = list(records.values())
    names = [f.name for f in dataclasses.fields(values[0])]
    out = {name: np.stack([np.asarray(getattr(v, name)) for v in values]) for name in names}
    out["keys"] = list(records.keys())
    return out


def save_checkpoint(path: str | os.PathLike, *, config: RunConfig, generation: int, population: list, hof,
                    logbook: tools.Logbook, cache: dict, rng: np.random.Generator,
                    records: dict | None = None, extra: dict[str, np.ndarray] | None = None) -> Path:
    """Write the run's state atomically; ``records`` are the delta tracker's fire records,
    ``extra`` named numeric arrays of the run's hooks (e.g. a retrained model's weights)."""
    meta = {
        "format": CHECKPOINT_FORMAT,
        "fingerprint": config_fingerprint(config),
        "config": config.to_dict(),
        "generation": int(generation),
        "hof_size": int(hof.maxsize),
        "logbook": {"header": list(logbook.header or []), "entries": [dict(e) for e in logbook]},
        "rng_state": rng.bit_generator.state,
    }
    arrays = {
        "population": individual_arrays(population),
        "fitness": fitness_array(population),
        "hof": individual_arrays(list(hof)),
        "hof_fitness": fitness_array(list(hof)),
        "cache_values": np.asarray(list(cache.values()), dtype=np.float64),
    }
    arrays["cache_keys"], arrays["cache_ends"] = _pack_keys(list(cache.keys()))
    packed = _plain_records(records)
    meta["records"] = None if packed is None else {"arrays": [], "keys": []}
    for name, value in (packed or {}).items():
        if isinstance(value, np.ndarray):
            meta["records"]["arrays"].append(name)
            arrays[f"records/{name}"] = value
        else:
            meta["records"]["keys"].append(name)
            arrays[f"records/{name}"], arrays[f"records_ends/{name}"] = _pack_keys(list(value))
    meta["extra"] = sorted(extra or {})
    for name, value in (extra or {}).items():
        value = np.asarray(value)
        if value.dtype == object:
            raise TypeError(f"checkpoint extra {name!r} must be a numeric array")
        arrays[f"extra/{name}"] = value
    arrays["meta"] = np.asarray(json.dumps(meta, default=_json_default))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # a file object: np.savez adds no suffix
        np.savez(fh, **arrays)
    return Path(path)


def _diff(have: dict, want: dict, prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(have) | set(want), key=str):
        a, b = have.get(key, "<missing>"), want.get(key, "<missing>")
        if isinstance(a, dict) and isinstance(b, dict):
            out += _diff(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: checkpoint {a!r} vs now {b!r}")
    return out


_BIT_GENERATORS = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM, "MT19937": np.random.MT19937,
                   "Philox": np.random.Philox, "SFC64": np.random.SFC64}


def _check_rng_state(state) -> None:
    """Raise ValueError/TypeError unless ``state`` is a valid NumPy bit-generator state."""
    kind = state.get("bit_generator") if isinstance(state, dict) else None
    if kind not in _BIT_GENERATORS:
        raise ValueError(f"unknown random generator {kind!r}")
    _BIT_GENERATORS[kind]().state = state


def _read(path: Path) -> dict:
    """The checkpoint's contents as plain Python/NumPy data; ValueError if anything is off."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head[:1] == b"\x80":
        raise ValueError("it is a pickle (an old latentga checkpoint or a foreign file); pickles are "
                         "not read because loading one can run code")
    if head != b"PK\x03\x04":
        raise ValueError("not a latentga checkpoint")
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    meta = json.loads(str(arrays.pop("meta")[()]))
    if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"not a latentga checkpoint of format {CHECKPOINT_FORMAT}")
    pop, fit, hof, hof_fit = (arrays[k] for k in ("population", "fitness", "hof", "hof_fitness"))
    if pop.dtype != bool or hof.dtype != bool or pop.ndim != 3 or hof.ndim != 3 or \
            fit.shape != (len(pop),) or hof_fit.shape != (len(hof),) or \
            fit.dtype != np.float64 or hof_fit.dtype != np.float64:
        raise ValueError("population or hall of fame arrays are malformed")
    keys = _unpack_keys(arrays["cache_keys"], arrays["cache_ends"])
    values = arrays["cache_values"]
    if values.dtype != np.float64 or values.shape != (len(keys),):
        raise ValueError("fitness cache arrays are malformed")
    log = meta["logbook"]
    logbook = tools.Logbook()
    logbook.header = [str(h) for h in log["header"]]
    for entry in log["entries"]:
        logbook.record(**entry)
    _check_rng_state(meta["rng_state"])
    records = None
    if meta["records"] is not None:
        records = {str(name): arrays[f"records/{name}"] for name in meta["records"]["arrays"]}
        for name in meta["records"]["keys"]:
            records[str(name)] = _unpack_keys(arrays[f"records/{name}"], arrays[f"records_ends/{name}"])
        if len({len(v) for v in records.values()}) > 1:
            raise ValueError("fire records arrays differ in length")
    return {
        "format": meta["format"], "fingerprint": str(meta["fingerprint"]), "config": dict(meta["config"]),
        "generation": int(meta["generation"]), "hof_size": int(meta["hof_size"]),
        "population": pop, "fitness": fit, "hof": hof, "hof_fitness": hof_fit,
        "logbook": logbook, "cache": dict(zip(keys, values.tolist())),
        "rng_state": meta["rng_state"], "records": records,
        "extra": {str(name): arrays[f"extra/{name}"] for name in meta.get("extra", [])},
    }


def load_checkpoint(path: str | os.PathLike, config: RunConfig) -> dict:
    """The checkpoint state, or a :class:`CheckpointError` saying why it cannot be resumed.

    The state holds ``generation``, ``population``/``fitness`` and ``hof``/``hof_fitness`` (plain
    arrays: see :func:`restore_population` and :func:`restore_hall_of_fame`), ``logbook`` (a DEAP
    Logbook), ``cache`` (layout key -> fitness), ``rng_state`` (for ``bit_generator.state``),
    ``records`` (packed fire records or None) and the ``config`` it was made with.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path} to resume; run without --resume to start "
                              "the run (or point --out at the folder of the run to continue)")
    try:
        state = _read(path)
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, AttributeError,
            zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise CheckpointError(f"checkpoint {path} is corrupt or not a latentga checkpoint ({reason}); "
                              f"{_FRESH}") from None
    if state["fingerprint"] not in _accepted_fingerprints(config):
        try:
            changes = _diff(_identity(state["config"]), _identity(config.to_dict()))
        except (KeyError, TypeError, AttributeError):  # a stored config of another shape: say what differs
            changes = _diff({k: v for k, v in state["config"].items() if k not in _NOT_IDENTITY},
                            {k: v for k, v in config.to_dict().items() if k not in _NOT_IDENTITY})
        raise CheckpointError(f"checkpoint {path} belongs to another config ("
                              + ("; ".join(changes[:5]) or "settings differ")
                              + "); resume with the config it was made with, or run without --resume "
                              "(or with another --out) to start a new run")
    problem = _contents_problem(state, config)
    if problem:
        raise CheckpointError(f"checkpoint {path} is damaged or was tampered with ({problem}); {_FRESH}")
    return state


def _contents_problem(state: dict, config: RunConfig) -> str | None:
    """What is wrong with a well-formed checkpoint's values, or None: the generation its logbook
    reaches, finite fitness, a population of the config's size (feasibility is the problem's:
    :meth:`~latentga.ga.algorithm.GeneticAlgorithm.restore` checks it)."""
    gen, log = state["generation"], state["logbook"]
    if gen < 0 or not len(log) or log[-1].get("gen") != gen:
        return f"generation {gen} does not match its logbook"
    for name in ("fitness", "hof_fitness"):
        if not np.isfinite(state[name]).all():
            return f"{'population' if name == 'fitness' else 'hall of fame'} fitness is not finite"
    if state["cache"] and not np.isfinite(np.fromiter(state["cache"].values(), float)).all():
        return "fitness cache values are not finite"
    if len(state["population"]) != config.ga.population:
        return f"{len(state['population'])} individuals, but ga.population is {config.ga.population}"
    return None


def restore_population(state: dict) -> list:
    """The checkpoint's population as fresh DEAP individuals with their fitness."""
    return [make_individual(a, f) for a, f in zip(state["population"], state["fitness"])]


def restore_hall_of_fame(state: dict, maxsize: int) -> tools.HallOfFame:
    """Rebuild the hall of fame with the same items in the same order.

    Uses the public ``HallOfFame.insert``: it places an item after those with a better fitness
    and before those with an equal one, so inserting the stored items worst first gives back
    the stored order, ties included.
    """
    hof = tools.HallOfFame(maxsize, similar=np.array_equal)
    items = [make_individual(a, f) for a, f in zip(state["hof"], state["hof_fitness"])]
    if len(items) > maxsize:
        raise CheckpointError(f"the checkpoint's hall of fame holds {len(items)} layouts, more than "
                              f"ga.hof_size = {maxsize}; resume with the config the run was made with")
    for item in reversed(items):
        hof.insert(item)
    return hof
