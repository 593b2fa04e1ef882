"""A results folder belongs to one run: claimed, locked while the run writes, never mixed.

Why: results folders used to be overwritten silently (a second config into the same ``--out``
replaced ``config.yaml`` and the checkpoint at once, two runs with one ``--out`` both
"succeeded", a rerun of a crashed command restarted from generation 0). :func:`claim_run_folder`
is entered before any expensive work and:

- locks ``.lock`` in the folder for the whole run (``filelock``: ``flock`` on POSIX, released
  by the kernel if the run dies), so a second run with the same folder is refused at once;
- refuses a folder that holds a run (its checkpoint or its results) unless the caller resumes
  it or asked to replace it; the message names ``--resume`` and ``--overwrite``;
- with ``overwrite``, moves the previous run's files into ``.previous/`` and deletes them only
  when the new run has finished; a new run that fails puts them back, so a run that fails late
  never costs the finished run it was to replace.

The result files themselves are written by :func:`latentga.runs.results.write_results`, which
stages them and ends with the manifest ``run.json``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Iterator

from latentga.errors import OutputError
from latentga.io import ensure_folder

__all__ = ["RUN_FILES", "LOCK_NAME", "PREVIOUS_NAME", "claim_run_folder", "check_output_folder"]

# Files a run writes (besides its checkpoint, whose name the engine owns).
RUN_FILES = ("run.json", "config.yaml", "logbook.csv", "best_layouts.npy", "best_fitness.npy",
             "convergence.png", "best_layout.png", "report.html", "plan.csv", "plan.asc", "plan.prj", "plan.tif",
             "burn_probability.asc", "burn_probability.prj", "burn_probability_untreated.asc",
             "burn_probability_untreated.prj")
LOCK_NAME = ".lock"
PREVIOUS_NAME = ".previous"


def check_output_folder(folder: str | os.PathLike, what: str = "results folder") -> Path:
    """Fail now, with one line, if ``folder`` can never be a folder (a file there or above it)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{what} {folder} is a file, not a folder; give another --out")
    for parent in folder.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{what} {folder} cannot be created because {parent} is a file; "
                                  "give another --out")
            if not os.access(parent, os.W_OK | os.X_OK) and not folder.exists():
                raise OutputError(f"{what} {folder} cannot be created: no permission to write in "
                                  f"{parent}; give another --out")
            break
    return folder


def _run_files(folder: Path, checkpoint_name: str) -> list[Path]:
    names = (checkpoint_name,) + RUN_FILES
    return [folder / n for n in names if (folder / n).is_file()]


def _holds_a_run(folder: Path, checkpoint_name: str) -> bool:
    """A checkpoint or results; a lone config.yaml is a run that never reached generation 0."""
    return any((folder / n).is_file() for n in (checkpoint_name, "logbook.csv", "best_layouts.npy"))


def _describe(folder: Path, checkpoint_name: str) -> str:
    from latentga.runs.results import read_manifest

    manifest = read_manifest(folder)
    name = f" {manifest['name']!r}" if manifest and manifest.get("name") else ""
    if manifest and manifest.get("status") == "finished":
        return f"a finished run{name} (generation {manifest.get('generation')})"
    if (folder / checkpoint_name).is_file():
        return f"an unfinished run{name} (it has a checkpoint)"
    return f"the results of a run{name}"


def _move(files: list[Path], into: Path) -> None:
    into.mkdir(exist_ok=True)
    for f in files:
        os.replace(f, into / f.name)


@contextlib.contextmanager
def claim_run_folder(folder: str | os.PathLike, *, resume: bool = False, overwrite: bool = False,
                     checkpoint_name: str = "checkpoint.npz") -> Iterator[Path]:
    """Hold ``folder`` for one run (see the module docstring); yields the folder.

    ``resume``: the run continues the one in the folder (its checkpoint is checked later, by the
    engine). ``overwrite``: a run in the folder is replaced once the new one finishes.
    """
    from filelock import FileLock, Timeout

    if resume and overwrite:
        raise OutputError("--resume and --overwrite contradict each other; give one of them")
    folder = ensure_folder(check_output_folder(folder), "results folder")
    lock = FileLock(folder / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputError(f"results folder {folder} is in use by another run (it holds {folder / LOCK_NAME}); "
                          "wait until that run ends, or give another --out") from None
    previous = folder / PREVIOUS_NAME
    moved = False
    try:
        for stale in folder.glob(".staging-*"):  # left by a run killed while writing its results
            shutil.rmtree(stale, ignore_errors=True)
        if previous.is_dir() and not _holds_a_run(folder, checkpoint_name):
            _move(list(previous.iterdir()), folder)  # a replacement killed before its first generation
            shutil.rmtree(previous, ignore_errors=True)
        if resume:
            if not (folder / checkpoint_name).is_file():
                raise OutputError(f"no checkpoint {checkpoint_name} in {folder} to resume; run without "
                                  "--resume to start the run (or point --out at the folder of the run to continue)")
        elif _holds_a_run(folder, checkpoint_name):
            if not overwrite:
                raise OutputError(f"results folder {folder} already holds {_describe(folder, checkpoint_name)}; "
                                  "continue it with --resume, replace it with --overwrite, or give another --out")
            shutil.rmtree(previous, ignore_errors=True)
            _move(_run_files(folder, checkpoint_name), previous)
            moved = True
        yield folder
    except BaseException:
        if moved:  # the replacement failed: the previous run comes back whole
            for f in _run_files(folder, checkpoint_name):
                f.unlink()
            _move(list(previous.iterdir()), folder)
            shutil.rmtree(previous, ignore_errors=True)
        raise
    else:
        if moved:
            shutil.rmtree(previous, ignore_errors=True)
    finally:
        lock.release()
