"""Iterated local search over single-firebreak moves: the simple method a GA has to beat.

Why: moving one firebreak at a time, with each move delta-evaluated (only the fires the move
can change are re-run), is by far the cheapest way to climb on this problem. Its budget is
counted in FIRES SIMULATED, the unit the GAs are charged in, so ``benchmarks/compare.py`` can
run it under the same budget.

The search: first-improvement (or best-improvement) descent over swap moves (a firebreak to a
burnable non-firebreak cell) in a random order drawn from ``rng``; at a local optimum (a full
pass without a strict improvement) it kicks the last accepted optimum with ``perturbation``
random swaps (``perturbation=0``: restart from a fresh random layout) and descends again. A new
optimum is accepted when it is at least as good as the last accepted one, so the search can
drift along plateaus; the best layout seen is returned.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from latentga.baselines.result import BaselineResult
from latentga.errors import ConfigError
from latentga.layouts import as_layout_batch, check_budget, random_layouts
from latentga.simulator.delta import DeltaEvaluator, FireRecord

__all__ = ["local_search", "STRATEGIES"]

STRATEGIES = ("first", "best")


class _BudgetSpent(Exception):
    pass


class _Search:
    """State of one run: the evaluator, the counters and the trace."""

    def __init__(self, simulator, budget: int, rng: np.random.Generator):
        self.delta = DeltaEvaluator(simulator)
        self.n_fires = self.delta.n_fires
        self.budget, self.rng = budget, rng
        self.calls = self.fires = 0
        self.best: FireRecord | None = None
        self.rows: list[tuple[int, int, float, float]] = []
        self.bests: list[np.ndarray] = []
        self.cpu0 = time.process_time()

    def _seen(self, rec: FireRecord) -> None:
        if self.best is None or rec.fitness > self.best.fitness:
            self.best = rec
            self.rows.append((self.calls, self.fires, rec.fitness, time.process_time() - self.cpu0))
            self.bests.append(rec.layout.copy())

    def full(self, layout: np.ndarray) -> FireRecord:
        if self.fires + self.n_fires > self.budget or self.calls >= self.budget:
            raise _BudgetSpent
        rec = self.delta.record(layout[None])[0]
        self.calls += 1
        self.fires += self.n_fires
        self._seen(rec)
        return rec

    def move(self, child: np.ndarray, parent: FireRecord) -> FireRecord:
        # stop while a worst-case move (all N fires re-run) still fits the budget; moves that
        # re-run no fire cost nothing, so the layouts scored are capped by the budget too
        if self.fires + self.n_fires > self.budget or self.calls >= self.budget:
            raise _BudgetSpent
        _, rec, fires = self.delta.evaluate(child, parent)
        self.calls += 1
        self.fires += fires
        self._seen(rec)
        return rec


def _swap(layout: np.ndarray, remove: int, add: int) -> np.ndarray:
    child = layout.copy()
    flat = child.reshape(-1)
    flat[remove] = False
    flat[add] = True
    return child


#: Up to this many swap moves the order is one ``rng.permutation`` (as on Sub20x20: 7,600 moves);
#: past it (Dogrib: 700 firebreaks x 79,000 cells = 55 million) materialising that permutation
#: took seconds and 440 MB per descent, so the order is a random affine bijection instead.
_PERMUTED_MOVES_MAX = 1 << 22


def _move_order(m: int, rng: np.random.Generator):
    """Every move index in [0, m) once, in a random order: a full pass still proves a local optimum."""
    if m <= _PERMUTED_MOVES_MAX:
        yield from rng.permutation(m)
        return
    while True:  # i -> (a * i + b) mod m is a bijection of [0, m) when gcd(a, m) = 1
        a = int(rng.integers(1, m))
        if math.gcd(a, m) == 1:
            break
    b = int(rng.integers(0, m))
    for i in range(m):
        yield (a * i + b) % m


def _descend(search: _Search, cur: FireRecord, allowed: np.ndarray, strategy: str) -> FireRecord:
    """Swap moves until none strictly improves ``cur``; returns the local optimum."""
    rng = search.rng
    while True:
        flat = cur.layout.reshape(-1)
        on = np.flatnonzero(flat)
        off = np.flatnonzero(allowed & ~flat)
        if on.size == 0 or off.size == 0:
            return cur
        best_move = None
        for m in _move_order(on.size * off.size, rng):
            rec = search.move(_swap(cur.layout, on[m // off.size], off[m % off.size]), cur)
            if strategy == "first":
                if rec.fitness > cur.fitness:
                    best_move = rec
                    break
            elif rec.fitness > (cur.fitness if best_move is None else best_move.fitness):
                best_move = rec
        if best_move is None:
            return cur
        cur = best_move


def _kick(layout: np.ndarray, swaps: int, allowed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    child = layout.reshape(-1).copy()
    for _ in range(swaps):
        on = np.flatnonzero(child)
        off = np.flatnonzero(allowed & ~child)
        if on.size == 0 or off.size == 0:
            break
        child[rng.choice(on)] = False
        child[rng.choice(off)] = True
    return child.reshape(layout.shape)


def local_search(simulator, k: int, budget: int, rng: np.random.Generator, *, start=None,
                 strategy: str = "first", perturbation: int = 3) -> BaselineResult:
    """Iterated local search with exactly ``k`` firebreaks, until ``budget`` fires are simulated.

    Args:
        simulator: a built-in :class:`~latentga.simulator.FireSimulator` (search fires).
        k: firebreak budget (every layout visited has exactly k firebreaks).
        budget: fires simulated, delta evaluation counted as the fires actually re-run
            (the first full evaluation costs N). The search never exceeds it (nor scores more
            layouts than ``budget``, which only matters where moves re-run no fire at all).
        rng: the only source of randomness (start layout, move order, kicks).
        start: the starting layout ([H, W], exactly k firebreaks); None = random among burnable cells.
        strategy: ``"first"`` (take the first improving move in a random order) or ``"best"``
            (scan all moves, take the best).
        perturbation: random swaps applied to the last accepted optimum when stuck; 0 = restart
            from a fresh random layout instead.

    Returns a :class:`BaselineResult` whose ``calls`` counts layouts scored, ``fires`` the fires
    simulated, and whose trace has one row per new best (columns ``calls``, ``fires``, ``best``,
    ``cpu``) plus a last row at the end; ``bests`` holds the best layout at each row.
    """
    if strategy not in STRATEGIES:
        raise ConfigError(f"local search strategy must be one of {STRATEGIES}, got {strategy!r}")
    if not isinstance(perturbation, (int, np.integer)) or perturbation < 0:
        raise ConfigError(f"local search perturbation must be an integer >= 0 (random swaps per kick; "
                          f"0 = random restarts), got {perturbation!r}")
    if not isinstance(budget, (int, np.integer)) or budget < simulator.n_fires:
        raise ConfigError(f"local search budget is counted in fires simulated and must be at least one full "
                          f"evaluation ({simulator.n_fires} fires), got {budget!r}")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"local search needs at least one firebreak to move, got k = {k!r}")
    search = _Search(simulator, int(budget), rng)
    shape = tuple(simulator.shape)
    allowed = np.asarray(simulator.tables.burnable, bool).reshape(-1)
    if start is None:
        start = random_layouts(1, shape, k, rng, allowed=allowed.reshape(shape))[0]
    else:
        start = as_layout_batch(start, shape, name="start layout")
        if len(start) != 1:
            raise ConfigError(f"start must be one layout [H, W], got {len(start)}")
        check_budget(start, k, name="start layout")
        start = start[0]
    try:
        cur = search.full(start)
        accepted = cur
        while True:
            cur = _descend(search, cur, allowed, strategy)
            if cur.fitness >= accepted.fitness:
                accepted = cur
            if perturbation == 0:
                cur = search.full(random_layouts(1, shape, k, rng, allowed=allowed.reshape(shape))[0])
            else:
                cur = search.move(_kick(accepted.layout, perturbation, allowed, rng), accepted)
    except _BudgetSpent:
        pass
    best = search.best
    search.rows.append((search.calls, search.fires, best.fitness, time.process_time() - search.cpu0))
    search.bests.append(best.layout.copy())
    trace = pd.DataFrame(search.rows, columns=["calls", "fires", "best", "cpu"])
    name = f"local search ({strategy}, " + (f"kick {perturbation})" if perturbation else "restarts)")
    return BaselineResult(name, best.layout.copy(), float(best.fitness), search.calls, trace, fires=search.fires,
                          bests=search.bests)
