"""Model and simulator plumbing shared by the latent-space experiments.

The experiments only need four things from a trained model: posterior means of layouts, layouts
decoded from codes (exactly ``k`` firebreaks, as the GA sees them), the CCVAE head's prediction,
and prior samples. They are batched here so a whole dataset goes through in a few passes, and
they draw randomness from a NumPy generator the caller passes in (never torch's global one).
Simulated fitness goes through :func:`simulate_unique`, which scores each distinct layout once:
neighbouring interpolation or intervention steps often decode to the same layout.
"""

from __future__ import annotations

import numpy as np
import torch

from latentga.errors import ConfigError, DatasetError, LandscapeError
from latentga.layouts import as_layout_batch
from latentga.models.runtime import eval_mode, model_device

__all__ = [
    "eval_mode",
    "encode_mean",
    "decode_layouts",
    "predict_fitness",
    "prior_codes",
    "latent_parts",
    "require_conditional",
    "simulate_unique",
    "dataset_budget",
    "check_model_dataset",
    "simulator_for_dataset",
]

_BATCH = 1024


@torch.no_grad()
def encode_mean(model, layouts, batch_size: int = _BATCH) -> torch.Tensor:
    """Posterior means ``mu`` of ``layouts`` (bool ``[B, H, W]``): float ``[B, latent_dim]``."""
    x = as_layout_batch(layouts, model.grid_shape)
    out = []
    with eval_mode(model):
        for start in range(0, len(x), batch_size):
            out.append(model.encode(x[start:start + batch_size])[0])
    return torch.cat(out) if out else torch.empty((0, model.latent_dim), device=model_device(model))


@torch.no_grad()
def decode_layouts(model, z: torch.Tensor, k: int, batch_size: int = _BATCH,
                   allowed: np.ndarray | None = None) -> np.ndarray:
    """Layouts ``bool[B, H, W]`` with exactly ``k`` firebreaks: the top-k cells of each decoding
    among ``allowed`` (the landscape's burnable cells; None = any cell)."""
    from latentga.models import decode_topk

    z = torch.as_tensor(z).detach()
    out = []
    with eval_mode(model):
        for start in range(0, len(z), batch_size):
            out.append(decode_topk(model.decode(z[start:start + batch_size]), k, allowed).cpu().numpy())
    return np.concatenate(out).astype(bool) if out else np.zeros((0, *model.grid_shape), bool)


@torch.no_grad()
def predict_fitness(model, z: torch.Tensor, batch_size: int = 8 * _BATCH) -> np.ndarray:
    """The CCVAE head's fitness for each code (original units); NaN for a plain VAE (no head)."""
    z = torch.as_tensor(z).detach()
    if not getattr(model, "is_conditional", False):
        return np.full(len(z), np.nan)
    out = []
    with eval_mode(model):
        for start in range(0, len(z), batch_size):
            out.append(model.predict(z[start:start + batch_size]).double().cpu().numpy())
    return np.concatenate(out) if out else np.empty(0)


def prior_codes(model, n: int, rng: np.random.Generator) -> torch.Tensor:
    """``n`` codes from the prior N(0, I), drawn from ``rng`` so a seed fixes them."""
    param = model.fc_mu.weight
    return torch.as_tensor(rng.standard_normal((int(n), model.latent_dim)), dtype=param.dtype,
                           device=param.device)


def latent_parts(model, z: torch.Tensor) -> dict[str, np.ndarray]:
    """The parts of the latent worth studying: ``z_c``, ``z_rest`` and ``z`` (CCVAE) or ``z`` (VAE)."""
    z = torch.as_tensor(z).detach().cpu().double().numpy()
    if not getattr(model, "is_conditional", False):
        return {"z": z}
    c = int(model.char_dim)
    parts = {"z_c": z[:, z.shape[1] - c:]}
    if z.shape[1] > c:
        parts["z_rest"] = z[:, :z.shape[1] - c]
    parts["z"] = z
    return parts


def require_conditional(model, experiment: str) -> None:
    """Raise a :class:`ConfigError` when ``experiment`` needs the CCVAE's fitness head."""
    if not getattr(model, "is_conditional", False):
        raise ConfigError(f"the {experiment} experiment needs a CCVAE (it uses the fitness head) but the "
                          "model is a plain VAE; pass a CCVAE model file (model.kind: ccvae)")


def simulate_unique(simulator, layouts: np.ndarray) -> np.ndarray:
    """Simulated fitness of every layout, each distinct layout run through the simulator once."""
    batch = as_layout_batch(layouts, simulator.shape)
    if len(batch) == 0:
        return np.empty(0)
    flat = np.packbits(batch.reshape(len(batch), -1), axis=1)
    _, first, inverse = np.unique(flat, axis=0, return_index=True, return_inverse=True)
    return np.asarray(simulator.evaluate(batch[first]), np.float64)[inverse.reshape(-1)]


def check_model_dataset(model, dataset) -> None:
    """Raise a :class:`DatasetError` when the model was trained on another grid than the dataset's."""
    if tuple(model.grid_shape) != tuple(dataset.shape):
        raise DatasetError(f"the model was trained on {model.grid_shape[0]}x{model.grid_shape[1]} grids but the "
                           f"dataset's layouts are {dataset.shape[0]}x{dataset.shape[1]}; pass the dataset the "
                           "model was trained on (or a model trained for this landscape)")


def dataset_budget(dataset) -> int:
    """The firebreak budget ``k`` the dataset was built with (every layout has exactly ``k``)."""
    counts = np.asarray(dataset.layouts).reshape(len(dataset.layouts), -1).sum(axis=1)
    if counts.size == 0 or (counts != counts[0]).any():
        raise DatasetError("the dataset's layouts do not all have the same number of firebreaks, so the "
                           "budget k is ambiguous; use a dataset built by `python -m latentga dataset`")
    return int(counts[0])


def simulator_for_dataset(dataset, landscape=None, n_fires: int | None = None):
    """A builtin :class:`FireSimulator` on the fires the dataset's labels were simulated with.

    Predicted fitness is learned from those labels, so simulating on the same fires makes the
    two comparable. ``n_fires`` overrides the fire count; ``landscape`` must be the dataset's.
    """
    from latentga.simulator import FireSimulator, load_landscape

    settings = dict((dataset.settings or {}).get("simulator") or {})
    keys = ("seed", "ignition_radius", "n_weathers", "ros_cv", "ignition_mode")
    kwargs = {key: settings[key] for key in keys if settings.get(key) is not None}
    if settings.get("ignition_mode") not in (None, "cell2fire", "redraw"):
        kwargs.pop("ignition_mode")
    kwargs["n_fires"] = int(n_fires if n_fires is not None else settings.get("n_fires", 100))
    land = load_landscape(landscape)
    want = settings.get("landscape_hash")
    if want is not None and want != land.fingerprint():
        raise LandscapeError(f"the dataset was simulated on landscape {settings.get('landscape')!r} but the "
                             f"simulator would use {land.name!r}; pass the dataset's landscape with "
                             "--landscape FOLDER (or use --config with that landscape)")
    if tuple(land.shape) != tuple(dataset.shape):
        raise LandscapeError(f"the dataset's layouts are {dataset.shape[0]}x{dataset.shape[1]} but landscape "
                             f"{land.name!r} is {land.shape[0]}x{land.shape[1]}; pass the dataset's landscape "
                             "with --landscape FOLDER")
    return FireSimulator(land, **kwargs)
