"""Training a VAE/CCVAE on layouts (and fitness labels): split, Adam, early stopping, metrics.

Everything random (split, initial weights, batch order, dropout, reparameterisation noise) comes
from ``seed``: the global torch RNG is forked and seeded for the duration of training and
restored afterwards, so the same seed gives the same weights on CPU and callers' own random
streams are untouched.

The model trains on ``model.device`` (:func:`~latentga.models.runtime.resolve_device`: CUDA when
PyTorch sees a GPU, unless the config says ``cpu``). The split, initial weights and batch order
are drawn on the CPU whatever the device, so only dropout, the reparameterisation noise and the
floating-point arithmetic differ on a GPU. The data stays in host memory and each batch is sent
to the device as it is used, so a large dataset (Dogrib) does not have to fit on the GPU.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from latentga.errors import ConfigError, DatasetError
from latentga.io import save_csv_atomic
from latentga.layouts import as_layout_batch
from latentga.models.base import LayoutModel
from latentga.models.config import ModelConfig, validate_model_config
from latentga.models.factory import build_model, model_class
from latentga.models.losses import ccvae_loss
from latentga.models.metrics import evaluate_model
from latentga.models.plots import plot_loss_curve
from latentga.models.runtime import eval_batch_size, model_device, resolve_device, seeded_rng

__all__ = ["TrainResult", "train_model"]



class TrainResult(NamedTuple):
    """The trained model (eval mode, best validation weights), per-epoch history, final metrics."""

    model: LayoutModel
    history: pd.DataFrame
    metrics: pd.DataFrame


def _labels(fitness, n: int, conditional: bool) -> np.ndarray:
    if fitness is None:
        if conditional:
            raise DatasetError("a CCVAE needs fitness labels but none were given; pass the dataset's "
                               "fitness, or train a plain VAE (model.kind: vae)")
        return np.full(n, np.nan)
    y = np.asarray(fitness, dtype=np.float64).reshape(-1)
    if y.shape != (n,):
        raise DatasetError(f"got {y.size} fitness values for {n} layouts; pass one value per layout "
                           "(NaN for an unlabelled layout)")
    return y


@torch.no_grad()
def _validation_terms(model, x: torch.Tensor, y: torch.Tensor, beta: float, alpha: float) -> np.ndarray:
    """Mean (total, recon, kl, label) on a split in eval mode with z = posterior mean."""
    model.eval()
    device = model_device(model)
    sums = np.zeros(4)
    batch = eval_batch_size(x.shape[1:])
    for start in range(0, len(x), batch):
        xb, yb = x[start:start + batch].to(device), y[start:start + batch].to(device)
        mu, logvar = model.encode(xb)
        pred = model.predict_standardized(mu) if model.is_conditional else None
        terms = ccvae_loss(model.decode(mu), xb, mu, logvar, beta, alpha, pred, yb)
        sums += np.array([float(t) for t in terms]) * len(xb)
    return sums / max(len(x), 1)


def train_model(layouts, fitness, config: ModelConfig | Mapping, seed: int, progress: bool = True,
                out_dir: str | os.PathLike | None = None, threads: int | None = None,
                device: str | torch.device | None = None) -> TrainResult:
    """Train the model ``config`` describes; see the module docstring for reproducibility.

    Args:
        layouts: bool ``[N, H, W]`` (nonzero = firebreak).
        fitness: float ``[N]`` labels (NaN = unlabelled, used for the VAE terms only), or None
            for a VAE.
        config: the model section (validated; missing keys take ``MODEL_DEFAULTS``).
        seed: the only source of randomness.
        progress: show one tqdm line updated per epoch.
        out_dir: if given, write ``metrics.csv``, ``history.csv`` and ``loss_curve.png`` there.
        threads: torch intra-op threads during training (restored afterwards); None = unchanged.
        device: where to train (``auto``, ``cpu``, ``cuda``, ``cuda:N`` or a ``torch.device``);
            None = the config's ``model.device``. The returned model stays on it.
    """
    cfg = validate_model_config(config)
    device = resolve_device(cfg.device if device is None else device)
    x_all = as_layout_batch(layouts, name="training layout")
    n = len(x_all)
    conditional = model_class(cfg.kind).is_conditional
    y_all = _labels(fitness, n, conditional)
    n_val = max(1, int(round(cfg.val_fraction * n)))
    if n - n_val < 2:
        raise DatasetError(f"{n} layouts are too few to train on with val_fraction "
                           f"{cfg.val_fraction}; use a dataset of at least a few hundred layouts")
    beta, alpha = cfg.beta, cfg.alpha
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ConfigError(f"threads = {threads!r} is invalid: use a whole number of torch threads >= 1")
    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        with seeded_rng(seed, device):
            gen = torch.Generator().manual_seed(int(seed))  # a CPU generator on every device
            perm = torch.randperm(n, generator=gen).numpy()
            val_idx, train_idx = np.sort(perm[:n_val]), np.sort(perm[n_val:])
            y_train = y_all[train_idx]
            known = y_train[np.isfinite(y_train)]
            if conditional and known.size < 2:
                raise DatasetError("a CCVAE needs at least 2 labelled (finite fitness) training layouts; "
                                   "label the dataset or train a plain VAE (model.kind: vae)")
            model = build_model(cfg, x_all.shape[1:])
            mean = float(known.mean()) if known.size else 0.0
            std = float(known.std()) if known.size > 1 and known.std() > 0 else 1.0
            if conditional:
                model.set_label_normalization(mean, std)
            if cfg.output_bias == "base_rate":
                model.set_output_bias(float(x_all[train_idx].mean()))
            model.to(device)  # built (initial weights drawn) on the CPU, so every device starts alike
            x_t = torch.from_numpy(x_all.astype(np.float32))
            y_t = torch.from_numpy(((y_all - mean) / std).astype(np.float32))
            xt, yt = x_t[train_idx], y_t[train_idx]
            xv, yv = x_t[val_idx], y_t[val_idx]
            history = _fit(model, cfg, xt, yt, xv, yv, beta, alpha, gen, progress)
            model.eval()
            metrics = pd.DataFrame([
                {"split": "train", **evaluate_model(model, x_all[train_idx], y_all[train_idx])},
                {"split": "validation", **evaluate_model(model, x_all[val_idx], y_all[val_idx])},
            ])
    finally:
        torch.set_num_threads(old_threads)
    if out_dir is not None:
        out = Path(out_dir)
        save_csv_atomic(out / "metrics.csv", metrics)
        save_csv_atomic(out / "history.csv", history)
        plot_loss_curve(history, out / "loss_curve.png", title=f"{cfg.kind.upper()} training loss")
    return TrainResult(model, history, metrics)


def _schedule(opt, cfg: ModelConfig, n_train: int):
    """Per-batch cosine annealing from ``lr`` to 0 over ``epochs`` (None for a constant rate).

    Annealing removes the noise of a high constant rate at the end of a short budget: the
    default model reaches its precision in fewer epochs (see SMALL_MODEL in latentga.config).
    """
    if cfg.lr_schedule == "constant":
        return None
    bs = cfg.batch_size
    per_epoch = n_train // bs + (1 if n_train % bs >= 2 else 0)  # batches of one are skipped
    return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, cfg.epochs * per_epoch))


def train_step(model, opt, sched, xb: torch.Tensor, yb: torch.Tensor, beta: float, alpha: float):
    """One optimiser step on a batch (training and weighted fine-tuning share it); returns the loss terms."""
    logits, mu, logvar, z = model(xb)
    pred = model.predict_standardized(z) if model.is_conditional else None
    terms = ccvae_loss(logits, xb, mu, logvar, beta, alpha, pred, yb)
    opt.zero_grad(set_to_none=True)
    terms.total.backward()
    opt.step()
    if sched is not None:
        sched.step()
    return terms


def _fit(model, cfg: dict, xt, yt, xv, yv, beta: float, alpha: float, gen: torch.Generator,
         progress: bool) -> pd.DataFrame:
    """Adam with early stopping on the validation loss; leaves the best weights in ``model``."""
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    device = model_device(model)
    bs, n_train = cfg.batch_size, len(xt)
    sched = _schedule(opt, cfg, n_train)
    best_loss, best_state, stale, rows = float("inf"), None, 0, []
    bar = tqdm(range(1, cfg.epochs + 1), desc=f"train {cfg.kind}", unit="epoch",
               disable=not progress, leave=True)
    for epoch in bar:
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n_train, generator=gen)
        sums, seen = np.zeros(4), 0
        for start in range(0, n_train, bs):
            idx = order[start:start + bs]
            if len(idx) < 2:  # BatchNorm cannot train on a single layout
                continue
            xb, yb = xt[idx].to(device), yt[idx].to(device)  # no copy on the CPU
            terms = train_step(model, opt, sched, xb, yb, beta, alpha)
            sums += np.array([t.item() for t in terms]) * len(idx)
            seen += len(idx)
        train_terms = sums / max(seen, 1)
        val_terms = _validation_terms(model, xv, yv, beta, alpha)
        improved = val_terms[0] < best_loss
        if improved:
            best_loss, best_state, stale = float(val_terms[0]), copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
        rows.append({"epoch": epoch,
                     **{f"train_{k}": v for k, v in zip(("loss", "recon", "kl", "label"), train_terms)},
                     **{f"val_{k}": v for k, v in zip(("loss", "recon", "kl", "label"), val_terms)},
                     "seconds": time.perf_counter() - t0, "best": improved})
        bar.set_postfix(train=f"{train_terms[0]:.2f}", val=f"{val_terms[0]:.2f}", best=f"{best_loss:.2f}")
        if stale >= cfg.patience:
            break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return pd.DataFrame(rows)
