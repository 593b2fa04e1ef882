"""Fine-tuning a trained VAE/CCVAE on rank-weighted data (weighted retraining, Tripp et al. 2020).

Why rank weights: the search needs the model accurate where the good layouts are, not on
average over random ones; ``w_i = 1 / (k N + rank_i)`` (rank 0 = best) puts most of the weight
on the best few for small ``k`` while keeping every point in play. Weights are applied by
sampling each epoch's batches in proportion to them (a seeded ``torch.Generator``), which leaves
the loss itself as in training. Labels are standardised with the model's own label mean/std (set
when it was first trained), so the fitness head keeps its scale.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from latentga.models.losses import ccvae_loss

__all__ = ["rank_weights", "fine_tune", "model_state_arrays", "load_model_state_arrays"]


def rank_weights(fitness: np.ndarray, k: float) -> np.ndarray:
    """``1 / (k N + rank)`` per sample, rank 0 = highest fitness (stable for ties; NaN ranks last)."""
    y = np.asarray(fitness, np.float64).reshape(-1)
    if not k > 0:
        raise ValueError(f"rank-weight k must be > 0, got {k!r}")
    order = np.argsort(-np.nan_to_num(y, nan=-np.inf), kind="stable")
    rank = np.empty(len(y), np.float64)
    rank[order] = np.arange(len(y))
    return 1.0 / (k * len(y) + rank)


def fine_tune(model, layouts: np.ndarray, fitness: np.ndarray, *, k: float, epochs: int, seed: int,
              lr: float | None = None) -> dict:
    """Fine-tune ``model`` in place on rank-weighted data, leave it in eval mode; same seed, same weights.

    Args:
        model: a trained :class:`~latentga.models.networks.LayoutVAE` (or CCVAE).
        layouts: bool ``[N, H, W]``; fitness: ``[N]`` labels (NaN = unlabelled: VAE terms only).
        k: the rank-weight parameter; epochs: passes of N weighted draws; seed: batch order and noise.
        lr: Adam learning rate (default: the model's training lr).
    """
    cfg = model.config
    x = torch.from_numpy(np.asarray(layouts, np.float32))
    y = np.asarray(fitness, np.float64).reshape(-1)
    if model.is_conditional:
        y = (y - float(model.label_mean)) / float(model.label_std)
    yt = torch.from_numpy(y.astype(np.float32))
    weights = torch.from_numpy(rank_weights(fitness, k))
    t0 = time.perf_counter()
    losses = []
    frozen = [p for p in model.parameters() if not p.requires_grad]
    model.requires_grad_(True)  # models load frozen for the operators; refreeze afterwards
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        gen = torch.Generator().manual_seed(int(seed))
        opt = torch.optim.Adam(model.parameters(), lr=lr or cfg["lr"])
        model.train()
        bs = int(cfg["batch_size"])
        for _ in range(int(epochs)):
            draw = torch.multinomial(weights, len(x), replacement=True, generator=gen)
            for start in range(0, len(draw), bs):
                idx = draw[start:start + bs]
                if len(idx) < 2:  # BatchNorm cannot train on one sample
                    continue
                logits, mu, logvar, z = model(x[idx])
                pred = model.predict_standardized(z) if model.is_conditional else None
                terms = ccvae_loss(logits, x[idx], mu, logvar, cfg["beta"], cfg["alpha"], pred, yt[idx])
                opt.zero_grad(set_to_none=True)
                terms.total.backward()
                opt.step()
                losses.append(float(terms.total))
    for p in frozen:
        p.requires_grad_(False)
    model.eval()
    return {"loss_first": losses[0] if losses else float("nan"), "loss_last": losses[-1] if losses else float("nan"),
            "steps": len(losses), "seconds": time.perf_counter() - t0}


def model_state_arrays(model) -> dict[str, np.ndarray]:
    """The model's state_dict as plain NumPy arrays (data-only checkpoints)."""
    return {name: t.detach().cpu().numpy().copy() for name, t in model.state_dict().items()}


def load_model_state_arrays(model, arrays: dict[str, np.ndarray]) -> None:
    """Put :func:`model_state_arrays`' arrays back (exact round trip); names and shapes must match."""
    state = model.state_dict()
    if set(arrays) != set(state):
        raise ValueError("the stored model weights do not fit this model (other architecture)")
    model.load_state_dict({name: torch.from_numpy(np.asarray(arrays[name])).to(state[name].dtype)
                           for name in state})
    model.eval()
