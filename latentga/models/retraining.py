"""Weighted retraining (Tripp, Daxberger, Hernandez-Lobato 2020) and data-only model state.

A latent GA searches far above the random layouts its model learnt from, so the latent space
stops describing where the search is. Weighted retraining fine-tunes the model every few
generations on the training data plus every layout evaluated so far, drawing layouts with
probability proportional to ``w_i = 1 / (k N + rank_i)`` (rank 0 = best fitness): the best
layouts dominate the refit while the rest keep the latent space from collapsing onto them.
Small ``k`` favours the best layouts strongly; ``k = inf`` is uniform (plain retraining).

The CCVAE's labels are standardised with the label mean/std stored on the model when it was
first trained, so the head keeps one scale across retrainings and ``predict`` stays in fitness
units. ``model_state_arrays`` / ``load_model_state_arrays`` turn the weights into plain numpy
arrays and back (bit-exact), for a data-only checkpoint of a retrained model.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from torch.nn import functional as F

from latentga.errors import ConfigError, DatasetError, ModelFileError
from latentga.layouts import as_layout_batch
from latentga.models.base import LayoutModel
from latentga.models.runtime import seeded_rng
from latentga.models.training import _schedule, train_step

__all__ = ["rank_weights", "fine_tune", "model_state_arrays", "load_model_state_arrays"]

_EVAL_BATCH = 1024


def _check_k(k) -> float:
    if isinstance(k, bool) or not isinstance(k, (int, float, np.integer, np.floating)) or math.isnan(k) or k <= 0:
        raise ConfigError(f"weighted retraining k = {k!r} is invalid: it must be a number > 0 "
                          "(small k = strong preference for the best layouts, inf = uniform)")
    return float(k)


def rank_weights(fitness, k: float) -> np.ndarray:
    """Tripp et al.'s rank weights ``1 / (k N + rank)``, rank 0 = highest fitness.

    Ties keep their input order (stable); unlabelled (NaN) rows rank after every labelled one,
    in input order. ``k = inf`` gives equal weights (all ones). Returns float64 ``[N]``.
    """
    k = _check_k(k)
    f = np.asarray(fitness, dtype=np.float64)
    if f.ndim != 1 or f.size == 0:
        raise DatasetError(f"fitness must be a non-empty 1-d array (one value per layout), got shape {list(f.shape)}")
    if np.isinf(f).any():
        raise DatasetError("fitness holds an infinite value; use finite fitness, or NaN for an unlabelled layout")
    n = f.size
    if math.isinf(k):
        return np.ones(n)
    unlabelled = np.isnan(f)
    order = np.lexsort((np.arange(n), -np.nan_to_num(f, nan=0.0), unlabelled))
    rank = np.empty(n, dtype=np.float64)
    rank[order] = np.arange(n, dtype=np.float64)
    return 1.0 / (k * n + rank)


def _row_losses(model, x: torch.Tensor, y: torch.Tensor, beta: float, alpha: float) -> torch.Tensor:
    """Per-layout loss ``[B]`` (the terms of :func:`ccvae_loss`, not averaged), z = posterior mean."""
    mu, logvar = model.encode(x)
    recon = F.binary_cross_entropy_with_logits(model.decode(mu), x, reduction="none").flatten(1).sum(1)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    out = recon + beta * kl
    if model.is_conditional:
        err = model.predict_standardized(mu) - torch.nan_to_num(y)
        out = out + alpha * torch.where(torch.isfinite(y), err.pow(2), torch.zeros_like(err))
    return out


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"fine_tune {name} = {value!r} is invalid: it must be an integer >= {low}")
    return int(value)


def fine_tune(model: LayoutModel, layouts, fitness, *, k: float, epochs: int, seed: int,
              lr: float | None = None) -> dict:
    """Fine-tune ``model`` in place on rank-weighted data; leave it in eval mode.

    Each epoch draws N layouts with replacement, with probability proportional to
    :func:`rank_weights` (a ``torch.Generator`` seeded by ``seed``; dropout and the
    reparameterisation noise come from the forked global RNG seeded the same way), so one seed
    gives bit-identical weights on CPU with a fixed thread count. Adam at ``lr`` (default: the
    model's own), annealed over ``epochs`` if the model was trained with a cosine schedule.
    A frozen model (``requires_grad=False``, as ``load_model`` returns) is unfrozen for the
    refit and frozen again afterwards.

    Args:
        layouts: bool ``[N, H, W]`` on the model's grid.
        fitness: float ``[N]``, NaN = unlabelled (VAE terms only; ranked last).
    Returns:
        ``loss_before``/``loss_after``: the rank-weighted mean loss on the given data (eval mode,
        z = posterior mean, weights normalised to mean 1); ``loss_first``/``loss_last``: the
        first and last training batch's loss; ``steps``, ``n``, ``seconds``.
    """
    if not isinstance(model, LayoutModel):
        raise ConfigError(f"fine_tune needs a latentga VAE/CCVAE, got {type(model).__name__}")
    epochs, seed = _check_int("epochs", epochs, 1), _check_int("seed", seed, 0)
    x_np = as_layout_batch(layouts, name="retraining layout")
    if tuple(x_np.shape[1:]) != model.grid_shape:
        h, w = model.grid_shape
        raise DatasetError(f"retraining layouts are {x_np.shape[1]}x{x_np.shape[2]} but the model is for "
                           f"{h}x{w} grids; pass [N, {h}, {w}] layouts")
    n = len(x_np)
    f = np.asarray(fitness, dtype=np.float64)
    if f.shape != (n,):
        raise DatasetError(f"got fitness of shape {list(f.shape)} for {n} layouts; pass one value per "
                           "layout (NaN = unlabelled)")
    if n < 2:
        raise DatasetError("fine_tune needs at least 2 layouts (BatchNorm cannot train on one)")
    weights = rank_weights(f, k)
    cfg = model.config
    lr = cfg.lr if lr is None else lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"fine_tune lr = {lr!r} is invalid: it must be a number > 0 (or None for the model's)")
    beta, alpha, bs = cfg.beta, cfg.alpha, cfg.batch_size

    param = next(model.parameters())
    x = torch.from_numpy(x_np.astype(np.float32)).to(param.device)
    if model.is_conditional:
        mean, std = float(model.label_mean), float(model.label_std)
        y = torch.from_numpy(((f - mean) / std).astype(np.float32)).to(param.device)
    else:
        y = torch.full((n,), float("nan"), device=param.device)
    w_t = torch.from_numpy(weights)
    w_mean = torch.from_numpy(weights / weights.mean()).to(param.device, torch.float32)

    def weighted_loss() -> float:
        """Mean weighted loss per layout, eval mode, z = posterior mean (deterministic)."""
        total = 0.0
        with torch.no_grad():
            for start in range(0, n, _EVAL_BATCH):
                sl = slice(start, start + _EVAL_BATCH)
                total += float((_row_losses(model, x[sl], y[sl], beta, alpha) * w_mean[sl]).sum())
        return total / n

    t0 = time.perf_counter()
    frozen = {name: p.requires_grad for name, p in model.named_parameters()}
    model.eval()
    loss_before = weighted_loss()
    batch_losses = []
    try:
        model.requires_grad_(True)
        with seeded_rng(seed, param.device):
            gen = torch.Generator().manual_seed(seed)  # a CPU generator, whatever the model's device
            opt = torch.optim.Adam(model.parameters(), lr=float(lr))
            sched = _schedule(opt, cfg.replace(lr=float(lr), epochs=epochs), n)
            model.train()
            for _ in range(epochs):
                draw = torch.multinomial(w_t, n, replacement=True, generator=gen).to(param.device)
                for start in range(0, n, bs):
                    idx = draw[start:start + bs]
                    if len(idx) < 2:  # BatchNorm cannot train on a single layout
                        continue
                    terms = train_step(model, opt, sched, x[idx], y[idx], beta, alpha)
                    batch_losses.append(float(terms.total.detach()))
    finally:
        model.eval()
        for name, p in model.named_parameters():
            p.requires_grad_(frozen[name])
    loss_after = weighted_loss()
    nan = float("nan")
    return {"loss_before": loss_before, "loss_after": loss_after,
            "loss_first": batch_losses[0] if batch_losses else nan,
            "loss_last": batch_losses[-1] if batch_losses else nan,
            "steps": len(batch_losses), "n": n, "seconds": time.perf_counter() - t0}


def model_state_arrays(model: LayoutModel) -> dict[str, np.ndarray]:
    """The model's state dict (weights, BatchNorm statistics, label mean/std) as numpy copies."""
    return {name: t.detach().cpu().numpy().copy() for name, t in model.state_dict().items()}


def load_model_state_arrays(model: LayoutModel, arrays) -> None:
    """Load :func:`model_state_arrays` output into ``model`` (same architecture), bit-exact.

    Leaves the model in eval mode (as the operators use it). Raises :class:`ModelFileError`
    naming the first missing, extra or mismatched entry.
    """
    state = model.state_dict()
    if not hasattr(arrays, "keys"):
        raise ModelFileError(f"model state must be a mapping of name -> array, got {type(arrays).__name__}")
    missing, extra = sorted(set(state) - set(arrays)), sorted(set(arrays) - set(state))
    if missing or extra:
        what = f"missing {missing[0]!r}" if missing else f"unexpected {extra[0]!r}"
        raise ModelFileError(f"model state does not match this model ({what}); it belongs to another "
                             "architecture: load it into a model built with the same config")
    tensors = {}
    for name, ref in state.items():
        arr = np.asarray(arrays[name])
        if tuple(arr.shape) != tuple(ref.shape) or arr.dtype != ref.cpu().numpy().dtype:
            raise ModelFileError(f"model state entry {name!r} is {arr.dtype}{list(arr.shape)} but the model "
                                 f"needs {ref.cpu().numpy().dtype}{list(ref.shape)}; it belongs to another "
                                 "architecture")
        tensors[name] = torch.from_numpy(np.array(arr, copy=True)).to(ref.device)
    model.load_state_dict(tensors, strict=True)
    model.eval()
