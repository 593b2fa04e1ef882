"""Atomic file writing: a result is either complete on disk or not there at all.

Everything latentga writes (datasets, model files, checkpoints, tables, plots) goes through
:func:`atomic_path`: the data is written to a temporary file in the destination folder and
moved into place with :func:`os.replace`, which is atomic on POSIX and Windows. A run killed
mid-write therefore never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

__all__ = [
    "atomic_path",
    "write_bytes_atomic",
    "write_text_atomic",
    "save_npy_atomic",
    "save_csv_atomic",
    "save_figure_atomic",
    "save_yaml_atomic",
]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    ``suffix`` defaults to the destination's suffix, so libraries that infer the format from
    the file name (``np.save``, ``fig.savefig``) see the right extension.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix is None:
        suffix = "".join(path.suffixes) or ".tmp"
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes 0600; give the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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

    return write_text_atomic(path, yaml.safe_dump(data, sort_keys=False))
