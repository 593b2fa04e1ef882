"""The run an ``--overwrite`` replaces, kept whole in ``.previous/`` until its replacement finishes.

Why a small state machine: the old code moved files one by one and deleted ``.previous/`` when
a second ``--overwrite`` began, so a kill mid-move, or a failed retry after a killed
replacement, lost the finished run. Here every step that matters is one atomic rename of a
folder, and the folder's name says which step was under way, so the next command on the
results folder finishes (or undoes) a step a kill interrupted:

- ``.previous.incoming/``: the replaced run's files are being moved in; a kill here is undone
  (the files go back into the results folder, which still holds the rest of them);
- ``.previous/``: the replaced run, complete: the fallback;
- ``.previous.clearing/``: a failed replacement's files are being removed from the results
  folder; continued (nothing of the fallback has moved yet);
- ``.previous.returning/``: the fallback's files are moving back; continued;
- ``.previous.trash/``: a fallback no longer needed, being deleted; continued.

A fallback is only ever dropped for a finished run that replaced it. Every function here runs
with the results folder locked (:func:`latentga.runs.folder.claim_run_folder`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["PREVIOUS_NAME", "previous_of", "putting_back", "recover", "stash", "put_back", "drop", "remove_files"]

PREVIOUS_NAME = ".previous"
_INCOMING = ".previous.incoming"
_CLEARING = ".previous.clearing"
_RETURNING = ".previous.returning"
_TRASH = ".previous.trash"


def previous_of(folder: Path) -> Path | None:
    """The folder's complete fallback ``.previous/``, or None."""
    path = folder / PREVIOUS_NAME
    return path if path.is_dir() else None


def putting_back(folder: Path) -> bool:
    """True when a kill cut short putting the fallback back (:func:`recover` finishes it)."""
    return (folder / _CLEARING).is_dir() or (folder / _RETURNING).is_dir()


def _move_all(source: Path, into: Path) -> None:
    for f in sorted(source.iterdir()):
        os.replace(f, into / f.name)
    source.rmdir()


def remove_files(files: list[Path]) -> None:
    for f in files:
        if f.is_file() or f.is_symlink():
            f.unlink()


def recover(folder: Path, run_files) -> None:
    """Finish or undo whatever step a killed command left; ``run_files(folder)`` lists the run
    files in the results folder (those a failed replacement leaves)."""
    if (folder / _INCOMING).is_dir():  # a stash cut short: the replaced run goes back together
        _move_all(folder / _INCOMING, folder)
    if (folder / _CLEARING).is_dir():
        remove_files(run_files(folder))
        os.replace(folder / _CLEARING, folder / _RETURNING)
    if (folder / _RETURNING).is_dir():
        _move_all(folder / _RETURNING, folder)
    if (folder / _TRASH).exists():
        shutil.rmtree(folder / _TRASH)


def stash(folder: Path, files: list[Path]) -> Path:
    """Move ``files`` (the run being replaced) into a new complete ``.previous/``."""
    incoming = folder / _INCOMING
    incoming.mkdir()
    for f in files:
        os.replace(f, incoming / f.name)
    os.replace(incoming, folder / PREVIOUS_NAME)
    return folder / PREVIOUS_NAME


def put_back(folder: Path, run_files) -> None:
    """Replace the run files in ``folder`` (a failed replacement) by the fallback's."""
    os.replace(folder / PREVIOUS_NAME, folder / _CLEARING)
    recover(folder, run_files)


def drop(folder: Path) -> None:
    """Delete the fallback (its replacement finished, or a newer finished run supersedes it)."""
    if previous_of(folder) is not None:
        os.replace(folder / PREVIOUS_NAME, folder / _TRASH)
    if (folder / _TRASH).exists():
        shutil.rmtree(folder / _TRASH)
