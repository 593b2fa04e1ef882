"""Parallel fuel-break lines: edge-to-edge barriers spaced to cut every fire short.

Why: where one weather stream drives every fire the same way (Dogrib: wind from the west, fires
about 80 cells long and 40 wide), the firebreaks that save most are the ones land managers build,
continuous strips across the spread direction. A fire reaching a strip stops there: a 4-connected
chain of non-burnable cells from one edge of the map to the opposite one blocks every 8-connected
spread path. Scattered cells (DPV, burn probability) are routed around.

A line here is such a chain near a chosen row or column: with ``band = 0`` the straight row or
column, with ``band = b`` the chain within ``b`` cells of it that needs the fewest breaks, so it
runs through non-fuel cells (water, rock) where it can, as real fuel breaks are anchored to
natural barriers; the breaks saved buy more lines. The method scores, on the search fires, every
set of ``n`` evenly spaced lines that fits the budget (each axis, each ``n``, ``offsets`` phases
of the spacing, each band of ``bands``); then moves one line at a time of the best set of each
orientation, straight and wandering (by 1, 2, 4, ... cells up to half the spacing, the best move a
pass) while that improves the search fitness; then spends any budget left on the cells of highest
DPV on that layout (one DPV pass; burn probability on a backend without spread trees). Every
layout scored costs N fires (``calls`` counts them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from latentga.baselines.result import BaselineResult
from latentga.errors import LayoutError
from latentga.layouts import burnable_cells

__all__ = ["Barriers", "line_sets", "parallel_lines", "shortest_line"]

#: default bands: the straight line and chains wandering up to 5, 10 and 25 cells from it
BANDS = (0, 5, 10, 25)


class Barriers:
    """The breaks of one line ``(axis, centre, band)`` on a landscape, computed once each.

    ``axis`` 0: a line from the left edge to the right one near row ``centre``; 1: from the top
    edge to the bottom one near column ``centre``.
    """

    def __init__(self, burnable: np.ndarray):
        self.burnable = np.asarray(burnable, bool)
        self._cache: dict[tuple[int, int, int], np.ndarray] = {}

    def line(self, axis: int, centre: int, band: int) -> np.ndarray:
        key = (int(axis), int(centre), int(band))
        if key not in self._cache:
            grid = self.burnable if axis == 1 else self.burnable.T  # chains run top to bottom
            cells = _cheapest_chain(grid, centre, band)
            self._cache[key] = cells if axis == 1 else cells.T
        return self._cache[key]

    def layout(self, axis: int, centres, band: int) -> np.ndarray:
        grid = np.zeros(self.burnable.shape, bool)
        for c in centres:
            grid |= self.line(axis, c, band)
        return grid


def _cheapest_chain(burnable: np.ndarray, centre: int, band: int) -> np.ndarray:
    """The burnable cells of the 4-connected top-to-bottom chain within ``band`` columns of
    ``centre`` that crosses the fewest burnable cells (ties: the shorter chain)."""
    h, w = burnable.shape
    lo, hi = max(0, centre - band), min(w - 1, centre + band)
    if band == 0:
        out = np.zeros((h, w), bool)
        out[:, centre] = burnable[:, centre]
        return out
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    sub = burnable[:, lo:hi + 1]
    rows, cols = sub.shape
    ids = np.arange(rows * cols).reshape(rows, cols)
    cost = sub.astype(float).reshape(-1) + 1e-6  # entering a cell: 1 if it must be broken (+ length tie-break)
    src, dst = [], []
    for a, b in ((ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :])):
        src += [a.ravel(), b.ravel()]
        dst += [b.ravel(), a.ravel()]
    src, dst = np.concatenate(src), np.concatenate(dst)
    source = rows * cols  # a virtual node entering every top cell
    src = np.concatenate([src, np.full(cols, source)])
    dst = np.concatenate([dst, ids[0]])
    graph = coo_matrix((cost[dst], (src, dst)), shape=(source + 1, source + 1)).tocsr()
    dist, pred = dijkstra(graph, indices=source, return_predecessors=True)
    node = int(ids[-1][np.argmin(dist[ids[-1]])])
    out = np.zeros((h, w), bool)
    while node != source and node >= 0:
        r, c = divmod(node, cols)
        out[r, lo + c] = sub[r, c]
        node = int(pred[node])
    return out


def line_sets(barriers: Barriers, k: int, offsets: int = 8, bands=BANDS) -> list[tuple[int, tuple[int, ...], int]]:
    """Every ``(axis, centres, band)`` of n evenly spaced lines that needs at most ``k`` breaks.

    For each axis, band and count n, the lines sit at ``int(D * (i + phase))`` (D = length / n,
    phase = (j + 0.5) / offsets); counts grow until no phase fits the budget. Duplicates dropped.
    """
    seen, out = set(), []
    for axis in (0, 1):
        length = barriers.burnable.shape[axis]
        for band in bands:
            for n in range(1, length + 1):
                spacing, fits = length / n, False
                for j in range(offsets):
                    phase = (j + 0.5) / offsets
                    centres = tuple(sorted({min(length - 1, int(spacing * (i + phase))) for i in range(n)}))
                    if int(barriers.layout(axis, centres, band).sum()) > k:
                        continue
                    fits = True
                    if (axis, centres, band) not in seen:
                        seen.add((axis, centres, band))
                        out.append((axis, centres, band))
                if not fits:
                    break
    return out


def shortest_line(burnable: np.ndarray) -> int:
    """Breaks the cheapest straight row or column needs: no line set fits a smaller budget."""
    burnable = np.asarray(burnable, bool)
    return int(min(burnable.sum(axis=0).min(), burnable.sum(axis=1).min()))


def _cheapest_straight(burnable: np.ndarray, k: int) -> list[tuple[int, tuple[int, ...], int]]:
    """The straight row or column with the fewest burnable cells, if it fits ``k`` (else none)."""
    per = [burnable.sum(axis=1), burnable.sum(axis=0)]  # per row (axis 0), per column (axis 1)
    axis = int(np.argmin([p.min() for p in per]))
    centre = int(np.argmin(per[axis]))
    return [(axis, (centre,), 0)] if per[axis][centre] <= k else []


def _shifted(barriers, axis, centres, band, k, shifts):
    """Each line moved by each of ``shifts`` cells either way (order kept, within budget)."""
    length = barriers.burnable.shape[axis]
    out = []
    for i, p in enumerate(centres):
        low = centres[i - 1] + 1 if i else 0
        high = centres[i + 1] - 1 if i + 1 < len(centres) else length - 1
        for step in shifts:
            for q in (p - step, p + step):
                moved = centres[:i] + (q,) + centres[i + 1:]
                if low <= q <= high and int(barriers.layout(axis, moved, band).sum()) <= k:
                    out.append(moved)
    return out


def _refine(simulator, barriers, axis, centres, band, value, k, max_passes):
    """Move one line at a time while the best move improves the search fitness:
    ``(centres, value, layouts scored, [(calls so far, value)] of each improvement)``."""
    length = barriers.burnable.shape[axis]
    half = max(1, length // (2 * len(centres)))
    shifts = [1 << i for i in range(half.bit_length()) if 1 << i <= half]
    calls, improved = 0, []
    for _ in range(max_passes):
        moves = _shifted(barriers, axis, centres, band, k, shifts)
        if not moves:
            break
        scores = simulator.evaluate(np.stack([barriers.layout(axis, m, band) for m in moves]))
        calls += len(moves)
        if scores.max() <= value:
            break
        centres, value = moves[int(np.argmax(scores))], float(scores.max())
        improved.append((calls, value))
    return centres, value, calls, improved


def parallel_lines(simulator, k: int, *, offsets: int = 8, bands=BANDS, max_passes: int = 20,
                   fill: bool = True) -> BaselineResult:
    """The best set of parallel lines on ``simulator``'s fires, then the leftover budget by DPV.

    ``calls`` counts every layout scored (and the DPV pass): N fires each.
    """
    from latentga.baselines.dpv import downstream_protection_value

    burnable = burnable_cells(simulator).reshape(simulator.shape)
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= int(burnable.sum()):
        raise LayoutError(f"firebreak budget k = {k!r} must be an integer between 1 and the {int(burnable.sum())} "
                          "burnable cells; lower the budget")
    barriers = Barriers(burnable)
    candidates = line_sets(barriers, int(k), offsets, bands) or _cheapest_straight(burnable, int(k))
    if not candidates:
        raise LayoutError(f"no full row or column of this landscape fits {k} firebreaks (the shortest needs "
                          f"{shortest_line(burnable)}); raise the budget or drop "
                          "parallel_lines")
    fitness = simulator.evaluate(np.stack([barriers.layout(a, c, b) for a, c, b in candidates]))
    calls = len(candidates)
    trace_calls, best_so_far = [calls], [float(fitness.max())]
    best, value = None, -np.inf
    for side, wandering in ((0, False), (0, True), (1, False), (1, True)):  # refine the best of each kind
        mine = [i for i, (a, _, b) in enumerate(candidates) if a == side and (b > 0) == wandering]
        if not mine:
            continue
        start = max(mine, key=lambda i: (fitness[i], -i))
        _, centres, band = candidates[start]
        centres, val, used, improved = _refine(simulator, barriers, side, centres, band, float(fitness[start]),
                                               int(k), max_passes)
        for c, v in improved:
            trace_calls.append(calls + c)
            best_so_far.append(v)
        calls += used
        if val > value:
            best, value = (side, centres, band), val
    axis, centres, band = best
    layout = barriers.layout(axis, centres, band)
    left = int(k) - int(layout.sum())
    if fill and left > 0:
        if hasattr(simulator, "subtree_totals") or hasattr(simulator, "simulate"):
            value = downstream_protection_value(simulator, layout)
        else:  # a backend without spread trees (the Cell2Fire binary): burn probability instead
            value = simulator.burn_probability(layout[None])[0]
        key = np.where(burnable & ~layout, value, -np.inf).reshape(-1)
        layout.reshape(-1)[np.argsort(-key, kind="stable")[:left]] = True
        value = float(simulator.evaluate(layout[None])[0])
        calls += 2
        trace_calls.append(calls)
        best_so_far.append(value)
    kind = "rows" if axis == 0 else "columns"
    name = (f"parallel lines ({kind} {', '.join(map(str, centres))}" + (f", band {band}" if band else "") +
            (f" + {left} by DPV)" if fill and left else ")"))
    trace = pd.DataFrame({"calls": trace_calls, "best": np.maximum.accumulate(best_so_far)})
    return BaselineResult(name, layout, value, calls, trace)
