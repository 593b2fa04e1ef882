"""Quality of a trained model: the report's Tables 2/3 columns.

Reconstruction is judged after top-k decoding with each layout's own firebreak count, on the
posterior mean (no sampling, eval mode), cell by cell over the whole split: accuracy, precision
and recall of the firebreak cells. With top-k decoding the predicted count equals the true
count, so precision equals recall by construction; both are kept to match the report. The
CCVAE adds the MAE and MAPE (as a fraction) of the predicted fitness, in original units.
"""

from __future__ import annotations

import numpy as np
import torch

from latentga.models.decoding import decode_topk
from latentga.models.runtime import eval_batch_size, model_device

__all__ = ["evaluate_model"]


@torch.no_grad()
def evaluate_model(model, layouts: np.ndarray, fitness: np.ndarray | None = None,
                   batch_size: int | None = None) -> dict[str, float]:
    """Accuracy/precision/recall of top-k reconstructions and, for a CCVAE, label MAE/MAPE."""
    was_training = model.training
    model.eval()
    device = model_device(model)
    if batch_size is None:
        batch_size = eval_batch_size(np.shape(layouts)[1:])
    tp = fp = fn = tn = 0
    preds = []
    try:
        for start in range(0, len(layouts), batch_size):
            x = torch.as_tensor(np.asarray(layouts[start:start + batch_size], dtype=bool), device=device)
            mu, _ = model.encode(x)
            k = x.reshape(len(x), -1).sum(1)
            rec = decode_topk(model.decode(mu), k)
            tp += int((rec & x).sum())
            fp += int((rec & ~x).sum())
            fn += int((~rec & x).sum())
            tn += int((~rec & ~x).sum())
            if model.is_conditional:
                preds.append(model.predict(mu).double().cpu().numpy())
    finally:
        model.train(was_training)
    total = tp + fp + fn + tn
    out = {
        "n": int(len(layouts)),
        "accuracy": (tp + tn) / total if total else float("nan"),
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
    }
    if model.is_conditional:
        pred = np.concatenate(preds) if preds else np.empty(0)
        y = np.full(len(pred), np.nan) if fitness is None else np.asarray(fitness, np.float64)
        known = np.isfinite(y)
        err = np.abs(pred[known] - y[known])
        out["mae"] = float(err.mean()) if err.size else float("nan")
        nz = known & (y != 0)
        out["mape"] = float((np.abs(pred[nz] - y[nz]) / np.abs(y[nz])).mean()) if nz.any() else float("nan")
    return out
