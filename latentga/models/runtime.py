"""Where a model runs, and helpers for using a trained model outside training (operators, analysis).

:func:`resolve_device` is the one place that turns ``model.device`` (``auto``, ``cpu``, ``cuda``,
``cuda:N``) into a ``torch.device``: training, loading and fine-tuning all go through it.
A frozen model must run in eval mode (BatchNorm running statistics, no dropout) even when the
caller handed it over in train mode, and tensors must go to the model's device. Both users of a
trained model (the latent operators and the analysis) get these from here.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch

from latentga.errors import ConfigError
from latentga.models.config import check_device

__all__ = ["eval_batch_size", "eval_mode", "model_device", "resolve_device", "seeded_rng"]

#: Layouts per no-grad evaluation batch are capped so that a batch holds at most this many cells:
#: at 1,024 Dogrib layouts (80,000 cells each) one conv activation alone was over 1 GB and
#: training's metrics peaked at 5.4 GiB. Grids up to 64x64 keep the full 1,024 (same numbers).
_EVAL_CELLS = 1 << 22

_INSTALL = ("set model.device: cpu (or auto, which uses CUDA only when PyTorch sees a GPU), or install "
            "PyTorch's CUDA build: see the README's Set up")


def eval_batch_size(grid_shape, cap: int = 1024) -> int:
    """Layouts per evaluation batch on a ``grid_shape`` grid: ``cap``, fewer on large grids."""
    cells = max(1, int(grid_shape[0]) * int(grid_shape[1]))
    return max(1, min(int(cap), _EVAL_CELLS // cells))


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """The ``torch.device`` that ``model.device`` names; ``auto`` (or None) = CUDA if available, else CPU.

    Asking for CUDA where PyTorch has no usable GPU raises one :class:`ConfigError` saying why
    and what to change, instead of failing later inside torch.
    """
    text = "auto" if name is None else str(name)
    check_device(text)
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(text)
    if device.type != "cuda":
        return device
    if not torch.cuda.is_available():
        why = ("this PyTorch is a CPU-only build" if torch.version.cuda is None
               else f"this PyTorch (CUDA {torch.version.cuda}) sees no GPU: check the driver and CUDA_VISIBLE_DEVICES")
        raise ConfigError(f"model.device = {text!r} but this PyTorch has no usable CUDA device ({why}); {_INSTALL}")
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        raise ConfigError(f"model.device = {text!r} but PyTorch sees {count} GPU(s) (cuda:0 to cuda:{count - 1}); "
                          "pick one of those, or set model.device: auto")
    return device


@contextlib.contextmanager
def seeded_rng(seed: int, device: torch.device) -> Iterator[None]:
    """Seed the global RNGs a model on ``device`` draws from for the block, and restore them after.

    The CPU generator is always forked (on the CPU this is what training always did, so CPU
    numbers are unchanged); on CUDA that device's generator is forked and seeded too, and cuDNN
    is held to deterministic algorithms (no autotuning), so a seed repeats on one GPU type and
    software stack. Callers' own random streams and cuDNN settings are left as they were.
    """
    device = torch.device(device)
    if device.type != "cuda":
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
        return
    index = device.index if device.index is not None else torch.cuda.current_device()
    cudnn = torch.backends.cudnn
    old = (cudnn.deterministic, cudnn.benchmark)
    with torch.random.fork_rng(devices=[index], device_type="cuda"):
        torch.random.default_generator.manual_seed(int(seed))
        with torch.cuda.device(index):
            torch.cuda.manual_seed(int(seed))
        cudnn.deterministic, cudnn.benchmark = True, False
        try:
            yield
        finally:
            cudnn.deterministic, cudnn.benchmark = old


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
