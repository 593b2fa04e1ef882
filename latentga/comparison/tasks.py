"""One (method, seed) of a comparison: the unit of work SCOOP or a process pool runs.

:func:`run_task` is module level and takes only picklable arguments (a :class:`Task`), so
``scoop.futures.map(run_task, tasks)`` can send it to a worker. Everything random is seeded from
the task, and torch runs on one thread per task, so a task gives the same numbers in any
process and under any number of workers.

The protocol (why each fire set exists):

- **search** fires (``run.simulator``): what the method optimises; every method sees the same.
- **validation** fires: a GA returns the member of its hall of fame that scores best here, so
  the layout it hands back is not simply the one that overfits its search fires most.
- **held-out** fires: the headline number, used for nothing but reporting.

A run is charged in fires simulated (its budget) and CPU seconds (model forward passes
included). At a few points of the budget (``milestones``) the method's current answer is
recorded, which gives held-out quality against cost for every method.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only
    from latentga.comparison.config import HeldoutConfig, ValidationConfig
    from latentga.config import RunConfig


import numpy as np
import pandas as pd

__all__ = ["Task", "TaskResult", "run_task", "TRACE_COLUMNS", "heldout_simulator", "validation_simulator"]

#: Columns of a task's trace: one row per recorded point of the run.
TRACE_COLUMNS = ["point", "fires", "cpu_seconds", "evaluations", "best", "validation", "heldout"]

_MODELS: dict[str, Any] = {}  # per-process cache: model file -> loaded model


@dataclass(frozen=True)
class Task:
    """What a worker needs to run one method once.

    ``kind`` is ``"ga"`` (``run`` is the variant's complete run config) or ``"baseline"``
    (``run`` is the shared run config, ``method`` a baseline name). ``seed`` is -1 for the
    deterministic baselines. ``budget`` holds ``fires`` (and ``calls``) for searching baselines;
    ``milestones`` are the fire counts at which the current answer is recorded.
    """

    kind: str
    method: str
    seed: int
    run: RunConfig = field(repr=False)  # a task's repr (in SCOOP's log lines) stays one short line
    heldout: HeldoutConfig = field(repr=False)
    validation: ValidationConfig = field(repr=False)
    budget: dict = field(default_factory=dict, repr=False)
    milestones: tuple = field(default=(), repr=False)
    rescore: bool = True  # False: skip validation/held-out scoring (tuning runs; NaN columns)


@dataclass
class TaskResult:
    """A method's run: what it returned, what it cost, and its trace (:data:`TRACE_COLUMNS`).

    ``layout`` is the returned layout (GA: the hall-of-fame member best on the validation fires),
    ``fitness`` its search fitness, ``validation``/``heldout`` its scores on those fire sets.
    ``calls`` = distinct layouts simulated, ``fires`` = fires simulated, ``cpu_seconds`` = CPU
    time of the search (this process), ``seconds`` = wall time of the whole task.
    """

    method: str
    kind: str
    seed: int
    label: str
    layout: np.ndarray
    fitness: float
    validation: float
    heldout: float
    calls: int
    fires: int
    cpu_seconds: float
    seconds: float
    trace: pd.DataFrame


def heldout_simulator(run: RunConfig, heldout: HeldoutConfig):
    """The fresh, larger fire set every returned layout is re-scored on (same landscape)."""
    from latentga.pipeline import make_simulator

    return make_simulator(run, n_fires=int(heldout.n_fires), seed=int(heldout.seed))


def validation_simulator(run: RunConfig, validation: ValidationConfig):
    """The fire set a run's final choice is made on (neither search nor held-out fires)."""
    from latentga.pipeline import make_simulator

    return make_simulator(run, n_fires=int(validation.n_fires), seed=int(validation.seed))


def _model(run: RunConfig):
    """The variant's trained model, loaded once per process from the pipeline's cache."""
    from latentga.pipeline import ensure_dataset, ensure_model, model_path

    dataset = ensure_dataset(run, progress=False)
    key = str(model_path(run, dataset))
    if key not in _MODELS:
        _MODELS[key] = ensure_model(run, dataset=dataset, progress=False)
    return _MODELS[key]


class _Scorer:
    """Scores layouts on one fire set, each distinct layout once."""

    def __init__(self, simulator):
        self.simulator, self.cache = simulator, {}

    def __call__(self, layouts: np.ndarray) -> np.ndarray:
        keys = [np.packbits(l).tobytes() for l in layouts]
        todo = {key: i for i, key in reversed(list(enumerate(keys))) if key not in self.cache}
        if todo:
            idx = sorted(todo.values())
            self.cache.update(zip([keys[i] for i in idx], self.simulator.evaluate(layouts[idx]).tolist()))
        return np.array([self.cache[key] for key in keys], np.float64)


@dataclass
class _Point:
    """The method's answer at one moment: candidate layouts (best search fitness first) and their
    search fitness."""

    fires: int
    cpu_seconds: float
    evaluations: int
    best: float
    candidates: np.ndarray
    search: np.ndarray


def _score_points(points: list[_Point], task: Task) -> tuple[pd.DataFrame, np.ndarray, float]:
    """Choose each point's layout on the validation fires, score it on the held-out fires:
    ``(trace, the last point's layout, its search fitness)``. With ``validation.early_stopping``
    the layout chosen at the previous point is a candidate again, so the answer is the best on the
    validation fires of everything the run offered so far, not only of its latest candidates."""
    rows, chosen, search = [], None, np.nan
    keep = bool(task.validation.early_stopping)
    if task.rescore:
        validate = _Scorer(validation_simulator(task.run, task.validation))
        hold = _Scorer(heldout_simulator(task.run, task.heldout))
    for i, p in enumerate(points):
        candidates, fitness = p.candidates, p.search
        if keep and chosen is not None:  # after the point's own candidates: they win ties
            candidates = np.concatenate([candidates, chosen[None]])
            fitness = np.concatenate([fitness, [search]])
        if task.rescore:
            scores = validate(candidates)
            j = int(np.argmax(scores))  # first (best on search) wins ties
            val, held = float(scores[j]), float(hold(candidates[j][None])[0])
        else:
            j, val, held = 0, np.nan, np.nan
        chosen, search = candidates[j], float(fitness[j])
        rows.append((i, p.fires, p.cpu_seconds, p.evaluations, p.best, val, held))
    return pd.DataFrame(rows, columns=TRACE_COLUMNS), chosen, search


def _run_ga(task: Task, cpu0: float) -> TaskResult:
    """The GA of ``task.run`` through the engine's ``run_ga`` (serial map, no checkpoints);
    the hall of fame is recorded each time the fires spent pass a milestone. CPU seconds count
    from the start of the search (model forward passes and weighted retraining included; the
    shared model's one-off training, done before any task, is reported beside the table)."""
    from latentga.ga import operators_need_model, run_ga
    from latentga.ga.algorithm import default_variation
    from latentga.pipeline import ensure_dataset, make_simulator
    from latentga.problems import firebreak_problem
    from latentga.search import search_hooks

    run = task.run
    model = _model(run) if operators_need_model(run.operators) else None
    wants_data = run.ga.init != "random" or (model is not None and _needs_dataset(run))
    dataset = ensure_dataset(run, progress=False) if wants_data else None
    cpu0 = time.process_time()  # the search's cost: the shared model's one-off training is not in it
    problem = firebreak_problem(run, make_simulator(run))
    # weighted retraining and the latent levers, on the task's own model copy; fires spent before
    # the search (learning from good layouts) are charged: the GA gets the rest of the budget
    hooks, model, variation, spent = search_hooks(run, model, problem, dataset, base_variation=default_variation)
    if spent and run.ga.max_cost:
        run = run.replace(ga=run.ga.replace(max_cost=max(1, run.ga.max_cost - spent)))
    points: list[_Point] = []
    todo = list(task.milestones)

    def snapshot(gen, population, hof, logbook):
        entry = logbook[-1]
        if todo and entry["cost"] + spent >= todo[0]:
            while todo and entry["cost"] + spent >= todo[0]:
                todo.pop(0)
            points.append(_point(hof, entry, cpu0, spent))

    _, logbook, hof = run_ga(run, problem, model, out_dir=None, progress=False,
                             dataset=dataset, map=map, on_generation=snapshot, hooks=hooks,
                             variation=variation)
    if not points or points[-1].fires != logbook[-1]["cost"] + spent:
        points.append(_point(hof, logbook[-1], cpu0, spent))
    trace, layout, search = _score_points(points, task)
    last = trace.iloc[-1]
    return TaskResult(task.method, "ga", task.seed, task.method, np.asarray(layout, bool),
                      search, float(last["validation"]), float(last["heldout"]),
                      int(last["evaluations"]), int(last["fires"]), float(last["cpu_seconds"]), 0.0, trace)


def _needs_dataset(run: RunConfig) -> bool:
    """Weighted retraining and learning from good layouts fine-tune on the model's training data."""
    return run.retraining.every > 0 or run.latent.learn.samples > 0


def _point(hof, entry: dict, cpu0: float, spent: int = 0) -> _Point:
    return _Point(int(entry["cost"]) + int(spent), time.process_time() - cpu0, int(entry["evaluations"]),
                  float(entry["best_so_far"]), np.stack([np.asarray(h, bool) for h in hof]),
                  np.array([h.fitness.values[0] for h in hof], np.float64))


def _run_baseline(task: Task, cpu0: float) -> TaskResult:
    from latentga.baselines.registry import resolve_baseline
    from latentga.pipeline import make_simulator

    run, name = task.run, task.method
    simulator = make_simulator(run)
    n_fires = int(simulator.settings.get("n_fires", run.simulator.n_fires))
    rng = np.random.default_rng(task.seed) if task.seed >= 0 else None
    res = resolve_baseline(name)(simulator, int(run.firebreaks), budget=dict(task.budget), rng=rng)
    cpu = time.process_time() - cpu0
    fires = int(getattr(res, "fires", None) or res.calls * n_fires)
    points = _baseline_points(res, task.milestones, n_fires) if res.bests else []
    points.append(_Point(fires, cpu, int(res.calls), float(res.fitness), np.asarray(res.layout, bool)[None],
                         np.array([res.fitness], np.float64)))
    trace, layout, search = _score_points(points, task)
    last = trace.iloc[-1]
    return TaskResult(name, "baseline", task.seed, res.name, np.asarray(layout, bool), search,
                      float(last["validation"]), float(last["heldout"]), int(res.calls), fires, cpu, 0.0, trace)


def _baseline_points(res, milestones, n_fires: int) -> list[_Point]:
    """The baseline's best-so-far at each milestone it passed (its trace rows carry the layouts)."""
    tr = res.trace
    fires = (tr["fires"] if "fires" in tr else tr["calls"] * n_fires).to_numpy()
    cpu = tr["cpu"].to_numpy() if "cpu" in tr else np.full(len(tr), np.nan)
    out = []
    for m in milestones:
        i = int(np.searchsorted(fires, m, side="right")) - 1  # last row within the milestone
        if i < 0 or fires[-1] < m:
            continue
        out.append(_Point(int(fires[i]), float(cpu[i]), int(tr["calls"].iloc[i]), float(tr["best"].iloc[i]),
                          np.asarray(res.bests[i], bool)[None], np.array([tr["best"].iloc[i]], np.float64)))
    return out


def run_task(task: Task) -> TaskResult:
    """Run one (method, seed), then score its answers on the validation and held-out fires."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one core per task; also makes float sums identical in any process
    try:
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = _run_ga(task, cpu0) if task.kind == "ga" else _run_baseline(task, cpu0)
        result.seconds = time.perf_counter() - t0
    finally:
        torch.set_num_threads(threads)
    return result
