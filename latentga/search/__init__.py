"""Searches built on the GA engine.

Heuristic starts and exact local refinement (memetic): :mod:`~latentga.search.seeding` fills
generation 0 from downstream protection values (DPV); :mod:`~latentga.search.memetic` improves the
best individuals each generation with single-break moves scored by delta evaluation. Both charge
every fire they simulate to the run's cost.

Latent levers (issue 21, docs/latent-levers.md): no stalls, a model that learns from good layouts,
surrogate pre-screening and a latent trust region, each a switch of the run config's ``latent``
section; :func:`~latentga.search.levers.search_hooks` builds what a run needs.
"""

from latentga.search.levers import LatentLevers, SearchSetup, lever_hooks, levers_on, search_hooks
from latentga.search.memetic import Improved, MemeticStep, improve, memetic_step
from latentga.search.seeding import Seeds, dpv_seeds, seed_individuals, seeding_on

__all__ = ["Improved", "MemeticStep", "improve", "memetic_step", "Seeds", "dpv_seeds", "seed_individuals", "seeding_on",
           "LatentLevers", "SearchSetup", "lever_hooks", "levers_on", "search_hooks"]
