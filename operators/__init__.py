"""DEAP-style operators for firebreak layouts: the one place to look for (and add) operators.

- :mod:`operators.repair`: the shared "exactly k firebreaks" repair.
- :mod:`operators.vanilla`: grid operators (bit-flip mutation, uniform / two-point crossover).
- :mod:`operators.latent`: operators acting in a frozen VAE/CCVAE latent space (batch-capable).
- :mod:`operators.selection`: selection with a passed-in random generator.
- :mod:`operators.registry`: the names configs use; ``package.module:function`` plugs in your own.

Conventions: a plain function, individuals first, keyword parameters after; ``budget`` (the
problem's, e.g. firebreaks), ``rng`` (``np.random.Generator``) and ``model`` are filled in by the
engine when the function declares them (``k``, the older name of ``budget``, still is for
mate/mutate plug-ins; selectors' ``k`` is DEAP's "how many"). Mark a function that can vary a whole generation at once with
:func:`operators.base.batch_operator`. The latent operators import torch, so they are not
imported here; use ``operators.latent`` or the registry.
"""

from operators.base import accepted_keywords, batch_operator, is_batch_capable, needs_conditional
from operators.registry import OPERATORS, operator_role, resolve_operator
from operators.repair import repair_budget
from operators.selection import sel_best, sel_random, sel_tournament
from operators.vanilla import cx_two_point, cx_uniform, mut_flip

__all__ = [
    "batch_operator", "is_batch_capable", "needs_conditional", "accepted_keywords",
    "OPERATORS", "operator_role", "resolve_operator",
    "repair_budget",
    "mut_flip", "cx_uniform", "cx_two_point",
    "sel_tournament", "sel_best", "sel_random",
]
