"""Model-free operators on the grid itself (the report's vanilla GA), DEAP calling style.

Individuals are boolean NumPy grids changed in place; children are built from copies (never
views of a parent), then put back on budget by :func:`latentga.operators.repair.repair_budget`.
With ``allowed`` (the engine passes the landscape's burnable cells), breaks land only there.
"""

from __future__ import annotations

import numpy as np

from .base import param_ranges
from .repair import repair_budget

__all__ = ["mut_flip", "cx_uniform", "cx_two_point"]


@param_ranges(indpb=(0, 1))
def mut_flip(individual: np.ndarray, *, indpb: float = 0.05, budget: int,
             rng: np.random.Generator, allowed: np.ndarray | None = None) -> tuple[np.ndarray]:
    """Flip each cell with probability ``indpb``, then repair to exactly ``budget`` firebreaks.

    Args:
        individual: boolean grid, changed in place.
        indpb: probability that a cell flips.
        budget: firebreak budget (filled in by the engine).
        rng: source of the flips and of the repair's choices.
        allowed: cells where a break may stand (filled in by the engine; None = all); other
            cells never flip on.
    """
    flips = rng.random(individual.shape) < indpb
    if allowed is not None:
        flips &= allowed
    individual[...] = np.logical_xor(np.asarray(individual, bool), flips)
    repair_budget(individual, budget, rng, allowed)
    return (individual,)


@param_ranges(indpb=(0, 1))
def cx_uniform(ind1: np.ndarray, ind2: np.ndarray, *, indpb: float = 0.5, budget: int,
               rng: np.random.Generator, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Swap each cell between the parents with probability ``indpb``, then repair both.

    Args:
        ind1, ind2: boolean grids, changed in place into the two children.
        indpb: probability that a cell is swapped.
        budget: firebreak budget (filled in by the engine).
        rng: source of the swaps and of the repair's choices.
        allowed: cells where a break may stand (filled in by the engine; None = all).
    """
    swap = rng.random(ind1.shape) < indpb
    a, b = np.array(ind1, bool), np.array(ind2, bool)  # copies: the writes below must not alias
    ind1[...] = np.where(swap, b, a)
    ind2[...] = np.where(swap, a, b)
    repair_budget(ind1, budget, rng, allowed)
    repair_budget(ind2, budget, rng, allowed)
    return ind1, ind2


def cx_two_point(ind1: np.ndarray, ind2: np.ndarray, *, budget: int,
                 rng: np.random.Generator, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """DEAP's two-point crossover on the row-major cell sequence, with copies, then repair.

    Args:
        ind1, ind2: boolean grids, changed in place into the two children.
        budget: firebreak budget (filled in by the engine).
        rng: source of the cut points and of the repair's choices.
        allowed: cells where a break may stand (filled in by the engine; None = all).
    """
    n = ind1.size
    lo, hi = np.sort(rng.choice(np.arange(1, n), size=2, replace=False)) if n > 2 else (0, n)
    a, b = np.array(ind1, bool).reshape(-1), np.array(ind2, bool).reshape(-1)
    a[lo:hi], b[lo:hi] = b[lo:hi].copy(), a[lo:hi].copy()
    ind1[...] = a.reshape(ind1.shape)
    ind2[...] = b.reshape(ind2.shape)
    repair_budget(ind1, budget, rng, allowed)
    repair_budget(ind2, budget, rng, allowed)
    return ind1, ind2
