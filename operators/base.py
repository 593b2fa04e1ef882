"""What the engine needs to know about an operator, kept as plain function attributes.

An operator stays a plain DEAP-style function; :func:`batch_operator` only tags it so the
engine knows it may call it ONCE per generation with every individual to vary
(``mutate(*inds)``, ``mate(a1, b1, a2, b2, ...)``): a latent operator then encodes, moves and
decodes the whole generation in one forward pass instead of one pass per individual.
"""

from __future__ import annotations

import functools
import inspect
from typing import Callable, Mapping

__all__ = ["batch_operator", "is_batch_capable", "needs_conditional", "accepted_keywords", "unwrap", "param_ranges", "declared_ranges",
           "check_operator_params"]


def batch_operator(func: Callable | None = None, *, conditional: bool = False) -> Callable:
    """Mark ``func`` as batch-capable; ``conditional=True`` says it needs a CCVAE (``model.predict``).

    Usable bare (``@batch_operator``) or with arguments (``@batch_operator(conditional=True)``).
    """

    def mark(f: Callable) -> Callable:
        f.batch_capable = True
        f.needs_conditional = conditional
        return f

    return mark(func) if func is not None else mark


def unwrap(func: Callable) -> Callable:
    """The function under any ``functools.partial`` layers (DEAP's toolbox registers partials)."""
    while isinstance(func, functools.partial):
        func = func.func
    return func


def is_batch_capable(func: Callable) -> bool:
    """True when ``func`` (or the function a partial wraps) was marked by :func:`batch_operator`."""
    return bool(getattr(func, "batch_capable", False) or getattr(unwrap(func), "batch_capable", False))


def needs_conditional(func: Callable) -> bool:
    """True when the operator reads the CCVAE's fitness head."""
    return bool(getattr(unwrap(func), "needs_conditional", False))


def accepted_keywords(func: Callable) -> tuple[set[str], bool]:
    """Names ``func`` accepts by keyword, and whether it takes ``**kwargs``.

    The engine injects ``k``, ``rng`` and ``model`` only into operators that declare them, so a
    user's operator asks for exactly what it needs by naming it.
    """
    sig = inspect.signature(unwrap(func))
    names = {p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    var_kw = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    return names, var_kw


def param_ranges(**ranges: tuple[float | None, float | None]) -> Callable:
    """Declare the inclusive range of numeric parameters, ``None`` for an open end:
    ``@param_ranges(indpb=(0, 1), tournsize=(1, None))``. The config is checked against it when
    it is loaded (with the type of each parameter's default), so a string or out-of-range value
    is one line at start-up, not an error in the middle of a run."""

    def mark(f: Callable) -> Callable:
        f.param_ranges = dict(ranges)
        return f

    return mark


def declared_ranges(func: Callable) -> dict[str, tuple[float | None, float | None]]:
    """The ranges :func:`param_ranges` declared for ``func`` (or the function a partial wraps)."""
    return dict(getattr(unwrap(func), "param_ranges", {}) or {})


def check_operator_params(func, params: Mapping, key: str) -> None:
    """One ConfigError for an operator parameter of the wrong type (that of its default: a string
    where a probability goes) or outside the range the operator declares
    (:func:`param_ranges`)."""
    import inspect
    import math

    from latentga.errors import ConfigError

    ranges = declared_ranges(func)
    try:
        defaults = {p.name: p.default for p in inspect.signature(unwrap(func)).parameters.values()
                    if p.default is not inspect.Parameter.empty}
    except (TypeError, ValueError):  # a builtin without a signature: nothing to compare with
        defaults = {}
    for name, value in params.items():
        where, default = f"{key}.params.{name}", defaults.get(name)
        if isinstance(default, bool):
            ok, need = isinstance(value, bool), "true or false"
        elif isinstance(default, int):
            ok, need = isinstance(value, int) and not isinstance(value, bool), "an integer"
        elif isinstance(default, float) or name in ranges:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            need = "a finite number"
        elif isinstance(default, str):
            ok, need = isinstance(value, str), "a string"
        else:
            continue
        if not ok:
            raise ConfigError(f"{where} = {value!r} must be {need} (default {default!r})")
        low, high = ranges.get(name, (None, None))
        if (low is not None and value < low) or (high is not None and value > high):
            span = (f"between {low} and {high}" if low is not None and high is not None
                    else f">= {low}" if low is not None else f"<= {high}")
            raise ConfigError(f"{where} = {value!r} is out of range: it must be {span} (default {default!r})")
