"""The comparison config: which methods, seeds and budgets; validated before anything runs.

A comparison is one shared run config (``run``: landscape, fires, dataset, model, GA budget),
a set of GA ``variants`` (each a few overrides of ``run``: operators, model kind, rates), the
``baselines`` to score beside them, the ``seeds``, and the ``heldout`` fire set every final
layout is re-scored on. Every variant's run config goes through :func:`latentga.config.validate_config`,
so an unknown key or operator fails at once with the GA's own error message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from latentga.config import merge, read_yaml_mapping
from latentga.errors import ConfigError

__all__ = ["COMPARE_DEFAULTS", "QUICK", "BASELINES", "load_compare_config", "validate_compare_config",
           "variant_config", "shared_run_config", "method_budget", "milestones"]

#: The built-in baselines, in display order (a config may add its own as 'package.module:function').
BASELINES = ("random_search", "local_search", "burn_probability", "dpv", "dpv_greedy", "best_line", "parallel_lines")

COMPARE_DEFAULTS: dict[str, Any] = {
    "name": "compare",
    "seeds": [0, 1, 2, 3, 4, 5, 6, 7],
    "run": {},          # a run config (latentga.config keys) shared by every method
    "variants": {},     # name -> overrides of `run`
    # parallel_lines is off unless named: it needs a full row or column that fits the budget
    "baselines": {name: name != "parallel_lines" for name in BASELINES},
    "budget": {"fires": 5_000_000},        # fires simulated per run, for every searching method
    "validation": {"n_fires": 500, "seed": 7919, "candidates": 20},  # choose the returned layout
    "heldout": {"n_fires": 1000, "seed": 2024},
    "points": 8,        # points of the held-out-vs-cost curves (geometric, up to the budget)
    "output": {"dir": "results/compare"},
    "quick": {},        # overrides applied by --quick (same layout as this config)
}

#: What ``--quick`` changes when the config has no ``quick`` section: a run of about a minute.
QUICK: dict[str, Any] = {
    "seeds": [0, 1],
    "run": {
        "simulator": {"n_fires": 10},
        "dataset": {"n": 200, "n_fires": 10},
        "model": {"latent_dim": 8, "char_dim": 4, "channels": [8, 16], "head_hidden": [8],
                  "epochs": 2, "patience": 2},
        "ga": {"population": 10, "generations": 1000, "elite": 1},
    },
    "budget": {"fires": 2000},
    "validation": {"n_fires": 20, "candidates": 5},
    "points": 3,
    "heldout": {"n_fires": 100},
    "output": {"dir": "results/compare_quick"},
}


def _require(cond: bool, msg: str) -> None:
    if not cond:
        raise ConfigError(msg)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def variant_config(config: Mapping, method: str, seed: int, extra: Mapping | None = None) -> dict:
    """The complete, validated run config of GA variant ``method`` for GA seed ``seed``: the
    shared ``run``, the variant's overrides (then ``extra``'s) with a config file's merge rules,
    and the protocol's budget (``ga.max_cost``) and validation candidates (``ga.hof_size``)."""
    from latentga.config import apply_overrides

    protocol = {"name": f"{method}", "seed": int(seed),
                "ga": {"max_cost": int(config["budget"]["fires"]), "hof_size": int(config["validation"]["candidates"])}}
    try:
        out = apply_overrides(config["run"], config["variants"][method] or {})
        return apply_overrides(apply_overrides(out, extra or {}), protocol)
    except ConfigError as exc:
        raise ConfigError(f"comparison variant {method!r} (run + variants.{method}): {exc}") from None


def method_budget(config: Mapping) -> dict:
    """The budget every searching method gets: ``budget.fires`` fires simulated (a GA stops once
    it has spent them; local search counts delta-evaluated fires as GA runs do), or that many
    full evaluations' worth of layouts (``calls``) for random search."""
    run = shared_run_config(config)
    n_fires = int(run["simulator"]["n_fires"])
    fires = int(config["budget"]["fires"])
    return {"fires": fires, "calls": max(1, fires // n_fires), "n_fires": n_fires}


def milestones(config: Mapping) -> tuple[int, ...]:
    """Fire counts at which every method's current answer is recorded: ``points`` geometric
    steps from 2 % of the budget up to the whole budget."""
    fires = int(config["budget"]["fires"])
    return tuple(int(round(x)) for x in np.geomspace(fires / 50, fires, int(config["points"])))


def shared_run_config(config: Mapping) -> dict:
    """The complete, validated ``run`` section: what every method shares (fires, landscape, k)."""
    from latentga.config import validate_config

    try:
        return validate_config(config["run"])
    except ConfigError as exc:
        raise ConfigError(f"comparison section `run`: {exc}") from None


def validate_compare_config(config: Mapping) -> dict:
    """Fill in the defaults and check every key; returns the complete comparison config."""
    _require(isinstance(config, Mapping), "a comparison config must be a mapping of sections "
             "(seeds:, run:, variants:, ...); see configs/compare.yaml")
    unknown = sorted(map(str, set(config) - set(COMPARE_DEFAULTS)))
    if unknown:
        raise ConfigError(f"unknown comparison config key {unknown[0]!r}; valid keys: "
                          f"{', '.join(COMPARE_DEFAULTS)} (see configs/compare.yaml)")
    cfg = merge(COMPARE_DEFAULTS, {k: v for k, v in config.items() if k not in ("baselines",)})
    baselines = config.get("baselines", COMPARE_DEFAULTS["baselines"])
    _require(isinstance(baselines, Mapping), "comparison key 'baselines' must map a baseline name to "
             f"true/false; known baselines: {', '.join(BASELINES)}")
    from latentga.baselines.registry import resolve_baseline

    for name, on in baselines.items():
        _require(name in BASELINES or ":" in str(name), f"unknown baseline {name!r} under 'baselines'; known: "
                 f"{', '.join(BASELINES)}, or your own as 'package.module:function'")
        _require(isinstance(on, bool), f"baselines.{name} must be true or false, got {on!r}")
        if on:
            resolve_baseline(name)  # a plug-in that does not import fails now, not after the GA runs
    cfg["baselines"] = {**{name: bool(baselines.get(name, COMPARE_DEFAULTS["baselines"][name])) for name in BASELINES},
                        **{name: on for name, on in baselines.items() if name not in BASELINES}}

    _require(isinstance(cfg["name"], str) and cfg["name"] and "/" not in cfg["name"],
             f"comparison key 'name' = {cfg['name']!r} must be a plain folder name, e.g. compare")
    seeds = cfg["seeds"]
    _require(isinstance(seeds, list) and seeds and all(_is_int(s) and s >= 0 for s in seeds)
             and len(set(seeds)) == len(seeds),
             f"comparison key 'seeds' = {seeds!r} must be a non-empty list of distinct integers >= 0, "
             "e.g. [0, 1, 2, 3, 4, 5, 6, 7]")
    for key in ("run", "variants", "heldout", "output", "quick"):
        _require(isinstance(cfg[key], Mapping), f"comparison key {key!r} must be a mapping (a YAML section)")
    _require(bool(cfg["variants"]) or any(cfg["baselines"].values()),
             "the comparison has no methods: list GA variants under 'variants' or turn on a baseline")
    _check_protocol(cfg)
    for name, over in cfg["variants"].items():
        _require(isinstance(name, str) and name.replace("_", "").isalnum() and name not in BASELINES,
                 f"variant name {name!r} must be letters, digits and '_' and not a baseline's name")
        _require(over is None or isinstance(over, Mapping),
                 f"variants.{name} must be a mapping of run-config overrides (or empty)")
        cfg["variants"][name] = dict(over or {})
        variant_config(cfg, name, seeds[0])  # raises the GA's ConfigError, prefixed
    run = shared_run_config(cfg)
    if cfg["baselines"].get("best_line"):  # fail now, not after an hour of other methods
        from latentga.simulator import load_landscape

        shape = load_landscape(run["landscape"]).shape
        _require(run["firebreaks"] <= max(shape), f"baselines.best_line: no straight line of {run['firebreaks']} "
                 f"cells fits the {shape[0]}x{shape[1]} grid; set baselines.best_line: false")
    if cfg["baselines"].get("parallel_lines"):
        _check_lines_fit(run)
    held = cfg["heldout"]
    unknown = sorted(map(str, set(held) - {"n_fires", "seed"}))
    if unknown:
        raise ConfigError(f"unknown key 'heldout.{unknown[0]}'; heldout has n_fires and seed")
    _require(_is_int(held["n_fires"]) and held["n_fires"] >= 1,
             f"heldout.n_fires = {held['n_fires']!r} must be an integer >= 1 (default 1000)")
    _require(_is_int(held["seed"]) and held["seed"] >= 1, f"heldout.seed = {held['seed']!r} must be an "
             "integer >= 1 (Cell2Fire seeds fire k with seed * k, so 0 would repeat one fire)")
    from latentga.comparison.fires import check_disjoint_fires, landscape_cells

    for name in cfg["variants"]:
        sim = variant_config(cfg, name, seeds[0])["simulator"]
        _require(sim["seed"] == run["simulator"]["seed"], f"variants.{name} sets simulator.seed = {sim['seed']}: "
                 "every method searches the run's fires; set the seed in run.simulator only")
    check_disjoint_fires(cfg, landscape_cells(run))  # the fires, not just the seeds
    _require(set(cfg["output"]) <= {"dir"} and isinstance(cfg["output"]["dir"], str),
             "comparison section 'output' has one key, dir (a folder path string)")
    return cfg


def _check_lines_fit(run: dict) -> None:
    """Fail at load, not after the other methods, when no full row or column fits the budget."""
    from latentga.baselines.lines import line_sets
    from latentga.simulator import load_landscape

    burnable = np.asarray(load_landscape(run["landscape"]).burnable, bool)
    _require(bool(line_sets(burnable, int(run["firebreaks"]), offsets=1)),
             f"baselines.parallel_lines: no full row or column of this landscape fits {run['firebreaks']} "
             f"firebreaks (the shortest needs {int(min(burnable.sum(0).min(), burnable.sum(1).min()))}); raise "
             "the budget or set baselines.parallel_lines: false")


def _check_protocol(cfg: dict) -> None:
    """Budget, validation fires and curve points: types and ranges (the fire sets are checked
    once the run config is known, by :func:`latentga.comparison.fires.check_disjoint_fires`)."""
    for section, keys in (("budget", {"fires"}), ("validation", {"n_fires", "seed", "candidates"})):
        _require(isinstance(cfg[section], Mapping), f"comparison key {section!r} must be a mapping")
        unknown = sorted(map(str, set(cfg[section]) - keys))
        _require(not unknown, f"unknown key '{section}.{unknown[0] if unknown else ''}'; {section} has "
                 f"{', '.join(sorted(keys))}")
    _require(_is_int(cfg["budget"]["fires"]) and cfg["budget"]["fires"] >= 1,
             f"budget.fires = {cfg['budget']['fires']!r} must be an integer >= 1 (fires simulated per run, "
             "e.g. 5000000)")
    val = cfg["validation"]
    for key in ("n_fires", "seed", "candidates"):
        _require(_is_int(val[key]) and val[key] >= 1, f"validation.{key} = {val[key]!r} must be an integer >= 1")
    _require(_is_int(cfg["points"]) and cfg["points"] >= 1, f"points = {cfg['points']!r} must be an integer >= 1")


def load_compare_config(path: str | os.PathLike | None, quick: bool = False,
                        overrides: Mapping | Iterable[str] | None = None) -> dict:
    """Defaults <- YAML file <- (``quick`` section if ``quick``) <- overrides, validated.

    ``overrides`` is a nested dict or ``"dotted.key=value"`` strings, e.g.
    ``["seeds=[0, 1]", "run.ga.generations=5"]``.
    """
    data = read_yaml_mapping(Path(path), what="comparison config", example="configs/compare.yaml") if path is not None else {}
    if quick:
        q = data.get("quick") or {}
        _require(isinstance(q, Mapping), "comparison key 'quick' must be a mapping of overrides")
        data = merge(merge({k: v for k, v in data.items() if k != "quick"}, QUICK), q)
    if overrides:
        from latentga.config import parse_overrides

        extra = overrides if isinstance(overrides, Mapping) else parse_overrides(overrides)
        data = merge(data, extra)
    return validate_compare_config(data)
