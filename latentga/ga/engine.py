"""``run_ga``: the one GA loop of latentga, for any :class:`~latentga.problems.base.Problem`.

eaSimple with elitism: per generation the ``elite`` best are carried over unchanged, the rest
are selected, varied (:func:`latentga.ga.loop.vary`) and evaluated through the fitness cache.
``python -m latentga run``, the comparison and a user's script all call this function; only the
``map`` (serial, SCOOP, a pool) and the hooks differ.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from deap import tools

from latentga.errors import CheckpointError, ConfigError
from latentga.ga import checkpoint as ckpt
from latentga.ga.individual import make_individual
from latentga.ga.loop import default_statistics, evaluate, new_logbook, record, vary
from latentga.ga.toolbox import build_toolbox

__all__ = ["run_ga", "CHECKPOINT_NAME", "print_progress", "initial_individuals"]

CHECKPOINT_NAME = "checkpoint.npz"


def print_progress(entry: dict, ngen: int, unit: str = "cost", stream=None) -> None:
    """One line per generation: best so far, population statistics, evaluation cost, time."""
    print(f"gen {entry['gen']:>3}/{ngen}  best {entry['best_so_far']:.4f}  max {entry['max']:.4f}  "
          f"avg {entry['avg']:.4f}  std {entry['std']:.4f}  nevals {entry['nevals']:>3}  "
          f"evaluated {entry['evaluations']:>5}  "
          + (f"{unit} {entry['cost']:>7}  " if entry["cost"] != entry["evaluations"] or unit != "evaluations" else "")
          + f"{entry['time']:.2f}s",
          file=stream or sys.stdout, flush=True)


def initial_individuals(config: dict, problem, n: int, rng: np.random.Generator, dataset=None) -> np.ndarray:
    """Generation 0: the individuals of ``ga.init_layouts`` first (a known plan, a heuristic's
    layout), then as ``ga.init`` says: ``random`` (the problem's own), or drawn from a pool of
    known individuals (``dataset.layouts`` with ``dataset.fitness``): ``dataset`` at random,
    ``dataset_best`` its best first."""
    path = config["ga"]["init_layouts"]
    if not path:
        return _initial_by_init(config, problem, n, rng, dataset)
    seeds = _seed_individuals(path, problem)[:n]
    if len(seeds) == n:
        return seeds
    rest = _initial_by_init(config, problem, n - len(seeds), rng, dataset)
    return np.concatenate([seeds, rest.astype(bool, copy=False)])


def _seed_individuals(path: str, problem) -> np.ndarray:
    """The individuals a ``ga.init_layouts`` file holds, as bool ``[B, *shape]``; one ConfigError
    naming the file and the fix when they cannot start this run (never unpickles)."""
    fix = "give a .npy (np.save) of [H, W] or [B, H, W] 0/1 layouts the run's problem accepts"
    try:
        arr = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ConfigError(f"ga.init_layouts: {path} does not exist; {fix}, or remove the key") from None
    except (OSError, ValueError, EOFError) as exc:
        raise ConfigError(f"ga.init_layouts: cannot read {path} ({exc}); {fix}") from None
    shape = tuple(problem.shape)
    if not isinstance(arr, np.ndarray) or arr.shape[-len(shape):] != shape or arr.ndim not in (len(shape),
                                                                                              len(shape) + 1):
        got = getattr(arr, "shape", type(arr).__name__)
        raise ConfigError(f"ga.init_layouts: {path} holds {got}, but this problem's individuals are {shape}; {fix}")
    arr = arr.reshape(-1, *shape)
    if arr.dtype != bool:
        if not np.issubdtype(arr.dtype, np.number) or not np.isin(arr, (0, 1)).all():
            raise ConfigError(f"ga.init_layouts: {path} holds values other than 0 and 1; {fix}")
        arr = arr.astype(bool)
    for i, x in enumerate(arr):
        if not problem.is_feasible(x):
            raise ConfigError(f"ga.init_layouts: individual {i} of {path} is infeasible for this problem "
                              f"({problem.describe()}; e.g. another firebreak budget); {fix}")
    return arr


def _initial_by_init(config: dict, problem, n: int, rng: np.random.Generator, dataset=None) -> np.ndarray:
    init = config["ga"]["init"]
    if init == "random":
        return problem.random_individuals(n, rng)
    if dataset is None:
        raise ConfigError(f"ga.init = {init} needs the run's dataset; pass it, or set ga.init: random")
    pool = np.asarray(dataset.layouts)
    if tuple(pool.shape[1:]) != tuple(problem.shape):
        raise ConfigError(f"ga.init = {init}: the dataset's individuals are {pool.shape[1:]} but the problem's "
                          f"are {tuple(problem.shape)}; rebuild the dataset for this landscape")
    if init == "dataset_best":
        idx = np.resize(np.argsort(-np.asarray(dataset.fitness), kind="stable"), n)
    else:
        idx = rng.choice(len(pool), size=n, replace=n > len(pool))
    chosen = pool[idx]
    if not all(problem.is_feasible(x) for x in chosen):
        raise ConfigError(f"ga.init = {init}: some dataset individuals are infeasible for this problem "
                          "(another budget?); rebuild the dataset with the run's settings")
    return chosen


def run_ga(config: dict, problem, model=None, out_dir: str | os.PathLike | None = None,
           resume: bool = False, progress: bool = True, dataset=None,
           on_generation: Callable[[int, list, tools.HallOfFame, tools.Logbook], None] | None = None,
           map: Callable | None = None, stats: tools.Statistics | None = None,
           hooks: Sequence = (),
           ) -> tuple[list, tools.Logbook, tools.HallOfFame]:
    """Run (or, with ``resume``, continue) the GA of ``config`` on ``problem``.

    Returns ``(population, logbook, hall of fame)``. ``config`` gives ``seed``, ``ga`` and
    ``operators``; ``model`` is handed to latent operators; ``dataset`` is needed only for
    ``ga.init: dataset | dataset_best``. ``out_dir/checkpoint.npz`` is rewritten atomically
    after every generation (``None``: no checkpoints); a resumed run ends with the same
    population, logbook (but timings) and hall of fame as an uninterrupted one. ``map``
    distributes evaluation (default: SCOOP's under ``python -m scoop``, else the builtin);
    ``stats`` replaces the default avg/std/min/max statistics. ``on_generation(gen,
    population, hof, logbook)`` runs after every generation (and its checkpoint), generation 0
    included. The run stops after
    ``ga.generations`` generations, or earlier once ``ga.max_cost`` (in the problem's cost
    unit) has been spent. ``hooks`` are objects called as ``hook(gen, population, hof)`` after
    each generation's evaluation (before its checkpoint), e.g. weighted retraining of the model;
    each has ``state() -> {name: array}`` and ``restore(state)`` so a resumed run is exact. A
    hook with ``revise(offspring, toolbox=, problem=, cache=, hof=, rng=)`` may change the varied
    children in place before they are evaluated (see :mod:`latentga.search.levers`).
    """
    if out_dir is None and resume:
        raise CheckpointError("resume needs the folder of the run's checkpoint; give out_dir")
    path = Path(out_dir) / CHECKPOINT_NAME if out_dir is not None else None
    ga = config["ga"]
    ngen, elite, chunk = int(ga["generations"]), int(ga["elite"]), int(ga["chunk_size"])
    max_cost = ga.get("max_cost")
    rng = np.random.default_rng(int(config["seed"]))
    toolbox = build_toolbox(config, problem, model, rng=rng, map=map)
    tracker = problem.delta_tracker()
    stats = stats or default_statistics()
    show = (lambda entry: print_progress(entry, ngen, problem.cost_unit)) if progress else None

    def save(gen: int) -> None:
        for hook in hooks:
            hook(gen, population, hof)
        if path is not None:
            extra = {f"hook{i}/{name}": value for i, hook in enumerate(hooks) for name, value in hook.state().items()}
            ckpt.save_checkpoint(path, config=config, generation=gen, population=population, hof=hof,
                                 logbook=logbook, cache=cache, rng=rng, extra=extra,
                                 records=tracker.state() if tracker is not None else None)
        if on_generation is not None:
            on_generation(gen, population, hof, logbook)

    if resume:
        state = ckpt.load_checkpoint(path, config)
        rng.bit_generator.state = state["rng_state"]
        population = ckpt.restore_population(state)
        hof = ckpt.restore_hall_of_fame(state, int(ga["hof_size"]))
        logbook, cache = state["logbook"], dict(state["cache"])
        if tracker is not None:  # none stored (delta was off): those parents' children run fully
            tracker.restore(state.get("records"))
        for i, hook in enumerate(hooks):
            prefix = f"hook{i}/"
            hook.restore({k[len(prefix):]: v for k, v in state["extra"].items() if k.startswith(prefix)})
        start = int(state["generation"]) + 1
        evaluations, cost = int(logbook[-1]["evaluations"]), int(logbook[-1]["cost"])
        if progress:
            print(f"resuming {path} after generation {state['generation']}", flush=True)
    else:
        t0 = time.perf_counter()
        population = [make_individual(x) for x in initial_individuals(config, problem, int(ga["population"]),
                                                                      rng, dataset)]
        hof = tools.HallOfFame(int(ga["hof_size"]), similar=np.array_equal)
        logbook, cache = new_logbook(stats), {}
        nevals, evaluations, cost = evaluate(population, problem, toolbox, cache, chunk_size=chunk,
                                             tracker=tracker)
        hof.update(population)
        entry = record(logbook, stats, 0, population, hof, nevals=nevals, evaluations=evaluations, cost=cost,
                       cost_per_evaluation=problem.cost_per_evaluation, seconds=time.perf_counter() - t0)
        save(0)
        if show:
            show(entry)
        start = 1
    for gen in range(start, ngen + 1):
        if max_cost is not None and cost >= max_cost:
            break
        t0 = time.perf_counter()
        elites = [toolbox.clone(ind) for ind in tools.selBest(population, elite)]
        parents = toolbox.select(population, len(population) - elite)
        parent_keys = [problem.key(p) for p in parents] if tracker is not None else None
        offspring, origin = vary(parents, toolbox, problem, ga["cxpb"], ga["mutpb"], rng)
        for hook in hooks:  # a hook may revise the varied children before they are scored (latent levers)
            if hasattr(hook, "revise"):
                hook.revise(offspring, toolbox=toolbox, problem=problem, cache=cache, hof=hof, rng=rng)
        sources = [[parent_keys[j] for j in o] for o in origin] if parent_keys is not None else None
        nevals, new, spent = evaluate(offspring, problem, toolbox, cache, chunk_size=chunk, tracker=tracker,
                                      sources=sources)
        evaluations, cost = evaluations + new, cost + spent
        population[:] = elites + offspring
        if tracker is not None:
            tracker.keep(population)
        hof.update(population)
        entry = record(logbook, stats, gen, population, hof, nevals=nevals, evaluations=evaluations, cost=cost,
                       cost_per_evaluation=problem.cost_per_evaluation, seconds=time.perf_counter() - t0)
        save(gen)
        if show:
            show(entry)
    return population, logbook, hof
