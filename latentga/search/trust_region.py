"""A trust region in latent space around the elite, as TuRBO (Eriksson et al. 2019) and LOL-BO
(Maus et al. 2022) keep one: children are drawn near the best layout's code, the region doubles
after ``success`` generations in a row that improved the best, halves after ``failure``
generations in a row that did not, and restarts at its initial length when it falls below
``min`` (the search has stalled there: the caller then updates the model).

The length is in units of the elite's posterior standard deviation, so ``length = 1`` draws what
a posterior sample (``mut_latent_resample``) would; larger explores, smaller refines.
"""

from __future__ import annotations

import numpy as np
import torch

from latentga.operators.latent import decode_layouts, encode_layouts

__all__ = ["TrustRegion"]


class TrustRegion:
    """Length and success/failure counters of one latent trust region (plain numbers, so a
    checkpoint stores them)."""

    def __init__(self, *, length: float, min_length: float, max_length: float, success: int, failure: int):
        self.initial, self.min, self.max = float(length), float(min_length), float(max_length)
        self.success_tol, self.failure_tol = int(success), int(failure)
        self.length, self.successes, self.failures, self.restarts = self.initial, 0, 0, 0

    def sample(self, model, centre: np.ndarray, n: int, rng: np.random.Generator, *, k: int,
               allowed: np.ndarray | None = None) -> np.ndarray:
        """``n`` layouts decoded from ``mu + length * sigma * eps`` around ``centre``'s code (breaks
        on ``allowed`` cells only)."""
        mu, logvar = encode_layouts(model, [centre])
        eps = torch.as_tensor(rng.standard_normal((n, mu.shape[1])), dtype=mu.dtype, device=mu.device)
        return decode_layouts(model, mu + self.length * torch.exp(0.5 * logvar) * eps, k, allowed)

    def update(self, improved: bool) -> bool:
        """Count one generation; returns True when the region restarts (the search stalled)."""
        if improved:
            self.successes, self.failures = self.successes + 1, 0
        else:
            self.successes, self.failures = 0, self.failures + 1
        if self.successes >= self.success_tol:
            self.length, self.successes = min(2.0 * self.length, self.max), 0
        elif self.failures >= self.failure_tol:
            self.length, self.failures = self.length / 2.0, 0
        if self.length < self.min:
            self.length, self.restarts = self.initial, self.restarts + 1
            return True
        return False

    def state(self) -> np.ndarray:
        return np.array([self.length, self.successes, self.failures, self.restarts], np.float64)

    def restore(self, state: np.ndarray) -> None:
        length, successes, failures, restarts = np.asarray(state, np.float64).tolist()
        self.length, self.successes, self.failures, self.restarts = length, int(successes), int(failures), int(restarts)
