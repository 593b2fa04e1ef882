"""A finished run as files: the logbook as a table, the best layouts as data and pictures."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from deap import tools

from latentga.ga.individual import fitness_array, individual_arrays
from latentga.io import save_csv_atomic, save_figure_atomic, save_npy_atomic, save_yaml_atomic

__all__ = ["logbook_frame", "write_results", "plot_convergence", "plot_layout"]


def logbook_frame(logbook: tools.Logbook) -> pd.DataFrame:
    """The logbook as a DataFrame, one row per generation, columns in logbook header order."""
    frame = pd.DataFrame(list(logbook))
    cols = [c for c in (logbook.header or frame.columns) if c in frame.columns]
    return frame[cols]


def plot_convergence(frame: pd.DataFrame, title: str):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.fill_between(frame["gen"], frame["avg"] - frame["std"], frame["avg"] + frame["std"], alpha=0.2,
                    label="population avg ± std")
    ax.plot(frame["gen"], frame["avg"], lw=1)
    ax.plot(frame["gen"], frame["max"], lw=1, ls="--", label="generation max")
    ax.plot(frame["gen"], frame["best_so_far"], lw=2, label="best so far")
    ax.set_xlabel("generation")
    ax.set_ylabel("fitness (mean fraction of cells not burned)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_layout(layout: np.ndarray, fitness: float, title: str, burnable: np.ndarray | None = None,
                ignition_cell: int | None = None):
    """The firebreaks (red) over the landscape (burnable = green, non-fuel = grey)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    layout = np.asarray(layout, bool)
    base = np.ones(layout.shape, int) if burnable is None else np.where(burnable, 1, 0)
    image = np.where(layout, 2, base)
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot()
    ax.imshow(image, cmap=ListedColormap(["#bbbbbb", "#8fcf7f", "#d62728"]), vmin=0, vmax=2,
              interpolation="nearest")
    if ignition_cell is not None:
        r, c = divmod(int(ignition_cell), layout.shape[1])
        ax.plot(c, r, marker="*", color="black", markersize=12, label="ignition")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"{title}\nfitness {fitness:.4f}, {int(layout.sum())} firebreaks (red)")
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def write_results(out_dir: str | os.PathLike, config: dict, logbook: tools.Logbook, hof,
                  landscape=None) -> dict[str, Path]:
    """Write ``logbook.csv``, ``best_layouts.npy`` (hall of fame, best first), ``best_fitness.npy``,
    ``best_layout.png``, ``convergence.png`` and ``config.yaml`` (resolved) into ``out_dir``."""
    out = Path(out_dir)
    frame = logbook_frame(logbook)
    best = individual_arrays(list(hof))
    fit = fitness_array(list(hof))
    paths = {
        "logbook": save_csv_atomic(out / "logbook.csv", frame),
        "best_layouts": save_npy_atomic(out / "best_layouts.npy", best),
        "best_fitness": save_npy_atomic(out / "best_fitness.npy", fit),
        "config": save_yaml_atomic(out / "config.yaml", config),
    }
    title = f"{config['name']}: {config['operators']['mate']['name']} + {config['operators']['mutate']['name']}"
    paths["convergence"] = save_figure_atomic(out / "convergence.png", plot_convergence(frame, title))
    burnable = getattr(landscape, "burnable", None) if landscape is not None else None
    ignition = getattr(landscape, "ignition_cell", None) if landscape is not None else None
    paths["best_layout"] = save_figure_atomic(
        out / "best_layout.png", plot_layout(best[0], float(fit[0]), f"best layout of {config['name']}",
                                             burnable, ignition))
    return paths
