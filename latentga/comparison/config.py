"""The comparison config: which methods, seeds and budgets; validated before anything runs.

A comparison is one shared run config (``run``: landscape, fires, dataset, model, GA budget),
a set of GA ``variants`` (each a few overrides of ``run``: operators, model kind, rates), the
``baselines`` to score beside them, the ``seeds``, and the ``heldout`` fire set every final
layout is re-scored on. The whole is one frozen :class:`CompareConfig`, checked once when it is
loaded: ``run`` is a typed :class:`~latentga.config.RunConfig`, and each variant's run config is
resolved and checked once (:meth:`CompareConfig.variant_run`), so an unknown key or operator fails
at once with the GA's own error message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from latentga.config import RunConfig, merge, read_yaml_mapping
from latentga.errors import ConfigError
from latentga.schema import Section, freeze, section, setting, thaw

__all__ = ["CompareConfig", "BudgetConfig", "ValidationConfig", "HeldoutConfig", "CompareOutputConfig",
           "COMPARE_DEFAULTS", "QUICK", "BASELINES", "load_compare_config", "validate_compare_config",
           "variant_config", "shared_run_config", "method_budget", "milestones"]

#: The built-in baselines, in display order (a config may add its own as 'package.module:function').
BASELINES = ("random_search", "local_search", "burn_probability", "dpv", "dpv_greedy", "best_line", "parallel_lines")

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


class _CompareSection(Section):
    """A comparison section: its messages name the comparison's keys (``budget.fires = 0 ...``)."""

    def _bad(self, field, key, value, type_need):
        meta = field.meta
        need = meta.get("need") or (f"an integer >= {meta.get('low', 0)}" if field.kind is int else type_need)
        if need is None and "choices" in meta:
            need = "one of " + " | ".join(meta["choices"])
        hint = f" ({meta['hint']})" if "hint" in meta else ""
        name = f"comparison key {key!r}" if "." not in key else key
        return ConfigError(f"{name} = {value!r} must be {need or 'a ' + getattr(field.kind, '__name__', 'value')}{hint}")

    def _out_of_range(self, field, key, value):
        return self._bad(field, key, value, None)

    def _unknown(self, prefix, key):
        if not prefix:
            return ConfigError(f"unknown comparison config key {key!r}; valid keys: {', '.join(self._fields())} "
                               "(see configs/compare.yaml)")
        return ConfigError(f"unknown key '{prefix}{key}'; {prefix[:-1]} has {', '.join(sorted(self._fields()))}")

    def _not_mapping(self, prefix, value):
        if not prefix:
            return ConfigError("a comparison config must be a mapping of sections (seeds:, run:, variants:, ...); "
                               "see configs/compare.yaml")
        return ConfigError(f"comparison key {prefix[:-1]!r} must be a mapping (a YAML section)")


@section
class BudgetConfig(_CompareSection):
    """Fires simulated per run, for every searching method."""

    fires: int = setting(5_000_000, low=1, hint="fires simulated per run, e.g. 5000000")


@section
class ValidationConfig(_CompareSection):
    """The fire set a run's returned layout is chosen on, among ``candidates`` hall-of-fame members."""

    n_fires: int = setting(500, low=1)
    seed: int = setting(7919, low=1)
    candidates: int = setting(20, low=1)
    # the layout chosen at the previous curve point is a candidate again: a run returns the best it has
    # offered on these fires, so a search that overfits its search fires gives back its earlier answer
    early_stopping: bool = setting(False)


@section
class HeldoutConfig(_CompareSection):
    """The fresh fire set every returned layout is re-scored on."""

    n_fires: int = setting(1000, low=1, hint="default 1000")
    seed: int = setting(2024, low=1, hint="Cell2Fire seeds fire k with seed * k, so 0 would repeat one fire")


@section
class CompareOutputConfig(_CompareSection):
    """Where the comparison's tables, figures and task store go."""

    dir: str = setting("results/compare", need="a folder path string")


@section
class CompareConfig(_CompareSection):
    """A comparison: the shared ``run`` (a :class:`RunConfig`, checked once), GA ``variants`` (overrides of
    ``run``, each resolved and checked once, see :meth:`variant_run`), ``baselines``, ``seeds`` and the
    protocol (budget, validation and held-out fires, curve points)."""

    name: str = setting("compare", pattern=r"[^/]+", need="a plain folder name, e.g. compare")
    seeds: tuple[int, ...] = setting([0, 1, 2, 3, 4, 5, 6, 7], low=1, item_low=0,
                                     need="a non-empty list of distinct integers >= 0, e.g. [0, 1, 2, 3, 4, 5, 6, 7]")
    run: RunConfig = setting(RunConfig())               # a run config shared by every method
    variants: Mapping[str, Any] = setting({})           # name -> overrides of `run`
    # parallel_lines is off unless named: it needs a full row or column that fits the budget
    baselines: Mapping[str, Any] = setting({name: name != "parallel_lines" for name in BASELINES})
    budget: BudgetConfig = setting(BudgetConfig())
    validation: ValidationConfig = setting(ValidationConfig())
    heldout: HeldoutConfig = setting(HeldoutConfig())
    points: int = setting(8, low=1)  # points of the held-out-vs-cost curves (geometric, up to the budget)
    # the GA variant the Welch table tests every other one against (welch.csv); usually the best non-latent one
    reference: str = setting("vanilla", need="a GA variant's name, e.g. vanilla")
    output: CompareOutputConfig = setting(CompareOutputConfig())
    quick: Mapping[str, Any] = setting({})              # overrides applied by --quick (same layout as this config)

    def _merge_field(self, field, current, value, prefix):
        if field.name == "run" and not isinstance(value, RunConfig):
            if not isinstance(value, Mapping):
                raise ConfigError("comparison key 'run' must be a mapping (a YAML section)")
            try:
                return current.merged(value)
            except ConfigError as exc:
                raise ConfigError(f"comparison section `run`: {exc}") from None
        if field.name == "variants" and isinstance(value, Mapping):
            for name, over in value.items():
                _require(isinstance(name, str) and name.replace("_", "").isalnum() and name not in BASELINES,
                         f"variant name {name!r} must be letters, digits and '_' and not a baseline's name")
                _require(over is None or isinstance(over, Mapping),
                         f"variants.{name} must be a mapping of run-config overrides (or empty)")
            return freeze({name: dict(over or {}) for name, over in value.items()})
        if field.name == "baselines":
            return freeze(_baselines(current, value))
        return super()._merge_field(field, current, value, prefix)

    def variant_run(self, method: str) -> RunConfig:
        """GA variant ``method``'s run config (``run`` with its overrides), checked once and kept."""
        cache = self.__dict__.setdefault("_variant_runs", {})
        if method not in cache:
            try:
                cache[method] = self.run.merged(thaw(self.variants[method]))
            except ConfigError as exc:
                raise ConfigError(f"comparison variant {method!r} (run + variants.{method}): {exc}") from None
        return cache[method]

    def _check(self, prefix: str) -> None:
        _require(self.name not in (".", ".."), f"comparison key 'name' = {self.name!r} must be a plain folder "
                 "name, e.g. compare")
        _require(len(set(self.seeds)) == len(self.seeds), f"comparison key 'seeds' = {list(self.seeds)!r} must be a "
                 "non-empty list of distinct integers >= 0, e.g. [0, 1, 2, 3, 4, 5, 6, 7]")
        _require(bool(self.variants) or any(self.baselines.values()),
                 "the comparison has no methods: list GA variants under 'variants' or turn on a baseline")
        _require(not self.variants or self.reference == "vanilla" or self.reference in self.variants,
                 f"comparison key 'reference' = {self.reference!r} is not a GA variant of this comparison; "
                 f"name one of {', '.join(self.variants)}")
        runs = {name: self.variant_run(name) for name in self.variants}  # each variant checked once, here
        if self.baselines.get("best_line"):  # fail now, not after an hour of other methods
            from latentga.simulator import load_landscape

            shape = load_landscape(self.run.landscape).shape
            _require(self.run.firebreaks <= max(shape), f"baselines.best_line: no straight line of "
                     f"{self.run.firebreaks} cells fits the {shape[0]}x{shape[1]} grid; set baselines.best_line: false")
        if self.baselines.get("parallel_lines"):
            _check_lines_fit(self.run)
        for name, run in runs.items():
            _require(run.simulator.seed == self.run.simulator.seed, f"variants.{name} sets simulator.seed = "
                     f"{run.simulator.seed}: every method searches the run's fires; set the seed in run.simulator only")
        from latentga.comparison.fires import check_disjoint_fires, landscape_cells

        check_disjoint_fires(self, landscape_cells(self.run))  # the fires, not just the seeds


def _check_lines_fit(run: RunConfig) -> None:
    """Fail at load, not after the other methods, when no full row or column fits the budget."""
    from latentga.baselines.lines import shortest_line
    from latentga.simulator import load_landscape

    shortest = shortest_line(load_landscape(run.landscape).burnable)
    _require(shortest <= run.firebreaks,
             f"baselines.parallel_lines: no full row or column of this landscape fits {run.firebreaks} "
             f"firebreaks (the shortest needs {shortest}); raise the budget or set baselines.parallel_lines: false")


def _baselines(current: Mapping, value: Any) -> dict:
    """The ``baselines`` section laid over ``current``: known names or plug-ins, true/false each; a
    plug-in that is on is imported now, not after the GA runs."""
    _require(isinstance(value, Mapping), "comparison key 'baselines' must map a baseline name to "
             f"true/false; known baselines: {', '.join(BASELINES)}")
    from latentga.baselines.registry import resolve_baseline

    for name, on in value.items():
        _require(name in BASELINES or ":" in str(name), f"unknown baseline {name!r} under 'baselines'; known: "
                 f"{', '.join(BASELINES)}, or your own as 'package.module:function'")
        _require(isinstance(on, bool), f"baselines.{name} must be true or false, got {on!r}")
        if on:
            resolve_baseline(name)
    return {**current, **value}


def variant_config(config: CompareConfig, method: str, seed: int, extra: Mapping | None = None) -> RunConfig:
    """The complete, validated run config of GA variant ``method`` for GA seed ``seed``: the
    shared ``run``, the variant's overrides (then ``extra``'s) with a config file's merge rules,
    and the protocol's budget (``ga.max_cost``) and validation candidates (``ga.hof_size``)."""
    protocol = {"name": f"{method}", "seed": int(seed),
                "ga": {"max_cost": config.budget.fires, "hof_size": config.validation.candidates}}
    out = config.variant_run(method)
    try:
        return out.merged(extra or {}).merged(protocol)
    except ConfigError as exc:
        raise ConfigError(f"comparison variant {method!r} (run + variants.{method}): {exc}") from None


def method_budget(config: CompareConfig) -> dict:
    """The budget every searching method gets: ``budget.fires`` fires simulated (a GA stops once
    it has spent them; local search counts delta-evaluated fires as GA runs do), or that many
    full evaluations' worth of layouts (``calls``) for random search."""
    n_fires = config.run.simulator.n_fires
    fires = config.budget.fires
    return {"fires": fires, "calls": max(1, fires // n_fires), "n_fires": n_fires}


def milestones(config: CompareConfig) -> tuple[int, ...]:
    """Fire counts at which every method's current answer is recorded: ``points`` geometric
    steps from 2 % of the budget up to the whole budget."""
    fires = config.budget.fires
    return tuple(int(round(x)) for x in np.geomspace(fires / 50, fires, config.points))


def shared_run_config(config: CompareConfig) -> RunConfig:
    """The complete, validated ``run`` section: what every method shares (fires, landscape, k)."""
    return config.run


def validate_compare_config(config: Mapping) -> CompareConfig:
    """Fill in the defaults and check every key, once; returns the complete, frozen comparison config."""
    if isinstance(config, CompareConfig):
        return config
    return CompareConfig.parse(config)


def load_compare_config(path: str | os.PathLike | None, quick: bool = False,
                        overrides: Mapping | Iterable[str] | None = None) -> CompareConfig:
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


#: The defaults as a plain nested dict (the shape of configs/compare.yaml).
COMPARE_DEFAULTS: dict[str, Any] = {**CompareConfig().to_dict(), "run": {}}
