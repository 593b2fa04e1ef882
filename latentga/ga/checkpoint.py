"""GA checkpoints: everything needed to continue a killed run to the same result.

Written atomically after every generation: population and fitness, generation number, hall of
fame, logbook, fitness cache and the NumPy generator state (DEAP's checkpoint recipe plus the
cache), and, with delta evaluation, the fire records of the population. Individuals and records
are stored as plain arrays, so loading does not depend on DEAP's creator classes. A fingerprint
of the config settings that shape the search refuses a checkpoint from another run.

Why store the records rather than recompute them on resume: a record made by delta evaluation
keeps a conservative superset of the spread-tree hubs, so a recomputed (full) record can differ
from it (13 of 50 one-swap children on Sub20x20 at 50 fires) and later delta evaluations would
re-run other fires. Fitness would still agree, but the ``fires`` column would not; stored
records keep a resumed run equal to an uninterrupted one, ``fires`` included. Cost: ~90 kB per
layout at 100 fires on 20x20, ~9 MB per checkpoint for a population of 100.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
from deap import tools

from latentga.config import config_hash
from latentga.errors import CheckpointError
from latentga.ga.individual import fitness_array, individual_arrays, make_individual
from latentga.ga.delta import pack_records
from latentga.io import write_bytes_atomic

__all__ = ["CHECKPOINT_FORMAT", "config_fingerprint", "save_checkpoint", "load_checkpoint", "restore_population",
           "restore_hall_of_fame"]

CHECKPOINT_FORMAT = "latentga-ga-checkpoint-1"
_NOT_IDENTITY = ("name", "output")  # where results go, not what is computed
_GA_NOT_IDENTITY = ("generations", "delta_evaluation")  # more generations; the same fitness values


def config_fingerprint(config: dict) -> str:
    """Hash of every setting that changes the search (not the run name, output folders,
    ``ga.generations``, so a finished run can be extended with more generations, or
    ``ga.delta_evaluation``, which changes only how many fires are simulated)."""
    subset = {k: v for k, v in config.items() if k not in _NOT_IDENTITY}
    subset["ga"] = {k: v for k, v in config["ga"].items() if k not in _GA_NOT_IDENTITY}
    return config_hash(subset)


def save_checkpoint(path: str | os.PathLike, *, config: dict, generation: int, population: list, hof,
                    logbook: tools.Logbook, cache: dict, rng: np.random.Generator,
                    records: dict | None = None) -> Path:
    """Write the run's state atomically; ``records`` are the delta tracker's fire records."""
    state = {
        "format": CHECKPOINT_FORMAT,
        "fingerprint": config_fingerprint(config),
        "config": config,
        "generation": int(generation),
        "population": individual_arrays(population),
        "fitness": fitness_array(population),
        "hof": individual_arrays(list(hof)),
        "hof_fitness": fitness_array(list(hof)),
        "hof_size": int(hof.maxsize),
        "logbook": logbook,
        "cache": dict(cache),
        "rng_state": rng.bit_generator.state,
        "records": pack_records(records or {}),
    }
    return write_bytes_atomic(path, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))


def _diff(have: dict, want: dict, prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(have) | set(want), key=str):
        a, b = have.get(key, "<missing>"), want.get(key, "<missing>")
        if isinstance(a, dict) and isinstance(b, dict):
            out += _diff(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: checkpoint {a!r} vs now {b!r}")
    return out


def load_checkpoint(path: str | os.PathLike, config: dict) -> dict:
    """The checkpoint state, or a :class:`CheckpointError` saying why it cannot be resumed."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path} to resume; run without --resume to start "
                              "the run (or point --out at the folder of the run to continue)")
    try:
        with open(path, "rb") as fh:
            state = pickle.load(fh)
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError("not a latentga GA checkpoint")
        for key in ("fingerprint", "generation", "population", "fitness", "hof", "hof_fitness",
                    "logbook", "cache", "rng_state", "config"):
            state[key]  # noqa: B018 - presence check
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, KeyError, AttributeError,
            ImportError, IndexError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {path} is corrupt or not a latentga checkpoint ({exc}); "
                              "delete it and run without --resume to start over") from None
    if state["fingerprint"] != config_fingerprint(config):
        changes = _diff({k: v for k, v in state["config"].items() if k not in _NOT_IDENTITY},
                        {k: v for k, v in config.items() if k not in _NOT_IDENTITY})
        changes = [c for c in changes if not c.startswith(tuple(f"ga.{k}" for k in _GA_NOT_IDENTITY))]
        raise CheckpointError(f"checkpoint {path} belongs to another config ("
                              + ("; ".join(changes[:5]) or "settings differ")
                              + "); resume with the config it was made with, or run without --resume "
                              "(or with another --out) to start a new run")
    return state


def restore_population(state: dict) -> list:
    return [make_individual(a, f) for a, f in zip(state["population"], state["fitness"])]


def restore_hall_of_fame(state: dict, maxsize: int) -> tools.HallOfFame:
    """Rebuild the hall of fame with the same items in the same order."""
    hof = tools.HallOfFame(maxsize, similar=np.array_equal)
    items = [make_individual(a, f) for a, f in zip(state["hof"], state["hof_fitness"])]
    hof.items = items
    hof.keys = [ind.fitness for ind in reversed(items)]
    return hof
