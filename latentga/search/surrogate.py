"""Surrogate pre-screening: the CCVAE's fitness head picks which latent candidates get simulated.

Why: a simulation of 500 fires costs ~16 ms on Sub20x20, a forward pass of the head on a
candidate's code a few microseconds, so scoring many candidates by the head and simulating only
the most promising spends the fire budget where the model expects gains. The head is only as
good as its data, so :func:`refit_head` retrains it (the head alone; encoder and decoder stay
as they are) on every layout the run has simulated, weighted by rank as Tripp et al. (2020) do,
``w = 1 / (k N + rank)`` with small ``k`` (~1e-3): the refit cares most about telling the best
layouts apart, which is what the screening asks of it.
"""

from __future__ import annotations

import numpy as np
import torch

from latentga.models.retraining import rank_weights
from latentga.models.runtime import eval_mode, model_device
from latentga.operators.latent import decode_layouts, encode_layouts, predict_fitness

__all__ = ["refit_head", "predicted_fitness", "posterior_neighbours", "pick_candidates"]

_BATCH = 256


def predicted_fitness(model, layouts: np.ndarray) -> np.ndarray:
    """The head's fitness of each layout (its posterior mean's), float64 ``[B]``."""
    out = []
    for start in range(0, len(layouts), 1024):
        mu, _ = encode_layouts(model, layouts[start:start + 1024])
        out.append(predict_fitness(model, mu))
    return np.concatenate(out) if out else np.zeros(0)


def refit_head(model, layouts: np.ndarray, fitness: np.ndarray, *, k: float, epochs: int, seed: int,
               lr: float = 1e-3) -> float:
    """Retrain the fitness head (``model.head_parameters()``) in place on rank-weighted
    ``(layouts, fitness)``; returns the final weighted mean squared error (standardised units).
    Shuffling comes from a CPU generator seeded by ``seed``, so a seed gives the same head. Leaves
    the model in eval mode."""
    layouts = np.asarray(layouts, bool)
    f = np.asarray(fitness, np.float64)
    if len(f) < 2:
        return float("nan")
    device = model_device(model)
    w = rank_weights(f, k)
    w_t = torch.as_tensor(w / w.mean(), dtype=torch.float32, device=device)
    mean, std = float(model.label_mean), float(model.label_std)
    y = torch.as_tensor((f - mean) / std, dtype=torch.float32, device=device)
    codes = torch.cat([encode_layouts(model, layouts[s:s + 1024])[0] for s in range(0, len(layouts), 1024)]).detach()
    params, modules = model.head_parameters(), model.head_modules()
    grads = [p.requires_grad for p in params]
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(params, lr=lr)
    loss = torch.zeros(())
    try:
        for p in params:
            p.requires_grad_(True)
        for m in modules:
            m.train()
        with torch.enable_grad():
            for _ in range(int(epochs)):
                order = torch.randperm(len(f), generator=gen).to(device)
                for s in range(0, len(f), _BATCH):
                    idx = order[s:s + _BATCH]
                    if len(idx) < 2:  # BatchNorm cannot train on one row
                        continue
                    loss = (w_t[idx] * (model.predict_standardized(codes[idx]) - y[idx]).pow(2)).mean()
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
    finally:
        model.eval()
        for p, g in zip(params, grads):
            p.requires_grad_(g)
    return float(loss.detach())


def posterior_neighbours(model, layouts: np.ndarray, m: int, rng: np.random.Generator, *, k: int,
                         temperature: float = 1.0, allowed: np.ndarray | None = None) -> np.ndarray:
    """``m`` decoded posterior samples of each layout, bool ``[B, m, H, W]`` (noise from ``rng``;
    breaks on ``allowed`` cells only)."""
    mu, logvar = encode_layouts(model, layouts)
    b, d = mu.shape
    eps = torch.as_tensor(rng.standard_normal((b, m, d)), dtype=mu.dtype, device=mu.device)
    z = mu[:, None, :] + temperature * torch.exp(0.5 * logvar)[:, None, :] * eps
    return decode_layouts(model, z.reshape(b * m, d), k, allowed).reshape(b, m, *layouts.shape[1:])


def pick_candidates(model, candidates: np.ndarray, key, known: set) -> np.ndarray:
    """Index of the chosen candidate per slot of ``candidates [B, m, H, W]``: the one the head
    rates best among those not in ``known`` (keys by ``key``) and not chosen by an earlier slot;
    the head's best overall where every candidate is known."""
    b, m = candidates.shape[:2]
    with eval_mode(model):
        pred = predicted_fitness(model, candidates.reshape(b * m, *candidates.shape[2:])).reshape(b, m)
    taken = set()
    out = np.zeros(b, np.int64)
    for i in range(b):
        order = np.argsort(-pred[i], kind="stable")
        keys = [key(candidates[i, j]) for j in order]
        fresh = [j for j, kk in zip(order, keys) if kk not in known and kk not in taken]
        out[i] = fresh[0] if fresh else order[0]
        taken.add(key(candidates[i, out[i]]))
    return out
