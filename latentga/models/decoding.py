"""Turning decoder logits into feasible layouts: the top-k cells become the firebreaks.

Thresholding the probabilities at 0.5 gives layouts with a varying number of firebreaks; taking
the ``k`` highest logits per layout gives exactly the budget every time, so no repair is needed
after decoding and reconstruction metrics compare like with like.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from latentga.errors import LayoutError

__all__ = ["decode_topk"]


def decode_topk(logits, k: int | Sequence[int] | torch.Tensor, allowed=None) -> torch.Tensor:
    """Bool ``[B, H, W]``: the ``k`` highest-logit cells of each layout (exactly ``k`` each).

    Args:
        logits: ``[B, H, W]`` or ``[H, W]`` tensor or array (higher = more likely firebreak).
        k: the budget, one int for all layouts or one per layout.
        allowed: optional bool ``[H, W]`` or ``[B, H, W]``; cells outside it are never chosen.
    """
    logits = torch.as_tensor(np.asarray(logits) if not torch.is_tensor(logits) else logits).detach()
    if logits.dim() == 2:
        logits = logits.unsqueeze(0)
    if logits.dim() != 3:
        raise LayoutError(f"logits must be [B, H, W] or [H, W], got {list(logits.shape)}")
    b, h, w = logits.shape
    flat = logits.reshape(b, h * w).to(torch.float64)
    if allowed is not None:
        mask = torch.as_tensor(np.asarray(allowed, dtype=bool) if not torch.is_tensor(allowed) else allowed)
        mask = mask.to(torch.bool).to(flat.device).expand(b, h, w).reshape(b, h * w)
        flat = flat.masked_fill(~mask, -torch.inf)
        room = int(mask.sum(1).min()) if b else h * w
    else:
        room = h * w
    ks = torch.as_tensor(k, dtype=torch.int64).to(flat.device)
    if ks.dim() == 0:
        ks = ks.expand(b)
    if ks.shape != (b,):
        raise LayoutError(f"k must be one budget or one per layout ({b}), got shape {list(ks.shape)}")
    if b and (int(ks.min()) < 0 or int(ks.max()) > room):
        raise LayoutError(f"cannot place {int(ks.max())} firebreaks in a layout with {room} allowed "
                          f"cells; lower the budget (0..{room})")
    if b and bool((ks == ks[0]).all()):
        out = torch.zeros((b, h * w), dtype=torch.bool, device=flat.device)
        kk = int(ks[0])
        if kk:
            out.scatter_(1, torch.topk(flat, kk, dim=1).indices, True)
    else:  # a budget per layout: rank the cells, keep the ranks below each row's k
        order = torch.argsort(flat, dim=1, descending=True, stable=True)
        ranks = torch.empty_like(order)
        ranks.scatter_(1, order, torch.arange(h * w, device=flat.device).expand(b, h * w).contiguous())
        out = ranks < ks[:, None]
    return out.reshape(b, h, w)
