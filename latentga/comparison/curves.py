"""Held-out fitness against cost (fires simulated, CPU seconds): mean +- std over seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from latentga.comparison.plots import _colors, _figure

__all__ = ["curve_frame", "plot_quality_vs_cost"]


def curve_frame(tidy: pd.DataFrame, x: str) -> pd.DataFrame:
    """Per method and recorded point: mean of ``x`` and mean/std of held-out fitness over seeds."""
    grouped = tidy.dropna(subset=["heldout"]).groupby(["method", "point"], sort=False)
    out = grouped.agg(x=(x, "mean"), mean=("heldout", "mean"), std=("heldout", "std"), runs=("seed", "size"))
    return out.reset_index().fillna({"std": 0.0})


def plot_quality_vs_cost(tidy: pd.DataFrame):
    """Two panels: held-out fitness against fires simulated and against CPU seconds (log x)."""
    from matplotlib.ticker import NullFormatter

    methods = list(dict.fromkeys(tidy["method"]))
    colors = _colors(methods)
    fig, axes = _figure(1, 2, figsize=(13, 5), layout="constrained")
    for ax, x, label in ((axes[0], "fires", "fires simulated per run"),
                         (axes[1], "cpu_seconds", "CPU seconds per run (search, model passes included)")):
        curves = curve_frame(tidy, x)
        for method in methods:
            c = curves[curves["method"] == method].sort_values("x")
            if c.empty:
                continue
            style = dict(color=colors[method], label=method)
            if len(c) == 1:
                ax.errorbar(c["x"], c["mean"], yerr=c["std"], fmt="D", ms=6, capsize=3, **style)
            else:
                ax.plot(c["x"], c["mean"], marker="o", ms=3, **style)
                ax.fill_between(c["x"], c["mean"] - c["std"], c["mean"] + c["std"], color=colors[method], alpha=0.15)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(label)
        ax.set_ylabel("held-out fitness (fraction not burned)")
        ax.grid(True, alpha=0.3)
    lo = np.nanpercentile(tidy["heldout"].to_numpy(dtype=float), 5) if tidy["heldout"].notna().any() else 0
    for ax in axes:
        ax.set_ylim(bottom=max(0.0, lo - 0.02))
    axes[1].legend(fontsize=8, loc="lower right")
    fig.suptitle("Held-out fitness of each method's answer against its cost (mean +- std over seeds)")
    return fig
