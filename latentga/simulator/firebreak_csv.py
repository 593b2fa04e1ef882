"""Cell2Fire's ``--FirebreakCells`` file: the format the real binary reads a layout from.

It lives with the simulator because the Cell2Fire backend writes it; :mod:`latentga.plans`
reads and writes plans in it for users.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CSV_HEADER", "firebreak_csv_text"]

CSV_HEADER = "Year Number,Cell Numbers"


def firebreak_csv_text(layout) -> str:
    """Cell2Fire's ``--FirebreakCells`` file for one layout: its firebreaks as 1-based row-major ids."""
    ids = np.flatnonzero(np.asarray(layout, bool).ravel()) + 1
    return f"{CSV_HEADER}\n1," + ",".join(str(i) for i in ids.tolist()) + "\n"
