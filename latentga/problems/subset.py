"""A k-subset problem with a known optimum: the second problem, proof that the engine is generic.

Choose exactly ``k`` cells of a grid of weights to maximise their total weight (normalised so
the optimum is 1.0). The optimum is the ``k`` heaviest cells, so a test can check that the GA,
the vanilla operators, checkpoints and SCOOP work on a problem that knows nothing of fires.
"""

from __future__ import annotations

import math

import numpy as np

from latentga.problems.base import KCellsProblem

__all__ = ["KSubsetProblem"]


class KSubsetProblem(KCellsProblem):
    """Pick ``k`` cells of ``weights`` (any shape, non-negative) with the largest total weight.

    Fitness = chosen weight / best possible weight, so 1.0 means optimal.
    """

    def __init__(self, weights: np.ndarray, k: int):
        self.weights = np.asarray(weights, dtype=np.float64)
        if self.weights.ndim < 1 or not np.all(np.isfinite(self.weights)) or np.any(self.weights < 0):
            raise ValueError("weights must be a finite, non-negative array")
        if not 1 <= int(k) <= self.weights.size:
            raise ValueError(f"k must be between 1 and {self.weights.size}, got {k}")
        self.k = int(k)
        self.shape = self.weights.shape
        self.best_weight = float(np.sort(self.weights.reshape(-1))[::-1][: self.k].sum()) or 1.0

    @classmethod
    def random(cls, shape: tuple[int, ...], k: int, seed: int = 0) -> "KSubsetProblem":
        """A problem with uniform random weights (reproducible from ``seed``)."""
        return cls(np.random.default_rng(seed).random(shape), k)

    def optimum(self) -> np.ndarray:
        """The optimal individual: the ``k`` heaviest cells."""
        best = np.zeros(self.weights.size, bool)
        best[np.argsort(-self.weights.reshape(-1), kind="stable")[: self.k]] = True
        return best.reshape(self.shape)

    def random_individuals(self, n: int, rng: np.random.Generator) -> np.ndarray:
        out = np.zeros((n, self.weights.size), bool)
        for row in out:
            row[rng.choice(self.weights.size, self.k, replace=False)] = True
        return out.reshape((n, *self.shape))

    def evaluate(self, individuals: np.ndarray) -> np.ndarray:
        # exactly rounded sums (math.fsum), not a matrix product: BLAS and SIMD reductions round
        # a row differently by batch size and memory alignment, and an individual's fitness must
        # not depend on its batch mates or on the process (SCOOP worker) that scores it
        chosen = np.asarray(individuals, bool).reshape(len(individuals), -1)
        flat = self.weights.reshape(-1)
        return np.array([math.fsum(flat[row].tolist()) for row in chosen], np.float64) / self.best_weight

