"""Levers that make latent operators earn their place (issue 21): no stalls, a model that learns
from good layouts, surrogate pre-screening and a latent trust region. Each is a switch of the run
config's ``latent`` section; :func:`latentga.search.levers.lever_hooks` builds what a run needs."""

from latentga.search.levers import LatentLevers, lever_hooks, levers_on, search_hooks

__all__ = ["LatentLevers", "lever_hooks", "levers_on", "search_hooks"]
