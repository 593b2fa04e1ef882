"""Experiment 4: interventions on the codes of dataset layouts (report Fig 4).

Two ways of pushing ``n_layouts`` encoded dataset layouts towards higher fitness, each for
``iterations`` steps, decoding to exactly ``k`` firebreaks and simulating after every step:

* ``gradient``: Adam steps on z_c only, up the frozen head's predicted fitness (the GA's GD
  mutation, run for longer). Needs a CCVAE.
* ``direction``: equal steps along the line from the lowest- to the highest-fitness dataset
  layout's code (works for a VAE too), ``direction_step`` of that difference per step.

Predicted fitness keeps rising under gradient steps while simulated fitness stops once the
codes leave the region the model was trained on; the table marks where the gains stop: the
step with the best mean simulated fitness, and the first step within 90 % of that gain.
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
    eval_mode,
    predict_fitness,
    simulate_unique,
)
from latentga.analysis.plots import PREDICTED, SIMULATED, new_figure, save_figure
from latentga.analysis.tables import save_table
from latentga.errors import ConfigError
from latentga.layouts import burnable_cells

__all__ = ["InterventionResult", "run_interventions", "gradient_path", "direction_path", "gains_stop",
           "plot_interventions"]

#: Share of the best gain that counts as "the gains have stopped" (plateau step).
PLATEAU_SHARE = 0.9


@dataclass
class InterventionResult:
    """``steps``: per (method, step) means; ``per_layout``: per (method, step, layout), saved gzipped;
    ``stops``: where the gains stop, per method."""

    steps: pd.DataFrame
    per_layout: pd.DataFrame
    stops: pd.DataFrame
    summary: dict = field(default_factory=dict)

    def save(self, out_dir: str | os.PathLike) -> list[Path]:
        out = Path(out_dir)
        return [save_table(out / "interventions.csv", self.steps),
                save_table(out / "interventions_layouts.csv.gz", self.per_layout),
                save_table(out / "interventions_summary.csv", self.stops),
                plot_interventions(self, out / "interventions.png")]

    def report(self) -> str:
        lines = [f"interventions on {self.summary['n_layouts']} dataset layouts, {self.summary['iterations']} steps:"]
        for r in self.stops.itertuples():
            lines.append(f"  {r.method:<9} simulated {r.simulated_start:.4f} -> best {r.simulated_best:.4f} at step "
                         f"{r.best_step} (90% of the gain by step {r.plateau_step}), {r.simulated_final:.4f} at "
                         f"the end; predicted {r.predicted_start:.4f} -> {r.predicted_final:.4f}")
        return "\n".join(lines)


def gradient_path(model, z0: torch.Tensor, iterations: int, step_size: float) -> torch.Tensor:
    """Codes after 0..``iterations`` Adam steps on z_c up the head: ``[iterations + 1, B, D]``."""
    c = int(model.char_dim)
    z0 = torch.as_tensor(z0).detach()
    z_rest = z0[:, :z0.shape[1] - c]
    zc = z0[:, z0.shape[1] - c:].clone().requires_grad_(True)
    opt = torch.optim.Adam([zc], lr=float(step_size))
    path = [z0.clone()]
    with torch.enable_grad(), eval_mode(model):
        for _ in range(int(iterations)):
            loss = -model.predict(torch.cat([z_rest, zc], dim=1)).sum()
            (zc.grad,) = torch.autograd.grad(loss, zc)
            opt.step()
            path.append(torch.cat([z_rest, zc.detach()], dim=1).clone())
    return torch.stack(path)


def direction_path(z0: torch.Tensor, direction: torch.Tensor, iterations: int, step: float) -> torch.Tensor:
    """Codes ``z0 + t * step * direction`` for t = 0..``iterations``: ``[iterations + 1, B, D]``."""
    z0 = torch.as_tensor(z0).detach()
    t = torch.arange(int(iterations) + 1, dtype=z0.dtype, device=z0.device)[:, None, None]
    return z0[None] + t * float(step) * torch.as_tensor(direction, dtype=z0.dtype, device=z0.device)


def gains_stop(mean_fitness: np.ndarray, share: float = PLATEAU_SHARE) -> tuple[int, int]:
    """``(best step, plateau step)``: the step of the highest mean, the first within ``share`` of its gain."""
    f = np.asarray(mean_fitness, np.float64)
    best = int(np.argmax(f))
    gain = f[best] - f[0]
    if gain <= 0:
        return best, 0
    return best, int(np.flatnonzero(f >= f[0] + share * gain)[0])


def _trace(model, simulator, path: torch.Tensor, k: int, start: np.ndarray, method: str):
    """Decode and simulate every step of a path; per-layout and per-step frames."""
    steps, n = path.shape[0], path.shape[1]
    flat = path.reshape(steps * n, -1)
    layouts = decode_layouts(model, flat, k, allowed=burnable_cells(simulator))
    sim = simulate_unique(simulator, layouts).reshape(steps, n)
    pred = predict_fitness(model, flat).reshape(steps, n)
    moved = (layouts.reshape(steps, n, -1) & ~start.reshape(1, n, -1)).sum(axis=2)
    norm = (torch.linalg.vector_norm(path, dim=2) / np.sqrt(path.shape[2])).cpu().double().numpy()
    it = np.repeat(np.arange(steps), n)
    per_layout = pd.DataFrame({"method": method, "step": it, "layout": np.tile(np.arange(n), steps),
                               "simulated_fitness": sim.ravel(), "predicted_fitness": pred.ravel(),
                               "firebreaks_moved": moved.ravel(), "latent_rms": norm.ravel()})
    per_step = pd.DataFrame({
        "method": method, "step": np.arange(steps),
        "simulated_mean": sim.mean(axis=1), "simulated_sem": sim.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else 0.0,
        "predicted_mean": pred.mean(axis=1), "share_improved": (sim > sim[0]).mean(axis=1),
        "firebreaks_moved_mean": moved.mean(axis=1), "latent_rms_mean": norm.mean(axis=1),
        "distinct_layouts": [len(np.unique(np.packbits(layouts.reshape(steps, n, -1)[s], axis=1), axis=0))
                             for s in range(steps)],
    })
    return per_layout, per_step


def run_interventions(model, dataset, simulator, seed: int, k: int | None = None, n_layouts: int = 100,
                      iterations: int = 100, step_size: float = 0.1, direction_step: float = 0.05,
                      methods: tuple[str, ...] | None = None) -> InterventionResult:
    """Gradient steps on z_c (CCVAE) and steps along the worst-to-best direction from dataset codes.

    Args:
        seed: picks the ``n_layouts`` dataset layouts (the only randomness).
        step_size: Adam learning rate of the gradient steps on z_c.
        direction_step: share of (z_best - z_worst) added per direction step.
        methods: subset of ("gradient", "direction"); None = both for a CCVAE, direction for a VAE.
    """
    conditional = bool(getattr(model, "is_conditional", False))
    if methods is None:
        methods = ("gradient", "direction") if conditional else ("direction",)
    unknown = set(methods) - {"gradient", "direction"}
    if unknown:
        raise ConfigError(f"unknown intervention {sorted(unknown)[0]!r}; use gradient and/or direction")
    if "gradient" in methods and not conditional:
        raise ConfigError("gradient interventions need a CCVAE (they climb its fitness head) but the model is "
                          "a plain VAE; pass a CCVAE model or use only the direction intervention")
    if n_layouts < 1 or iterations < 1 or not step_size > 0:
        raise ConfigError(f"interventions need --layouts >= 1, --iterations >= 1 and --step-size > 0 (got "
                          f"{n_layouts}, {iterations}, {step_size})")
    check_model_dataset(model, dataset)
    k = dataset_budget(dataset) if k is None else int(k)
    rng = np.random.default_rng(seed)
    fitness = np.asarray(dataset.fitness, np.float64)
    n = min(int(n_layouts), len(dataset))
    idx = np.sort(rng.choice(len(dataset), size=n, replace=False))
    z0 = encode_mean(model, dataset.layouts[idx])
    start = decode_layouts(model, z0, k, allowed=burnable_cells(simulator))
    frames_l, frames_s = [], []
    for method in methods:
        if method == "gradient":
            path = gradient_path(model, z0, iterations, step_size)
        else:
            z_ends = encode_mean(model, dataset.layouts[[int(np.argmin(fitness)), int(np.argmax(fitness))]])
            path = direction_path(z0, z_ends[1] - z_ends[0], iterations, direction_step)
        per_layout, per_step = _trace(model, simulator, path, k, start, method)
        per_layout.insert(3, "dataset_index", np.tile(idx, iterations + 1))
        frames_l.append(per_layout)
        frames_s.append(per_step)
    steps = pd.concat(frames_s, ignore_index=True)
    stops = []
    for method, df in steps.groupby("method", sort=False):
        best, plateau = gains_stop(df["simulated_mean"].to_numpy())
        stops.append({"method": method, "simulated_start": df["simulated_mean"].iloc[0],
                      "simulated_best": df["simulated_mean"].iloc[best], "best_step": best,
                      "plateau_step": plateau, "simulated_final": df["simulated_mean"].iloc[-1],
                      "predicted_start": df["predicted_mean"].iloc[0],
                      "predicted_final": df["predicted_mean"].iloc[-1],
                      "dataset_best": float(fitness.max())})
    summary = {"n_layouts": n, "iterations": int(iterations), "step_size": float(step_size),
               "direction_step": float(direction_step)}
    return InterventionResult(steps, pd.concat(frames_l, ignore_index=True), pd.DataFrame(stops), summary)


def plot_interventions(result: InterventionResult, path: str | os.PathLike) -> Path:
    """Per method: mean simulated and predicted fitness per step (top), firebreaks moved (bottom)."""
    methods = list(result.stops["method"])
    fig = new_figure(5.5 * len(methods), 6.2)
    axes = fig.subplots(2, len(methods), squeeze=False, sharex="col", gridspec_kw={"height_ratios": [2, 1]})
    titles = {"gradient": "gradient steps on z$_c$ (Adam, lr {step_size:g})",
              "direction": "steps along z$_{{best}}$ - z$_{{worst}}$ ({direction_step:g} per step)"}
    for col, stop in enumerate(result.stops.itertuples()):
        df = result.steps[result.steps["method"] == stop.method]
        ax = axes[0, col]
        ax.plot(df["step"], df["simulated_mean"], "-", color=SIMULATED, label="simulated (mean)")
        ax.fill_between(df["step"], df["simulated_mean"] - df["simulated_sem"],
                        df["simulated_mean"] + df["simulated_sem"], color=SIMULATED, alpha=0.2)
        if df["predicted_mean"].notna().any():
            ax.plot(df["step"], df["predicted_mean"], "--", color=PREDICTED, label="predicted (mean)")
        ax.axvline(stop.plateau_step, color="k", ls=":", lw=1,
                   label=f"90% of the gain (step {stop.plateau_step})")
        ax.axvline(stop.best_step, color="0.5", ls="--", lw=1, label=f"best simulated (step {stop.best_step})")
        ax.axhline(stop.dataset_best, color="0.6", ls="-.", lw=1, label="best dataset layout")
        ax.set(ylabel="fitness", title=titles[stop.method].format(**result.summary))
        ax.legend(fontsize=7)
        bx = axes[1, col]
        bx.plot(df["step"], df["firebreaks_moved_mean"], color="tab:green", label="firebreaks moved")
        bx.set(xlabel="step", ylabel="firebreaks moved\n(vs step 0)")
        cx = bx.twinx()
        cx.plot(df["step"], df["latent_rms_mean"], color="tab:purple", ls="--", label="RMS of the code")
        cx.set_ylabel("RMS of the code\n(prior: 1)")
        handles = bx.get_legend_handles_labels()
        extra = cx.get_legend_handles_labels()
        bx.legend(handles[0] + extra[0], handles[1] + extra[1], fontsize=7, loc="lower right")
    return save_figure(fig, path)
