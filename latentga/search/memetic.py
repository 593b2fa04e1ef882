"""A memetic step: single-break moves on the best individuals, each scored by exact delta evaluation.

Why: a GA's children differ a lot from their parents and cost hundreds of fires each, while
moving ONE firebreak re-runs only the fires that reach it (``latentga.simulator.delta``), tens of
times cheaper and exactly as accurate. Local search climbs with such moves faster than any GA,
but alone it sits in one basin; a GA carrying a few climbed individuals gets both.

:func:`improve` is the core (records in, improved records + fires out): for each individual it
tries ``moves`` moves, each taking one firebreak (chosen uniformly) to one burnable free cell,
chosen uniformly (``proposal: uniform``) or in proportion to how many of the individual's
search fires burn it (``burned``: a break on a cell no fire reaches saves nothing). Strategy
``first`` takes every strict improvement at once and goes on from there; ``best`` scores
``moves`` moves of the same individual and keeps the best if it is a strict improvement. With
``z > 0`` an improvement only counts when it is significant across the fires: the mean per-fire
gain (cells saved, fire by fire; the fires are the same for both layouts) must exceed ``z``
standard errors, so a move that fits the quirks of a few search fires is not taken. The
result is never worse than the input on the search fires, every fire simulated is counted, and
every draw comes from the ``rng`` passed in.

:class:`MemeticStep` is the engine's glue (``ga.memetic``): after a generation is scored it
improves the population's ``individuals`` best, reusing the delta tracker's records when the
run has one, else keeping its own (for the few individuals it works on; a checkpoint stores them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latentga.errors import ConfigError
from latentga.layouts import layout_key
from latentga.simulator.delta import DeltaEvaluator, FireRecord

__all__ = ["Improved", "improve", "MemeticStep", "memetic_step", "STRATEGIES", "PROPOSALS"]

STRATEGIES = ("first", "best")
PROPOSALS = ("uniform", "burned")
_BEST_CHUNK = 8  # moves scored per batch under "best": each carries a full copy of the fire times


@dataclass
class Improved:
    """What :func:`improve` returns: one record per input (improved or the input itself), the
    fires simulated, the layouts scored, and how many inputs were improved."""

    records: list[FireRecord]
    fires: int
    evaluations: int
    improved: int


def _burn_counts(rec: FireRecord, n_cells: int) -> np.ndarray:
    """How many of the record's fires burned each cell (int64 [n])."""
    return np.unpackbits(rec.bits, axis=1, count=n_cells).sum(axis=0, dtype=np.int64)


def _propose(rec: FireRecord, allowed: np.ndarray, proposal: str, weights, rng: np.random.Generator,
             n: int) -> list[np.ndarray]:
    """``n`` children of ``rec``'s layout, each with one firebreak moved to a free allowed cell."""
    flat = rec.layout.reshape(-1)
    on = np.flatnonzero(flat)
    free = np.flatnonzero(allowed & ~flat)
    if on.size == 0 or free.size == 0:
        return []
    removes = on[rng.integers(0, on.size, size=n)]
    if proposal == "burned":
        w = weights[free].astype(np.float64)
        total = w.sum()
        adds = free[rng.choice(free.size, size=n, p=w / total)] if total > 0 else free[rng.integers(0, free.size, n)]
    else:
        adds = free[rng.integers(0, free.size, size=n)]
    children = []
    for r, a in zip(removes, adds):
        child = flat.copy()
        child[r], child[a] = False, True
        children.append(child.reshape(rec.layout.shape))
    return children


def _better(new: FireRecord, cur: FireRecord, z: float) -> bool:
    """Is ``new`` a strict improvement on ``cur`` (and, with ``z > 0``, a significant one)?"""
    if not new.fitness > cur.fitness:
        return False
    if z <= 0:
        return True
    gain = (cur.counts - new.counts).astype(np.float64)  # cells saved in each fire
    sd = gain.std(ddof=1) if gain.size > 1 else 0.0
    return bool(gain.mean() > z * sd / np.sqrt(gain.size))


def improve(records: list[FireRecord], evaluator: DeltaEvaluator, rng: np.random.Generator, *, moves: int,
            strategy: str = "first", proposal: str = "burned", z: float = 0.0, allowed: np.ndarray | None = None,
            budget: int | None = None) -> Improved:
    """Climb from each record with ``moves`` single-break moves; see the module docstring.

    Args:
        records: fire records of the individuals (from ``evaluator``, or the run's tracker).
        evaluator: the delta evaluator of the search fires.
        rng: every draw (which break, where to, the order) comes from it.
        moves: moves tried per individual.
        strategy: ``first`` or ``best``; proposal: ``uniform`` or ``burned``.
        z: standard errors a move's mean per-fire gain must exceed (0: any strict improvement).
        allowed: bool [H, W], where breaks may go (default: the landscape's burnable cells).
        budget: fires this call may simulate at most (None: no limit); it stops before a move
            whose worst case (all N fires re-run) would not fit.
    """
    if strategy not in STRATEGIES:
        raise ConfigError(f"memetic strategy must be one of {' | '.join(STRATEGIES)}, got {strategy!r}")
    if proposal not in PROPOSALS:
        raise ConfigError(f"memetic proposal must be one of {' | '.join(PROPOSALS)}, got {proposal!r}")
    n_cells, n_fires = evaluator.n_cells, evaluator.n_fires
    if allowed is None:
        allowed = np.asarray(evaluator.simulator.tables.burnable, bool)
    allowed = np.asarray(allowed, bool).reshape(-1)
    fires = evaluations = improved = 0
    out = []

    def room(count: int = 1) -> bool:
        return budget is None or fires + count * n_fires <= budget

    for rec in records:
        cur, start = rec, rec
        weights = _burn_counts(cur, n_cells) if proposal == "burned" else None
        tried = 0
        while tried < moves and room():
            if strategy == "first":
                (child,) = _propose(cur, allowed, proposal, weights, rng, 1) or (None,)
                if child is None:
                    break
                fit, new, spent = evaluator.evaluate(child, cur)
                fires, evaluations, tried = fires + spent, evaluations + 1, tried + 1
                if _better(new, cur, z):
                    cur = new
                    weights = _burn_counts(cur, n_cells) if proposal == "burned" else None
                continue
            best = None
            while tried < moves and room(min(_BEST_CHUNK, moves - tried)):
                batch = _propose(cur, allowed, proposal, weights, rng, min(_BEST_CHUNK, moves - tried))
                if not batch:
                    break
                fit, recs, spent = evaluator.evaluate_children(np.stack(batch), [cur] * len(batch), max_changed=None)
                fires, evaluations, tried = fires + spent, evaluations + len(batch), tried + len(batch)
                j = int(np.argmax(fit))
                if best is None or fit[j] > best.fitness:
                    best = recs[j]
            if best is not None and _better(best, cur, z):
                cur = best
            break
        improved += cur is not start
        out.append(cur)
    return Improved(out, int(fires), int(evaluations), int(improved))


class MemeticStep:
    """``ga.memetic`` in the engine: improve the population's best individuals in place.

    Args:
        settings: the ``ga.memetic`` section (``individuals``, ``moves``, ``strategy``, ``proposal``, ``z``).
        problem: a firebreak problem on the built-in simulator.
        tracker: the run's delta tracker (its records are reused and extended), or None: the step
            then keeps records of the individuals it works on (:meth:`state` for checkpoints).
    """

    def __init__(self, settings: dict, problem, tracker=None):
        simulator = getattr(problem, "simulator", None)
        if simulator is None or not hasattr(problem, "k"):
            raise ConfigError("ga.memetic needs a firebreak problem (it moves firebreaks); set "
                              "ga.memetic.individuals: 0")
        self.individuals = int(settings["individuals"])
        self.moves = int(settings["moves"])
        self.strategy, self.proposal = settings["strategy"], settings["proposal"]
        self.z = float(settings.get("z", 0.0))
        self.tracker = tracker
        self.evaluator = tracker.evaluator if tracker is not None else DeltaEvaluator(simulator)
        self.allowed = np.asarray(simulator.tables.burnable, bool)
        self.own: dict[bytes, FireRecord] = {}

    def _record(self, key: bytes, layout: np.ndarray) -> tuple[FireRecord, int]:
        store = self.tracker.records if self.tracker is not None else self.own
        if key in store:
            return store[key], 0
        return self.evaluator.record(np.asarray(layout, bool)[None])[0], self.evaluator.n_fires

    def __call__(self, population: list, cache: dict, rng: np.random.Generator,
                 budget: int | None = None) -> tuple[int, int]:
        """Improve the ``individuals`` best distinct members of ``population`` (in place: an
        improved member is replaced by a new individual with its fitness, and the fitness
        cache learns it). Returns ``(layouts scored, fires simulated)``."""
        from latentga.ga.individual import make_individual

        order = sorted(range(len(population)), key=lambda i: -population[i].fitness.values[0])
        targets, keys, seen = [], [], set()
        for i in order:
            key = layout_key(population[i])
            if key not in seen:
                seen.add(key)
                targets.append(i)
                keys.append(key)
            if len(targets) == self.individuals:
                break
        fires = 0
        records = []
        for i, key in zip(targets, keys):
            rec, spent = self._record(key, population[i])
            records.append(rec)
            fires += spent
        left = None if budget is None else max(0, int(budget) - fires)
        result = improve(records, self.evaluator, rng, moves=self.moves, strategy=self.strategy,
                         proposal=self.proposal, z=self.z, allowed=self.allowed, budget=left)
        fires += result.fires
        kept: dict[bytes, FireRecord] = {}
        for i, old, rec in zip(targets, records, result.records):
            key = layout_key(rec.layout)
            kept[key] = rec
            if rec is old:
                continue
            population[i] = make_individual(rec.layout, rec.fitness)
            cache[key] = float(rec.fitness)
            if self.tracker is not None:
                self.tracker.records[key] = rec
        if self.tracker is None:
            self.own = kept  # only the individuals worked on: a few records, however big the map
        return result.evaluations, int(fires)

    def state(self) -> dict | None:
        """The step's own records as plain arrays (None when it reuses the tracker's)."""
        from latentga.problems.fire_delta import pack_records

        return pack_records(self.own) if self.tracker is None else None

    def restore(self, state: dict | None) -> None:
        """Take back :meth:`state` (checked against this simulator)."""
        from latentga.problems.fire_delta import unpack_records

        if self.tracker is None:
            self.own = unpack_records(state, self.evaluator)


def memetic_step(config: dict, problem, tracker=None) -> MemeticStep | None:
    """The step ``ga.memetic`` asks for, or None when it is off (``individuals: 0``)."""
    settings = config["ga"].get("memetic") or {}
    if int(settings.get("individuals", 0)) <= 0:
        return None
    return MemeticStep(settings, problem, tracker)
