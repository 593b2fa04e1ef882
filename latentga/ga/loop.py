"""The generational loop: eaSimple with elitism, batched variation and a fitness cache.

Per generation: the ``elite`` best are carried over unchanged; the rest are selected, cloned,
mated and mutated like DEAP's ``varAnd`` (a batch-capable operator is called ONCE with every
individual it varies, so a latent operator does one forward pass per generation), repaired to
the budget, and only individuals with an invalid fitness are evaluated. The fitness cache, keyed
by :func:`latentga.layouts.layout_key`, means a layout is never simulated twice in a run.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
from deap import tools

from latentga.layouts import layout_key
from operators.repair import repair_budget

__all__ = ["LOG_FIELDS", "new_logbook", "evaluate_invalid", "vary", "record", "run_generations"]

LOG_FIELDS = ["gen", "nevals", "avg", "std", "min", "max", "best_so_far", "sim_calls", "fires", "time"]


def new_logbook() -> tools.Logbook:
    logbook = tools.Logbook()
    logbook.header = list(LOG_FIELDS)
    return logbook


def evaluate_invalid(individuals: list, toolbox, cache: dict) -> tuple[int, int]:
    """Give every invalid individual its fitness; simulate only layouts not in ``cache``.

    Unknown layouts are deduplicated, split into chunks of ``toolbox.chunk_size`` and sent
    through ``toolbox.map(toolbox.evaluate, chunks)``. Returns ``(nevals, new simulator calls)``.
    """
    invalid = [ind for ind in individuals if not ind.fitness.valid]
    keys = [layout_key(ind) for ind in invalid]
    todo: dict[bytes, np.ndarray] = {}
    for key, ind in zip(keys, invalid):
        if key not in cache and key not in todo:
            todo[key] = np.asarray(ind, dtype=bool)
    if todo:
        layouts = np.stack(list(todo.values()))
        size = max(1, int(getattr(toolbox, "chunk_size", len(layouts))))
        chunks = [layouts[i:i + size] for i in range(0, len(layouts), size)]
        scores = np.concatenate([np.asarray(s, np.float64).reshape(-1)
                                 for s in toolbox.map(toolbox.evaluate, chunks)])
        cache.update(zip(todo.keys(), scores.tolist()))
    for key, ind in zip(keys, invalid):
        ind.fitness.values = (cache[key],)
    return len(invalid), len(todo)


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
    offspring = [toolbox.clone(ind) for ind in parents]
    n = len(offspring)
    mate_pairs = np.flatnonzero(rng.random(n // 2) < cxpb)
    mutants = np.flatnonzero(rng.random(n) < mutpb)
    changed = set()
    groups = [(offspring[2 * j], offspring[2 * j + 1]) for j in mate_pairs]
    for j, (a, b) in zip(mate_pairs, _apply(toolbox.mate, groups, 2)):
        offspring[2 * j], offspring[2 * j + 1] = a, b
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
    return offspring


def record(logbook: tools.Logbook, gen: int, population: list, hof, nevals: int, sim_calls: int,
           fires_per_call: int, seconds: float) -> dict:
    fit = np.array([ind.fitness.values[0] for ind in population])
    entry = dict(gen=gen, nevals=nevals, avg=float(fit.mean()), std=float(fit.std()),
                 min=float(fit.min()), max=float(fit.max()), best_so_far=float(hof[0].fitness.values[0]),
                 sim_calls=int(sim_calls), fires=int(sim_calls) * int(fires_per_call), time=round(seconds, 4))
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
    sim_calls = int(logbook[-1]["sim_calls"]) if len(logbook) else len(cache)
    for gen in range(start_gen, ngen + 1):
        t0 = time.perf_counter()
        elites = [toolbox.clone(ind) for ind in tools.selBest(population, elite)]
        parents = toolbox.select(population, len(population) - elite)
        offspring = vary(parents, toolbox, cxpb, mutpb, rng)
        nevals, new_calls = evaluate_invalid(offspring, toolbox, cache)
        sim_calls += new_calls
        population[:] = elites + offspring
        hof.update(population)
        entry = record(logbook, gen, population, hof, nevals, sim_calls, fires_per_call,
                       time.perf_counter() - t0)
        if on_generation is not None:
            on_generation(gen, population)
        if progress is not None:
            progress(entry)
    return population
