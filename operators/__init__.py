"""DEAP-style operators for firebreak layouts: the one place to look for (and add) operators.

This folder is the package ``latentga.operators`` (installed there by setuptools'
``package_dir``; a checkout resolves it here, see :mod:`latentga._source_tree`). Import it as
``latentga.operators``; config plug-in paths written ``operators.x:y`` still resolve.

- :mod:`latentga.operators.repair`: the shared "exactly k firebreaks" repair.
- :mod:`latentga.operators.vanilla`: grid operators (bit-flip mutation, uniform / two-point crossover).
- :mod:`latentga.operators.latent`: operators acting in a frozen VAE/CCVAE latent space (batch-capable).
- :mod:`latentga.operators.selection`: selection with a passed-in random generator.
- :mod:`latentga.operators.registry`: the names configs use; ``package.module:function`` plugs in your own.

Conventions: a plain function, individuals first, keyword parameters after; ``budget`` (the
problem's, e.g. firebreaks), ``rng`` (``np.random.Generator``) and ``model`` are filled in by the
engine when the function declares them (``k``, the older name of ``budget``, still is for
mate/mutate plug-ins; selectors' ``k`` is DEAP's "how many"). Mark a function that can vary a whole generation at once with
:func:`latentga.operators.base.batch_operator`. The latent operators import torch, so they are not
imported here; use ``latentga.operators.latent`` or the registry.
"""

from .base import accepted_keywords, batch_operator, is_batch_capable, needs_conditional
from .registry import OPERATORS, operator_role, resolve_operator
from .repair import repair_budget
from .selection import sel_best, sel_random, sel_tournament
from .vanilla import cx_two_point, cx_uniform, mut_flip

__all__ = [
    "batch_operator", "is_batch_capable", "needs_conditional", "accepted_keywords",
    "OPERATORS", "operator_role", "resolve_operator",
    "repair_budget",
    "mut_flip", "cx_uniform", "cx_two_point",
    "sel_tournament", "sel_best", "sel_random",
]
