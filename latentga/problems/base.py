"""The Problem interface: everything the GA engine knows about what it optimizes.

The engine (``latentga.ga``) evolves fixed-shape NumPy individuals and asks the problem for the
rest: feasible random individuals, a repair after variation, a batch fitness, the cost of an
evaluation, a cache key, and (optionally) a cheaper "delta" evaluation of children from their
parents. Firebreak layouts on a Cell2Fire landscape are one problem
(:class:`~latentga.problems.firebreaks.FirebreakProblem`); :class:`~latentga.problems.subset.KSubsetProblem`
is a second one with a known optimum, which shows the engine is generic.

Why a batch ``evaluate``: one call per chunk of individuals lets ``toolbox.map`` (SCOOP or a
process pool) pay its per-task cost per chunk, and lets a simulator vectorise (as EvoTorch's
``Problem`` and pymoo's ``Problem._evaluate`` do). The problem object itself is sent to workers
with each chunk, so it should hold only what evaluation needs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

__all__ = ["Problem", "KCellsProblem"]


class Problem(ABC):
    """A maximisation problem over fixed-shape arrays.

    Subclasses implement :meth:`random_individuals`, :meth:`repair` and :meth:`evaluate`; the
    rest has defaults. Attributes:

    - ``shape``: the shape of one individual.
    - ``cost_unit``: what :attr:`cost_per_evaluation` counts (``"fires"`` for firebreaks); the
      logbook's ``cost`` column is in this unit.
    - ``cost_per_evaluation``: cost of one full evaluation of one individual.
    """

    shape: tuple[int, ...] = ()
    cost_unit: str = "evaluations"
    cost_per_evaluation: int = 1

    @abstractmethod
    def random_individuals(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` feasible individuals, ``[n, *shape]``, drawn only from ``rng``."""

    @abstractmethod
    def repair(self, individual: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Make ``individual`` feasible in place (no draws when it already is) and return it."""

    @abstractmethod
    def evaluate(self, individuals: np.ndarray) -> np.ndarray:
        """Fitness (higher is better) of a batch ``[B, *shape]``, as ``float64[B]``."""

    def is_feasible(self, individual: np.ndarray) -> bool:
        """True when :meth:`repair` would leave ``individual`` unchanged."""
        return not self.infeasibility(individual)

    def infeasibility(self, individual: np.ndarray) -> str:
        """Why ``individual`` is infeasible, in a few words ("" when it is feasible)."""
        probe = np.array(individual, copy=True)
        same = np.array_equal(self.repair(probe, np.random.default_rng(0)), individual)
        return "" if same else "the problem's repair would change it"

    def key(self, individual: np.ndarray) -> bytes:
        """Key of the engine's fitness cache: equal individuals, equal keys."""
        return np.ascontiguousarray(individual).tobytes()

    def delta_tracker(self):
        """An object scoring children from their parents' evaluations, or None (full evaluation).

        It needs ``score(todo, sources, map, chunk_size) -> (scores, cost)``, ``keep(population)``,
        ``state()`` (plain arrays for checkpoints) and ``restore(state)``; see
        :class:`~latentga.problems.fire_delta.DeltaTracker`.
        """
        return None

    def operator_keywords(self) -> dict[str, Any]:
        """Values an operator may declare as keyword parameters (e.g. the ``budget``)."""
        return {}

    def describe(self) -> str:
        """One line for progress output."""
        return f"{type(self).__name__} {self.shape}"


class KCellsProblem(Problem):
    """A problem whose individuals are boolean arrays with exactly ``self.k`` cells set (the
    firebreak budget, a k-subset), all inside ``self.allowed`` (bool, same shape; None = every
    cell): the repair, the feasibility test and the keywords operators ask for (``budget``,
    ``allowed``) are shared."""

    k: int
    allowed: np.ndarray | None = None

    def repair(self, individual: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        from latentga.operators.repair import repair_budget

        if self.infeasibility(individual):
            repair_budget(individual, self.k, rng, self.allowed)
        return individual

    def infeasibility(self, individual: np.ndarray) -> str:
        cells = np.asarray(individual) != 0
        count = int(np.count_nonzero(cells))
        if count != self.k:
            return f"it has {count} cells set but the budget is exactly {self.k}"
        if self.allowed is not None:
            bad = np.argwhere(cells & ~self.allowed)
            if len(bad):
                return (f"{len(bad)} of its {count} firebreaks stand on non-fuel cells (first at "
                        f"{tuple(int(i) for i in bad[0])}), where a break protects nothing")
        return ""

    def operator_keywords(self) -> dict[str, Any]:
        return {"budget": self.k, "allowed": self.allowed}
