"""Run configs: the typed sections and their defaults, YAML loading, overrides and hashing.

A run is described by one frozen :class:`RunConfig` (one typed section per part of the code:
``simulator``, ``dataset``, ``model``, ``ga``, ``operators``, ...). :func:`load_config` lays a YAML
file and command-line overrides over the defaults and validates them once, so a typo fails in a
second with one :class:`~latentga.errors.ConfigError` naming the key and the fix, instead of after
an hour of simulation. With no file at all the defaults run a small but real CCVAE-GD pipeline
that finishes in minutes on two cores. ``RunConfig.to_dict()`` is the plain dict that caches,
fingerprints and ``config.yaml`` files are made of (:data:`DEFAULT_CONFIG` is the defaults' one).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from latentga.errors import ConfigError
from latentga.models.config import ModelConfig  # torch-free: a vanilla run imports no torch
from latentga.schema import Section, freeze, section, setting, thaw

__all__ = ["RunConfig", "SimulatorConfig", "DatasetConfig", "GAConfig", "SeedingConfig", "MemeticConfig",
           "OperatorSpec", "OperatorsConfig", "RetrainingConfig", "LatentConfig", "LearnConfig", "ScreenConfig",
           "TrustConfig", "OutputConfig", "ModelConfig",
           "DEFAULT_CONFIG", "load_config", "validate_config", "parse_overrides", "config_hash", "merge",
           "apply_overrides", "SMALL_MODEL", "read_yaml_mapping"]

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


_SEED = dict(low=0, high=2**32 - 1)  # NumPy and Cell2Fire seeds are unsigned 32-bit


@section
class SimulatorConfig(Section):
    """The fires that score GA individuals."""

    backend: str = setting("builtin", choices=("builtin", "cell2fire"))
    cell2fire_binary: str | None = setting(None)
    n_fires: int = setting(50, low=1)
    seed: int = setting(123, **_SEED)
    ignition_radius: int = setting(4, low=0)
    n_weathers: int | None = setting(None, low=1)    # null = all weather files but the first and last
    ros_cv: float = setting(0.0, low=0)
    ignition_mode: str = setting("cell2fire", choices=("cell2fire", "redraw"))
    ignitions: str = setting("file", choices=("file", "anywhere"))  # around Ignitions.csv's cell | any burnable cell
    # null = the landscape folder's lookup table decides
    fuel_model: str | None = setting(None, choices=("fbp", "kitral", "scott_burgan"))


@section
class DatasetConfig(Section):
    """Random layouts the model learns from."""

    n: int = setting(40000, low=1)
    n_fires: int = setting(50, low=1)
    seed: int = setting(0, **_SEED)


@section
class SeedingConfig(Section):
    """Generation 0 from DPV on the search fires, its fires charged to the run (latentga.search.seeding):
    dpv none | plain | greedy (that layout first; picks = breaks per greedy round), sampled = layouts
    drawn with weight DPV ** power; lines: true puts the parallel fuel-break lines' layout first."""

    dpv: str = setting("none", choices=("none", "plain", "greedy"))
    picks: int = setting(1, low=1)
    sampled: int = setting(0, low=0)
    power: float = setting(1.0, low=0, high=100)
    lines: bool = setting(False)


@section
class MemeticConfig(Section):
    """After each generation, the ``individuals`` best are climbed with ``moves`` moves (``proposal``:
    one break moved, or ``segment``: a stretch of a line bent), delta-evaluated, fires charged
    (latentga.search.memetic); individuals 0 = off; z > 0: only moves
    whose per-fire gain is that many standard errors above 0; restart R > 0: after R generations in
    which the population's best did not improve, a fresh random population replaces it (the hall of
    fame keeps what was found), so a climb stuck in one basin starts in another."""

    individuals: int = setting(0, low=0)
    moves: int = setting(100, low=1)
    strategy: str = setting("first", choices=("first", "best"))
    proposal: str = setting("burned", choices=("uniform", "burned", "idle", "segment"))
    z: float = setting(0.0, low=0, high=10)
    restart: int = setting(0, low=0)


@section
class GAConfig(Section):
    """The genetic algorithm: population, rates, stopping, start and search levers."""

    population: int = setting(40, low=2)
    generations: int = setting(10, low=0)
    max_cost: int | None = setting(None, low=1)   # stop once this many fires (the problem's cost unit) were spent
    cxpb: float = setting(0.7, low=0, high=1)      # probability a consecutive pair of offspring is mated
    mutpb: float = setting(0.3, low=0, high=1)     # probability an offspring is mutated
    elite: int = setting(2, low=0)                 # best individuals carried over unchanged
    init: str = setting("random", choices=("random", "dataset", "dataset_best"))
    init_layouts: str | None = setting(None)       # a .npy of [H, W] or [B, H, W] layouts that start generation 0
    hof_size: int = setting(10, low=1)             # best distinct layouts kept (best_layouts.npy)
    chunk_size: int = setting(16, low=1)           # layouts per evaluation task sent through toolbox.map
    # score children from their parent's fires, re-running only the fires the change can alter:
    # identical fitness, fewer fires simulated. Builtin backend only: with backend cell2fire (or a
    # simulator without single-fire runs) it is silently off. Memory: ~0.9 kB per fire per
    # population layout on 20x20 (kept, and in each checkpoint).
    delta_evaluation: bool = setting(True)
    seeding: SeedingConfig = setting(SeedingConfig())
    memetic: MemeticConfig = setting(MemeticConfig())

    def _check(self, prefix: str) -> None:
        if self.elite >= self.population:
            raise ConfigError(f"config key 'ga.elite' = {self.elite} must be smaller than "
                              f"ga.population = {self.population}")


_INJECTED = ("budget", "k", "rng", "model", "allowed")


@section
class OperatorSpec(Section):
    """One operator: a registry name or a plug-in ``package.module:function``, and its free-form
    ``params`` (checked against the function's signature and declared ranges at load)."""

    name: str = setting("")
    params: Mapping[str, Any] = setting({})

    def merged(self, data: Any, prefix: str = "") -> OperatorSpec:
        """A new ``name`` starts from empty ``params`` (they belong to the old operator)."""
        key = prefix[:-1]
        if isinstance(data, str):  # shorthand: `mutate: mut_flip`
            data = {"name": data}
        if not isinstance(data, Mapping):
            raise ConfigError(f"config key {key!r} must be a mapping with `name` and optional `params`")
        unknown = set(data) - {"name", "params"}
        if unknown:
            raise ConfigError(f"unknown config key '{key}.{sorted(unknown)[0]}'; an operator section has "
                              "only `name` and `params`")
        name = data.get("name", self.name)
        params = dict(self.params) if name == self.name else {}
        extra = data.get("params") or {}
        if not isinstance(extra, Mapping):
            raise ConfigError(f"config key '{key}.params' must be a mapping of parameter: value")
        params.update(extra)
        out = dataclasses.replace(self, name=name, params=freeze(params))
        out._check(prefix)
        return out

    def _check(self, prefix: str) -> None:
        from latentga.operators.base import accepted_keywords, check_operator_params
        from latentga.operators.registry import resolve_operator

        key = prefix[:-1]
        role = key.rpartition(".")[2]
        func = resolve_operator(self.name, role=role, key=f"{key}.name")
        names, var_kw = accepted_keywords(func)
        for param in self.params:
            if param in _INJECTED:
                raise ConfigError(f"{key}.params.{param}: {param!r} is filled in by the engine "
                                  "(budget, random generator, model); remove it from params")
            if param not in names and not var_kw:
                takes = sorted(names - set(_INJECTED) - {"individual", "individuals", "ind1", "ind2"})
                raise ConfigError(f"{key}.params.{param}: operator {self.name} has no parameter "
                                  f"{param!r}; it accepts: {', '.join(takes) or 'none'}")
        check_operator_params(func, thaw(self.params), key)  # types and declared ranges, at load


@section
class OperatorsConfig(Section):
    """The three variation roles; each names its operator and parameters."""

    mate: OperatorSpec = setting(OperatorSpec("cx_latent_interpolation", freeze({"alpha_low": 0.0, "alpha_high": 1.0})))
    mutate: OperatorSpec = setting(OperatorSpec("mut_ccvae_gradient", freeze({"steps": 2, "step_size": 0.1})))
    select: OperatorSpec = setting(OperatorSpec("sel_tournament", freeze({"tournsize": 3})))


@section
class RetrainingConfig(Section):
    """Weighted retraining of the model during the run (latentga.retraining); every 0 = frozen model."""

    every: int = setting(0, low=0)
    k: float = setting(0.02, low=1e-9)
    epochs: int = setting(1, low=1)
    top: int = setting(5000, low=1)  # k * top ~ 100


@section
class LearnConfig(Section):
    """Learn from good layouts before the search (greedy DPV, DPV-proportional samples, local-search
    descents, perturbations; scored on the search fires, charged to the run); samples 0 = off."""

    samples: int = setting(0, low=0)
    perturbed: int = setting(0, low=0)
    descent_fires: int = setting(0, low=0)
    epochs: int = setting(2, low=1)
    k: float = setting(0.001, low=1e-9)
    top: int = setting(5000, low=2)


@section
class ScreenConfig(Section):
    """Surrogate pre-screening: candidates per varied child rated by the fitness head (1 = off); the
    head is refitted every ``refit_every`` generations on everything simulated, rank weights k."""

    candidates: int = setting(1, low=1)
    refit_every: int = setting(5, low=0)
    k: float = setting(0.001, low=1e-9)
    epochs: int = setting(20, low=1)


@section
class TrustConfig(Section):
    """Trust region around the elite's code: share of varied children drawn in it (0 = off); length in
    units of the elite's posterior std, doubled after ``success`` improving generations in a row,
    halved after ``failure`` idle ones, restarted below ``min`` (the model is then fine-tuned on the
    ``top`` best layouts simulated)."""

    share: float = setting(0.0, low=0, high=1)
    length: float = setting(1.0, low=1e-9)
    min: float = setting(0.125, low=1e-9)
    max: float = setting(4.0, low=1e-9)
    success: int = setting(3, low=1)
    failure: int = setting(5, low=1)
    top: int = setting(2000, low=2)

    def _check(self, prefix: str) -> None:
        if not self.min <= self.length <= self.max:
            raise ConfigError(f"config keys latent.trust.min <= length <= max must hold, got {self.min} <= "
                              f"{self.length} <= {self.max}; e.g. min 0.125, length 1.0, max 4.0")


@section
class LatentConfig(Section):
    """Latent levers (latentga.search, docs/latent-levers.md); all off = the plain latent GA."""

    fresh: bool = setting(False)   # no stalls: varied children already scored are re-drawn, then perturbed
    redraws: int = setting(2, low=0)  # rounds of re-drawing with the run's mutation before perturbing
    learn: LearnConfig = setting(LearnConfig())
    screen: ScreenConfig = setting(ScreenConfig())
    trust: TrustConfig = setting(TrustConfig())


@section
class OutputConfig(Section):
    """Where results and caches go (not part of any fingerprint)."""

    dir: str = setting("results")
    cache_dir: str = setting(".latentga_cache")


def _default_model() -> ModelConfig:
    """The run's model: :data:`SMALL_MODEL` over the model section's defaults (torch-free)."""
    return ModelConfig().replace(**SMALL_MODEL, kind="ccvae")


@section
class RunConfig(Section):
    """A complete run: one typed, frozen section per part of the code (each part gets its own)."""

    name: str = setting("ccvae_gd")         # run name = results folder name
    seed: int = setting(0, **_SEED)         # GA seed: initial population and every operator draw
    firebreaks: int = setting(20, low=1)    # budget k: every layout has exactly k firebreaks
    landscape: str | None = setting(None)   # null = built-in Sub20x20; else a Cell2Fire instance folder
    simulator: SimulatorConfig = setting(SimulatorConfig())
    dataset: DatasetConfig = setting(DatasetConfig())
    model: ModelConfig = setting(_default_model())
    ga: GAConfig = setting(GAConfig())
    operators: OperatorsConfig = setting(OperatorsConfig())
    retraining: RetrainingConfig = setting(RetrainingConfig())
    latent: LatentConfig = setting(LatentConfig())
    output: OutputConfig = setting(OutputConfig())

    def _merge_field(self, field, current, value, prefix):
        if field.name == "model" and not prefix:
            if value is None or isinstance(value, ModelConfig):
                return value or current
            if not isinstance(value, Mapping):
                raise ConfigError("config key 'model' must be a mapping of model settings")
            model = current.merged(value, "model.")
            if "kind" in value and ":" in model.kind:  # a plug-in class: found now, not after a dataset build
                from latentga.plugins import resolve_dotted

                resolve_dotted(model.kind, key="model.kind", what="model class", callable_only=True)
            return model
        return super()._merge_field(field, current, value, prefix)

    def _check(self, prefix: str) -> None:
        if not self.name or "/" in self.name or self.name in (".", ".."):
            raise ConfigError(f"config key 'name' = {self.name!r} must be a plain folder name "
                              "(no '/'), e.g. ccvae_gd")


#: The defaults as a plain nested dict (what ``config.yaml`` of a default run holds).
DEFAULT_CONFIG: dict[str, Any] = RunConfig().to_dict()


def validate_config(config: Mapping) -> RunConfig:
    """``config`` (a mapping of sections, e.g. a YAML file's) over the defaults, validated: the
    complete, frozen :class:`RunConfig`. A :class:`RunConfig` is returned as it is (it was checked
    when it was made)."""
    if isinstance(config, RunConfig):
        return config
    return RunConfig.parse(config)


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


def apply_overrides(config: Mapping, overrides: Mapping) -> RunConfig:
    """``overrides`` over a complete ``config``, with the rules of a config file (an operator
    section naming another operator starts from empty params; unknown keys are errors); only the
    keys ``overrides`` gives are checked again."""
    return validate_config(config).merged(overrides)


def load_config(path: str | os.PathLike | None = None,
                overrides: Mapping | Iterable[str] | None = None) -> RunConfig:
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
    plain = thaw(settings[0] if len(settings) == 1 else list(settings))  # typed sections as their plain dicts
    text = json.dumps(plain, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
