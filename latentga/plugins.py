"""Plug-ins by dotted path: ``package.module:name`` in a config names a user's own function or
class, so operators, baselines and models are added without editing latentga.

Only names written in a config the user passes are imported, never names read from a data
file (a model file or checkpoint cannot make latentga import anything). ``operators.x:y``, the
path latentga's own operators had before they became ``latentga.operators``, still resolves.
"""

from __future__ import annotations

import importlib
from typing import Any

from latentga.errors import ConfigError

__all__ = ["resolve_dotted"]


def resolve_dotted(target: str, *, key: str, what: str, callable_only: bool = True) -> Any:
    """The object ``target`` (``"package.module:name"``) names, or one ConfigError naming ``key``
    (the config key, for the message) and what was expected (``what``, e.g. "operator")."""
    module_name, sep, name = str(target).partition(":")
    if not sep or not module_name or not name:
        raise ConfigError(f"{key}: {target!r} is not a plug-in path; give your own {what} as "
                          "'package.module:name'")
    if module_name == "operators" or module_name.startswith("operators."):  # the older top-level name
        module_name = "latentga." + module_name
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"{key}: cannot import module {module_name!r} for {what} {target!r} ({exc}); "
                          "check the dotted path and that the module is on PYTHONPATH") from None
    except SyntaxError as exc:
        raise ConfigError(f"{key}: module {module_name!r} for {what} {target!r} has a syntax error "
                          f"({exc.filename}, line {exc.lineno}: {exc.msg}); fix it there") from None
    obj = getattr(module, name, None)
    if obj is None or (callable_only and not callable(obj)):
        raise ConfigError(f"{key}: module {module_name!r} has no {what} {name!r}; "
                          "give the plug-in as 'package.module:name'")
    return obj
