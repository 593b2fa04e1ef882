"""Baselines a comparison can name: the built-ins by short name, anyone's by dotted path.

A baseline is a function ``baseline(simulator, k, *, budget, rng) -> BaselineResult``:
``simulator`` scores layouts on the search fires, ``k`` is the firebreak budget, ``budget`` a
dict with ``fires`` (fires it may simulate) and ``calls`` (the same in full evaluations),
``rng`` its only randomness (None for deterministic ones). A function with the attribute
``deterministic = True`` runs once per comparison instead of once per seed. The built-ins are
registered the same way a user's ``package.module:function`` is.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from latentga.errors import ConfigError
from latentga.plugins import resolve_dotted

__all__ = ["BUILTIN_BASELINES", "resolve_baseline", "is_deterministic", "deterministic"]


def deterministic(func: Callable) -> Callable:
    """Mark a baseline as seedless: a comparison runs it once, with ``rng=None``."""
    func.deterministic = True
    return func


def random_search(simulator, k: int, *, budget: dict, rng: np.random.Generator):
    from latentga.baselines.random_search import random_search as search

    return search(simulator, k, int(budget["calls"]), rng)


def local_search(simulator, k: int, *, budget: dict, rng: np.random.Generator):
    from latentga.baselines.local_search import local_search as search

    return search(simulator, k, int(budget["fires"]), rng)


@deterministic
def burn_probability(simulator, k: int, *, budget: dict, rng=None):
    from latentga.baselines.heuristics import burn_probability_layout

    return burn_probability_layout(simulator, k)


@deterministic
def dpv(simulator, k: int, *, budget: dict, rng=None):
    from latentga.baselines.dpv import dpv_layout

    return dpv_layout(simulator, k)


@deterministic
def dpv_greedy(simulator, k: int, *, budget: dict, rng=None):
    from latentga.baselines.dpv import dpv_layout

    return dpv_layout(simulator, k, greedy=True)


@deterministic
def best_line(simulator, k: int, *, budget: dict, rng=None):
    from latentga.baselines.heuristics import best_straight_line

    return best_straight_line(simulator, k)


@deterministic
def parallel_lines(simulator, k: int, *, budget: dict, rng=None):
    from latentga.baselines.lines import parallel_lines as lines

    return lines(simulator, k)


#: Short name -> dotted path, in display order.
BUILTIN_BASELINES: dict[str, str] = {name: f"{__name__}:{name}" for name in
                                     ("random_search", "local_search", "burn_probability", "dpv", "dpv_greedy",
                                      "best_line", "parallel_lines")}


def resolve_baseline(name: str, key: str = "baselines") -> Callable:
    """The baseline function a comparison config names (short name or ``package.module:function``)."""
    if name in BUILTIN_BASELINES:
        name = BUILTIN_BASELINES[name]
    elif ":" not in str(name):
        raise ConfigError(f"{key}: unknown baseline {name!r}; known: {', '.join(BUILTIN_BASELINES)}, or your own "
                          "as 'package.module:function'")
    return resolve_dotted(name, key=f"{key}.{name}", what="baseline")


def is_deterministic(func: Callable) -> bool:
    return bool(getattr(func, "deterministic", False))
