"""Experiment 1: walk the latent line from the worst to the best dataset layout (report Figs 1, 6).

Both layouts are encoded (posterior means) and ``n_points`` equally spaced codes between them,
ends included, are decoded to exactly ``k`` firebreaks. A smooth latent space shows fitness
changing gradually along the line, few cells changing per step, and a midpoint that shares
features of both ends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from latentga.analysis.latent import (
    check_model_dataset,
    dataset_budget,
    decode_layouts,
    encode_mean,
    predict_fitness,
    simulate_unique,
)
from latentga.analysis.plots import PREDICTED, SIMULATED, draw_layout, new_figure, save_figure
from latentga.analysis.tables import save_table
from latentga.errors import ConfigError
from latentga.layouts import burnable_cells

__all__ = ["InterpolationResult", "run_interpolation", "plot_interpolation"]


@dataclass
class InterpolationResult:
    """``path``: one row per point; ``panels``: start, midpoint and end layouts with their numbers."""

    path: pd.DataFrame
    panels: pd.DataFrame
    layouts: np.ndarray            # bool [n_points, H, W], decoded along the line
    panel_layouts: np.ndarray      # bool [3, H, W]: start, midpoint (weight 0.5), end
    summary: dict = field(default_factory=dict)

    def save(self, out_dir: str | os.PathLike) -> list[Path]:
        out = Path(out_dir)
        return [save_table(out / "interpolation.csv", self.path),
                save_table(out / "interpolation_panels.csv", self.panels),
                plot_interpolation(self, out / "interpolation.png")]

    def report(self) -> str:
        s = self.summary
        return (f"interpolation: simulated fitness {s['simulated_start']:.4f} -> {s['simulated_mid']:.4f} "
                f"(midpoint) -> {s['simulated_end']:.4f}; {s['cells_changed_total']} cells changed over "
                f"{s['n_points'] - 1} steps (at most {s['cells_changed_max']} in one step)")


def _cells(layout: np.ndarray) -> str:
    """Firebreak cells as 0-based row-major indices, ';'-separated (a layout in one CSV cell)."""
    return ";".join(str(i) for i in np.flatnonzero(np.asarray(layout).ravel()))


def run_interpolation(model, dataset, simulator, k: int | None = None, n_points: int = 10) -> InterpolationResult:
    """Decode ``n_points`` codes on the line from the lowest- to the highest-fitness dataset layout.

    Simulated fitness uses ``simulator``; predicted fitness is the CCVAE head's on the
    interpolated code (NaN for a plain VAE). No randomness is involved.
    """
    if n_points < 2:
        raise ConfigError(f"an interpolation needs at least 2 points (both ends), got {n_points}; "
                          "raise --points")
    check_model_dataset(model, dataset)
    k = dataset_budget(dataset) if k is None else int(k)
    fitness = np.asarray(dataset.fitness, np.float64)
    lo, hi = int(np.argmin(fitness)), int(np.argmax(fitness))
    z_ends = encode_mean(model, dataset.layouts[[lo, hi]])
    weights = np.linspace(0.0, 1.0, int(n_points))
    mix = torch.as_tensor(weights, dtype=z_ends.dtype, device=z_ends.device)[:, None]
    z = (1 - mix) * z_ends[0] + mix * z_ends[1]
    allowed = burnable_cells(simulator)
    layouts = decode_layouts(model, z, k, allowed=allowed)
    z_mid = 0.5 * (z_ends[0] + z_ends[1])
    panel_layouts = np.stack([layouts[0], decode_layouts(model, z_mid[None], k, allowed=allowed)[0], layouts[-1]])
    sim = simulate_unique(simulator, np.concatenate([layouts, panel_layouts[1:2]]))
    pred = predict_fitness(model, torch.cat([z, z_mid[None]]))

    changed = np.full(len(layouts), np.nan)
    changed[1:] = (layouts[1:] != layouts[:-1]).reshape(len(layouts) - 1, -1).sum(axis=1)
    start, end = layouts[0].ravel(), layouts[-1].ravel()
    flat = layouts.reshape(len(layouts), -1)
    path = pd.DataFrame({
        "step": np.arange(len(layouts)),
        "weight": weights,
        "simulated_fitness": sim[:-1],
        "predicted_fitness": pred[:-1],
        "cells_changed_from_previous": changed,
        "cells_differing_from_start": (flat != start).sum(axis=1),
        "cells_differing_from_end": (flat != end).sum(axis=1),
    })
    panels = pd.DataFrame({
        "role": ["start", "midpoint", "end"],
        "weight": [0.0, 0.5, 1.0],
        "simulated_fitness": [sim[0], sim[-1], sim[-2]],
        "predicted_fitness": [pred[0], pred[-1], pred[-2]],
        "dataset_index": [lo, -1, hi],
        "dataset_fitness": [fitness[lo], np.nan, fitness[hi]],
        "reconstructed_exactly": [bool((layouts[0] == dataset.layouts[lo]).all()), False,
                                  bool((layouts[-1] == dataset.layouts[hi]).all())],
        "firebreak_cells": [_cells(layout) for layout in panel_layouts],
    })
    summary = {
        "n_points": int(n_points),
        "simulated_start": float(sim[0]), "simulated_mid": float(sim[-1]), "simulated_end": float(sim[-2]),
        "cells_changed_total": int(np.nansum(changed)), "cells_changed_max": int(np.nanmax(changed)),
    }
    return InterpolationResult(path, panels, layouts, panel_layouts, summary)


def plot_interpolation(result: InterpolationResult, path: str | os.PathLike,
                       burnable: np.ndarray | None = None) -> Path:
    """Fitness along the line with cells changed per step, beside start / midpoint / end layouts."""
    fig = new_figure(12, 3.8)
    grid = fig.add_gridspec(1, 5, width_ratios=[2.4, 0.15, 1, 1, 1])
    ax = fig.add_subplot(grid[0, 0])
    df = result.path
    bars = ax.twinx()
    width = 0.6 / max(len(df) - 1, 1)
    bars.bar(df["weight"], df["cells_changed_from_previous"].fillna(0), width=width, color="0.85",
             edgecolor="0.6", label="cells changed from previous step")
    bars.set_ylabel("cells changed from previous step")
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(df["weight"], df["simulated_fitness"], "o-", color=SIMULATED, label="simulated")
    if df["predicted_fitness"].notna().any():
        ax.plot(df["weight"], df["predicted_fitness"], "s--", color=PREDICTED, label="predicted (head)")
    ends = result.panels[result.panels["role"] != "midpoint"]
    ax.plot(ends["weight"], ends["dataset_fitness"], "o", mfc="none", mec="k", ms=9,
            label="original dataset layouts")
    ax.set(xlabel="mixing weight (0 = lowest-fitness layout, 1 = highest)", ylabel="fitness",
           title="interpolation between the dataset's extremes")
    handles = ax.get_legend_handles_labels()
    extra = bars.get_legend_handles_labels()
    ax.legend(handles[0] + extra[0], handles[1] + extra[1], fontsize=8, loc="upper left")
    for i, row in result.panels.iterrows():
        pax = fig.add_subplot(grid[0, 2 + i])
        title = f"{row['role']} (w={row['weight']:.1f})\nsimulated {row['simulated_fitness']:.3f}"
        if np.isfinite(row["predicted_fitness"]):
            title += f"\npredicted {row['predicted_fitness']:.3f}"
        draw_layout(pax, result.panel_layouts[i], title, burnable)
    return save_figure(fig, path)
