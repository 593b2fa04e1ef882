"""Constructive baselines: the best straight line and the burn-probability (BP) heuristic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from latentga.baselines.result import BaselineResult
from latentga.errors import LayoutError
from latentga.layouts import burnable_cells

__all__ = ["straight_line_layouts", "best_straight_line", "burn_probability_layout", "top_k_layout"]


def straight_line_layouts(shape: tuple[int, int], k: int) -> tuple[np.ndarray, list[str]]:
    """Every horizontal or vertical run of exactly ``k`` consecutive cells, with a label each.

    On a 20x20 grid with k = 20 these are the 20 full rows and 20 full columns.
    """
    h, w = shape
    layouts, names = [], []
    for r in range(h):
        for c in range(w - k + 1):
            grid = np.zeros(shape, bool)
            grid[r, c:c + k] = True
            layouts.append(grid)
            names.append(f"row {r}" if k == w else f"row {r} cols {c}-{c + k - 1}")
    for c in range(w):
        for r in range(h - k + 1):
            grid = np.zeros(shape, bool)
            grid[r:r + k, c] = True
            layouts.append(grid)
            names.append(f"col {c}" if k == h else f"col {c} rows {r}-{r + k - 1}")
    if not layouts:
        raise LayoutError(f"no straight line of {k} cells fits a {h}x{w} grid; lower the budget")
    return np.stack(layouts), names


def best_straight_line(simulator, k: int) -> BaselineResult:
    """Score every straight line of ``k`` burnable cells and keep the best (ties: first in
    row-then-column order); a line crossing a non-fuel cell would waste a break, so it is skipped."""
    layouts, names = straight_line_layouts(simulator.shape, k)
    keep = ~(layouts & ~burnable_cells(simulator)).reshape(len(layouts), -1).any(axis=1)
    if not keep.any():
        raise LayoutError(f"every straight line of {k} cells crosses a non-fuel cell of this landscape; "
                          "lower the budget or drop best_line")
    layouts, names = layouts[keep], [n for n, ok in zip(names, keep) if ok]
    fitness = simulator.evaluate(layouts)
    best = int(np.argmax(fitness))
    trace = pd.DataFrame({"calls": np.arange(1, len(fitness) + 1), "best": np.maximum.accumulate(fitness)})
    return BaselineResult(f"best line ({names[best]})", layouts[best], float(fitness[best]), len(fitness), trace)


def top_k_layout(score: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """The layout with firebreaks on the ``k`` highest-scoring cells (ties by cell index)."""
    score = np.asarray(score, float).copy()
    if allowed is not None:
        score[~np.asarray(allowed, bool)] = -np.inf
    order = np.argsort(-score.ravel(), kind="stable")[:k]
    layout = np.zeros(score.size, bool)
    layout[order] = True
    return layout.reshape(score.shape)


def burn_probability_layout(simulator, k: int) -> BaselineResult:
    """Burn probability (BP): firebreaks on the k burnable cells that burn most often without firebreaks."""
    empty = np.zeros((1, *simulator.shape), bool)
    bp = simulator.burn_probability(empty)[0]
    layout = top_k_layout(bp, k, burnable_cells(simulator))
    fitness = float(simulator.evaluate(layout[None])[0])
    trace = pd.DataFrame({"calls": [2], "best": [fitness]})
    return BaselineResult("burn probability", layout, fitness, 2, trace)
