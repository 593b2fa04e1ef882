"""A results folder belongs to one run: claimed, locked while the run writes, never mixed.

Why: results folders used to be overwritten silently (a second config into the same ``--out``
replaced ``config.yaml`` and the checkpoint at once, two runs with one ``--out`` both
"succeeded", a rerun of a crashed command restarted from generation 0). :func:`claim_run_folder`
is entered before any expensive work and:

- locks ``.lock`` in the folder for the whole run (``filelock``: ``flock`` on POSIX, released
  by the kernel if the run dies), so a second run with the same folder is refused at once;
- refuses a folder that holds a run (its checkpoint or its results) unless the caller resumes
  it or asked to replace it; the message names ``--resume`` and ``--overwrite``;
- with ``overwrite``, keeps the run it replaces whole in ``.previous/`` until the new run has
  finished (:mod:`latentga.runs.fallback`); a new run that fails puts it back, a killed one
  leaves it there for the next command (which names it and ``--restore-previous``), and a
  second ``--overwrite`` after a killed one keeps it as well: a finished run is only ever
  deleted by a finished run that replaced it.

The result files themselves are written by :func:`latentga.runs.results.write_results`, which
stages them and ends with the manifest ``run.json``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Callable, Iterator

from latentga.errors import OutputError
from latentga.io import ensure_folder, remove_stale_temporaries
from latentga.runs import fallback
from latentga.runs.fallback import PREVIOUS_NAME

__all__ = ["RUN_FILES", "LOCK_NAME", "PREVIOUS_NAME", "claim_run_folder", "check_output_folder",
           "restore_previous"]

# Files a run writes (besides its checkpoint, whose name the engine owns).
RUN_FILES = ("run.json", "config.yaml", "logbook.csv", "best_layouts.npy", "best_fitness.npy",
             "convergence.png", "best_layout.png", "report.html", "plan.csv", "plan.asc", "plan.prj", "plan.tif",
             "burn_probability.asc", "burn_probability.prj", "burn_probability_untreated.asc",
             "burn_probability_untreated.prj")
LOCK_NAME = ".lock"


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


def _finished(folder: Path) -> bool:
    from latentga.runs.results import read_manifest

    manifest = read_manifest(folder)
    return bool(manifest) and manifest.get("status") == "finished"


def _describe(folder: Path, checkpoint_name: str) -> str:
    from latentga.runs.results import read_manifest

    manifest = read_manifest(folder)
    name = f" {manifest['name']!r}" if manifest and manifest.get("name") else ""
    if manifest and manifest.get("status") == "finished":
        return f"a finished run{name} (generation {manifest.get('generation')})"
    if (folder / checkpoint_name).is_file():
        return f"an unfinished run{name} (it has a checkpoint)"
    return f"the results of a run{name}"


def _restore_hint(folder: Path) -> str:
    return f"python -m latentga run --restore-previous --out {folder}"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    from filelock import FileLock, Timeout

    lock = FileLock(folder / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputError(f"results folder {folder} is in use by another run (it holds {folder / LOCK_NAME}); "
                          "wait until that run ends, or give another --out") from None
    except OSError as exc:
        raise OutputError(f"cannot lock results folder {folder} ({exc.strerror or exc}: {folder / LOCK_NAME}); "
                          "give a folder you own and can write to as --out") from None
    try:
        yield
    finally:
        lock.release()


def _tidy(folder: Path, checkpoint_name: str) -> None:
    """Remove what killed commands left: staging folders, a half-done step on the fallback."""
    for stale in folder.glob(".staging-*"):  # left by a run killed while writing its results
        shutil.rmtree(stale, ignore_errors=True)
    for name in (checkpoint_name,) + RUN_FILES:  # temporaries of writes a kill cut short (no writer is
        remove_stale_temporaries(folder / name, grace=0)  # alive: we hold the folder's lock)
    fallback.recover(folder, lambda f: _run_files(f, checkpoint_name))
    if fallback.previous_of(folder) is not None and _finished(folder):
        fallback.drop(folder)  # its replacement finished; only deleting the fallback was cut short


def restore_previous(folder: str | os.PathLike, *, checkpoint_name: str = "checkpoint.npz") -> str:
    """Put the run an ``--overwrite`` was replacing back into ``folder`` (dropping the unfinished
    replacement); returns a description of the run restored. OutputError when there is none."""
    folder = Path(folder)
    if not (folder / PREVIOUS_NAME).is_dir() and not any(folder.glob(".previous.*")):
        raise OutputError(f"{folder} holds no replaced run ({folder / PREVIOUS_NAME} does not exist); "
                          "nothing to restore")
    with _locked(folder):
        returning = fallback.putting_back(folder)
        _tidy(folder, checkpoint_name)
        if returning:  # a put-back a kill cut short: the tidy-up above finished it
            return _describe(folder, checkpoint_name)
        if fallback.previous_of(folder) is None:
            raise OutputError(f"{folder} holds no replaced run any more (its replacement finished); "
                              "nothing to restore")
        fallback.put_back(folder, lambda f: _run_files(f, checkpoint_name))
        return _describe(folder, checkpoint_name)


@contextlib.contextmanager
def claim_run_folder(folder: str | os.PathLike, *, resume: bool = False, overwrite: bool = False,
                     checkpoint_name: str = "checkpoint.npz",
                     notify: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold ``folder`` for one run (see the module docstring); yields the folder.

    ``resume``: the run continues the one in the folder (its checkpoint is checked later, by the
    engine). ``overwrite``: a run in the folder is replaced once the new one finishes.
    ``notify`` receives one-line notes on the replaced run (where it is kept, when it is put back).
    """
    if resume and overwrite:
        raise OutputError("--resume and --overwrite contradict each other; give one of them")
    folder = ensure_folder(check_output_folder(folder), "results folder")
    say = notify or (lambda message: None)
    run_files = lambda f: _run_files(f, checkpoint_name)  # noqa: E731
    with _locked(folder):
        guarding = False  # a fallback in .previous/ is put back if this run fails
        try:
            _tidy(folder, checkpoint_name)
            previous = fallback.previous_of(folder)
            if previous is not None and not overwrite and not _holds_a_run(folder, checkpoint_name):
                fallback.put_back(folder, run_files)  # a replacement killed before its first generation
                say(f"the run in {folder / PREVIOUS_NAME} (an --overwrite killed before its first generation "
                    f"replaced it) is back in {folder}")
                previous = None
            if resume:
                if not (folder / checkpoint_name).is_file():
                    raise OutputError(f"no checkpoint {checkpoint_name} in {folder} to resume; run without "
                                      "--resume to start the run (or point --out at the folder of the run to "
                                      "continue)")
                if previous is not None:
                    say(f"the run this one replaces stays in {previous} until this run finishes; to go back "
                        f"to it instead: {_restore_hint(folder)}")
            elif _holds_a_run(folder, checkpoint_name):
                if not overwrite:
                    kept = ""
                    if previous is not None:
                        kept = (f" (it was replacing {_describe(previous, checkpoint_name)}, kept in {previous}: "
                                f"get that back with `{_restore_hint(folder)}`)")
                    raise OutputError(f"results folder {folder} already holds {_describe(folder, checkpoint_name)}"
                                      f"{kept}; continue it with --resume, replace it with --overwrite, or give "
                                      "another --out")
                if previous is not None:  # an unfinished replacement: the finished run stays the fallback
                    say(f"discarding the unfinished run in {folder}; the run it was replacing stays in {previous}")
                    fallback.remove_files(run_files(folder))
                else:
                    previous = fallback.stash(folder, run_files(folder))
                guarding = True
            elif previous is not None:  # overwrite, and an earlier replacement left nothing yet
                guarding = True
            if guarding:
                say(f"the run this one replaces is kept in {previous} until this run finishes and put back if "
                    f"it fails; if this run is killed, get it back with `{_restore_hint(folder)}`")
            yield folder
        except BaseException:
            if guarding and fallback.previous_of(folder) is not None:
                fallback.put_back(folder, run_files)
                say(f"the run this one was to replace is back in {folder}")
            raise
        else:
            if fallback.previous_of(folder) is not None and _finished(folder):
                fallback.drop(folder)
