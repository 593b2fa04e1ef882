"""The VAE and CCVAE for firebreak layouts (report Table 1, any grid size).

Encoder: conv(1->C1, k4 s2 p1) -> ... -> conv(->CL) -> flatten -> linear heads for the mean and
log-variance of z. Decoder: linear -> transposed convs back to one channel of per-cell logits.
Every hidden conv block is conv -> BatchNorm -> Dropout -> ReLU, as in the report's code. Each
conv halves the side, so the grid is zero-padded (no firebreak) at the bottom/right to a
multiple of ``2**len(channels)`` and the logits are cropped back: 20x20, 16x16, 24x24 or 10x30
grids all work with the same code.

The CCVAE adds a regression head on z_c, the LAST ``char_dim`` latent dims. The head ends in a
plain linear unit trained on standardised labels (mean 0, std 1 over the training labels) rather
than the report's sigmoid on raw labels: fitness values cluster in a narrow band (e.g. 0.55-0.77)
where a sigmoid is nearly linear anyway, and standardising makes ``alpha`` mean the same thing on
every landscape. The label mean/std are buffers of the module, so they are saved with the weights
and :meth:`LayoutCCVAE.predict` returns fitness in original units.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from latentga.errors import ConfigError, LayoutError
from latentga.models.config import validate_model_config

__all__ = ["LayoutVAE", "LayoutCCVAE", "build_model", "model_class"]


def _block(layer: nn.Module, channels: int, dropout: float) -> nn.Sequential:
    """conv -> BatchNorm -> Dropout -> ReLU, the report's building block."""
    return nn.Sequential(layer, nn.BatchNorm2d(channels), nn.Dropout(dropout), nn.ReLU())


class LayoutVAE(nn.Module):
    """A convolutional VAE over ``[H, W]`` binary layouts (decoder outputs per-cell logits)."""

    is_conditional = False

    def __init__(self, config: dict, grid_shape: tuple[int, int]):
        super().__init__()
        self.config = validate_model_config(config)
        self.grid_shape = (int(grid_shape[0]), int(grid_shape[1]))
        if min(self.grid_shape) < 1:
            raise LayoutError(f"grid shape {self.grid_shape} is empty; layouts need at least one row and column")
        cfg = self.config
        self.latent_dim = cfg["latent_dim"]
        self.char_dim = cfg["char_dim"] if self.is_conditional else 0
        self.noise_std = cfg["noise_std"]
        channels = cfg["channels"]
        scale = 2 ** len(channels)
        self._padded = tuple(scale * math.ceil(s / scale) for s in self.grid_shape)
        self._feature_shape = (channels[-1], self._padded[0] // scale, self._padded[1] // scale)
        n_features = int(np.prod(self._feature_shape))

        enc, c_in = [], 1
        for c in channels:
            enc.append(_block(nn.Conv2d(c_in, c, 4, 2, 1), c, cfg["dropout"]))
            c_in = c
        self.encoder = nn.Sequential(*enc, nn.Flatten())
        self.fc_mu = nn.Linear(n_features, self.latent_dim)
        self.fc_logvar = nn.Linear(n_features, self.latent_dim)

        self.fc_decode = nn.Sequential(nn.Linear(self.latent_dim, n_features), nn.ReLU())
        dec = []
        for c_out in reversed(channels[:-1]):
            dec.append(_block(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), c_out, cfg["dropout"]))
            c_in = c_out
        dec.append(nn.ConvTranspose2d(c_in, 1, 4, 2, 1))
        self.decoder = nn.Sequential(*dec)

    def set_output_bias(self, rate: float) -> None:
        """Start every cell's logit at ``log(rate / (1 - rate))`` (``model.output_bias: base_rate``)."""
        rate = min(max(float(rate), 1e-6), 1 - 1e-6)
        with torch.no_grad():
            self.decoder[-1].bias.fill_(math.log(rate / (1 - rate)))

    # -- the interface the GA's latent operators use -------------------------------------------
    def as_input(self, x) -> torch.Tensor:
        """Layouts (numpy bool/number or tensor, ``[H, W]`` or ``[B, H, W]``) as float ``[B, H, W]``."""
        if not torch.is_tensor(x):
            x = np.asarray(x)
            if x.dtype == object:
                raise LayoutError("layouts must be a numeric or boolean array [B, H, W]")
            x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        if x.dim() == 2:
            x = x.unsqueeze(0)
        if x.dim() != 3 or tuple(x.shape[1:]) != self.grid_shape:
            h, w = self.grid_shape
            raise LayoutError(f"the model was trained on {h}x{w} grids but got layouts of shape "
                              f"{list(x.shape)}; pass [B, {h}, {w}] layouts or train a model for this grid")
        param = self.fc_mu.weight
        return x.to(device=param.device, dtype=param.dtype)

    def encode(self, x) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior ``q(z|x)``: mean and log-variance, each ``[B, latent_dim]``."""
        x = self.as_input(x)
        h, w = self.grid_shape
        x = F.pad(x.unsqueeze(1), (0, self._padded[1] - w, 0, self._padded[0] - h))
        feats = self.encoder(x)
        return self.fc_mu(feats), self.fc_logvar(feats)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Per-cell logits ``[B, H, W]`` (sigmoid = firebreak probability) for codes ``z``."""
        z = torch.as_tensor(z, dtype=self.fc_mu.weight.dtype, device=self.fc_mu.weight.device)
        if z.dim() == 1:
            z = z.unsqueeze(0)
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ConfigError(f"latent codes must be [B, {self.latent_dim}], got {list(z.shape)}")
        out = self.decoder(self.fc_decode(z).view(-1, *self._feature_shape))
        h, w = self.grid_shape
        return out[:, 0, :h, :w]

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor,
                       generator: torch.Generator | None = None) -> torch.Tensor:
        """A sample of ``q(z|x)``: ``mu + noise_std * sigma * eps`` (noise from ``generator``)."""
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
        return mu + self.noise_std * torch.exp(0.5 * logvar) * eps

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` codes from the prior ``N(0, I)``, ``[n, latent_dim]``."""
        param = self.fc_mu.weight
        return torch.randn((n, self.latent_dim), generator=generator, dtype=param.dtype).to(param.device)

    def predict(self, z: torch.Tensor) -> torch.Tensor:
        raise ConfigError("a plain VAE has no fitness head, so it cannot predict fitness; "
                          "use a CCVAE (model.kind: ccvae) for predictor-guided operators")

    def forward(self, x, generator: torch.Generator | None = None):
        """Encode, sample ``z`` and decode: ``(logits, mu, logvar, z)``."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, generator)
        return self.decode(z), mu, logvar, z

    def extra_repr(self) -> str:
        return f"grid_shape={self.grid_shape}, latent_dim={self.latent_dim}, char_dim={self.char_dim}"


class LayoutCCVAE(LayoutVAE):
    """A VAE whose last ``char_dim`` latent dims (z_c) also predict fitness through a small head."""

    is_conditional = True

    def __init__(self, config: dict, grid_shape: tuple[int, int]):
        super().__init__(config, grid_shape)
        layers, width = [], self.char_dim
        for hidden in self.config["head_hidden"]:
            layers += [nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.ReLU()]
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)
        # Label standardisation, set from the training labels by train_model; saved with the weights.
        self.register_buffer("label_mean", torch.zeros((), dtype=torch.float64))
        self.register_buffer("label_std", torch.ones((), dtype=torch.float64))

    def z_c(self, z: torch.Tensor) -> torch.Tensor:
        """The characteristic part of ``z``: its last ``char_dim`` dims."""
        return z[:, self.latent_dim - self.char_dim:]

    def predict_standardized(self, z: torch.Tensor) -> torch.Tensor:
        """Head output on standardised labels, ``[B]`` (what the training loss compares)."""
        z = torch.as_tensor(z, dtype=self.fc_mu.weight.dtype, device=self.fc_mu.weight.device)
        if z.dim() == 1:
            z = z.unsqueeze(0)
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ConfigError(f"latent codes must be [B, {self.latent_dim}], got {list(z.shape)}")
        return self.head(self.z_c(z))[:, 0]

    def predict(self, z: torch.Tensor) -> torch.Tensor:
        """Predicted fitness ``[B]`` in original units; differentiable w.r.t. ``z`` (GD mutation)."""
        y = self.predict_standardized(z)
        return y * self.label_std.to(y.dtype) + self.label_mean.to(y.dtype)

    def set_label_normalization(self, mean: float, std: float) -> None:
        self.label_mean.fill_(float(mean))
        self.label_std.fill_(float(std) if std > 0 else 1.0)


def model_class(kind: str, architecture: str = "dense") -> type:
    """The class ``model.kind`` names: ``vae``, ``ccvae``, or a plug-in ``package.module:Class``
    (a subclass of :class:`LayoutVAE` or :class:`LayoutCCVAE` taking ``(config, grid_shape)``:
    it trains, saves, loads and serves the latent operators like the built-ins).
    ``architecture`` picks the built-ins' form: ``dense`` (report Table 1) or ``conv``
    (:mod:`latentga.models.conv`, for large grids); a plug-in class reads it from its config."""
    if kind in ("vae", "ccvae"):
        if architecture == "conv":
            from latentga.models.conv import ConvLayoutCCVAE, ConvLayoutVAE

            return ConvLayoutCCVAE if kind == "ccvae" else ConvLayoutVAE
        if architecture != "dense":
            raise ConfigError(f"model.architecture = {architecture!r} is invalid: use dense or conv")
        return LayoutCCVAE if kind == "ccvae" else LayoutVAE
    from latentga.errors import ConfigError
    from latentga.plugins import resolve_dotted

    cls = resolve_dotted(kind, key="model.kind", what="model class")
    if not (isinstance(cls, type) and issubclass(cls, LayoutVAE)):
        raise ConfigError(f"model.kind: {kind} is not a subclass of latentga.models.LayoutVAE (or LayoutCCVAE); "
                          "a plug-in model subclasses one of them")
    return cls


def build_model(config: dict, grid_shape: tuple[int, int]) -> LayoutVAE:
    """A fresh (untrained) model for ``grid_shape`` = (rows, cols), of the class ``config['kind']``
    and ``config['architecture']`` name."""
    cfg = validate_model_config(config)
    return model_class(cfg["kind"], cfg["architecture"])(cfg, grid_shape)
