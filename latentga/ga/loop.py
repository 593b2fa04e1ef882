"""The generational loop: eaSimple with elitism, batched variation and a fitness cache.

Per generation: the ``elite`` best are carried over unchanged; the rest are selected, cloned,
mated and mutated like DEAP's ``varAnd`` (a batch-capable operator is called ONCE with every
individual it varies, so a latent operator does one forward pass per generation), repaired to
the budget, and only individuals with an invalid fitness are evaluated. The fitness cache, keyed
by :func:`latentga.layouts.layout_key`, means a layout is never simulated twice in a run.

With delta evaluation on (``toolbox.delta``, see :mod:`latentga.ga.delta`) each child is scored
from its parent's fire records: offspring i of :func:`vary` comes from ``parents[i]`` and, when
mated, also from its partner. Fitness values are identical either way; the logbook's ``fires``
column counts the fires actually simulated (cumulative) and ``fires_full`` what full evaluation
of the same layouts would have cost (``sim_calls`` x N).
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np
from deap import tools

from latentga.layouts import layout_key
from operators.repair import repair_budget

__all__ = ["LOG_FIELDS", "new_logbook", "evaluate_invalid", "evaluate_with_fires", "vary", "vary_with_sources",
           "record", "run_generations"]

LOG_FIELDS = ["gen", "nevals", "avg", "std", "min", "max", "best_so_far", "sim_calls", "fires", "fires_full",
              "time"]


def new_logbook() -> tools.Logbook:
    logbook = tools.Logbook()
    logbook.header = list(LOG_FIELDS)
    return logbook


def evaluate_invalid(individuals: list, toolbox, cache: dict) -> tuple[int, int]:
    """Give every invalid individual its fitness; simulate only layouts not in ``cache``.

    Returns ``(nevals, new simulator calls)``; :func:`evaluate_with_fires` also says how many
    fires were simulated and takes the individuals' parents for delta evaluation.
    """
    nevals, calls, _ = evaluate_with_fires(individuals, toolbox, cache)
    return nevals, calls


def evaluate_with_fires(individuals: list, toolbox, cache: dict,
                        sources: Sequence[Sequence[bytes]] | None = None) -> tuple[int, int, int]:
    """Give every invalid individual its fitness; returns ``(nevals, new calls, fires simulated)``.

    Unknown layouts are deduplicated. Without delta evaluation they are split into chunks of
    ``toolbox.chunk_size`` and sent through ``toolbox.map(toolbox.evaluate, chunks)``. With it
    (``toolbox.delta``), ``sources[i]`` are the layout keys of ``individuals[i]``'s parents and
    the tracker scores each layout from its nearest parent's record (or fully, without one).
    """
    invalid = [i for i, ind in enumerate(individuals) if not ind.fitness.valid]
    keys = [layout_key(individuals[i]) for i in invalid]
    todo: dict[bytes, np.ndarray] = {}
    parents: dict[bytes, Sequence[bytes]] = {}
    for key, i in zip(keys, invalid):
        if key not in cache and key not in todo:
            todo[key] = np.asarray(individuals[i], dtype=bool)
            if sources is not None and sources[i]:
                parents[key] = sources[i]
    fires = 0
    size = max(1, int(getattr(toolbox, "chunk_size", len(todo) or 1)))
    tracker = getattr(toolbox, "delta", None)
    if todo and tracker is not None:
        scores, fires = tracker.score(todo, parents, toolbox.map, size)
        cache.update(scores)
    elif todo:
        layouts = np.stack(list(todo.values()))
        chunks = [layouts[i:i + size] for i in range(0, len(layouts), size)]
        values = np.concatenate([np.asarray(s, np.float64).reshape(-1)
                                 for s in toolbox.map(toolbox.evaluate, chunks)])
        cache.update(zip(todo.keys(), values.tolist()))
        fires = len(todo) * _fires_per_layout(toolbox)
    for key, i in zip(keys, invalid):
        individuals[i].fitness.values = (cache[key],)
    return len(invalid), len(todo), fires


def _fires_per_layout(toolbox) -> int:
    """N, the fires of one full evaluation (0 when the toolbox does not know it)."""
    return int(getattr(toolbox, "n_fires", 0) or 0)


def _apply(operator, groups: list[tuple], arity: int) -> list:
    """Run ``operator`` on groups of individuals: one call for all if batch-capable, else one each."""
    if not groups:
        return []
    if getattr(operator, "batch_capable", False):
        flat = [ind for group in groups for ind in group]
        out = list(operator(*flat))
        if len(out) != len(flat):
            raise RuntimeError(f"batch operator {getattr(operator, '__name__', operator)} returned "
                               f"{len(out)} individuals for {len(flat)}")
        return [tuple(out[i:i + arity]) for i in range(0, len(out), arity)]
    return [tuple(operator(*group)) for group in groups]


def vary(parents: list, toolbox, cxpb: float, mutpb: float, rng: np.random.Generator) -> list:
    """varAnd with batch calls: clone, mate consecutive pairs with probability ``cxpb``, mutate
    each with probability ``mutpb``, repair changed ones to the budget, invalidate their fitness.
    """
    return vary_with_sources(parents, toolbox, cxpb, mutpb, rng)[0]


def vary_with_sources(parents: list, toolbox, cxpb: float, mutpb: float,
                      rng: np.random.Generator) -> tuple[list, list[tuple[int, ...]]]:
    """:func:`vary` that also says where each offspring came from: ``sources[i]`` are the
    indices in ``parents`` of offspring i's parents (``(i,)``, or ``(i, partner)`` if mated).
    Draws exactly the same random numbers as :func:`vary`.
    """
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
        ind = offspring[i]
        if int(np.count_nonzero(ind)) != toolbox.k:  # a plug-in operator broke the budget
            repair_budget(ind, toolbox.k, rng)
        del ind.fitness.values
    return offspring, sources


def record(logbook: tools.Logbook, gen: int, population: list, hof, nevals: int, sim_calls: int,
           fires_per_call: int, seconds: float, fires: int | None = None) -> dict:
    """Append generation ``gen``'s entry. ``sim_calls`` and ``fires`` are cumulative; ``fires``
    (actually simulated) defaults to ``fires_full`` = ``sim_calls * fires_per_call``."""
    fit = np.array([ind.fitness.values[0] for ind in population])
    full = int(sim_calls) * int(fires_per_call)
    entry = dict(gen=gen, nevals=nevals, avg=float(fit.mean()), std=float(fit.std()),
                 min=float(fit.min()), max=float(fit.max()), best_so_far=float(hof[0].fitness.values[0]),
                 sim_calls=int(sim_calls), fires=full if fires is None else int(fires), fires_full=full,
                 time=round(seconds, 4))
    logbook.record(**entry)
    return entry


def run_generations(population: list, toolbox, *, start_gen: int, ngen: int, cxpb: float, mutpb: float,
                    elite: int, hof, logbook: tools.Logbook, cache: dict, fires_per_call: int,
                    on_generation: Callable[[int, list], None] | None = None,
                    progress: Callable[[dict], None] | None = None) -> list:
    """Run generations ``start_gen..ngen`` (inclusive) on an evaluated ``population``.

    ``on_generation(gen, population)`` runs after each (the checkpoint hook); ``progress`` gets
    each logbook entry. Returns the final population.
    """
    rng = toolbox.rng
    tracker = getattr(toolbox, "delta", None)
    sim_calls = int(logbook[-1]["sim_calls"]) if len(logbook) else len(cache)
    fires = int(logbook[-1]["fires"]) if len(logbook) else sim_calls * int(fires_per_call)
    for gen in range(start_gen, ngen + 1):
        t0 = time.perf_counter()
        elites = [toolbox.clone(ind) for ind in tools.selBest(population, elite)]
        parents = toolbox.select(population, len(population) - elite)
        parent_keys = [layout_key(p) for p in parents] if tracker is not None else None
        offspring, origin = vary_with_sources(parents, toolbox, cxpb, mutpb, rng)
        sources = [[parent_keys[j] for j in o] for o in origin] if parent_keys is not None else None
        nevals, new_calls, new_fires = evaluate_with_fires(offspring, toolbox, cache, sources)
        sim_calls += new_calls
        fires += new_fires if tracker is not None else new_calls * int(fires_per_call)
        population[:] = elites + offspring
        if tracker is not None:
            tracker.keep(population)
        hof.update(population)
        entry = record(logbook, gen, population, hof, nevals, sim_calls, fires_per_call,
                       time.perf_counter() - t0, fires=fires)
        if on_generation is not None:
            on_generation(gen, population)
        if progress is not None:
            progress(entry)
    return population
