"""Build what a run needs from its config, caching each piece on disk.

``run``, ``train``, ``dataset`` and the benchmarks all get their simulator, dataset and trained
model through these three functions, so a piece built once (a 50,000-layout dataset, a trained
CCVAE) is reused by every later command with the same settings. Cache files are named by a
hash of the settings that produced them, and written atomically. Each entry is built under a
lock file beside it, so two runs sharing a cache build it once: the other waits and reuses it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from latentga.config import RunConfig, SimulatorConfig, config_hash

__all__ = ["make_simulator", "build_simulator", "ensure_dataset", "ensure_model", "model_path", "cache_dir"]

LOGGER = logging.getLogger("latentga.pipeline")


def cache_dir(config: RunConfig) -> Path:
    return Path(config.output.cache_dir)


def make_simulator(config: RunConfig, n_fires: int | None = None, seed: int | None = None):
    """The fire simulator a run config asks for (its ``simulator`` section on its ``landscape``),
    optionally with other fires: see :func:`build_simulator`."""
    return build_simulator(config.simulator, config.landscape, n_fires=n_fires, seed=seed)


def build_simulator(sim: SimulatorConfig, landscape: str | None = None, n_fires: int | None = None,
                    seed: int | None = None):
    """The fire simulator a ``simulator`` section describes, on ``landscape`` (a Cell2Fire instance
    folder; None: the built-in Sub20x20).

    ``n_fires``/``seed`` override the section (the dataset labels and the held-out re-scoring
    use other fire sets than the GA's fitness).
    """
    from latentga.errors import ConfigError
    from latentga.simulator import FireSimulator, load_landscape

    kwargs = dict(
        n_fires=int(n_fires if n_fires is not None else sim.n_fires),
        seed=int(seed if seed is not None else sim.seed),
        ignition_radius=sim.ignition_radius,
        n_weathers=sim.n_weathers,
        ros_cv=sim.ros_cv,
        ignition_mode=sim.ignition_mode,
        ignitions=sim.ignitions,
    )
    if sim.backend == "cell2fire":
        from latentga.simulator.cell2fire_backend import Cell2FireBinarySimulator

        if kwargs.pop("ignitions") != "file":
            raise ConfigError("simulator.ignitions: anywhere is not wired to the Cell2Fire binary backend; "
                              "use backend: builtin (identical fires) or ignitions: file")
        folder = landscape if landscape else load_landscape(None)
        if sim.fuel_model not in (None, "fbp"):
            raise ConfigError("simulator.fuel_model: the Cell2Fire binary backend runs FBP only; use backend: builtin")
        return Cell2FireBinarySimulator(binary=sim.cell2fire_binary, landscape=folder, **kwargs)
    return FireSimulator(load_landscape(landscape, fuel_model=sim.fuel_model), **kwargs)


def ensure_dataset(config: RunConfig, progress: bool = True, workers: int | None = None):
    """The config's labelled dataset, built (in parallel, with a progress bar) if not cached."""
    from latentga.dataset import load_or_build_dataset

    ds = config.dataset
    simulator = make_simulator(config, n_fires=ds.n_fires)
    key = config_hash(ds, config.firebreaks, simulator.settings)
    path = cache_dir(config) / f"dataset-{key}.npz"
    if progress and not path.exists():
        LOGGER.info("building dataset: %d layouts x %d fires -> %s", ds.n, ds.n_fires, path)
    return load_or_build_dataset(path, simulator, n=ds.n, k=config.firebreaks, seed=ds.seed,
                                 workers=workers, progress=progress)


def model_path(config: RunConfig, dataset) -> Path:
    """The cache file of the config's model: named by the dataset and the model section, not by
    where it runs (``model.device`` is left out), so a model trained on a GPU serves a CPU run."""
    from latentga.models.config import model_identity  # torch-free

    kind = re.sub(r"[^A-Za-z0-9_]+", "_", config.model.kind)  # a plug-in's module:Class, file-safe
    return cache_dir(config) / f"model-{kind}-{config_hash(dataset.settings, model_identity(config.model))}.pt"


def ensure_model(config: RunConfig, dataset=None, progress: bool = True, threads: int | None = None):
    """The config's trained VAE/CCVAE (frozen), trained on the config's dataset if not cached.

    Training metrics and the loss curve land in a folder beside the cached model file. The
    training seed is the dataset seed, so every GA seed of a comparison shares one model.
    ``threads`` sets torch's threads while training (None: torch's default). The model trains
    and is loaded on ``model.device`` (``auto``: CUDA when PyTorch sees a GPU).
    """
    from latentga.models import load_model, save_model, train_model
    from latentga.models.runtime import resolve_device

    device = resolve_device(config.model.device)  # first: a wrong device fails before any work
    if config.model.path:  # a model file written by `train --out`: used as it is
        return _given_model(config, dataset, device)
    if dataset is None:
        dataset = ensure_dataset(config, progress=progress)
    from latentga.io import build_lock

    path = model_path(config, dataset)
    if not path.exists():
        with build_lock(path, "model"):  # two runs sharing the cache: one trains, the other waits
            if not path.exists():
                if progress:
                    LOGGER.info("training %s on %d layouts (%s) -> %s", config.model.kind, len(dataset),
                                device.type, path)
                result = train_model(dataset.layouts, dataset.fitness, config.model,
                                     seed=config.dataset.seed, progress=progress,
                                     out_dir=path.with_suffix(""), threads=threads, device=device)
                save_model(result.model, path)
    if progress:
        from latentga.models.summary import training_summary

        cfg = config.model
        chance = config.firebreaks / (dataset.shape[0] * dataset.shape[1])
        for line in training_summary(path.with_suffix(""), cfg.epochs, cfg.patience, chance=chance):
            (LOGGER.warning if line.startswith("warning:") else LOGGER.info)("model %s: %s", path.name, line)
    return load_model(path, device=device, kind=config.model.kind)


def _given_model(config: RunConfig, dataset, device):
    """The model file ``model.path`` names, checked against the run's grid (one ModelFileError)."""
    from latentga.errors import ModelFileError
    from latentga.models import load_model

    path = Path(config.model.path)
    model = load_model(path, device=device, kind=config.model.kind)
    kind = config.model.kind
    if kind in ("vae", "ccvae") and bool(getattr(model, "is_conditional", False)) != (kind == "ccvae"):
        found = "ccvae" if getattr(model, "is_conditional", False) else "vae"
        raise ModelFileError(f"model.path {path} holds a {found} but model.kind is {kind}; set model.kind: {found} "
                             "or give a model file of that kind")
    if dataset is not None and tuple(model.grid_shape) != tuple(dataset.shape):
        raise ModelFileError(f"model.path {path} was trained on {model.grid_shape[0]}x{model.grid_shape[1]} grids "
                             f"but this run's landscape is {dataset.shape[0]}x{dataset.shape[1]}; train a model "
                             "for this landscape (python -m latentga train CONFIG --out FILE)")
    return model
