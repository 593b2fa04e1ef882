"""The burned-area cut: the share of the burned area without firebreaks that a layout saves.

Why: fitness (mean fraction of cells not burned) hides how much a layout achieves, because most
of a landscape never burns whatever the breaks (Dogrib without breaks already holds 0.979).
Land managers read the cut: with ``f0`` the fitness of the empty layout on the SAME fires,
``cut = (f - f0) / (1 - f0)``, 0 for no gain and 1 when nothing burns any more.
"""

from __future__ import annotations

import numpy as np

__all__ = ["no_firebreak_fitness", "burned_area_cut"]


def no_firebreak_fitness(simulator) -> float:
    """Fitness of the layout without firebreaks on ``simulator``'s fires (one evaluation)."""
    return float(simulator.evaluate(np.zeros((1, *simulator.shape), bool))[0])


def burned_area_cut(fitness, no_breaks: float):
    """``(f - f0) / (1 - f0)`` elementwise; NaN where nothing burns even without breaks (f0 = 1)."""
    f = np.asarray(fitness, dtype=np.float64)
    room = 1.0 - float(no_breaks)
    out = (f - float(no_breaks)) / room if room > 0 else np.full(f.shape, np.nan)
    return float(out) if out.ndim == 0 else out
