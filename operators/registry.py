"""Operator names usable in a run config, and plug-ins by dotted path.

A config names an operator either by its short name (listed in :data:`OPERATORS`) or by a
dotted path ``package.module:function`` to any importable function: a user adds an operator
in their own module without editing this package. Short names resolve lazily, so a vanilla
run never imports torch.
"""

from __future__ import annotations

from typing import Callable

from latentga.errors import ConfigError
from latentga.plugins import resolve_dotted

__all__ = ["OPERATORS", "ROLES", "resolve_operator", "operator_role"]

# short name -> (role, "module:function")
OPERATORS: dict[str, tuple[str, str]] = {
    "mut_flip": ("mutate", "latentga.operators.vanilla:mut_flip"),
    "cx_uniform": ("mate", "latentga.operators.vanilla:cx_uniform"),
    "cx_two_point": ("mate", "latentga.operators.vanilla:cx_two_point"),
    "cx_latent_interpolation": ("mate", "latentga.operators.latent:cx_latent_interpolation"),
    "mut_latent_resample": ("mutate", "latentga.operators.latent:mut_latent_resample"),
    "mut_ccvae_conditional": ("mutate", "latentga.operators.latent:mut_ccvae_conditional"),
    "mut_ccvae_gradient": ("mutate", "latentga.operators.latent:mut_ccvae_gradient"),
    "sel_tournament": ("select", "latentga.operators.selection:sel_tournament"),
    "sel_best": ("select", "latentga.operators.selection:sel_best"),
    "sel_random": ("select", "latentga.operators.selection:sel_random"),
}
ROLES = ("mate", "mutate", "select")


def _known(role: str | None) -> str:
    names = [n for n, (r, _) in OPERATORS.items() if role is None or r == role]
    return ", ".join(names)


def operator_role(name: str) -> str | None:
    """The role (mate/mutate/select) of a short name, None for a dotted-path plug-in."""
    return OPERATORS[name][0] if name in OPERATORS else None


def resolve_operator(name: str, role: str | None = None, key: str = "operator") -> Callable:
    """The function a config names; ``key`` (e.g. ``operators.mutate.name``) goes in errors.

    Raises ConfigError for an unknown name, a short name used in the wrong role, or a dotted
    path that does not import or is not callable.
    """
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{key} must be an operator name; known {role or ''} operators: "
                          f"{_known(role)}, or a plug-in 'package.module:function'")
    if name in OPERATORS:
        have, target = OPERATORS[name]
        if role is not None and have != role:
            raise ConfigError(f"{key}: {name} is a {have} operator, not a {role} operator; "
                              f"use one of: {_known(role)}")
    elif ":" in name:
        target = name
    else:
        raise ConfigError(f"{key}: unknown operator {name!r}; known {role + ' ' if role else ''}operators: "
                          f"{_known(role)}; or give your own as 'package.module:function'")
    return resolve_dotted(target, key=key, what="operator")
