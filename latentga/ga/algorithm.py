"""The GA as an object: ``ask``/``tell``, ``step``, ``run``, terminations and callbacks.

One generation is eaSimple with elitism: the ``elite`` best are carried over unchanged, the rest
selected, varied and evaluated through the run's fitness cache (and delta evaluation, where the
problem has it). :func:`latentga.ga.engine.run_ga`, the CLI and the comparison all run this
object; it draws every random number from ``algorithm.rng`` (seeded by ``config.seed``), so the
same config and seed give the same numbers, and a checkpoint restores it exactly.

Extension points (where new search levers plug in):

- **Callbacks** (:mod:`latentga.ga.callbacks`) see the whole state (``population``, ``hof``,
  ``logbook``, ``rng``, ``problem``, ``toolbox``, ``model``, ``cache``, ``gen``, ``cost``) and may
  change the population in ``after_evaluation`` (a memetic step on the elite); they score what
  they create with :meth:`GeneticAlgorithm.evaluate`, which counts its cost in ``cost``. State a
  resume needs goes through ``state()``/``restore()``.
- **Variation**: ``variation(algorithm, parents) -> (offspring, origin)`` replaces the default
  (:func:`latentga.ga.loop.vary`: DEAP's varAnd, batched). A wrapper can call
  ``algorithm.default_variation(parents)`` (:func:`default_variation`) several times and keep only the children a surrogate likes best;
  ``origin[i]`` are the indices in ``parents`` of child ``i``'s parents (delta evaluation).
- **ask/tell**: ``ask()`` returns the next population (elites first, children unevaluated);
  anything may filter or reorder it before ``tell(population)`` evaluates what is invalid and
  closes the generation.
- **Termination** (:mod:`latentga.ga.termination`): any objects with ``done(algorithm)``.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np
from deap import tools

from latentga.config import RunConfig
from latentga.errors import CheckpointError
from latentga.ga import checkpoint as ckpt
from latentga.ga.callbacks import Statistics, is_stateful
from latentga.ga.individual import make_individual
from latentga.ga.init import initial_individuals
from latentga.ga.loop import evaluate, vary
from latentga.ga.termination import from_config
from latentga.ga.toolbox import build_toolbox

__all__ = ["GeneticAlgorithm", "default_variation"]


def default_variation(algorithm: "GeneticAlgorithm", parents: list) -> tuple[list, list[tuple[int, ...]]]:
    """The config's ``cxpb``/``mutpb`` varAnd over ``parents`` with the toolbox's operators."""
    return vary(parents, algorithm.toolbox, algorithm.problem, algorithm.cxpb, algorithm.mutpb, algorithm.rng)


class GeneticAlgorithm:
    """The GA of ``config`` (``seed``, ``ga``, ``operators``) on ``problem``.

    Args:
        model: handed to latent operators.
        dataset: needed only for ``ga.init: dataset | dataset_best``.
        map: distributes evaluation (default: SCOOP's under ``python -m scoop``, else builtin).
        callbacks: see :mod:`latentga.ga.callbacks`; a default :class:`Statistics` is put
            first unless one is given.
        termination: objects with ``done(algorithm)``; default ``ga.generations`` and
            ``ga.max_cost``.
        variation: replaces :func:`default_variation`.
    """

    def __init__(self, config: RunConfig, problem, model=None, *, dataset=None, map: Callable | None = None,
                 callbacks: Sequence = (), termination: Sequence | None = None,
                 variation: Callable | None = None):
        ga = config.ga
        self.config, self.problem, self.model, self.dataset = config, problem, model, dataset
        self.elite, self.chunk_size = ga.elite, ga.chunk_size
        self.cxpb, self.mutpb = ga.cxpb, ga.mutpb
        self.rng = np.random.default_rng(config.seed)
        self.toolbox = build_toolbox(config.operators, problem, model, rng=self.rng, map=map)
        self.tracker = problem.delta_tracker()
        self.callbacks = list(callbacks)
        if not any(isinstance(c, Statistics) for c in self.callbacks):
            self.callbacks.insert(0, Statistics())
        from latentga.search import MemeticStep, memetic_step  # lazily: firebreak-only levers

        step = memetic_step(ga.memetic)  # ga.memetic: climbs the elite after each evaluation
        if step is not None and not any(isinstance(c, MemeticStep) for c in self.callbacks):
            self.callbacks.append(step)
        stats = next(c for c in self.callbacks if isinstance(c, Statistics))
        self.termination = list(termination) if termination is not None else from_config(ga)
        self.variation = variation or default_variation
        self.population: list = []
        self.hof = tools.HallOfFame(ga.hof_size, similar=np.array_equal)
        self.logbook = stats.new_logbook()
        self.cache: dict[bytes, float] = {}
        self.gen = -1  # the last completed generation; -1: not started
        self.nevals = self.evaluations = self.cost = 0
        self._t0 = time.perf_counter()
        self._sources: dict[int, list[bytes]] = {}

    # --- state -------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self.gen >= 0

    def seconds(self) -> float:
        """Seconds since the current generation began (the logbook's ``time``)."""
        return time.perf_counter() - self._t0

    def stateful_callbacks(self) -> list:
        return [c for c in self.callbacks if is_stateful(c)]

    def callback_state(self) -> dict:
        """The stateful callbacks' arrays, named ``hook{i}/{name}`` for the checkpoint."""
        return {f"hook{i}/{name}": value for i, cb in enumerate(self.stateful_callbacks())
                for name, value in cb.state().items()}

    def restore(self, state: dict) -> None:
        """Continue from a :func:`~latentga.ga.checkpoint.load_checkpoint` state."""
        self.rng.bit_generator.state = state["rng_state"]
        self.population = ckpt.restore_population(state)
        self.hof = ckpt.restore_hall_of_fame(state, self.config.ga.hof_size)
        for name, members in (("population", self.population), ("hall of fame", self.hof)):
            if not all(self.problem.is_feasible(np.asarray(x)) for x in members):
                raise CheckpointError(f"checkpoint's {name} holds individuals this problem cannot accept "
                                      f"({self.problem.describe()}): it was damaged or tampered with; delete it "
                                      "and run without --resume (or with --overwrite) to start over")
        self.logbook, self.cache = state["logbook"], dict(state["cache"])
        if self.tracker is not None:  # none stored (delta was off): those parents' children run fully
            self.tracker.restore(state.get("records"))
        for i, cb in enumerate(self.stateful_callbacks()):
            prefix = f"hook{i}/"
            cb.restore({k[len(prefix):]: v for k, v in state["extra"].items() if k.startswith(prefix)})
        self.gen = int(state["generation"])
        self.evaluations, self.cost = int(self.logbook[-1]["evaluations"]), int(self.logbook[-1]["cost"])

    def resume(self, path) -> None:
        """Continue from the checkpoint file ``path`` (refused if another config made it)."""
        self.restore(ckpt.load_checkpoint(path, self.config))

    def default_variation(self, parents: list) -> tuple[list, list[tuple[int, ...]]]:
        """The built-in variation (:func:`default_variation`), for a ``variation`` that wraps it
        without importing the engine."""
        return default_variation(self, parents)

    # --- evaluation and generations -----------------------------------------------------------
    def evaluate(self, individuals: list, sources: Sequence[Sequence[bytes]] | None = None) -> int:
        """Give every invalid individual its fitness through the run's cache (and delta tracker,
        from its parents' keys ``sources[i]``), counting evaluations and cost; returns nevals."""
        nevals, new, spent = evaluate(individuals, self.problem, self.toolbox, self.cache,
                                      chunk_size=self.chunk_size, tracker=self.tracker, sources=sources)
        self.nevals += nevals
        self.evaluations += new
        self.cost += spent
        return nevals

    def initialize(self) -> None:
        """Generation 0: the initial population (``ga.seeding``'s heuristic layouts, whose fires
        are charged to ``cost``, then ``ga.init_layouts`` / ``ga.init``), evaluated."""
        from latentga.search import seed_individuals, seeding_on

        self._t0 = time.perf_counter()
        self.nevals = 0
        ga = self.config.ga
        size, seeded = ga.population, []
        if seeding_on(ga.seeding):
            seeds = seed_individuals(ga.seeding, self.problem, self.rng, size)
            seeded, self.cost = list(seeds.layouts), self.cost + seeds.fires
        rest = initial_individuals(ga, self.problem, size - len(seeded), self.rng, self.dataset) \
            if size > len(seeded) else []
        self.population = [make_individual(x) for x in [*seeded, *rest]]
        self.evaluate(self.population)
        self.hof.update(self.population)
        self.gen = 0
        self._close_generation()

    def ask(self) -> list:
        """The next population, unevaluated children after the cloned elites."""
        if not self.started:
            raise RuntimeError("ask() before the first generation: call initialize() or resume() first")
        self._t0 = time.perf_counter()
        elites = [self.toolbox.clone(ind) for ind in tools.selBest(self.population, self.elite)]
        parents = self.toolbox.select(self.population, len(self.population) - self.elite)
        parent_keys = [self.problem.key(p) for p in parents] if self.tracker is not None else None
        offspring, origin = self.variation(self, parents)
        self._sources = {}
        if parent_keys is not None:
            self._sources = {id(child): [parent_keys[j] for j in o] for child, o in zip(offspring, origin)}
        return elites + offspring

    def tell(self, population: list) -> None:
        """Evaluate what is invalid in ``population``, make it the population, close the generation."""
        sources = [self._sources.get(id(ind), ()) for ind in population] if self.tracker is not None else None
        self._sources = {}
        self.nevals = 0
        self.evaluate(population, sources)
        self.population[:] = population
        if self.tracker is not None:
            self.tracker.keep(self.population)
        self.hof.update(self.population)
        self.gen += 1
        self._close_generation()

    def step(self) -> None:
        """One generation (generation 0 if the run has not started)."""
        if not self.started:
            self.initialize()
        else:
            self.tell(self.ask())

    def _close_generation(self) -> None:
        for cb in self.callbacks:
            getattr(cb, "after_evaluation", _skip)(self)
        for cb in self.callbacks:
            getattr(cb, "on_generation", _skip)(self)

    def done(self) -> bool:
        return any(t.done(self) for t in self.termination)

    def run(self) -> tuple[list, tools.Logbook, tools.HallOfFame]:
        """Run until a termination is done (from the restored state, if any); returns
        ``(population, logbook, hall of fame)``."""
        for t in self.termination:
            getattr(t, "start", _skip)(self)
        if not self.started:
            self.initialize()
        for cb in self.callbacks:
            getattr(cb, "on_start", _skip)(self)
        while not self.done():
            self.step()
        for cb in self.callbacks:
            getattr(cb, "on_end", _skip)(self)
        return self.population, self.logbook, self.hof


def _skip(_algorithm) -> None:
    return None
