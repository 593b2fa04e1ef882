"""CSV output of the experiments: atomic, 6 significant digits, gzipped when the name says so.

Six digits keep every simulated fitness exact (a multiple of 1 / (fires x cells)) for
realistic grids and fire counts, and keep the committed tables small; the big per-point tables
are written as ``.csv.gz`` (no timestamp or file name inside, so the same numbers give the same
bytes). ``pandas.read_csv`` reads both forms.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pandas as pd

from latentga.io import write_bytes_atomic

__all__ = ["save_table"]


def save_table(path: str | os.PathLike, frame: pd.DataFrame) -> Path:
    """Write ``frame`` (no index) as CSV atomically; a ``.gz`` name gets reproducible gzip."""
    data = frame.to_csv(index=False, float_format="%.6g").encode()
    if str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    return write_bytes_atomic(path, data)
