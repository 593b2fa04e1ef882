"""Run configs: the embedded defaults, YAML loading, overrides and validation.

A run is described by one nested dict (see :data:`DEFAULT_CONFIG`). :func:`load_config` deep-
merges a YAML file and command-line overrides over the defaults and validates the result, so a
typo fails in a second with one :class:`~latentga.errors.ConfigError` naming the key and the
fix, instead of after an hour of simulation. With no file at all the defaults run a small but
real CCVAE-GD pipeline that finishes in minutes on two cores.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from latentga.errors import ConfigError

__all__ = ["DEFAULT_CONFIG", "load_config", "validate_config", "parse_overrides", "config_hash", "merge",
           "apply_overrides",
           "SMALL_MODEL", "read_yaml_mapping"]

#: Model settings of the default run, chosen by measurement (benchmarks/default_model.py) so the
#: main job's CCVAE serves the latent operators: validation reconstruction precision 0.924, label
#: MAE 0.0014, in 103 CPU s of training (one thread, 5 epochs) on 40,000 layouts x 50 fires.
#: Wider latent than before (latent 32 reconstructed 27 % of the firebreaks), cheap 32/64 convs,
#: no dropout, a high lr annealed to 0 (cosine), and more layouts rather than more epochs (on
#: 20,000 layouts the model overfits: train 0.95 / validation 0.90). The same for `kind: vae`.
SMALL_MODEL: dict[str, Any] = {
    "latent_dim": 128,
    "char_dim": 64,
    "channels": [32, 64],
    "head_hidden": [64, 32],
    "dropout": 0.0,
    "lr": 3e-3,
    "lr_schedule": "cosine",
    "batch_size": 64,
    "epochs": 5,
}


def _model_defaults() -> dict:
    from latentga.models.config import MODEL_DEFAULTS  # torch-free: a vanilla run imports no torch

    return {**MODEL_DEFAULTS, **{k: v for k, v in SMALL_MODEL.items() if k in MODEL_DEFAULTS}, "kind": "ccvae"}


DEFAULT_CONFIG: dict[str, Any] = {
    "name": "ccvae_gd",          # run name = results folder name
    "seed": 0,                   # GA seed: initial population and every operator draw
    "firebreaks": 20,            # budget k: every layout has exactly k firebreaks
    "landscape": None,           # null = built-in Sub20x20; else a Cell2Fire instance folder
    "simulator": {               # the fires that score GA individuals
        "backend": "builtin",    # builtin | cell2fire
        "cell2fire_binary": None,
        "n_fires": 50,
        "seed": 123,
        "ignition_radius": 4,
        "n_weathers": None,      # null = all weather files but the first and last
        "ros_cv": 0.0,
        "ignition_mode": "cell2fire",  # cell2fire | redraw
        "ignitions": "file",     # file (around Ignitions.csv's cell) | anywhere (any burnable cell)
        "fuel_model": None,      # null = the landscape folder's lookup table decides | fbp | kitral | scott_burgan
    },
    "dataset": {"n": 40000, "n_fires": 50, "seed": 0},  # random layouts the model learns from
    "model": _model_defaults(),
    "ga": {
        "population": 40,
        "generations": 10,
        "max_cost": None,        # stop once this many fires (the problem's cost unit) were spent
        "cxpb": 0.7,             # probability a consecutive pair of offspring is mated
        "mutpb": 0.3,            # probability an offspring is mutated
        "elite": 2,              # best individuals carried over unchanged
        "init": "random",        # random | dataset (random dataset layouts) | dataset_best (its best)
        "init_layouts": None,    # a .npy of [H, W] or [B, H, W] layouts that start generation 0 (the rest: init)
        "hof_size": 10,          # best distinct layouts kept (best_layouts.npy)
        "chunk_size": 16,        # layouts per evaluation task sent through toolbox.map
        # score children from their parent's fires, re-running only the fires the change can
        # alter: identical fitness, fewer fires simulated (logbook `fires`). Builtin backend only:
        # with backend cell2fire (or a simulator without single-fire runs) it is silently off.
        # Memory: ~0.9 kB per fire per population layout on 20x20 (kept, and in each checkpoint).
        "delta_evaluation": True,
        # generation 0 from DPV on the search fires, its fires charged to the run (latentga.search.seeding):
        # dpv none | plain | greedy (that layout first; picks = breaks per greedy round), sampled = layouts drawn
        # with weight DPV ** power; lines: true puts the parallel fuel-break lines' layout first
        "seeding": {"dpv": "none", "picks": 1, "sampled": 0, "power": 1.0, "lines": False},
        # after each generation, the `individuals` best are climbed with `moves` single-break moves,
        # delta-evaluated, fires charged (latentga.search.memetic); individuals 0 = off; z > 0: only moves whose
        # per-fire gain is that many standard errors above 0; restart R > 0: after R generations in
        # which the population's best did not improve, a fresh random population replaces it (the
        # hall of fame keeps what was found), so a climb stuck in one basin starts in another
        "memetic": {"individuals": 0, "moves": 100, "strategy": "first", "proposal": "burned",
                    "z": 0.0, "restart": 0},
    },
    "operators": {
        "mate": {"name": "cx_latent_interpolation", "params": {"alpha_low": 0.0, "alpha_high": 1.0}},
        "mutate": {"name": "mut_ccvae_gradient", "params": {"steps": 2, "step_size": 0.1}},
        "select": {"name": "sel_tournament", "params": {"tournsize": 3}},
    },
    # weighted retraining of the model during the run (latentga.retraining); every 0 = frozen model
    "retraining": {"every": 0, "k": 0.02, "epochs": 1, "top": 5000},  # k * top ~ 100
    # latent levers (latentga.search, docs/latent-levers.md); all off = the plain latent GA
    "latent": {
        "fresh": False,          # no stalls: varied children already scored are re-drawn, then perturbed
        "redraws": 2,            # rounds of re-drawing with the run's mutation before perturbing
        # learn from good layouts before the search (greedy DPV, DPV-proportional samples, local-search
        # descents, perturbations; scored on the search fires, charged to the run); samples 0 = off
        "learn": {"samples": 0, "perturbed": 0, "descent_fires": 0, "epochs": 2, "k": 0.001, "top": 5000},
        # surrogate pre-screening: candidates per varied child rated by the fitness head (1 = off); the
        # head is refitted every refit_every generations on everything simulated, rank weights k
        "screen": {"candidates": 1, "refit_every": 5, "k": 0.001, "epochs": 20},
        # trust region around the elite's code: share of varied children drawn in it (0 = off); length
        # in units of the elite's posterior std, doubled after `success` improving generations in a row,
        # halved after `failure` idle ones, restarted below `min` (the model is then fine-tuned on the
        # `top` best layouts simulated)
        "trust": {"share": 0.0, "length": 1.0, "min": 0.125, "max": 4.0, "success": 3, "failure": 5,
                  "top": 2000},
    },
    "output": {"dir": "results", "cache_dir": ".latentga_cache"},
}

# Keys whose default is null, and what else they may hold.
_NULLABLE = {
    "landscape": (str,),
    "simulator.cell2fire_binary": (str,),
    "simulator.n_weathers": (int,),
    "simulator.fuel_model": (str,),
    "ga.max_cost": (int,),
    "ga.init_layouts": (str,),
}
_CHOICES = {
    "simulator.backend": ("builtin", "cell2fire"),
    "simulator.ignition_mode": ("cell2fire", "redraw"),
    "simulator.ignitions": ("file", "anywhere"),
    "simulator.fuel_model": ("fbp", "kitral", "scott_burgan"),
    "ga.init": ("random", "dataset", "dataset_best"),
    "ga.seeding.dpv": ("none", "plain", "greedy"),
    "ga.memetic.strategy": ("first", "best"),
    "ga.memetic.proposal": ("uniform", "burned"),
}
# key -> (low, high) inclusive bounds
_RANGES = {
    "seed": (0, 2**32 - 1),          # NumPy and Cell2Fire seeds are unsigned 32-bit
    "dataset.seed": (0, 2**32 - 1),
    "simulator.seed": (0, 2**32 - 1),
    "firebreaks": (1, math.inf),
    "simulator.n_fires": (1, math.inf),
    "simulator.ignition_radius": (0, math.inf),
    "simulator.n_weathers": (1, math.inf),
    "simulator.ros_cv": (0, math.inf),
    "dataset.n": (1, math.inf),
    "dataset.n_fires": (1, math.inf),
    "ga.population": (2, math.inf),
    "ga.generations": (0, math.inf),
    "ga.max_cost": (1, math.inf),
    "ga.cxpb": (0, 1),
    "ga.mutpb": (0, 1),
    "ga.elite": (0, math.inf),
    "ga.hof_size": (1, math.inf),
    "ga.chunk_size": (1, math.inf),
    "ga.seeding.picks": (1, math.inf),
    "ga.seeding.sampled": (0, math.inf),
    "ga.seeding.power": (0, 100),
    "ga.memetic.individuals": (0, math.inf),
    "ga.memetic.moves": (1, math.inf),
    "ga.memetic.z": (0, 10),
    "ga.memetic.restart": (0, math.inf),
    "retraining.every": (0, math.inf),
    "retraining.k": (1e-9, math.inf),
    "retraining.epochs": (1, math.inf),
    "retraining.top": (1, math.inf),
    "latent.redraws": (0, math.inf),
    "latent.learn.samples": (0, math.inf),
    "latent.learn.perturbed": (0, math.inf),
    "latent.learn.descent_fires": (0, math.inf),
    "latent.learn.epochs": (1, math.inf),
    "latent.learn.k": (1e-9, math.inf),
    "latent.learn.top": (2, math.inf),
    "latent.screen.candidates": (1, math.inf),
    "latent.screen.refit_every": (0, math.inf),
    "latent.screen.k": (1e-9, math.inf),
    "latent.screen.epochs": (1, math.inf),
    "latent.trust.share": (0, 1),
    "latent.trust.length": (1e-9, math.inf),
    "latent.trust.min": (1e-9, math.inf),
    "latent.trust.max": (1e-9, math.inf),
    "latent.trust.success": (1, math.inf),
    "latent.trust.failure": (1, math.inf),
    "latent.trust.top": (2, math.inf),
}
_INJECTED = ("budget", "k", "rng", "model", "allowed")


def _type_name(t: type) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false",
            dict: "a mapping", list: "a list"}.get(t, t.__name__)


def _deep_merge(base: dict, extra: Mapping, prefix: str = "") -> dict:
    """Merge ``extra`` over ``base`` (a copy); unknown keys raise, naming the dotted key."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        dotted = f"{prefix}{key}"
        if not isinstance(key, str) or key not in base:
            known = ", ".join(str(k) for k in base)
            where = f"section `{prefix[:-1]}`" if prefix else "the top level"
            raise ConfigError(f"unknown config key {dotted!r}; valid keys at {where}: {known} "
                              "(check the spelling, see configs/*.yaml)")
        if dotted == "model":
            if value is not None and not isinstance(value, Mapping):
                raise ConfigError("config key 'model' must be a mapping of model settings")
            out[key] = {**base[key], **(value or {})}  # validated by latentga.models
        elif dotted.startswith("operators."):
            out[key] = _merge_operator(base[key], value, dotted)
        elif isinstance(base[key], dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"config key {dotted!r} must be a mapping (a YAML section), "
                                  f"got {value!r}")
            out[key] = _deep_merge(base[key], value, dotted + ".")
        else:
            out[key] = value
    return out


def _merge_operator(base: dict, value: Any, key: str) -> dict:
    """An operator section; a new ``name`` starts from empty ``params`` (they belong to the old one)."""
    if isinstance(value, str):  # shorthand: `mutate: mut_flip`
        value = {"name": value}
    if not isinstance(value, Mapping):
        raise ConfigError(f"config key {key!r} must be a mapping with `name` and optional `params`")
    unknown = set(value) - {"name", "params"}
    if unknown:
        raise ConfigError(f"unknown config key '{key}.{sorted(unknown)[0]}'; an operator section has "
                          "only `name` and `params`")
    name = value.get("name", base["name"])
    params = dict(base["params"]) if name == base["name"] else {}
    extra = value.get("params") or {}
    if not isinstance(extra, Mapping):
        raise ConfigError(f"config key '{key}.params' must be a mapping of parameter: value")
    params.update(extra)
    return {"name": name, "params": params}


def _check_value(key: str, value: Any, default: Any) -> Any:
    if value is None:
        if key in _NULLABLE:
            return None
        raise ConfigError(f"config key {key!r} must not be null; default: {default!r}")
    allowed = _NULLABLE.get(key) or (type(default),)
    if isinstance(default, float) or float in allowed:
        allowed = tuple(set(allowed) | {int, float})
    if isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
        need = " or ".join(_type_name(t) for t in allowed)
        raise ConfigError(f"config key {key!r} must be {need}, got {value!r}; default: {default!r}")
    if isinstance(default, float) and isinstance(value, int):
        value = float(value)
    if key in _CHOICES and value not in _CHOICES[key]:
        raise ConfigError(f"config key {key!r} must be one of {' | '.join(_CHOICES[key])}, got {value!r}")
    if key in _RANGES:
        lo, hi = _RANGES[key]
        if not (lo <= value <= hi) or (isinstance(value, float) and not math.isfinite(value)):
            span = f">= {lo}" if hi == math.inf else f"between {lo} and {hi}"
            raise ConfigError(f"config key {key!r} = {value!r} is out of range: it must be {span}, "
                              f"e.g. --set {key}={default!r} (the default)")
    return value


def _check_section(config: dict, defaults: dict, prefix: str = "") -> None:
    for key, default in defaults.items():
        dotted = f"{prefix}{key}"
        if dotted in ("model", "operators"):
            continue
        if isinstance(default, dict):
            _check_section(config[key], default, dotted + ".")
        else:
            config[key] = _check_value(dotted, config[key], default)


def _check_operators(config: dict) -> None:
    from latentga.operators.base import accepted_keywords
    from latentga.operators.registry import resolve_operator

    for role in ("mate", "mutate", "select"):
        section = config["operators"][role]
        key = f"operators.{role}"
        func = resolve_operator(section["name"], role=role, key=f"{key}.name")
        names, var_kw = accepted_keywords(func)
        for param in section["params"]:
            if param in _INJECTED:
                raise ConfigError(f"{key}.params.{param}: {param!r} is filled in by the engine "
                                  "(budget, random generator, model); remove it from params")
            if param not in names and not var_kw:
                takes = sorted(names - set(_INJECTED) - {"individual", "individuals", "ind1", "ind2"})
                raise ConfigError(f"{key}.params.{param}: operator {section['name']} has no parameter "
                                  f"{param!r}; it accepts: {', '.join(takes) or 'none'}")
        from latentga.operators.base import check_operator_params

        check_operator_params(func, section["params"], key)  # types and declared ranges, at load


def _check_model(config: dict) -> None:
    from latentga.models.config import validate_model_config

    config["model"] = validate_model_config(config["model"])
    kind = config["model"]["kind"]
    if isinstance(kind, str) and ":" in kind:  # a plug-in class: found now, not after a dataset build
        from latentga.plugins import resolve_dotted

        resolve_dotted(kind, key="model.kind", what="model class", callable_only=True)


def validate_config(config: Mapping) -> dict:
    """Merge ``config`` over the defaults and validate it; return the complete config."""
    if not isinstance(config, Mapping):
        raise ConfigError(f"a config must be a mapping of sections, got {type(config).__name__}")
    merged = _deep_merge(DEFAULT_CONFIG, config)
    _check_section(merged, DEFAULT_CONFIG)
    if not isinstance(merged["name"], str) or not merged["name"] or "/" in merged["name"] or \
            merged["name"] in (".", ".."):
        raise ConfigError(f"config key 'name' = {merged['name']!r} must be a plain folder name "
                          "(no '/'), e.g. ccvae_gd")
    if merged["ga"]["elite"] >= merged["ga"]["population"]:
        raise ConfigError(f"config key 'ga.elite' = {merged['ga']['elite']} must be smaller than "
                          f"ga.population = {merged['ga']['population']}")
    tr = merged["latent"]["trust"]
    if not tr["min"] <= tr["length"] <= tr["max"]:
        raise ConfigError(f"config keys latent.trust.min <= length <= max must hold, got {tr['min']} <= "
                          f"{tr['length']} <= {tr['max']}; e.g. min 0.125, length 1.0, max 4.0")
    _check_operators(merged)
    _check_model(merged)
    return merged


def parse_overrides(items: Iterable[str]) -> dict:
    """``["ga.population=20", "operators.mutate.name=mut_flip"]`` -> a nested dict.

    Values are parsed as YAML (``20`` -> int, ``null`` -> None, ``[1, 2]`` -> list).
    """
    out: dict = {}
    for item in items:
        key, sep, text = str(item).partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r} must look like key=value, e.g. ga.population=20")
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            value = text
        node = out
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r} conflicts with an earlier override of {part!r}")
        node[parts[-1]] = value
    return out


def read_yaml_mapping(path: Path, what: str = "config file",
                      example: str = "configs/, or none for the built-in defaults") -> dict:
    """The mapping a YAML file holds (empty file: ``{}``), or one ConfigError naming the file, the
    line of a syntax error, and the fix. ``what`` names the kind of file in messages."""
    if not path.is_file():
        raise ConfigError(f"{what} {path} does not exist; give the path of a YAML file (see {example})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{what} {path} is not valid YAML{where}: {problem}; fix the syntax "
                          "there (indentation, colons, brackets)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}") from None
    if data is None:
        return {}
    from latentga.validation import check_expanded_size

    check_expanded_size(data, f"{what} {path}")
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path} must hold a mapping of sections (name:, ...), "
                          f"got a {type(data).__name__}")
    return data


def merge(base: Mapping, extra: Mapping) -> dict:
    """Plain nested merge of two mappings (a copy; ``extra`` wins, lists and values are replaced).
    For raw YAML data before validation; :func:`apply_overrides` merges into a complete config."""
    out = copy.deepcopy(dict(base))
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply_overrides(config: Mapping, overrides: Mapping) -> dict:
    """``overrides`` over a complete ``config``, with the rules of a config file (an operator
    section naming another operator starts from empty params; unknown keys are errors), validated."""
    return validate_config(_deep_merge(validate_config(config), overrides))


def load_config(path: str | os.PathLike | None = None,
                overrides: Mapping | Iterable[str] | None = None) -> dict:
    """Defaults <- YAML file (if any) <- overrides, validated; returns the complete config.

    ``overrides`` is a nested dict or a list of ``"dotted.key=value"`` strings (``--set``).
    """
    data = read_yaml_mapping(Path(path)) if path is not None else {}
    if overrides:
        extra = overrides if isinstance(overrides, Mapping) else parse_overrides(overrides)
        data = merge(data, extra)
    return validate_config(data)


def config_hash(*settings: Any) -> str:
    """A short stable hash of JSON-able settings (dict key order does not matter): the one
    fingerprint behind cache file names and checkpoint identity."""
    text = json.dumps(settings[0] if len(settings) == 1 else list(settings), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
