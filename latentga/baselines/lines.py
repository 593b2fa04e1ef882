"""Parallel fuel-break lines: full rows or columns of breaks, spaced to cut every fire short.

Why: where one weather stream drives every fire the same way (Dogrib: wind from the west, fires
about 80 cells long and 40 wide), the firebreaks that save most are the ones land managers
build, continuous strips across the spread direction. A fire reaching a strip stops there (a
full row or column of non-burnable cells blocks every 8-connected path), so strips spaced a
little more than a fire's length apart cut most fires; scattered cells (DPV, burn probability)
are routed around. Non-fuel cells on a strip already stop fire and cost nothing.

The method scores, on the search fires, every set of ``n`` evenly spaced full rows (or
columns) that fits the budget, for each ``n`` and ``offsets`` phases of the spacing; then moves
one line at a time of the best set of each orientation (by 1, 2, 4, ... cells up to half the
spacing, the best move a pass) while that improves the search fitness; then
spends any budget left on the cells of highest DPV on that layout (one more DPV pass). Every
layout scored costs N fires (``calls`` counts them), so a comparison charges it fairly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from latentga.baselines.result import BaselineResult
from latentga.errors import LayoutError
from latentga.layouts import burnable_cells

__all__ = ["line_sets", "parallel_lines"]


def _layout(burnable: np.ndarray, axis: int, positions) -> np.ndarray:
    """Breaks on every burnable cell of the rows (axis 0) or columns (axis 1) at ``positions``."""
    grid = np.zeros(burnable.shape, bool)
    for p in positions:
        if axis == 0:
            grid[p, :] = burnable[p, :]
        else:
            grid[:, p] = burnable[:, p]
    return grid


def line_sets(burnable: np.ndarray, k: int, offsets: int = 8) -> list[tuple[int, tuple[int, ...]]]:
    """Every ``(axis, positions)`` of n evenly spaced full lines that needs at most ``k`` breaks.

    For each axis and each count n, the lines sit at ``int(D * (i + phase))`` (D = length / n,
    phase = (j + 0.5) / offsets); counts grow until no phase fits the budget. Duplicates dropped.
    """
    burnable = np.asarray(burnable, bool)
    seen, out = set(), []
    for axis in (0, 1):
        length = burnable.shape[axis]
        per_line = burnable.sum(axis=1 - axis)
        for n in range(1, length + 1):
            spacing = length / n
            fits = False
            for j in range(offsets):
                phase = (j + 0.5) / offsets
                positions = tuple(sorted({min(length - 1, int(spacing * (i + phase))) for i in range(n)}))
                if int(per_line[list(positions)].sum()) > k:
                    continue
                fits = True
                if (axis, positions) in seen:
                    continue
                seen.add((axis, positions))
                out.append((axis, positions))
            if not fits:
                break
    return out


def _shifted(burnable, axis, positions, k, shifts):
    """Each line of ``positions`` moved by each of ``shifts`` cells either way (order kept, within budget)."""
    length = burnable.shape[axis]
    per_line = burnable.sum(axis=1 - axis)
    out = []
    for i, p in enumerate(positions):
        low = positions[i - 1] + 1 if i else 0
        high = positions[i + 1] - 1 if i + 1 < len(positions) else length - 1
        for step in shifts:
            for q in (p - step, p + step):
                moved = positions[:i] + (q,) + positions[i + 1:]
                if low <= q <= high and int(per_line[list(moved)].sum()) <= k:
                    out.append(moved)
    return out


def _refine(simulator, burnable, axis, positions, value, k, max_passes):
    """Move one line at a time (by 1, 2, 4, ... cells up to half the spacing) while the best
    move improves the search fitness: ``(positions, value, layouts scored, improving values)``."""
    length = burnable.shape[axis]
    half = max(1, length // (2 * len(positions)))
    shifts = [1 << i for i in range(half.bit_length()) if 1 << i <= half]
    calls, improved = 0, []
    for _ in range(max_passes):
        moves = _shifted(burnable, axis, positions, k, shifts)
        if not moves:
            break
        scores = simulator.evaluate(np.stack([_layout(burnable, axis, m) for m in moves]))
        calls += len(moves)
        if scores.max() <= value:
            break
        positions, value = moves[int(np.argmax(scores))], float(scores.max())
        improved.append((calls, value))
    return positions, value, calls, improved


def parallel_lines(simulator, k: int, *, offsets: int = 8, max_passes: int = 20,
                   fill: bool = True) -> BaselineResult:
    """The best set of parallel full lines on ``simulator``'s fires, then the leftover budget by DPV.

    ``calls`` counts every layout scored (and the DPV pass): N fires each.
    """
    from latentga.baselines.dpv import downstream_protection_value

    burnable = burnable_cells(simulator).reshape(simulator.shape)
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= int(burnable.sum()):
        raise LayoutError(f"firebreak budget k = {k!r} must be an integer between 1 and the {int(burnable.sum())} "
                          "burnable cells; lower the budget")
    candidates = line_sets(burnable, int(k), offsets)
    if not candidates:
        raise LayoutError(f"no full row or column of this landscape fits {k} firebreaks (its shortest line needs "
                          f"{int(min(burnable.sum(0).min(), burnable.sum(1).min()))}); raise the budget or drop "
                          "parallel_lines")
    fitness = simulator.evaluate(np.stack([_layout(burnable, a, p) for a, p in candidates]))
    calls = len(candidates)
    trace_calls, best_so_far = [calls], [float(fitness.max())]
    axis, positions, value = None, None, -np.inf
    for side in (0, 1):  # the best evenly spaced set of each orientation, each refined
        mine = [i for i, (a, _) in enumerate(candidates) if a == side]
        if not mine:
            continue
        start = max(mine, key=lambda i: (fitness[i], -i))
        pos, val, used, improved = _refine(simulator, burnable, side, candidates[start][1], float(fitness[start]),
                                           int(k), max_passes)
        for c, v in improved:
            trace_calls.append(calls + c)
            best_so_far.append(v)
        calls += used
        if val > value:
            axis, positions, value = side, pos, val
    layout = _layout(burnable, axis, positions)
    left = int(k) - int(layout.sum())
    if fill and left > 0:
        dpv = downstream_protection_value(simulator, layout)
        key = np.where(burnable & ~layout, dpv, -np.inf).reshape(-1)
        layout.reshape(-1)[np.argsort(-key, kind="stable")[:left]] = True
        value = float(simulator.evaluate(layout[None])[0])
        calls += 2
        trace_calls.append(calls)
        best_so_far.append(value)
    kind = "rows" if axis == 0 else "columns"
    name = f"parallel lines ({kind} {', '.join(map(str, positions))}" + (f" + {left} by DPV)" if fill and left else ")")
    trace = pd.DataFrame({"calls": trace_calls, "best": np.maximum.accumulate(best_so_far)})
    return BaselineResult(name, layout, value, calls, trace)
