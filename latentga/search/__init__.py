"""Searches built on the GA engine that start from heuristics and refine with exact delta moves.

:mod:`~latentga.search.seeding` fills generation 0 from downstream protection values (DPV);
:mod:`~latentga.search.memetic` improves the best individuals each generation with single-break
moves scored by delta evaluation. Both charge every fire they simulate to the run's cost.
"""

from latentga.search.memetic import Improved, MemeticStep, improve, memetic_step
from latentga.search.seeding import Seeds, dpv_seeds, seed_individuals, seeding_on

__all__ = ["Improved", "MemeticStep", "improve", "memetic_step", "Seeds", "dpv_seeds", "seed_individuals", "seeding_on"]
