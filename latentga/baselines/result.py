"""The common result type of the baselines."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["BaselineResult"]


@dataclass
class BaselineResult:
    """The best layout a method found, its search fitness and what it cost.

    ``calls`` counts layouts scored by the simulator (unique simulator calls); ``trace`` has one
    row per step with columns ``calls`` and ``best`` (best search fitness so far). ``fires`` is
    the number of fires simulated, for methods charged in fires (delta-evaluated local search:
    its trace then also has a ``fires`` column); None when only ``calls`` was counted. Searching
    baselines also give ``bests`` (the best layout at each trace row) and a ``cpu`` column (CPU
    seconds since the search began), so a comparison can score their answer at any budget.
    """

    name: str
    layout: np.ndarray
    fitness: float
    calls: int
    trace: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["calls", "best"]))
    fires: int | None = None
    bests: list | None = None  # layout of the best so far at each trace row (searching baselines)
