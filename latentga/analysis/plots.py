"""Plotting pieces the experiment figures share: layout thumbnails and figure creation.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state), so they work headless,
in tests and in worker processes, and are saved through :func:`latentga.io.save_figure_atomic`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from latentga.io import save_figure_atomic

__all__ = ["new_figure", "draw_layout", "save_figure", "FITNESS_CMAP", "SIMULATED", "PREDICTED"]

FITNESS_CMAP = "viridis"
SIMULATED = "tab:blue"   # simulated fitness, in every figure
PREDICTED = "tab:orange"  # the CCVAE head's prediction, in every figure


def new_figure(width: float, height: float, constrained: bool = False):
    """A pyplot-free figure; ``constrained`` layout suits figures with a shared colorbar."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained" if constrained else None)


def draw_layout(ax, layout: np.ndarray, title: str = "", burnable: np.ndarray | None = None) -> None:
    """A layout as a grid image: firebreaks dark, (optionally) non-burnable cells grey."""
    layout = np.asarray(layout, bool)
    image = np.ones(layout.shape + (3,))
    if burnable is not None:
        image[~np.asarray(burnable, bool)] = 0.8
    image[layout] = (0.55, 0.1, 0.1)
    ax.imshow(image, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("0.6")
    if title:
        ax.set_title(title, fontsize=9)


def save_figure(fig, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Tight layout and an atomic PNG (small: the figures are committed to docs/)."""
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return save_figure_atomic(path, fig, dpi=dpi)
