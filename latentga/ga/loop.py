"""One generation's steps: variation (DEAP's varAnd, batched), evaluation through a fitness
cache, and the logbook entry. :func:`latentga.ga.engine.run_ga` strings them together.

Variation: offspring are cloned, consecutive pairs mated with probability ``cxpb``, each
mutated with probability ``mutpb`` (a batch-capable operator is called ONCE with every
individual it varies, so a latent operator does one forward pass per generation), changed ones
repaired by the problem and their fitness invalidated. Evaluation: only invalid individuals are
scored, each distinct one once per run (the cache is keyed by ``problem.key``); with a delta
tracker, children are scored from their parents' evaluations. The logbook's ``evaluations`` and
``cost`` columns are cumulative (``cost`` in the problem's unit, e.g. fires); ``cost_full`` is
what full evaluation of the same individuals would have cost.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from deap import tools

from latentga.operators.base import is_batch_capable

__all__ = ["RUN_FIELDS", "fitness_value", "default_statistics", "new_logbook", "evaluate", "vary", "record"]

#: Logbook columns the engine adds around the statistics' own fields.
RUN_FIELDS = ["best_so_far", "evaluations", "cost", "cost_full", "time"]


def fitness_value(individual) -> float:
    """The (single-objective) fitness of an individual; what statistics are computed over."""
    return individual.fitness.values[0]


def default_statistics() -> tools.Statistics:
    """avg, std, min, max of the population's fitness (add your own with ``stats.register``)."""
    stats = tools.Statistics(fitness_value)
    for name, func in (("avg", np.mean), ("std", np.std), ("min", np.min), ("max", np.max)):
        stats.register(name, func)
    return stats


def new_logbook(stats: tools.Statistics) -> tools.Logbook:
    logbook = tools.Logbook()
    logbook.header = ["gen", "nevals", *stats.fields, *RUN_FIELDS]
    return logbook


def evaluate(individuals: list, problem, toolbox, cache: dict, *, chunk_size: int, tracker=None,
             sources: Sequence[Sequence[bytes]] | None = None) -> tuple[int, int, int]:
    """Give every invalid individual its fitness; returns ``(nevals, new evaluations, cost)``.

    Unknown individuals are deduplicated and evaluated through ``toolbox.map(toolbox.evaluate_batch,
    chunks)`` in chunks of ``chunk_size``. With a ``tracker`` (the problem's delta evaluation),
    ``sources[i]`` are the cache keys of ``individuals[i]``'s parents and the tracker scores each
    new individual from them (or fully, without one).
    """
    invalid = [i for i, ind in enumerate(individuals) if not ind.fitness.valid]
    keys = [problem.key(individuals[i]) for i in invalid]
    todo: dict[bytes, np.ndarray] = {}
    parents: dict[bytes, Sequence[bytes]] = {}
    for key, i in zip(keys, invalid):
        if key not in cache and key not in todo:
            todo[key] = np.asarray(individuals[i])
            if sources is not None and sources[i]:
                parents[key] = sources[i]
    cost = 0
    if todo and tracker is not None:
        scores, cost = tracker.score(todo, parents, toolbox.map, chunk_size)
        cache.update(scores)
    elif todo:
        batch = np.stack(list(todo.values()))
        chunks = [batch[i:i + chunk_size] for i in range(0, len(batch), chunk_size)]
        values = np.concatenate([np.asarray(s, np.float64).reshape(-1)
                                 for s in toolbox.map(toolbox.evaluate_batch, chunks)])
        cache.update(zip(todo.keys(), values.tolist()))
        cost = len(todo) * int(problem.cost_per_evaluation)
    for key, i in zip(keys, invalid):
        individuals[i].fitness.values = (cache[key],)
    return len(invalid), len(todo), cost


def _apply(operator, groups: list[tuple], arity: int) -> list:
    """Run ``operator`` on groups of individuals: one call for all if batch-capable, else one each."""
    if not groups:
        return []
    if is_batch_capable(operator):
        flat = [ind for group in groups for ind in group]
        out = list(operator(*flat))
        if len(out) != len(flat):
            raise RuntimeError(f"batch operator {getattr(operator, '__name__', operator)} returned "
                               f"{len(out)} individuals for {len(flat)}")
        return [tuple(out[i:i + arity]) for i in range(0, len(out), arity)]
    return [tuple(operator(*group)) for group in groups]


def vary(parents: list, toolbox, problem, cxpb: float, mutpb: float,
         rng: np.random.Generator) -> tuple[list, list[tuple[int, ...]]]:
    """varAnd with batch calls; returns ``(offspring, sources)`` where ``sources[i]`` are the
    indices in ``parents`` of offspring i's parents (``(i,)``, or ``(i, partner)`` if mated)."""
    offspring = [toolbox.clone(ind) for ind in parents]
    n = len(offspring)
    sources: list[tuple[int, ...]] = [(i,) for i in range(n)]
    mate_pairs = np.flatnonzero(rng.random(n // 2) < cxpb)
    mutants = np.flatnonzero(rng.random(n) < mutpb)
    changed = set()
    groups = [(offspring[2 * j], offspring[2 * j + 1]) for j in mate_pairs]
    for j, (a, b) in zip(mate_pairs, _apply(toolbox.mate, groups, 2)):
        offspring[2 * j], offspring[2 * j + 1] = a, b
        sources[2 * j], sources[2 * j + 1] = (2 * j, 2 * j + 1), (2 * j + 1, 2 * j)
        changed.update((2 * j, 2 * j + 1))
    groups = [(offspring[i],) for i in mutants]
    for i, (m,) in zip(mutants, _apply(toolbox.mutate, groups, 1)):
        offspring[i] = m
        changed.add(int(i))
    for i in sorted(changed):
        problem.repair(offspring[i], rng)  # a plug-in operator may have broken feasibility
        del offspring[i].fitness.values
    return offspring, sources


def record(logbook: tools.Logbook, stats: tools.Statistics, gen: int, population: list, hof, *,
           nevals: int, evaluations: int, cost: int, cost_per_evaluation: int, seconds: float) -> dict:
    """Append generation ``gen``'s entry (``evaluations`` and ``cost`` cumulative)."""
    entry = dict(gen=gen, nevals=nevals, **stats.compile(population),
                 best_so_far=float(hof[0].fitness.values[0]), evaluations=int(evaluations), cost=int(cost),
                 cost_full=int(evaluations) * int(cost_per_evaluation), time=round(seconds, 4))
    entry = {k: (float(v) if isinstance(v, np.floating) else v) for k, v in entry.items()}
    logbook.record(**entry)
    return entry
