"""Operators that vary layouts in the latent space of a frozen VAE/CCVAE.

Each operator encodes its parents, moves their codes, and decodes every child to exactly
``budget`` firebreaks with ``latentga.models.decode_topk``, among the ``allowed`` cells the
engine passes (the landscape's burnable ones), so children are feasible without repair. All are
batch-capable: called with one individual they behave like DEAP operators
(``mutate(ind) -> (ind,)``); called with many (``mutate(*inds)``, ``mate(a1, b1, a2, b2, ...)``)
they do the whole batch in one forward pass and return every individual, in order.

Randomness: every draw comes from the ``rng`` (``np.random.Generator``) the engine passes in;
torch only sees NumPy draws converted to tensors, so a seed fixes the run.
The model interface used: ``encode(x) -> (mu, logvar)``, ``decode(z) -> logits``,
``predict(z) -> fitness`` (CCVAE), ``latent_dim``, ``char_dim`` (z_c = last ``char_dim`` dims).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from latentga.models.runtime import eval_mode, model_device

from .base import batch_operator, param_ranges

__all__ = [
    "cx_latent_interpolation",
    "mut_latent_resample",
    "mut_ccvae_conditional",
    "mut_ccvae_gradient",
    "encode_layouts",
    "decode_layouts",
    "predict_fitness",
    "sample_conditional_latents",
    "gradient_ascent_latents",
]


# -- helpers shared by the operators (public: tests and notebooks use them too) -------------

def _tensor(array: np.ndarray, model) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array, dtype=np.float32), device=model_device(model))


def _normal(rng: np.random.Generator, shape: tuple[int, ...], model) -> torch.Tensor:
    """Standard normals drawn from ``rng`` (not torch's global generator), as a tensor."""
    return _tensor(rng.standard_normal(shape), model)


def encode_layouts(model, layouts: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Posterior parameters ``(mu, logvar)`` of a batch of layouts, without gradients."""
    x = _tensor(np.stack([np.asarray(l, bool) for l in layouts]), model)
    with torch.no_grad(), eval_mode(model):
        mu, logvar = model.encode(x)
    return mu, logvar


def decode_layouts(model, z: torch.Tensor, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Decode codes to ``bool[B, H, W]`` layouts with exactly ``k`` firebreaks each, all inside
    ``allowed`` (bool ``[H, W]``; None = anywhere)."""
    from latentga.models import decode_topk

    with torch.no_grad(), eval_mode(model):
        logits = model.decode(z.detach())
    return decode_topk(logits, k, allowed).cpu().numpy().astype(bool)


def predict_fitness(model, z: torch.Tensor) -> np.ndarray:
    """The CCVAE head's predicted fitness of each code (original fitness units)."""
    with torch.no_grad(), eval_mode(model):
        return model.predict(z.detach()).reshape(-1).cpu().numpy().astype(np.float64)


def _require_conditional(model, name: str) -> None:
    if not getattr(model, "is_conditional", False):
        raise ValueError(f"{name} needs a CCVAE (its fitness head); this model has none")


def _write(individuals: Sequence[np.ndarray], layouts: np.ndarray) -> tuple:
    for ind, layout in zip(individuals, layouts):
        ind[...] = layout
    return tuple(individuals)


def sample_conditional_latents(model, n: int, threshold: float | np.ndarray, rng: np.random.Generator,
                               tries: int = 64, z_rest: torch.Tensor | None = None
                               ) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Rejection sampling of ``n`` codes whose predicted fitness exceeds ``threshold``.

    For each of the ``n`` slots, ``tries`` candidates are drawn at once from the prior N(0, I)
    (only z_c when ``z_rest [n, latent_dim - char_dim]`` is given: the rest is kept) and scored
    by the head in one pass. A slot takes its FIRST accepted candidate (a draw from the prior
    conditioned on predicted fitness > threshold). FALLBACK when none of the ``tries`` is
    accepted: the candidate with the best predicted fitness.

    Returns ``(z [n, latent_dim], accepted bool[n], predicted float[n])``.
    """
    if tries < 1:
        raise ValueError("tries must be at least 1")
    c, d = int(model.char_dim), int(model.latent_dim)
    if z_rest is None:
        cand = _normal(rng, (n, tries, d), model)
    else:
        zc = _normal(rng, (n, tries, c), model)
        cand = torch.cat([z_rest[:, None, :].expand(n, tries, d - c), zc], dim=2)
    pred = predict_fitness(model, cand.reshape(n * tries, d)).reshape(n, tries)
    thr = np.broadcast_to(np.asarray(threshold, np.float64), (n,))
    ok = pred > thr[:, None]
    accepted = ok.any(axis=1)
    pick = np.where(accepted, np.argmax(ok, axis=1), np.argmax(pred, axis=1))
    rows = np.arange(n)
    return cand[rows, pick], accepted, pred[rows, pick]


def gradient_ascent_latents(model, z: torch.Tensor, steps: int = 2, step_size: float = 0.1,
                            optimizer: str = "adam") -> torch.Tensor:
    """Move z_c up the frozen head's predicted fitness; z_rest is left unchanged.

    Gradients are taken with respect to z_c only (``torch.autograd.grad``), so the model's
    parameters never accumulate gradients. ``optimizer`` is ``"sgd"`` or ``"adam"``.
    """
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    c = int(model.char_dim)
    z = z.detach()
    z_rest = z[:, :-c]
    zc = z[:, -c:].clone().requires_grad_(True)
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)([zc], lr=step_size)
    with torch.enable_grad(), eval_mode(model):
        for _ in range(int(steps)):
            loss = -model.predict(torch.cat([z_rest, zc], dim=1)).sum()
            (grad,) = torch.autograd.grad(loss, zc)
            zc.grad = grad
            opt.step()
    return torch.cat([z_rest, zc.detach()], dim=1)


# -- operators -------------------------------------------------------------------------------

@batch_operator
def cx_latent_interpolation(*individuals: np.ndarray, alpha_low: float = 0.0, alpha_high: float = 1.0,
                            budget: int, model, rng: np.random.Generator,
                            allowed: np.ndarray | None = None) -> tuple:
    """Children at a*z1 + (1-a)*z2 and the mirrored point (1-a)*z1 + a*z2 of their parents' codes.

    Args:
        individuals: parents in pairs (a1, b1, a2, b2, ...), replaced in place by the children.
        alpha_low, alpha_high: ``a`` is drawn uniformly in this range, once per mating.
        budget: firebreak budget; model: frozen VAE/CCVAE; allowed: the cells a break may use (all
            three filled in by the engine).
        rng: source of the ``a`` draws.
    Codes are the posterior means.
    """
    if len(individuals) % 2:
        raise ValueError("cx_latent_interpolation needs parents in pairs (an even number)")
    if not alpha_low <= alpha_high:
        raise ValueError("alpha_low must not exceed alpha_high")
    mu, _ = encode_layouts(model, individuals)
    z1, z2 = mu[0::2], mu[1::2]
    a = _tensor(rng.uniform(alpha_low, alpha_high, size=len(z1)), model)[:, None]
    kids = torch.empty_like(mu)
    kids[0::2] = a * z1 + (1 - a) * z2
    kids[1::2] = (1 - a) * z1 + a * z2
    return _write(individuals, decode_layouts(model, kids, budget, allowed))


@batch_operator
@param_ranges(temperature=(0, None))
def mut_latent_resample(*individuals: np.ndarray, temperature: float = 1.0, budget: int, model,
                        rng: np.random.Generator, allowed: np.ndarray | None = None) -> tuple:
    """Replace each layout by a decoded sample z ~ q(z|x) of its own posterior.

    Args:
        individuals: layouts, replaced in place.
        temperature: scale of the posterior standard deviation (0 = decode the mean).
        budget: firebreak budget; model: frozen VAE/CCVAE; allowed: the cells a break may use (all
            filled in by the engine).
        rng: source of the posterior noise.
    """
    mu, logvar = encode_layouts(model, individuals)
    z = mu + temperature * torch.exp(0.5 * logvar) * _normal(rng, tuple(mu.shape), model)
    return _write(individuals, decode_layouts(model, z, budget, allowed))


@batch_operator(conditional=True)
@param_ranges(tries=(1, None))
def mut_ccvae_conditional(*individuals: np.ndarray, threshold: float | None = None, tries: int = 64,
                          keep_rest: bool = True, budget: int, model, rng: np.random.Generator,
                          allowed: np.ndarray | None = None) -> tuple:
    """Conditional generation: replace each layout by a decoded prior sample the head rates above
    ``threshold`` (the report's CCVAE-CG mutation; see :func:`sample_conditional_latents`).

    Args:
        individuals: layouts, replaced in place.
        threshold: lambda, the predicted fitness to beat; ``None`` = each parent's own predicted
            fitness (accept only codes predicted better than the parent).
        tries: candidates drawn per individual (the cap of the rejection loop). Fallback when
            none is accepted: the candidate with the best predicted fitness.
        keep_rest: keep the parent's z_rest (posterior mean) and sample only z_c.
        budget: firebreak budget; model: frozen CCVAE; allowed: the cells a break may use (all
            filled in by the engine).
        rng: source of the prior samples.
    """
    _require_conditional(model, "mut_ccvae_conditional")
    mu, _ = encode_layouts(model, individuals)
    thr = predict_fitness(model, mu) if threshold is None else float(threshold)
    z_rest = mu[:, :-int(model.char_dim)] if keep_rest else None
    z, _, _ = sample_conditional_latents(model, len(individuals), thr, rng, tries=tries, z_rest=z_rest)
    return _write(individuals, decode_layouts(model, z, budget, allowed))


@batch_operator(conditional=True)
@param_ranges(steps=(0, None), temperature=(0, None))
def mut_ccvae_gradient(*individuals: np.ndarray, steps: int = 2, step_size: float = 0.1,
                       optimizer: str = "adam", sample: bool = True, temperature: float = 1.0, budget: int,
                       model, rng: np.random.Generator, allowed: np.ndarray | None = None) -> tuple:
    """Gradient ascent on z_c against the frozen fitness head (the report's CCVAE-GD mutation).

    Args:
        individuals: layouts, replaced in place.
        steps: optimizer steps; step_size: learning rate; optimizer: ``"adam"`` or ``"sgd"``.
        sample: start from a posterior sample z ~ q(z|x) (True) or from its mean (False).
        temperature: scale of the posterior standard deviation of that sample (more = more
            exploration before the ascent).
        budget: firebreak budget; model: frozen CCVAE; allowed: the cells a break may use (all
            filled in by the engine).
        rng: source of the posterior sample.
    """
    _require_conditional(model, "mut_ccvae_gradient")
    mu, logvar = encode_layouts(model, individuals)
    z = mu + temperature * torch.exp(0.5 * logvar) * _normal(rng, tuple(mu.shape), model) if sample else mu
    z = gradient_ascent_latents(model, z, steps=steps, step_size=step_size, optimizer=optimizer)
    return _write(individuals, decode_layouts(model, z, budget, allowed))
