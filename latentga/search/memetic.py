"""A memetic step: single-break moves on the best individuals, each scored by exact delta evaluation.

Why: a GA's children differ a lot from their parents and cost hundreds of fires each, while
moving ONE firebreak re-runs only the fires that reach it (``latentga.simulator.delta``), tens of
times cheaper and exactly as accurate. Local search climbs with such moves faster than any GA,
but alone it sits in one basin; a GA carrying a few climbed individuals gets both.

:func:`improve` is the core (records in, improved records + fires out): for each individual it
tries ``moves`` moves, each taking one firebreak (chosen uniformly) to one burnable free cell,
chosen uniformly (``proposal: uniform``) or in proportion to how many of the individual's
search fires burn it (``burned``: a break on a cell no fire reaches saves nothing); ``idle``
draws the target the same way but takes the break among those no search fire reaches (none of
their 8 neighbours burns), while there are any: on a layout of lines, where moving a reached
break opens a gap, these are the moves that can pay; ``segment`` bends a line instead: it moves a
stretch of a line a few cells across and keeps the line closed
(:func:`latentga.search.line_moves.shift_segment`; an ``idle`` move where no stretch can move). Strategy
``first`` takes every strict improvement at once and goes on from there; ``best`` scores
``moves`` moves of the same individual and keeps the best if it is a strict improvement. With
``z > 0`` an improvement only counts when it is significant across the fires: the mean per-fire
gain (cells saved, fire by fire; the fires are the same for both layouts) must exceed ``z``
standard errors, so a move that fits the quirks of a few search fires is not taken. The
result is never worse than the input on the search fires, every fire simulated is counted, and
every draw comes from the ``rng`` passed in.

:class:`MemeticStep` is the engine's callback for it (``ga.memetic``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from latentga.config import MemeticConfig
from latentga.errors import CheckpointError, ConfigError
from latentga.layouts import layout_key
from latentga.search.line_moves import burned_nearby, shift_segment
from latentga.simulator.delta import DeltaEvaluator, FireRecord

__all__ = ["Improved", "improve", "MemeticStep", "memetic_step", "STRATEGIES", "PROPOSALS"]

STRATEGIES = ("first", "best")
PROPOSALS = ("uniform", "burned", "idle", "segment")
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
    return np.bincount(rec.cells, minlength=n_cells).astype(np.int64)  # a fire lists each cell once


def _weights(rec: FireRecord, n_cells: int, proposal: str):
    """What :func:`_propose` draws from: burn counts (``burned``), burn counts and the idle breaks
    (``idle`` and ``segment``: breaks none of whose 8 neighbours any fire burned), or nothing (``uniform``)."""
    if proposal == "uniform":
        return None
    counts = _burn_counts(rec, n_cells)
    if proposal == "burned":
        return counts
    near = burned_nearby(counts.reshape(rec.layout.shape))
    return counts, np.flatnonzero(rec.layout.reshape(-1) & (near.reshape(-1) == 0))


def _propose(rec: FireRecord, allowed: np.ndarray, proposal: str, weights, rng: np.random.Generator,
             n: int) -> list[np.ndarray]:
    """``n`` children of ``rec``'s layout, each with one firebreak moved to a free allowed cell."""
    flat = rec.layout.reshape(-1)
    on = np.flatnonzero(flat)
    free = np.flatnonzero(allowed & ~flat)
    if on.size == 0 or free.size == 0:
        return []
    if proposal == "segment":
        counts = weights[0].reshape(rec.layout.shape)
        allowed_grid = allowed.reshape(rec.layout.shape)
        children = []
        for _ in range(n):
            child = shift_segment(rec.layout, allowed_grid, counts, rng)
            children += [child] if child is not None else _propose(rec, allowed, "idle", weights, rng, 1)
        return children
    if proposal == "idle":  # take a break no fire reaches (when there is one): its move costs nothing
        weights, idle = weights
        on = idle if idle.size else on
        proposal = "burned"
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
        strategy: ``first`` or ``best``; proposal: ``uniform``, ``burned`` or ``idle``.
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
        weights = _weights(cur, n_cells, proposal)
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
                    weights = _weights(cur, n_cells, proposal)
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


_VARIABLE = ("cells", "hubs", "times")  # pack_records' byte strings: one blob + ends each in a checkpoint


class MemeticStep:
    """``ga.memetic`` in the engine: a callback that improves the population's best in place
    (a plain object with ``after_evaluation``, ``state`` and ``restore``: latentga.search does not
    import the engine, which imports it).

    After each generation is evaluated (generation 0 included) it climbs the ``individuals``
    best distinct members with :func:`improve`; an improved member is replaced by a new
    individual carrying its fitness, the fitness cache and the hall of fame learn it, and the
    layouts and fires it cost go to the run's ``evaluations`` and ``cost``. It never spends past
    ``ga.max_cost``. With the run's delta tracker it reuses and extends its records; without one
    (``ga.delta_evaluation: false``, e.g. Dogrib) it keeps the records of the few individuals it
    works on, and a checkpoint stores them (:meth:`state`), so a resumed run is exact.

    Args:
        settings: the ``ga.memetic`` section (``individuals``, ``moves``, ``strategy``, ``proposal``, ``z``).
    """

    def __init__(self, settings: MemeticConfig):
        self.individuals, self.moves = settings.individuals, settings.moves
        self.strategy, self.proposal = settings.strategy, settings.proposal
        self.z, self.restart = settings.z, settings.restart
        self.best, self.idle = -1.0, 0  # the population's best since the last restart (fitness >= 0); idle gens
        self.evaluator: DeltaEvaluator | None = None
        self.own: dict[bytes, FireRecord] = {}
        self._packed: dict | None = None

    def _setup(self, algorithm) -> None:
        problem = algorithm.problem
        simulator = getattr(problem, "simulator", None)
        if simulator is None or not hasattr(problem, "k") or not hasattr(simulator, "tables"):
            raise ConfigError("ga.memetic needs a firebreak problem on the built-in simulator (it moves "
                              "firebreaks and re-runs single fires); set ga.memetic.individuals: 0")
        tracker = algorithm.tracker
        self.evaluator = tracker.evaluator if tracker is not None else DeltaEvaluator(simulator)
        self.allowed = np.asarray(simulator.tables.burnable, bool)
        if self._packed:
            self.own = _unpack(self._packed, self.evaluator)
            self._packed = None

    def after_evaluation(self, algorithm) -> None:
        if self.evaluator is None:
            self._setup(algorithm)
        max_cost = algorithm.config.ga.max_cost
        budget = None if max_cost is None else max(0, int(max_cost) - int(algorithm.cost))
        new, spent = self.step(algorithm.population, algorithm.cache, algorithm.rng, algorithm.tracker, budget)
        algorithm.evaluations += new
        algorithm.cost += spent
        algorithm.hof.update(algorithm.population)
        if self.restart:
            self._restart_if_stuck(algorithm)

    def _restart_if_stuck(self, algorithm) -> None:
        """After ``restart`` generations without a better population best, replace the whole
        population by fresh random individuals (scored now, fires charged): the hall of fame keeps
        what was found, and the next climbs start in another basin."""
        top = max(ind.fitness.values[0] for ind in algorithm.population)
        if top > self.best:
            self.best, self.idle = top, 0
            return
        self.idle += 1
        if self.idle < self.restart:
            return
        population = algorithm.population
        fresh = algorithm.problem.random_individuals(len(population), algorithm.rng)
        for i, layout in enumerate(fresh):
            population[i] = _like(population[i], layout, 0.0)
            del population[i].fitness.values
        algorithm.evaluate(population)
        algorithm.hof.update(population)
        self.best, self.idle = -1.0, 0

    def step(self, population: list, cache: dict, rng: np.random.Generator, tracker=None,
             budget: int | None = None) -> tuple[int, int]:
        """Improve the ``individuals`` best distinct members of ``population`` in place; returns
        ``(layouts scored, fires simulated)``."""
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
        store = tracker.records if tracker is not None else self.own
        fires, records, worked = 0, [], []
        for i, key in zip(targets, keys):
            if key not in store:  # an individual scored without a record: score it again, with one
                if budget is not None and fires + self.evaluator.n_fires > budget:
                    continue  # the budget is spent: climb only from the records already kept
                store[key] = self.evaluator.record(np.asarray(population[i], bool)[None])[0]
                fires += self.evaluator.n_fires
            records.append(store[key])
            worked.append(i)
        targets = worked
        left = None if budget is None else max(0, int(budget) - fires)
        result = improve(records, self.evaluator, rng, moves=self.moves, strategy=self.strategy,
                         proposal=self.proposal, z=self.z, allowed=self.allowed, budget=left)
        kept: dict[bytes, FireRecord] = {}
        for i, old, rec in zip(targets, records, result.records):
            key = layout_key(rec.layout)
            kept[key] = rec
            if rec is not old:
                population[i] = _like(population[i], rec.layout, rec.fitness)
                cache[key] = float(rec.fitness)
                store[key] = rec
        if tracker is None:
            self.own = kept  # only the individuals worked on: a few records, however big the map
        return result.evaluations, int(fires + result.fires)

    def state(self) -> dict:
        """The step's own records as numeric arrays (empty when it uses the tracker's), and the
        restart counters when ``restart`` is on."""
        counters = {"restart_best": np.array([self.best]), "restart_idle": np.array([self.idle])} \
            if self.restart else {}
        return {**self._records_state(), **counters}

    def _records_state(self) -> dict:
        if self._packed is not None:  # restored but not yet set up: hand the same back
            return dict(self._packed)
        if not self.own:
            return {}
        from latentga.problems.fire_delta import pack_records

        packed = pack_records(self.own)
        packed.pop("keys")  # rebuilt from the layouts
        for name in _VARIABLE:  # checkpoint extras are numeric arrays: byte strings as a blob + ends
            parts = packed.pop(name)
            packed[f"{name}_blob"] = np.frombuffer(b"".join(parts), np.uint8).copy()
            packed[f"{name}_ends"] = np.cumsum([len(b) for b in parts], dtype=np.int64)
        return packed

    def restore(self, state: dict) -> None:
        """Take back :meth:`state` (checked against the simulator when the run continues)."""
        state = dict(state or {})
        if "restart_best" in state:
            self.best, self.idle = float(state.pop("restart_best")[0]), int(state.pop("restart_idle")[0])
        self.own, self._packed = {}, (state or None)
        if self._packed and self.evaluator is not None:
            self.own = _unpack(self._packed, self.evaluator)
            self._packed = None


def _like(template, layout: np.ndarray, fitness: float):
    """A new individual of ``template``'s class (the engine's DEAP individual) holding ``layout``
    and ``fitness``."""
    ind = copy.deepcopy(template)
    ind[...] = np.asarray(layout, bool)
    ind.fitness.values = (float(fitness),)
    return ind


def _unpack(packed: dict, evaluator: DeltaEvaluator) -> dict[bytes, FireRecord]:
    """Records from :meth:`MemeticStep.state`'s arrays, keyed by their layouts."""
    from latentga.problems.fire_delta import unpack_records

    try:
        plain = {k: v for k, v in packed.items() if not k.endswith(("_blob", "_ends"))}
        for name in _VARIABLE:
            blob, ends = np.asarray(packed[f"{name}_blob"], np.uint8).tobytes(), np.asarray(packed[f"{name}_ends"])
            starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
            plain[name] = [blob[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
        plain["keys"] = [layout_key(x) for x in plain["layout"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint's memetic records are corrupt ({exc}); delete the checkpoint "
                              "and run without --resume to start over") from None
    return unpack_records(plain, evaluator)


def memetic_step(settings: MemeticConfig) -> MemeticStep | None:
    """The callback the ``ga.memetic`` section asks for, or None when it is off (``individuals: 0``)."""
    if settings.individuals <= 0:
        return None
    return MemeticStep(settings)
