"""``latentga.operators`` in a source checkout: the folder ``operators/`` beside ``latentga/``.

Why: operators live in the top-level ``operators/`` folder (where users look for them) but are
the package ``latentga.operators``. An installed wheel holds them at ``latentga/operators``
(setuptools ``package_dir``); an editable install maps the name to the checkout it was made
from. Running from a checkout (``python -m latentga`` or ``pytest`` in its root, another git
worktree, a plain clone with ``PYTHONPATH``) must use THAT checkout's operators, so when
``latentga/`` has no ``operators`` of its own and a sibling ``operators/__init__.py`` exists,
this finder (first on ``sys.meta_path``) resolves ``latentga.operators`` to the sibling folder;
its submodules then load from there through the package's ``__path__``.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from pathlib import Path

__all__ = ["install"]

_NAME = "latentga.operators"


class _SiblingOperators(importlib.abc.MetaPathFinder):
    def __init__(self, folder: Path):
        self.folder = folder

    def find_spec(self, name, path=None, target=None):
        if name != _NAME:
            return None
        return importlib.util.spec_from_file_location(name, self.folder / "__init__.py",
                                                      submodule_search_locations=[str(self.folder)])


def install(package_dir: str) -> None:
    """Put the finder first when ``package_dir`` (latentga's folder) sits in a source checkout."""
    here = Path(package_dir)
    sibling = here.parent / "operators"
    if (here / "operators").exists() or not (sibling / "__init__.py").is_file():
        return  # an installed wheel (or no checkout): the normal import system finds it
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _SiblingOperators)]
    sys.meta_path.insert(0, _SiblingOperators(sibling))
