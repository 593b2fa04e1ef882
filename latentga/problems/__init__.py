"""Problems the GA engine optimizes: the interface and the built-in ones."""

from latentga.problems.base import KCellsProblem, Problem
from latentga.problems.firebreaks import FirebreakProblem, firebreak_problem
from latentga.problems.subset import KSubsetProblem

__all__ = ["Problem", "KCellsProblem", "FirebreakProblem", "firebreak_problem", "KSubsetProblem"]
