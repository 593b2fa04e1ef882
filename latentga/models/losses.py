"""The (semi-supervised) CCVAE objective, report Eq. (2), per layout.

loss = sum_cells BCE(logits, x) + beta * KL(q(z|x) || N(0, I)) + alpha * (y - f(z_c))^2

with the label term only for layouts whose label is known (finite); NaN labels make a row
contribute the VAE terms alone, which is how unlabelled layouts join training. ``z`` is a sample
of q(z|x) (one Monte-Carlo sample per step estimates the expectation over q). Terms are averaged
over the batch so the learning rate does not depend on the batch size.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch.nn import functional as F

__all__ = ["LossTerms", "ccvae_loss"]


class LossTerms(NamedTuple):
    """Batch means of the total loss and of its parts (label term already times alpha)."""

    total: torch.Tensor
    recon: torch.Tensor
    kl: torch.Tensor
    label: torch.Tensor


def ccvae_loss(logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
               beta: float, alpha: float = 0.0, y_pred: torch.Tensor | None = None,
               y_true: torch.Tensor | None = None) -> LossTerms:
    """Loss of one batch; ``y_pred``/``y_true`` (standardised, NaN = unlabelled) for the CCVAE."""
    n = x.shape[0]
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / n
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
    if y_pred is not None and y_true is not None:
        known = torch.isfinite(y_true)
        err = torch.where(known, y_pred - torch.nan_to_num(y_true), torch.zeros_like(y_pred))
        label = alpha * err.pow(2).sum() / n
    else:
        label = torch.zeros((), dtype=recon.dtype, device=recon.device)
    return LossTerms(recon + beta * kl + label, recon, kl, label)
