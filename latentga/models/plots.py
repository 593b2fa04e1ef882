"""The training loss curve picture (``loss_curve.png``)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from latentga.io import save_figure_atomic

__all__ = ["plot_loss_curve"]


def plot_loss_curve(history: pd.DataFrame, path: str | os.PathLike, title: str = "") -> Path:
    """Train and validation loss per epoch (and the label term, if any), saved atomically."""
    from matplotlib.figure import Figure  # no pyplot: works headless and in worker processes

    has_label = "train_label" in history and bool((history["train_label"] > 0).any())
    fig = Figure(figsize=(9 if has_label else 5.5, 3.8))
    axes = fig.subplots(1, 2 if has_label else 1, squeeze=False)[0]
    ax = axes[0]
    ax.plot(history["epoch"], history["train_loss"], label="train")
    ax.plot(history["epoch"], history["val_loss"], label="validation")
    best = history.loc[history["val_loss"].idxmin()]
    ax.axvline(best["epoch"], color="grey", ls=":", lw=1, label=f"best (epoch {int(best['epoch'])})")
    ax.set(xlabel="epoch", ylabel="loss per layout", yscale="log", title=title or "training loss")
    ax.legend()
    if has_label:
        ax = axes[1]
        ax.plot(history["epoch"], history["train_label"], label="train")
        ax.plot(history["epoch"], history["val_label"], label="validation")
        ax.set(xlabel="epoch", ylabel="alpha x squared label error", yscale="log", title="label term")
        ax.legend()
    fig.tight_layout()
    return save_figure_atomic(path, fig)
