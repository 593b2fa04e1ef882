"""Experiment 3: conditional generation by rejection sampling (report Fig 3).

First, ``n_prior`` codes from the prior N(0, I) are decoded and simulated: how well does the
head's prediction match what the fire simulator says? Then, for each threshold lambda, prior
codes are drawn until ``n_accept`` have predicted fitness above lambda (or ``max_candidates``
were tried); the accepted codes are decoded and simulated. If the head has learned something
real, higher lambda shifts the simulated fitness distribution up, at a falling acceptance rate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from latentga.analysis.latent import (
    check_model_dataset,
    dataset_budget,
    decode_layouts,
    encode_mean,
    predict_fitness,
    prior_codes,
    require_conditional,
    simulate_unique,
)
from latentga.analysis.plots import PREDICTED, SIMULATED, new_figure, save_figure
from latentga.analysis.tables import save_table
from latentga.errors import ConfigError
from latentga.layouts import burnable_cells

__all__ = ["ConditionalResult", "run_conditional", "plot_conditional", "DEFAULT_QUANTILES"]

#: Default thresholds: these quantiles of the head's predictions on a pool of prior codes, so each
#: lambda keeps about 50 / 10 / 1 / 0.1 % of prior draws whatever the landscape (the measured
#: acceptance rate and the matching dataset fitness quantile are reported with each lambda).
DEFAULT_QUANTILES = (0.5, 0.9, 0.99, 0.999)
_POOL = 20_000

_CHUNK = 8192


@dataclass
class ConditionalResult:
    """``prior``: per prior sample; ``samples``: per accepted sample; ``thresholds``: per lambda."""

    prior: pd.DataFrame
    samples: pd.DataFrame
    thresholds: pd.DataFrame
    dataset_fitness: np.ndarray
    summary: dict = field(default_factory=dict)

    def save(self, out_dir: str | os.PathLike) -> list[Path]:
        out = Path(out_dir)
        return [save_table(out / "conditional_prior.csv", self.prior),
                save_table(out / "conditional_samples.csv", self.samples),
                save_table(out / "conditional_thresholds.csv", self.thresholds),
                plot_conditional(self, out / "conditional.png")]

    def report(self) -> str:
        s = self.summary
        lines = [f"conditional generation: {s['n_prior']} prior samples, predicted mean {s['prior_predicted_mean']:.4f}"
                 f" vs simulated mean {s['prior_simulated_mean']:.4f} (correlation {s['prior_correlation']:+.2f}); "
                 f"dataset mean {s['dataset_mean']:.4f}"]
        for r in self.thresholds.itertuples():
            lines.append(f"  lambda {r.threshold:.4f} (dataset quantile {r.dataset_quantile:.3f}): "
                         f"acceptance {r.acceptance_rate:.4f} "
                         f"({r.accepted}/{r.candidates}), simulated mean {r.simulated_mean:.4f} "
                         f"(predicted {r.predicted_mean:.4f})")
        return "\n".join(lines)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def _rejection(model, threshold: float, n_accept: int, max_candidates: int, rng: np.random.Generator):
    """Prior codes with predicted fitness > threshold: (accepted codes [<=n_accept], tried, accepted)."""
    kept, tried, accepted = [], 0, 0
    while accepted < n_accept and tried < max_candidates:
        size = min(_CHUNK, max_candidates - tried)
        z = prior_codes(model, size, rng)
        ok = predict_fitness(model, z) > threshold
        tried += size
        accepted += int(ok.sum())
        kept.append(z[torch.as_tensor(ok, device=z.device)])
    z = torch.cat(kept)[:n_accept]
    return z, tried, accepted


def run_conditional(model, dataset, simulator, seed: int, k: int | None = None, n_prior: int = 1000,
                    thresholds: Sequence[float] | None = None, n_accept: int = 200,
                    max_candidates: int = 500_000) -> ConditionalResult:
    """Prior samples' predicted vs simulated fitness, then rejection sampling per threshold.

    Args:
        seed: the only source of randomness (prior draws).
        thresholds: lambdas on predicted fitness; None = the :data:`DEFAULT_QUANTILES` of the
            predictions on a pool of prior codes.
        n_accept: accepted codes decoded and simulated per threshold.
        max_candidates: prior draws per threshold before giving up (acceptance rate still reported).
    """
    require_conditional(model, "conditional generation")
    if n_prior < 1 or n_accept < 1 or max_candidates < 1:
        raise ConfigError("conditional generation needs --samples, --accept and the candidate limit >= 1")
    check_model_dataset(model, dataset)
    k = dataset_budget(dataset) if k is None else int(k)
    rng = np.random.default_rng(seed)
    fitness = np.asarray(dataset.fitness, np.float64)
    z = prior_codes(model, n_prior, rng)
    if thresholds is None:
        lambdas = np.quantile(predict_fitness(model, prior_codes(model, _POOL, rng)), DEFAULT_QUANTILES)
    else:
        lambdas = np.asarray(sorted(float(t) for t in thresholds))
    quantiles = np.array([(fitness <= t).mean() for t in lambdas])

    layouts = decode_layouts(model, z, k, allowed=burnable_cells(simulator))
    predicted = predict_fitness(model, z)
    simulated = simulate_unique(simulator, layouts)
    reencoded = predict_fitness(model, encode_mean(model, layouts))
    prior = pd.DataFrame({"sample": np.arange(n_prior), "predicted_fitness": predicted,
                          "predicted_fitness_reencoded": reencoded, "simulated_fitness": simulated})

    rows, frames = [], []
    for lam, q in zip(lambdas, quantiles):
        z_acc, tried, accepted = _rejection(model, float(lam), n_accept, max_candidates, rng)
        pred = predict_fitness(model, z_acc)
        lays = decode_layouts(model, z_acc, k, allowed=burnable_cells(simulator))
        sim = simulate_unique(simulator, lays) if len(z_acc) else np.empty(0)
        frames.append(pd.DataFrame({"threshold": float(lam), "sample": np.arange(len(sim)),
                                    "predicted_fitness": pred, "simulated_fitness": sim}))
        def stat(f) -> float:
            return float(f(sim)) if len(sim) else float("nan")

        rows.append({"threshold": float(lam), "dataset_quantile": float(q), "candidates": tried,
                     "accepted": accepted, "acceptance_rate": accepted / tried, "n_simulated": len(sim),
                     "predicted_mean": float(pred.mean()) if len(pred) else float("nan"),
                     "simulated_mean": stat(np.mean),
                     "simulated_std": stat(np.std), "simulated_median": stat(np.median),
                     "simulated_max": stat(np.max),
                     "share_simulated_above_threshold": stat(lambda f: np.mean(f > lam)),  # noqa: B023
                     "share_above_dataset_max": stat(lambda f: np.mean(f > fitness.max()))})
    summary = {"n_prior": int(n_prior), "prior_predicted_mean": float(predicted.mean()),
               "prior_simulated_mean": float(simulated.mean()), "dataset_mean": float(fitness.mean()),
               "prior_correlation": _corr(predicted, simulated)}
    return ConditionalResult(prior, pd.concat(frames, ignore_index=True), pd.DataFrame(rows), fitness, summary)


def plot_conditional(result: ConditionalResult, path: str | os.PathLike) -> Path:
    """Left: prior predicted vs simulated distributions. Right: simulated fitness per lambda."""
    fig = new_figure(12, 4)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    prior = result.prior
    values = np.concatenate([prior["predicted_fitness"], prior["simulated_fitness"], result.dataset_fitness])
    bins = np.linspace(np.nanmin(values), np.nanmax(values), 40)
    ax1.hist(result.dataset_fitness, bins=bins, density=True, histtype="step", color="0.4",
             label="dataset (random layouts)")
    ax1.hist(prior["simulated_fitness"], bins=bins, density=True, alpha=0.5, color=SIMULATED, label="simulated")
    ax1.hist(prior["predicted_fitness"], bins=bins, density=True, alpha=0.5, color=PREDICTED, label="predicted")
    ax1.set(xlabel="fitness", ylabel="density",
            title=f"{len(prior)} prior samples (r = {result.summary['prior_correlation']:.2f})")
    ax1.legend(fontsize=8)

    th = result.thresholds
    data = [prior["simulated_fitness"].to_numpy()]
    labels = ["prior\n(no λ)"]
    for r in th.itertuples():
        data.append(result.samples.loc[result.samples["threshold"] == r.threshold, "simulated_fitness"].to_numpy())
        labels.append(f"λ={r.threshold:.3f}\nacc {r.acceptance_rate:.3g}")
    positions = np.arange(len(data))
    shown = [d if len(d) else np.array([np.nan]) for d in data]
    ax2.boxplot(shown, positions=positions, widths=0.5, showfliers=False, medianprops={"color": "k"})
    for pos, d in zip(positions, data):
        if len(d):
            jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(d))  # fixed: plotting only
            ax2.scatter(pos + jitter, d, s=3, color=SIMULATED, alpha=0.35, linewidths=0)
            ax2.plot(pos, d.mean(), "D", color="k", ms=5)
    ax2.plot(positions[1:], th["threshold"], "_", color=PREDICTED, ms=22, mew=2, label="threshold λ")
    ax2.axhline(result.dataset_fitness.max(), color="0.5", ls=":", lw=1, label="best dataset layout")
    ax2.set_xticks(positions)
    ax2.set_xticklabels(labels, fontsize=8)
    ax2.set(ylabel="simulated fitness", title="rejection sampling: simulated fitness of accepted codes")
    ax2.legend(fontsize=8, loc="lower right")
    return save_figure(fig, path)
