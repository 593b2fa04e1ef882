"""``run_ga``: one call that builds a :class:`~latentga.ga.algorithm.GeneticAlgorithm` from a
config with the usual callbacks (statistics, retraining hooks, checkpoints, ``on_generation``,
progress) and runs it. ``python -m latentga run``, the comparison and a user's script call it;
use the algorithm object directly for ask/tell, other terminations or your own callbacks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

from deap import tools

from latentga.config import GAConfig, RunConfig
from latentga.errors import CheckpointError
from latentga.ga.algorithm import GeneticAlgorithm
from latentga.ga.callbacks import LOGGER, Callback, Checkpoint, Hook, OnGeneration, Progress, Statistics, progress_line
from latentga.ga.init import initial_individuals

__all__ = ["run_ga", "CHECKPOINT_NAME", "print_progress", "initial_individuals", "standard_callbacks"]

CHECKPOINT_NAME = "checkpoint.npz"


def print_progress(entry: dict, ngen: int, unit: str = "cost", stream=None) -> None:
    """Print :func:`~latentga.ga.callbacks.progress_line` (for scripts; the engine logs it)."""
    import sys

    print(progress_line(entry, ngen, unit), file=stream or sys.stdout, flush=True)


def standard_callbacks(ga: GAConfig, *, checkpoint: str | os.PathLike | None = None, progress: bool = True,
                       on_generation: Callable | None = None, stats: tools.Statistics | None = None,
                       hooks: Sequence = ()) -> list:
    """``run_ga``'s callbacks in their order: statistics, ``hooks`` (callbacks, or older
    ``hook(gen, population, hof)`` objects with ``state``/``restore``), the checkpoint, the
    ``on_generation`` function, progress."""
    out: list = [Statistics(stats)]
    out += [h if isinstance(h, Callback) else Hook(h) for h in hooks]
    if checkpoint is not None:
        out.append(Checkpoint(checkpoint))
    if on_generation is not None:
        out.append(OnGeneration(on_generation))
    if progress:
        out.append(Progress(ga.generations))
    return out


def run_ga(config: RunConfig, problem, model=None, out_dir: str | os.PathLike | None = None,
           resume: bool = False, progress: bool = True, dataset=None,
           on_generation: Callable[[int, list, tools.HallOfFame, tools.Logbook], None] | None = None,
           map: Callable | None = None, stats: tools.Statistics | None = None,
           hooks: Sequence = (), termination: Sequence | None = None, variation: Callable | None = None,
           ) -> tuple[list, tools.Logbook, tools.HallOfFame]:
    """Run (or, with ``resume``, continue) the GA of ``config`` on ``problem``.

    Returns ``(population, logbook, hall of fame)``. ``model`` is handed to latent operators;
    ``dataset`` is needed only for ``ga.init: dataset | dataset_best``. ``out_dir/checkpoint.npz``
    is rewritten atomically after every generation (``None``: no checkpoints); a resumed run ends
    with the same population, logbook (but timings) and hall of fame as an uninterrupted one.
    ``map`` distributes evaluation; ``stats`` replaces the default avg/std/min/max statistics;
    ``on_generation(gen, population, hof, logbook)`` runs after every generation (and its
    checkpoint), generation 0 included; ``hooks`` run before the checkpoint (callbacks, or
    ``hook(gen, population, hof)`` objects with ``state``/``restore``, e.g. weighted
    retraining, or a memetic step in ``after_evaluation``). The run stops after
    ``ga.generations``, or once ``ga.max_cost`` is spent, unless ``termination`` (objects of
    :mod:`latentga.ga.termination`) replaces those; ``variation`` replaces the batched varAnd
    (see :class:`~latentga.ga.algorithm.GeneticAlgorithm`).
    """
    if out_dir is None and resume:
        raise CheckpointError("resume needs the folder of the run's checkpoint; give out_dir")
    path = Path(out_dir) / CHECKPOINT_NAME if out_dir is not None else None
    callbacks = standard_callbacks(config.ga, checkpoint=path, progress=progress, on_generation=on_generation,
                                   stats=stats, hooks=hooks)
    algorithm = GeneticAlgorithm(config, problem, model, dataset=dataset, map=map, callbacks=callbacks,
                                 termination=termination, variation=variation)
    if resume:
        algorithm.resume(path)
        if progress:
            LOGGER.info("resuming %s after generation %d", path, algorithm.gen)
    return algorithm.run()
