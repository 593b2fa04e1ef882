"""A DEAP toolbox wired from a run config's ``operators`` section and a :class:`~latentga.problems.base.Problem`.

The toolbox holds what DEAP's own algorithms (``eaSimple``, ``eaMuPlusLambda``, ``varAnd``)
expect: ``evaluate(individual) -> (fitness,)``, ``mate``, ``mutate``, ``select``, ``clone`` and
``map`` (the builtin ``map``, or SCOOP's when the run was started under SCOOP, or any map the
caller passes); and ``evaluate_batch(chunk) -> fitness[B]``, the problem's batch evaluation, which
latentga's own engine maps over chunks. An operator gets ``rng``, ``model`` and the problem's
:meth:`~latentga.problems.base.Problem.operator_keywords` (e.g. the ``budget``) filled in only
when it declares them as keyword parameters (a mate/mutate plug-in declaring ``k``, the budget's
older name, gets the budget as ``k``).
"""

from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np
from deap import base

from latentga.config import OperatorsConfig
from latentga.errors import ConfigError
from latentga.operators.base import accepted_keywords, needs_conditional
from latentga.operators.registry import resolve_operator
from latentga.parallel import parallel_map  # SCOOP's map without re-sent futures, bundled to the cores
from latentga.schema import thaw

__all__ = ["build_toolbox", "parallel_map", "operators_need_model", "resolve_operators", "evaluate_one"]


def resolve_operators(operators: OperatorsConfig) -> dict:
    """``{role: function}`` for the ``operators`` section's mate, mutate and select operators."""
    return {role: resolve_operator(operators[role].name, role=role, key=f"operators.{role}.name")
            for role in ("mate", "mutate", "select")}


def operators_need_model(operators: OperatorsConfig) -> bool:
    """True when some operator of the ``operators`` section takes a ``model`` (vanilla runs then
    train nothing)."""
    return any("model" in accepted_keywords(f)[0] for f in resolve_operators(operators).values())


def evaluate_one(problem, individual) -> tuple[float]:
    """DEAP's ``evaluate``: the fitness of one individual as a 1-tuple (a batch of one)."""
    return (float(np.asarray(problem.evaluate(np.asarray(individual)[None]), np.float64).reshape(-1)[0]),)


def _injected(func, role: str, name: str, *, context: dict, model) -> dict:
    names, _ = accepted_keywords(func)
    if "budget" in context and role != "select":  # DEAP selectors' k = how many
        context = {**context, "k": context["budget"]}
    out = {key: value for key, value in context.items() if key in names}
    if "model" in names:
        if model is None:
            raise ConfigError(f"operators.{role}.name = {name} needs a trained model, but none was "
                              "given; run it through `python -m latentga run` (which trains one) "
                              "or pick a model-free operator such as mut_flip / cx_uniform")
        if needs_conditional(func) and not getattr(model, "is_conditional", False):
            raise ConfigError(f"operators.{role}.name = {name} needs a CCVAE (a fitness head); "
                              "set model.kind: ccvae, or use mut_latent_resample with a VAE")
        out["model"] = model
    return out


def build_toolbox(operators: OperatorsConfig, problem, model=None, *, rng: np.random.Generator,
                  map: Callable | None = None) -> base.Toolbox:
    """A toolbox for the ``operators`` section and ``problem``: ``evaluate(individual)``, ``evaluate_batch(chunk)``,
    ``mate``, ``mutate``, ``select``, ``clone``, ``map`` (default :func:`parallel_map`).

    Builds nothing random itself: operators draw from ``rng`` later, so a checkpointed generator
    state resumes exactly.
    """
    tb = base.Toolbox()
    tb.register("evaluate", partial(evaluate_one, problem))
    tb.register("evaluate_batch", problem.evaluate)
    tb.register("map", map or parallel_map())
    context = {**problem.operator_keywords(), "rng": rng}
    for role, func in resolve_operators(operators).items():
        spec = operators[role]
        tb.register(role, func, **thaw(spec.params), **_injected(func, role, spec.name, context=context,
                                                                model=model))
    return tb
