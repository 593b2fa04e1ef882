"""Simple methods every GA variant must be compared against (issue: baselines).

Each function takes a simulator (anything with ``evaluate(layouts)`` and ``shape``), the
firebreak budget ``k`` and, where it searches, a budget of simulator calls, and returns a
:class:`BaselineResult`. The comparison (``benchmarks/compare.py``) re-scores every result's
layout on fresh fires, like the GA variants'.
"""

from latentga.baselines.dpv import downstream_protection_value, dpv_layout
from latentga.baselines.heuristics import best_straight_line, burn_probability_layout, straight_line_layouts
from latentga.baselines.local_search import local_search
from latentga.baselines.random_search import random_search
from latentga.baselines.result import BaselineResult

__all__ = ["BaselineResult", "best_straight_line", "burn_probability_layout", "downstream_protection_value", "dpv_layout",
           "local_search", "random_search",
           "straight_line_layouts"]
