"""The comparison's pictures: convergence (report Figure 5 style), held-out vs cost, best layouts."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["plot_convergence", "plot_heldout_vs_cost", "plot_best_layouts"]


def _figure(*args, **kwargs):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def _colors(methods: Sequence[str]) -> dict:
    import matplotlib

    # tab20's dark shades first, then its light ones: 20 distinct colours
    cmap = matplotlib.colormaps["tab20"]
    return {m: cmap((2 * i) % 20 + (i // 10) % 2) for i, m in enumerate(methods)}


def plot_convergence(tidy: pd.DataFrame):
    """Mean +- std over seeds per generation of each GA variant: best so far and population mean.

    Deterministic baselines appear as dashed lines, random search's mean as a dotted one
    (all on the search fires, like the GA curves).
    """
    from matplotlib.ticker import MaxNLocator

    fig, axes = _figure(1, 2, figsize=(12, 4.6), sharey=False)
    ga = tidy[tidy["kind"] == "ga"]
    methods = list(dict.fromkeys(tidy["method"]))
    colors = _colors(methods)
    for ax, col, title in ((axes[0], "best", "best fitness so far"), (axes[1], "mean", "population mean fitness")):
        for method, frame in ga.groupby("method", sort=False):
            stats = frame.groupby("generation")[col].agg(["mean", "std"]).fillna(0.0)
            ax.plot(stats.index, stats["mean"], color=colors[method], label=method, lw=1.8)
            ax.fill_between(stats.index, stats["mean"] - stats["std"], stats["mean"] + stats["std"],
                            color=colors[method], alpha=0.18, lw=0)
        ax.set_xlabel("generation")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(f"{col} fitness (search fires)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    base = tidy[tidy["kind"] == "baseline"]
    for method, frame in base.groupby("method", sort=False):
        final = frame.groupby("seed")["best"].last()
        axes[0].axhline(final.mean(), color=colors[method], ls="--" if len(final) == 1 else ":", lw=1.2,
                        label=f"{method} (final)")
    fig.suptitle("GA variants, mean +- std over seeds")
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=8, frameon=False)
    return fig


def _compact(value: float, _pos=None) -> str:
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= div:
            return f"{value / div:g}{suffix}"
    return f"{value:g}"


def _log_ticks(ax) -> None:
    """Labelled ticks at 1, 2, 5 per decade over short ranges (1 per decade over long ones) and
    no minor labels: matplotlib's default labels every minor tick of a short log axis, and they
    overlap."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = ax.get_xlim()
    subs = (1.0, 2.0, 5.0) if hi / max(lo, 1e-12) < 1e3 else (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(_compact))
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_heldout_vs_cost(tidy: pd.DataFrame, summary: pd.DataFrame):
    """Held-out fitness against layouts simulated (left) and fires simulated (right).

    GA variants: the held-out fitness of the best-so-far layout along the run (mean +- std over
    seeds, at the mean cost of each generation); baselines: one point each (mean +- std).
    """
    fig, axes = _figure(1, 2, figsize=(12, 4.6), sharey=True)
    methods = list(summary["method"])
    colors = _colors(list(dict.fromkeys(tidy["method"])))
    for ax, cost, name in ((axes[0], "evaluations", "layouts simulated (unique simulator calls)"),
                           (axes[1], "fires", "fires simulated")):
        for method in methods:
            frame = tidy[tidy["method"] == method]
            row = summary[summary["method"] == method].iloc[0]
            if row["kind"] == "ga":
                stats = frame.groupby("generation").agg(x=(cost, "mean"), y=("heldout", "mean"),
                                                         s=("heldout", "std")).fillna(0.0)
                ax.plot(stats["x"], stats["y"], color=colors[method], label=method, lw=1.8, marker=".")
                ax.fill_between(stats["x"], stats["y"] - stats["s"], stats["y"] + stats["s"],
                                color=colors[method], alpha=0.15, lw=0)
            else:
                x = row["calls_mean"] if cost == "evaluations" else row["fires_mean"]
                ax.errorbar([x], [row["heldout_mean"]], yerr=[row["heldout_std"]], color=colors[method],
                            marker="o" if row["runs"] > 1 else "s", ms=7, capsize=3, ls="none", label=method)
        ax.set_xscale("log")
        _log_ticks(ax)
        ax.set_xlabel(name)
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("held-out fitness (fresh fires)")
    fig.suptitle("Held-out fitness of each method's best layout against its cost")
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=8, frameon=False)
    return fig


def plot_best_layouts(layouts: dict[str, np.ndarray], titles: dict[str, str], burn_probability: dict[str, np.ndarray]):
    """One panel per method: its best layout (black cells) over the held-out burn probability."""
    n = len(layouts)
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    fig, axes = _figure(rows, cols, figsize=(3.2 * cols, 3.3 * rows), squeeze=False, layout="constrained")
    image = None
    for ax, (method, layout) in zip(axes.ravel(), layouts.items()):
        image = ax.imshow(burn_probability[method], cmap="YlOrRd", vmin=0, vmax=1)
        ys, xs = np.nonzero(layout)
        ax.scatter(xs, ys, marker="s", s=28, c="black", label="firebreak")
        ax.set_title(titles[method], fontsize=8)
        ax.tick_params(labelsize=6)  # cell coordinates: column across, row down (0 = north)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    if image is not None:
        fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="held-out burn probability")
    fig.suptitle("Best layout of each method (its run best on the validation fires; axes: column, row)")
    return fig
