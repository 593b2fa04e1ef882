"""CSV output of the experiments: atomic, with 6 significant digits.

Six digits keep every simulated fitness exact (it is a multiple of 1 / (fires x cells)) on
grids up to ~10^5 cells per fire set, and keep the committed per-layout tables small.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from latentga.io import atomic_path

__all__ = ["save_table"]


def save_table(path: str | os.PathLike, frame: pd.DataFrame) -> Path:
    """Write ``frame`` (no index) as CSV atomically, floats with 6 significant digits."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")
    return Path(path)
