"""What a config read back from a results folder may make latentga run: nothing the user did not name.

Why: a config you write is code by design (a plug-in ``package.module:name`` is imported, a
``simulator.cell2fire_binary`` is executed), but ``run --resume --out DIR`` reads
``DIR/config.yaml``, and a results folder is data: it may come from someone else. So every
plug-in path and program such a config names must equal one the user passed on the command
line (``--set``), or the user says ``--trust-folder``; otherwise one ConfigError, before any
import. See docs/trust.md.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from latentga.errors import ConfigError

__all__ = ["PLUGIN_PATTERN", "PROGRAM_KEYS", "code_references", "check_folder_config"]

#: ``package.module:name``: what :func:`latentga.plugins.resolve_dotted` imports.
PLUGIN_PATTERN = re.compile(r"^\s*[A-Za-z_]\w*(\s*\.\s*[A-Za-z_]\w*)*\s*:\s*[A-Za-z_][\w.]*\s*$")
#: Config keys naming a program latentga executes.
PROGRAM_KEYS = ("simulator.cell2fire_binary",)


def code_references(data: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(dotted key, value)`` for every plug-in path (any string shaped ``package.module:name``,
    wherever it sits, lists included) and every program path in raw config data."""
    seen: set[int] = set()
    stack = [(prefix, data)]
    while stack:
        key, node = stack.pop()
        if isinstance(node, (Mapping, list, tuple)):
            if id(node) in seen:  # a YAML alias: its contents were walked once
                continue
            seen.add(id(node))
            items = node.items() if isinstance(node, Mapping) else enumerate(node)
            stack.extend((f"{key}.{k}" if key else str(k), v) for k, v in items)
        elif isinstance(node, str) and (key in PROGRAM_KEYS or PLUGIN_PATTERN.match(node)):
            yield key, node


def check_folder_config(folder_data: Mapping, user_data: Mapping | None, source: str, *,
                        trusted: bool = False) -> None:
    """One ConfigError unless every plug-in and program ``folder_data`` (the config read from a
    results folder, with the user's overrides merged in) names is one ``user_data`` (the user's
    own overrides) names too; ``trusted`` (``--trust-folder``) accepts them all."""
    if trusted:
        return
    given = {value.strip() for _, value in code_references(user_data or {})}
    for key, value in sorted(code_references(folder_data)):
        if value.strip() not in given:
            what = "program" if key in PROGRAM_KEYS else "plug-in"
            raise ConfigError(f"{source} names the {what} {value!r} ({key}); a results folder is data, so latentga "
                              f"runs no code it names: pass it yourself (--set {key}={value}) or, if you trust "
                              "where this folder came from, add --trust-folder")
