"""Experiment 2: where fitness lives in the latent space (report Figs 2, 7).

Dataset layouts are encoded (posterior means) and each latent part is mapped to 2-D (UMAP, or
PCA without ``umap-learn``) and coloured by the layouts' simulated fitness (the dataset labels).
How strongly a part carries fitness is measured by a cross-validated linear probe (R^2): for a
CCVAE, z_c should carry it and z_rest should not; a plain VAE's latent is the baseline. The
head's own R^2 on these layouts is reported too (in-sample: the model was trained on them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from latentga.analysis.latent import check_model_dataset, encode_mean, latent_parts, predict_fitness
from latentga.analysis.plots import FITNESS_CMAP, new_figure, save_figure
from latentga.analysis.probes import linear_probe_r2, r2_score, reduce_2d
from latentga.analysis.tables import save_table
from latentga.errors import ConfigError

__all__ = ["EmbeddingResult", "run_embeddings", "plot_embeddings"]


@dataclass
class EmbeddingResult:
    """``points``: one row per (model, part, layout) with 2-D coordinates (saved gzipped);
    ``scores``: R^2 per part."""

    points: pd.DataFrame
    scores: pd.DataFrame
    method: str
    summary: dict = field(default_factory=dict)

    def save(self, out_dir: str | os.PathLike) -> list[Path]:
        out = Path(out_dir)
        return [save_table(out / "embeddings.csv.gz", self.points),
                save_table(out / "embeddings_r2.csv", self.scores),
                plot_embeddings(self, out / "embeddings.png")]

    def report(self) -> str:
        lines = [f"embeddings ({self.method.upper()} maps; linear probe R^2, {self.summary['folds']}-fold CV, "
                 f"{self.summary['n_layouts']} layouts):"]
        for row in self.scores.itertuples():
            lines.append(f"  {row.model:>5} {row.part:<6} dims {row.dims:>3}  R^2 {row.r2_linear_cv:+.3f}"
                         + (f"  (head, in-sample {row.r2_head:+.3f})" if np.isfinite(row.r2_head) else ""))
        return "\n".join(lines)


def run_embeddings(models: dict, dataset, seed: int, max_points: int = 3000, reduction: str = "auto",
                   folds: int = 5) -> EmbeddingResult:
    """Map and probe every latent part of each model in ``models`` (label -> model, e.g. ccvae, vae).

    Args:
        models: trained models by label; each CCVAE gives z_c, z_rest and z, a VAE gives z.
        dataset: layouts and their simulated fitness (the colouring and the probe's target).
        seed: picks the subset of layouts (when the dataset is larger than ``max_points``),
            the probe's folds and UMAP's random state.
        reduction: ``auto`` (UMAP if installed, else PCA), ``umap`` or ``pca``.
    """
    if max_points < max(folds, 3) or folds < 2:
        raise ConfigError(f"the embeddings need --max-points >= {max(folds, 3)} and at least 2 folds "
                          f"(got {max_points} points, {folds} folds)")
    rng = np.random.default_rng(seed)
    n = len(dataset)
    idx = np.sort(rng.choice(n, size=max_points, replace=False)) if n > max_points else np.arange(n)
    fitness = np.asarray(dataset.fitness, np.float64)[idx]
    frames, rows, methods = [], [], set()
    for label, model in models.items():
        check_model_dataset(model, dataset)
        z = encode_mean(model, dataset.layouts[idx])
        head = predict_fitness(model, z)
        for part, x in latent_parts(model, z).items():
            coords, method = reduce_2d(x, seed, reduction)
            methods.add(method)
            frames.append(pd.DataFrame({"model": label, "part": part, "dataset_index": idx,
                                        "fitness": fitness, "x": coords[:, 0], "y": coords[:, 1]}))
            rows.append({"model": label, "part": part, "dims": x.shape[1], "n_layouts": len(idx),
                         "method": method,
                         "r2_linear_cv": linear_probe_r2(x, fitness, seed=seed, folds=folds),
                         "r2_map_cv": linear_probe_r2(coords, fitness, seed=seed, folds=folds),
                         "r2_head": r2_score(fitness, head) if part == "z_c" else np.nan})
    method = "+".join(sorted(methods))
    return EmbeddingResult(pd.concat(frames, ignore_index=True), pd.DataFrame(rows), method,
                           {"n_layouts": int(len(idx)), "folds": int(folds)})


def plot_embeddings(result: EmbeddingResult, path: str | os.PathLike) -> Path:
    """One 2-D map per (model, part), coloured by simulated fitness, R^2 in each title."""
    keys = list(result.scores[["model", "part"]].itertuples(index=False, name=None))
    fig = new_figure(3.1 * len(keys) + 0.8, 3.3, constrained=True)
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    pts = result.points
    lo, hi = np.percentile(pts["fitness"], [1, 99]) if len(pts) else (0, 1)
    scatter = None
    for ax, (label, part), score in zip(axes, keys, result.scores.itertuples()):
        sel = pts[(pts["model"] == label) & (pts["part"] == part)].sort_values("fitness")
        scatter = ax.scatter(sel["x"], sel["y"], c=sel["fitness"], cmap=FITNESS_CMAP, vmin=lo, vmax=hi,
                             s=3, linewidths=0)
        ax.set_title(f"{label.upper()} {part} ({score.dims} dims)\nlinear probe R$^2$ = {score.r2_linear_cv:.2f}",
                     fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{score.method.upper()} 1", fontsize=8)
        ax.set_ylabel(f"{score.method.upper()} 2", fontsize=8)
    if scatter is not None:
        fig.colorbar(scatter, ax=list(axes), label="simulated fitness (dataset labels)", fraction=0.02, pad=0.01)
    return save_figure(fig, path, dpi=80)  # thousands of points: keep the committed PNG small
