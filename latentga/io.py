"""Atomic file writing: a result is either complete on disk or not there at all.

Everything latentga writes (datasets, model files, checkpoints, tables, plots) goes through
:func:`atomic_path`: the data is written to a temporary file in the destination folder and
moved into place with :func:`os.replace`, which is atomic on POSIX and Windows. A run killed
mid-write therefore never leaves a half-written file under the real name.

Temporary files are named ``.<stem>.tmp<8 random chars><suffix>`` beside the destination and
removed when the write fails. A ``kill -9`` cannot run that clean-up, so the writer holds an
advisory lock (``flock``) on its temporary file while it writes, and every later write to the
same destination removes the temporaries nobody holds (the leftovers of killed writers).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Iterator

from latentga.errors import OutputError

try:  # POSIX; elsewhere stale temporaries are recognised by age alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = [
    "atomic_path",
    "build_lock",
    "ensure_folder",
    "remove_stale_temporaries",
    "temporaries_of",
    "write_bytes_atomic",
    "write_text_atomic",
    "save_npy_atomic",
    "save_csv_atomic",
    "save_figure_atomic",
    "save_yaml_atomic",
]

LOGGER = logging.getLogger("latentga.io")

# A temporary nobody locks is stale once this old (seconds): the grace covers the instant between
# creating a temporary and locking it. Without flock, a day.
STALE_AFTER_S = 10.0 if fcntl is not None else 86400.0


def ensure_folder(folder: str | os.PathLike, what: str = "output folder") -> Path:
    """Create ``folder`` (and parents) or raise one :class:`OutputError` saying why it cannot be."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{what} {folder} is a file, not a folder; give a folder path "
                          "(or move the file away)") from None
    except NotADirectoryError:
        blocker = next((p for p in [folder, *folder.parents] if p.is_file()), folder)
        raise OutputError(f"{what} {folder} cannot be created because {blocker} is a file; "
                          "give a path inside a folder") from None
    except OSError as exc:
        raise OutputError(f"{what} {folder} cannot be created ({exc.strerror or exc}); give a path "
                          "you can write to") from None
    if not folder.is_dir():
        raise OutputError(f"{what} {folder} is not a folder; give a folder path")
    return folder


def _temporary_pattern(path: Path, suffix: str) -> re.Pattern:
    # ".<stem>.tmp" + mkstemp's 8 characters; the old writer had no "tmp" (leftovers of killed
    # runs of earlier versions are cleaned too)
    return re.compile(rf"^\.{re.escape(path.stem)}\.(tmp)?[a-z0-9_]{{8}}{re.escape(suffix)}$")


def _held_by_a_writer(candidate: Path) -> bool:
    if fcntl is None:
        return False
    try:
        fd = os.open(candidate, os.O_RDONLY)
    except OSError:
        return True  # gone already, or not ours to judge
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases a lock we got


def temporaries_of(path: str | os.PathLike, suffix: str | None = None) -> list[Path]:
    """The temporary files of writes to ``path`` now beside it (live or left by killed writers)."""
    path = Path(path)
    if suffix is None:
        suffix = "".join(path.suffixes) or ".tmp"
    pattern = _temporary_pattern(path, suffix)
    try:
        return sorted(p for p in path.parent.iterdir() if pattern.match(p.name))
    except OSError:
        return []


def remove_stale_temporaries(path: str | os.PathLike, suffix: str | None = None,
                             grace: float = STALE_AFTER_S) -> list[Path]:
    """Remove temporaries of ``path`` left by killed writers (unlocked, older than ``grace``
    seconds; a caller that knows no writer is alive, such as a run holding its folder's lock,
    passes 0)."""
    removed = []
    now = time.time()
    for candidate in temporaries_of(path, suffix):
        try:
            if now - candidate.stat().st_mtime < grace or _held_by_a_writer(candidate):
                continue
            candidate.unlink()
            removed.append(candidate)
        except OSError:  # another process removed it first
            continue
    return removed


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    ``suffix`` defaults to the destination's suffix, so libraries that infer the format from
    the file name (``np.save``, ``fig.savefig``) see the right extension. The folder is created
    if needed; a path that cannot be a file gives one :class:`OutputError`.
    """
    path = Path(path)
    ensure_folder(path.parent)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder; give a file path")
    if suffix is None:
        suffix = "".join(path.suffixes) or ".tmp"
    remove_stale_temporaries(path, suffix)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.tmp", suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write in {path.parent} ({exc.strerror or exc}); give a folder you "
                          "can write to") from None
    tmp = Path(tmp_name)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # "a live writer owns this"; released when fd closes
        os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes 0600; give the usual permissions
        yield tmp
        os.replace(tmp, path)
    finally:
        os.close(fd)
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def build_lock(path: str | os.PathLike, what: str = "file", beside: bool = True) -> Iterator[None]:
    """Hold ``.<name>.lock`` beside ``path`` while building it, so that two processes sharing a
    cache build it once: the second waits (saying so on stderr) and then finds the file built.

    ``beside=False`` (a file the user named, e.g. ``dataset --out``): the lock goes in a private
    folder of the system's temporary directory instead, named after the path's hash, so nothing
    but the file itself appears beside it (processes of one machine still build it once).
    """
    from filelock import FileLock, Timeout

    path = Path(path)
    ensure_folder(path.parent)
    if beside:
        lock_path = path.parent / f".{path.name}.lock"
    else:
        import hashlib

        key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24]
        folder = ensure_folder(Path(tempfile.gettempdir()) / f"latentga-locks-{os.getuid() if hasattr(os, 'getuid') else 0}")
        lock_path = folder / f"{key}.lock"
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        LOGGER.warning("waiting for another process building %s %s ...", what, path)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def save_npy_atomic(path: str | os.PathLike, array) -> Path:
    import numpy as np

    with atomic_path(path, suffix=".npy") as tmp:
        np.save(tmp, array)
    return Path(path)


def save_csv_atomic(path: str | os.PathLike, frame, index: bool = False) -> Path:
    """Write a pandas DataFrame as CSV atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=index)
    return Path(path)


def save_figure_atomic(path: str | os.PathLike, figure, dpi: int = 120) -> Path:
    """Save a matplotlib figure atomically (format from the destination's suffix)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")
    return path


def save_yaml_atomic(path: str | os.PathLike, data) -> Path:
    import yaml

    from latentga.schema import thaw  # a typed config is written as its plain dict

    return write_text_atomic(path, yaml.safe_dump(thaw(data), sort_keys=False))
