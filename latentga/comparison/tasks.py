"""One (method, seed) of a comparison: the unit of work SCOOP or a process pool runs.

:func:`run_task` is module level and takes only picklable arguments (a :class:`Task`), so
``scoop.futures.map(run_task, tasks)`` can send it to a worker; the DEAP classes it needs are
created when :mod:`latentga.ga` is imported, in every process. Everything random is seeded from
the task, and torch runs on one thread per task, so a task gives the same numbers in any
process and under any number of workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Task", "TaskResult", "run_task", "TRACE_COLUMNS", "heldout_simulator"]

#: Columns of a task's per-generation trace (the tidy CSV adds method and seed).
TRACE_COLUMNS = ["generation", "evaluations", "fires", "best", "mean", "std", "heldout"]

_MODELS: dict[str, Any] = {}  # per-process cache: model file -> loaded model


@dataclass(frozen=True)
class Task:
    """What a worker needs to run one method once.

    ``kind`` is ``"ga"`` (``run`` is the variant's complete run config) or ``"baseline"``
    (``run`` is the shared run config, ``method`` a baseline name). ``seed`` is -1 for the
    deterministic baselines (one run only). ``budget`` is the searching baselines' budget.
    """

    kind: str
    method: str
    seed: int
    run: dict
    heldout: dict
    budget: dict = field(default_factory=dict)
    rescore: bool = True  # False: skip the held-out re-scoring (tuning runs; heldout column NaN)


@dataclass
class TaskResult:
    """A method's run: its trace, its best layout and what it cost.

    ``trace`` has :data:`TRACE_COLUMNS`; ``heldout`` there is the held-out fitness of the
    best-so-far layout (GA: every generation; baselines: the final one). ``calls`` = distinct
    layouts simulated, ``fires`` = fires simulated.
    """

    method: str
    kind: str
    seed: int
    label: str
    layout: np.ndarray
    fitness: float
    heldout: float
    calls: int
    fires: int
    seconds: float
    trace: pd.DataFrame


def heldout_simulator(run: dict, heldout: dict):
    """The fresh, larger fire set every final layout is re-scored on (same landscape and model)."""
    from latentga.pipeline import make_simulator

    return make_simulator(run, n_fires=int(heldout["n_fires"]), seed=int(heldout["seed"]))


def _model(run: dict):
    """The variant's trained model, loaded once per process from the pipeline's cache."""
    from latentga.pipeline import ensure_dataset, ensure_model, model_path

    dataset = ensure_dataset(run, progress=False)
    key = str(model_path(run, dataset))
    if key not in _MODELS:
        _MODELS[key] = ensure_model(run, dataset=dataset, progress=False)
    return _MODELS[key]


def _run_ga(task: Task) -> TaskResult:
    """The GA of ``task.run`` through the engine's ``run_ga``, evaluating serially in this
    process (the comparison parallelises over runs, not inside one), no checkpoints."""
    from latentga.ga import operators_need_model, run_ga
    from latentga.pipeline import ensure_dataset, make_simulator
    from latentga.problems import firebreak_problem

    run = task.run
    model = _model(run) if operators_need_model(run) else None
    dataset = ensure_dataset(run, progress=False) if run["ga"]["init"] != "random" else None
    bests: list[np.ndarray] = []
    _, logbook, _ = run_ga(run, firebreak_problem(run, make_simulator(run)), model, out_dir=None, progress=False,
                           dataset=dataset, map=map,
                           on_generation=lambda gen, pop, hof: bests.append(np.array(hof[0], bool)))
    held = _rescore(np.stack(bests), run, task.heldout) if task.rescore else np.full(len(bests), np.nan)
    trace = pd.DataFrame({
        "generation": logbook.select("gen"), "evaluations": logbook.select("evaluations"),
        "fires": logbook.select("cost"), "best": logbook.select("best_so_far"),
        "mean": logbook.select("avg"), "std": logbook.select("std"), "heldout": held})
    last = trace.iloc[-1]
    return TaskResult(task.method, "ga", task.seed, task.method, bests[-1], float(last["best"]),
                      float(held[-1]), int(last["evaluations"]), int(last["fires"]), 0.0, trace)


def _rescore(layouts: np.ndarray, run: dict, heldout: dict) -> np.ndarray:
    """Held-out fitness of each layout; repeated layouts are simulated once."""
    keys = [l.tobytes() for l in layouts]
    first = {key: i for i, key in reversed(list(enumerate(keys)))}
    order = sorted(first.values())
    scores = heldout_simulator(run, heldout).evaluate(layouts[order])
    by_key = {keys[i]: s for i, s in zip(order, scores)}
    return np.array([by_key[key] for key in keys], np.float64)


def _run_baseline(task: Task) -> TaskResult:
    from latentga import baselines
    from latentga.pipeline import make_simulator

    run, name = task.run, task.method
    simulator = make_simulator(run)
    k = int(run["firebreaks"])
    n_fires = int(simulator.settings.get("n_fires", run["simulator"]["n_fires"]))
    rng = np.random.default_rng(task.seed) if task.seed >= 0 else None
    if name == "random_search":
        res = baselines.random_search(simulator, k, int(task.budget["calls"]), rng)
    elif name == "local_search":
        from latentga.baselines.local_search import local_search

        res = local_search(simulator, k, int(task.budget["fires"]), rng)
    elif name == "burn_probability":
        res = baselines.burn_probability_layout(simulator, k)
    elif name in ("dpv", "dpv_greedy"):
        from latentga.baselines.dpv import dpv_layout

        res = dpv_layout(simulator, k, greedy=name == "dpv_greedy")
    elif name == "best_line":
        res = baselines.best_straight_line(simulator, k)
    else:
        raise ValueError(f"unknown baseline {name!r}")
    fires = int(getattr(res, "fires", None) or res.calls * n_fires)
    held = float(_rescore(np.asarray(res.layout, bool)[None], run, task.heldout)[0])
    tr = res.trace
    tr_fires = tr["fires"] if "fires" in tr else tr["calls"] * n_fires
    trace = pd.DataFrame({"generation": np.arange(len(tr)), "evaluations": tr["calls"].to_numpy(),
                          "fires": np.asarray(tr_fires), "best": tr["best"].to_numpy(),
                          "mean": np.nan, "std": np.nan, "heldout": np.nan})
    trace.loc[trace.index[-1], "heldout"] = held
    return TaskResult(name, "baseline", task.seed, res.name, np.asarray(res.layout, bool), float(res.fitness),
                      held, int(res.calls), fires, 0.0, trace)


def run_task(task: Task) -> TaskResult:
    """Run one (method, seed) and re-score its best layout on the held-out fires."""
    import torch

    torch.set_num_threads(1)  # one core per task; also makes float sums identical in any process
    t0 = time.perf_counter()
    result = _run_ga(task) if task.kind == "ga" else _run_baseline(task)
    result.seconds = time.perf_counter() - t0
    return result
