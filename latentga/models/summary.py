"""What a user should read after training: how good the model is, and why training stopped.

A run trains (or loads) its model silently otherwise: the progress bar ends at "19/30" with
no word of early stopping, and the reconstruction precision, which limits what the latent
operators can do, is only in a CSV file in the cache. :func:`training_summary` turns the
``history.csv`` and ``metrics.csv`` that training writes beside the model into two lines.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd

__all__ = ["stop_reason", "quality_line", "training_summary", "near_chance_warning", "NEAR_CHANCE"]

#: A model whose validation precision is below this multiple of chance (a decoder that places the
#: k breaks at random finds k / cells of them) is reported as near chance.
NEAR_CHANCE = 2.0


def stop_reason(history: pd.DataFrame, epochs: int, patience: int) -> str:
    """One sentence: the epochs run, and whether and why training stopped before ``epochs``."""
    if history is None or len(history) == 0:
        return "no epoch was run"
    ran = int(history["epoch"].iloc[-1])
    best = history.loc[history["best"].astype(bool), "epoch"]
    best_epoch = int(best.iloc[-1]) if len(best) else ran
    stale = len(history) - 1 - int(history.index[history["best"].astype(bool)].max()) if len(best) else len(history)
    if ran < int(epochs) and stale >= int(patience):
        return (f"stopped early at epoch {ran} of {epochs}: the validation loss had not improved "
                f"for {patience} epochs; kept the weights of epoch {best_epoch}")
    if ran < int(epochs):
        return f"stopped at epoch {ran} of {epochs}; kept the weights of epoch {best_epoch}"
    return f"trained all {ran} epochs; kept the weights of epoch {best_epoch} (lowest validation loss)"


def _fmt(value) -> str | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else f"{value:.3f}" if value >= 0.01 else f"{value:.4f}"


def quality_line(metrics: pd.DataFrame) -> str:
    """Validation quality: reconstruction precision/recall and, for a CCVAE, the label MAE."""
    rows = metrics[metrics["split"] == "validation"] if "split" in metrics else metrics.iloc[:0]
    if len(rows) == 0:
        return "validation quality: not recorded"
    row = rows.iloc[0]
    parts = [f"{name} {_fmt(row[key])}" for key, name in
             (("precision", "precision"), ("recall", "recall"), ("mae", "label MAE"))
             if key in row and _fmt(row[key]) is not None]
    n = f" ({int(row['n'])} layouts)" if "n" in row else ""
    return (f"validation{n}: " + ", ".join(parts)
            + " (precision: share of a decoded layout's firebreaks found in the input)")


def near_chance_warning(precision, chance: float, name: str = "the model") -> str | None:
    """One warning line when a validation ``precision`` is within :data:`NEAR_CHANCE` x ``chance``
    (the share of cells that are breaks), else None."""
    try:
        precision = float(precision)
    except (TypeError, ValueError):
        return None
    if math.isnan(precision) or not chance > 0 or precision >= NEAR_CHANCE * chance:
        return None
    return (f"warning: {name} is near chance: validation precision {precision:.3f}, where breaks placed at "
            f"random score {chance:.3f}; its latent operators are little more than random moves "
            "(train it longer or on more layouts)")


def training_summary(folder: str | os.PathLike, epochs: int, patience: int, chance: float | None = None) -> list[str]:
    """The lines to print for the model trained into ``folder`` (its history.csv and
    metrics.csv); ``[]`` when the folder holds neither (a model from elsewhere). Given
    ``chance`` (breaks / cells), a model near it gets a warning line."""
    folder = Path(folder)
    lines = []
    if (folder / "history.csv").is_file():
        lines.append(stop_reason(pd.read_csv(folder / "history.csv"), epochs, patience))
    if (folder / "metrics.csv").is_file():
        metrics = pd.read_csv(folder / "metrics.csv")
        lines.append(quality_line(metrics))
        rows = metrics[metrics["split"] == "validation"] if "split" in metrics else metrics.iloc[:0]
        warning = near_chance_warning(rows["precision"].iloc[0], chance) if chance and len(rows) and \
            "precision" in rows else None
        if warning:
            lines.append(warning)
    return lines
