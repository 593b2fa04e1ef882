"""The one callback mechanism of the GA: statistics, checkpoints, progress, retraining, yours.

A callback is an object with any of four methods, each given the
:class:`~latentga.ga.algorithm.GeneticAlgorithm` (its ``population``, ``hof``, ``logbook``,
``rng``, ``problem``, ``toolbox``, ``gen``, ``cost``, ...):

- ``on_start(algorithm)``: once, when :meth:`run` begins (after generation 0 or a resume).
- ``after_evaluation(algorithm)``: every generation (0 included), once the population is
  evaluated and the hall of fame updated, BEFORE the logbook entry. It may change the population
  (e.g. a memetic local search on the elite); individuals it creates are scored with
  ``algorithm.evaluate(individuals)``, which counts their cost, then ``algorithm.hof.update``.
- ``on_generation(algorithm)``: every generation after its logbook entry, in list order
  (the defaults: :class:`Statistics` first, then the run's hooks such as weighted retraining,
  :class:`Checkpoint`, the caller's function, :class:`Progress`).
- ``on_end(algorithm)``: once, when the run stops.

A callback whose state must survive a resume also has ``state() -> {name: numeric array}`` and
``restore(state)``; the checkpoint stores it under ``hook{i}/`` (``i`` counts the stateful
callbacks in order), so checkpoints of the older ``hooks=`` interface still resume.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

from deap import tools

from latentga.ga import checkpoint as ckpt
from latentga.ga.loop import default_statistics, new_logbook, record

__all__ = ["Callback", "Statistics", "Checkpoint", "Progress", "OnGeneration", "Hook", "progress_line",
           "is_stateful", "LOGGER"]

#: The GA's logger: progress lines at INFO (the CLI's --quiet / --verbose set its level).
LOGGER = logging.getLogger("latentga.ga")


def is_stateful(callback) -> bool:
    """True when ``callback`` keeps state in the checkpoint (has ``state`` and ``restore``)."""
    return callable(getattr(callback, "state", None)) and callable(getattr(callback, "restore", None))


class Callback:
    """Base class with every event a no-op; override those you need."""

    def on_start(self, algorithm) -> None:
        pass

    def after_evaluation(self, algorithm) -> None:
        pass

    def on_generation(self, algorithm) -> None:
        pass

    def on_end(self, algorithm) -> None:
        pass


class Statistics(Callback):
    """Appends each generation's entry to ``algorithm.logbook``: DEAP ``stats`` of the
    population (default avg/std/min/max) plus the run columns (``best_so_far``, cumulative
    ``evaluations`` and ``cost``, ``cost_full``, ``time``)."""

    def __init__(self, stats: tools.Statistics | None = None):
        self.stats = stats or default_statistics()

    def new_logbook(self) -> tools.Logbook:
        return new_logbook(self.stats)

    def on_generation(self, algorithm) -> None:
        record(algorithm.logbook, self.stats, algorithm.gen, algorithm.population, algorithm.hof,
               nevals=algorithm.nevals, evaluations=algorithm.evaluations, cost=algorithm.cost,
               cost_per_evaluation=algorithm.problem.cost_per_evaluation, seconds=algorithm.seconds())


class Checkpoint(Callback):
    """Rewrites ``path`` atomically after every generation (see :mod:`latentga.ga.checkpoint`)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def on_generation(self, algorithm) -> None:
        tracker = algorithm.tracker
        ckpt.save_checkpoint(self.path, config=algorithm.config, generation=algorithm.gen,
                             population=algorithm.population, hof=algorithm.hof, logbook=algorithm.logbook,
                             cache=algorithm.cache, rng=algorithm.rng, extra=algorithm.callback_state(),
                             records=tracker.state() if tracker is not None else None)


def progress_line(entry: dict, ngen: int | None, unit: str = "cost") -> str:
    """One line per generation: best so far, population statistics, evaluation cost, time."""
    return (f"gen {entry['gen']:>3}/{ngen}  best {entry['best_so_far']:.4f}  max {entry['max']:.4f}  "
            f"avg {entry['avg']:.4f}  std {entry['std']:.4f}  nevals {entry['nevals']:>3}  "
            f"evaluated {entry['evaluations']:>5}  "
            + (f"{unit} {entry['cost']:>7}  " if entry["cost"] != entry["evaluations"] or unit != "evaluations"
               else "")
            + f"{entry['time']:.2f}s")


class Progress(Callback):
    """Logs :func:`progress_line` for each generation at INFO on ``latentga.ga``."""

    def __init__(self, ngen: int | None = None, logger: logging.Logger | None = None):
        self.ngen, self.logger = ngen, logger or LOGGER

    def on_generation(self, algorithm) -> None:
        self.logger.info(progress_line(algorithm.logbook[-1], self.ngen, algorithm.problem.cost_unit))


class OnGeneration(Callback):
    """Calls ``function(gen, population, hof, logbook)`` after every generation (``run_ga``'s
    ``on_generation`` argument)."""

    def __init__(self, function: Callable):
        self.function = function

    def on_generation(self, algorithm) -> None:
        self.function(algorithm.gen, algorithm.population, algorithm.hof, algorithm.logbook)


class Hook(Callback):
    """Adapts an older ``hook(gen, population, hof)`` object with ``state``/``restore`` (as
    ``run_ga(hooks=...)`` takes them) to a callback."""

    def __init__(self, hook):
        self.hook = hook

    def on_generation(self, algorithm) -> None:
        self.hook(algorithm.gen, algorithm.population, algorithm.hof)

    def state(self) -> dict:
        return self.hook.state()

    def restore(self, state: dict) -> None:
        self.hook.restore(state)

