"""Selection with the randomness passed in (DEAP's own selectors read the global ``random``)."""

from __future__ import annotations

import numpy as np
from deap import tools

from .base import param_ranges

__all__ = ["sel_tournament", "sel_best", "sel_random"]


def _fitness(individuals) -> np.ndarray:
    return np.array([ind.fitness.wvalues[0] for ind in individuals], dtype=float)


@param_ranges(tournsize=(1, None))
def sel_tournament(individuals: list, k: int, *, tournsize: int = 3,
                   rng: np.random.Generator) -> list:
    """Pick ``k`` individuals, each the fittest of ``tournsize`` drawn with replacement.

    Args:
        individuals: the population (evaluated).
        k: how many to select.
        tournsize: individuals per tournament.
        rng: source of the tournament draws.
    """
    if tournsize < 1:
        raise ValueError("tournsize must be at least 1")
    fit = _fitness(individuals)
    entrants = rng.integers(0, len(individuals), size=(k, tournsize))
    winners = entrants[np.arange(k), np.argmax(fit[entrants], axis=1)]
    return [individuals[i] for i in winners]


def sel_best(individuals: list, k: int) -> list:
    """The ``k`` fittest individuals (deterministic; DEAP's ``selBest``)."""
    return tools.selBest(individuals, k)


def sel_random(individuals: list, k: int, *, rng: np.random.Generator) -> list:
    """``k`` individuals drawn uniformly with replacement (no selection pressure)."""
    return [individuals[i] for i in rng.integers(0, len(individuals), size=k)]
