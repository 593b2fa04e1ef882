"""Model files: one ``.pt`` file readable with ``torch.load(path, weights_only=True)``.

The file holds only plain data (tensors, dicts, lists, strings, numbers): a format tag and
version, the grid shape, the full model config and the state dict (which includes the CCVAE's
label mean/std buffers). Loading therefore never runs pickled code, and a file from another
latentga version or a damaged download is refused with one clear :class:`ModelFileError`.
"""

from __future__ import annotations

import io
import os
import pickle
import re
from pathlib import Path

import torch

from latentga.errors import LatentGAError, ModelFileError
from latentga.io import write_bytes_atomic
from latentga.models.base import LayoutModel
from latentga.models.factory import build_model
from latentga.models.runtime import resolve_device

__all__ = ["FORMAT", "FORMAT_VERSION", "save_model", "load_model"]

FORMAT = "latentga-model"
FORMAT_VERSION = 1
_FIX = "train it again with `python -m latentga train CONFIG --out PATH` (or delete it so `run` retrains)"


def _first_line(exc: Exception) -> str:
    """The start of an error's message, without torch's advice to load with weights_only=False."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return re.split(r"(?i)\s*\(?\s*(re-?running|retry|if you trust)", text)[0].strip()


def save_model(model: LayoutModel, path: str | os.PathLike) -> Path:
    """Write ``model`` (weights, config, grid shape, label normalisation) atomically."""
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": model.config.kind,
        "grid_shape": list(model.grid_shape),
        "config": model.config.to_dict(),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "torch_version": str(torch.__version__),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return write_bytes_atomic(path, buffer.getvalue())


def load_model(path: str | os.PathLike, device: str | torch.device = "cpu", kind: str | None = None) -> LayoutModel:
    """Read a model file into an eval-mode, frozen (``requires_grad=False``) model on ``device``.

    ``device`` takes what ``model.device`` takes (``auto``, ``cpu``, ``cuda``, ``cuda:N``; see
    :func:`~latentga.models.runtime.resolve_device`); the file itself holds CPU tensors, so a
    model trained on a GPU loads on a CPU-only machine and the other way round.

    A file of a plug-in class (``model.kind: package.module:Class``) loads only when ``kind``
    (the caller's own config) names that class: a file never decides what latentga imports.

    Gradients w.r.t. the *inputs* (latent codes) still flow, which is what the GA's
    gradient-step mutation needs.
    """
    path = Path(path)
    device = resolve_device(device)
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist; {_FIX}")
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL ([\w.]+)", str(exc))
        if not found:  # not a pickle of plain data either: damaged, or another kind of file
            detail = re.search(r"WeightsUnpickler error:\s*(\S[^\n]*)", str(exc))
            raise ModelFileError(f"model file {path} is corrupt or not a latentga model "
                                 f"({detail.group(1).strip() if detail else _first_line(exc)}); {_FIX}") from None
        # it names a class or function: never loaded, never retried without weights_only
        raise ModelFileError(f"model file {path} is not a latentga model: it holds objects other than plain "
                             f"data{' (' + found.group(1) + ')' if found else ''}, which latentga never loads "
                             f"(it could run code); {_FIX}") from None
    except Exception as exc:  # truncated zip, random bytes: unreadable to us
        raise ModelFileError(f"model file {path} is corrupt or not a latentga model "
                             f"({type(exc).__name__}: {_first_line(exc)}); {_FIX}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a latentga model file (no '{FORMAT}' tag); {_FIX}")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"model file {path} has format version {version!r} but this latentga reads "
                             f"version {FORMAT_VERSION}; {_FIX}")
    stored = payload.get("kind")
    if stored not in ("vae", "ccvae") and stored != kind:
        raise ModelFileError(f"model file {path} is of the plug-in class {stored!r}, which this run's config does "
                             f"not name; latentga imports only classes your config names (model.kind: {stored}); "
                             f"{_FIX}")
    state = payload.get("state_dict")
    bad = [name for name, t in (state.items() if isinstance(state, dict) else ())
           if isinstance(t, torch.Tensor) and t.is_floating_point() and not bool(torch.isfinite(t).all())]
    if bad:
        raise ModelFileError(f"model file {path} holds NaN or infinite weights ({bad[0]}); a model that diverged "
                             f"or a damaged file is not used; {_FIX}")
    try:
        model = build_model(payload["config"], tuple(payload["grid_shape"]))
        model.load_state_dict(payload["state_dict"], strict=True)
    except (KeyError, TypeError, ValueError, RuntimeError, LatentGAError) as exc:
        raise ModelFileError(f"model file {path} does not match its own architecture "
                             f"({type(exc).__name__}: {_first_line(exc)}); {_FIX}") from None
    model.to(device)
    model.eval()
    model.requires_grad_(False)
    return model
