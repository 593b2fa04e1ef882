"""Random search: draw feasible layouts, keep the best, until the call budget is spent."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from latentga.baselines.result import BaselineResult
from latentga.layouts import burnable_cells, random_layouts

__all__ = ["random_search"]


def random_search(simulator, k: int, budget: int, rng: np.random.Generator,
                  batch_size: int = 100) -> BaselineResult:
    """Score ``budget`` random layouts with exactly ``k`` firebreaks on burnable cells (drawn from
    ``rng``), in batches."""
    allowed = burnable_cells(simulator)
    best_fit, best_layout, calls, rows, bests = -np.inf, None, 0, [], []
    cpu0 = time.process_time()
    while calls < budget:
        n = min(batch_size, budget - calls)
        layouts = random_layouts(n, simulator.shape, k, rng, allowed=allowed)
        fitness = simulator.evaluate(layouts)
        i = int(np.argmax(fitness))
        if fitness[i] > best_fit:
            best_fit, best_layout = float(fitness[i]), layouts[i]
        calls += n
        rows.append((calls, best_fit, time.process_time() - cpu0))
        bests.append(best_layout.copy())
    return BaselineResult("random search", best_layout, best_fit, calls,
                          pd.DataFrame(rows, columns=["calls", "best", "cpu"]), bests=bests)
