"""Firebreak layouts on a Cell2Fire landscape: the first :class:`~latentga.problems.base.Problem`.

An individual is a ``bool[H, W]`` layout with exactly ``k`` firebreaks, all on burnable cells
(a break on a non-fuel cell protects nothing, so such a layout is infeasible); its fitness is the mean
fraction of cells not burned over the simulator's fires; the cost of a full evaluation is the
simulator's number of fires. With delta evaluation on, children are scored from their parents'
fire records (same fitness, fewer fires simulated; see :mod:`latentga.problems.fire_delta`).
"""

from __future__ import annotations

import numpy as np

from latentga.config import RunConfig
from latentga.errors import LayoutError
from latentga.layouts import burnable_cells, layout_key, random_layouts
from latentga.problems.base import KCellsProblem
from latentga.problems.fire_delta import make_tracker

__all__ = ["FirebreakProblem", "firebreak_problem"]


class FirebreakProblem(KCellsProblem):
    """Place exactly ``k`` firebreaks on ``simulator``'s grid so that fires burn least.

    Args:
        simulator: a fire simulator (``shape``, ``evaluate(layouts)``, ``settings``).
        k: the firebreak budget.
        delta_evaluation: score children from their parents' fires where the simulator can.
    """

    cost_unit = "fires"

    def __init__(self, simulator, k: int, delta_evaluation: bool = True):
        self.simulator = simulator
        self.k = int(k)
        self.shape = tuple(simulator.shape)
        self.allowed = burnable_cells(simulator)
        room = int(self.allowed.sum())
        if not 0 <= self.k <= room:
            raise LayoutError(f"firebreaks = {self.k} does not fit: the landscape has {room} burnable cells "
                              f"(of {self.allowed.size}); lower the budget")
        self.delta_evaluation = bool(delta_evaluation)
        settings = getattr(simulator, "settings", None) or {}
        self.cost_per_evaluation = int(getattr(simulator, "n_fires", 0) or settings.get("n_fires", 0))

    def random_individuals(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return random_layouts(n, self.shape, self.k, rng, allowed=self.allowed)

    def evaluate(self, individuals: np.ndarray) -> np.ndarray:
        return np.asarray(self.simulator.evaluate(np.asarray(individuals, dtype=bool)), dtype=np.float64)

    def key(self, individual: np.ndarray) -> bytes:
        return layout_key(individual)

    def read_plans(self, path) -> np.ndarray:
        """The plan(s) in a .npy, Cell2Fire firebreak .csv, .asc or .tif file, checked against the
        landscape's grid and georeference (:func:`latentga.plans.read_plans`)."""
        from latentga.plans import read_plans

        return read_plans(path, self.simulator.landscape)

    def delta_tracker(self):
        return make_tracker(self.simulator, self.delta_evaluation)

    def describe(self) -> str:
        return (f"{self.k} firebreaks on {self.shape[0]}x{self.shape[1]}, "
                f"{self.cost_per_evaluation} fires per layout")


def firebreak_problem(config: RunConfig, simulator=None) -> FirebreakProblem:
    """The problem a run config describes (``firebreaks``, ``simulator``, ``ga.delta_evaluation``);
    ``simulator`` defaults to the config's own (:func:`latentga.pipeline.make_simulator`)."""
    if simulator is None:
        from latentga.pipeline import make_simulator

        simulator = make_simulator(config)
    return FirebreakProblem(simulator, config.firebreaks, config.ga.delta_evaluation)
