"""DEAP's individual and fitness classes, created once when this module is imported.

Creating them at import time (not inside a function or under ``__main__``) is what lets SCOOP
workers and checkpoint loading unpickle individuals: every process that imports latentga.ga
gets the same ``deap.creator.Layout``.
"""

from __future__ import annotations

import numpy as np
from deap import base, creator

__all__ = ["FitnessMax", "Layout", "make_individual", "individual_arrays", "fitness_array"]

if not hasattr(creator, "FitnessMax"):
    creator.create("FitnessMax", base.Fitness, weights=(1.0,))
if not hasattr(creator, "Layout"):
    creator.create("Layout", np.ndarray, fitness=creator.FitnessMax)

FitnessMax = creator.FitnessMax
Layout = creator.Layout


def make_individual(layout: np.ndarray, fitness: float | None = None) -> "Layout":
    """A fresh individual holding a boolean COPY of ``layout`` (optionally with its fitness)."""
    ind = np.array(layout, dtype=bool).view(Layout)
    ind.fitness = FitnessMax()
    if fitness is not None:
        ind.fitness.values = (float(fitness),)
    return ind


def individual_arrays(individuals) -> np.ndarray:
    """Plain ``bool[B, H, W]`` copy of a list of individuals (for saving and the simulator)."""
    return np.stack([np.asarray(ind, dtype=bool) for ind in individuals]) if len(individuals) else \
        np.zeros((0, 0, 0), bool)


def fitness_array(individuals) -> np.ndarray:
    """Fitness of each individual (NaN where not evaluated)."""
    return np.array([ind.fitness.values[0] if ind.fitness.valid else np.nan for ind in individuals])
