"""Helpers for using a trained model outside training (operators, analysis).

A frozen model must run in eval mode (BatchNorm running statistics, no dropout) even when the
caller handed it over in train mode, and tensors must go to the model's device. Both users of a
trained model (the latent operators and the analysis) get these from here.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch

__all__ = ["eval_mode", "model_device"]


@contextlib.contextmanager
def eval_mode(model) -> Iterator[None]:
    """Eval mode for the block; the model's previous mode is restored afterwards."""
    was_training = bool(getattr(model, "training", False))
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def model_device(model) -> torch.device:
    """The device of the model's parameters (CPU for a model without parameters)."""
    try:
        return next(model.parameters()).device
    except (StopIteration, AttributeError):
        return torch.device("cpu")
