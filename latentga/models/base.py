"""The layout-model interface: what training, storage and the GA's latent operators rely on.

:class:`LayoutModel` is the abstract base of every generative model of layouts; the dense
(report Table 1, :mod:`latentga.models.networks`) and fully convolutional
(:mod:`latentga.models.conv`) networks are two peers implementing it, and :class:`FitnessHead`
is the one mixin that turns either into a CCVAE (a fitness prediction from z_c, the last
``char_dim`` latent dims). Neither network module imports the other.

A subclass sets the latent geometry (``latent_dim``, ``char_dim``, ``noise_std``) and builds
``fc_mu`` (whose weight gives the model's device and dtype), then implements :meth:`encode` and
:meth:`decode`; a conditional one adds :meth:`FitnessHead.predict_standardized`.
"""

from __future__ import annotations

import math
from abc import ABCMeta, abstractmethod
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from latentga.errors import ConfigError, LayoutError
from latentga.models.config import ModelConfig, validate_model_config

__all__ = ["LayoutModel", "FitnessHead", "conv_block"]


def conv_block(layer: nn.Module, channels: int, dropout: float) -> nn.Sequential:
    """conv -> BatchNorm -> Dropout -> ReLU, the report's building block."""
    return nn.Sequential(layer, nn.BatchNorm2d(channels), nn.Dropout(dropout), nn.ReLU())


class LayoutModel(nn.Module, metaclass=ABCMeta):
    """A VAE over ``[H, W]`` binary layouts: ``encode(x) -> (mu, logvar)``, ``decode(z) -> logits``.

    Args:
        config: the model section (validated here).
        grid_shape: (rows, cols) of the layouts.
    """

    is_conditional = False
    latent_dim: int
    char_dim: int

    def __init__(self, config: ModelConfig | Mapping, grid_shape: tuple[int, int]):
        super().__init__()
        self.config = validate_model_config(config)
        self.grid_shape = (int(grid_shape[0]), int(grid_shape[1]))
        if min(self.grid_shape) < 1:
            raise LayoutError(f"grid shape {self.grid_shape} is empty; layouts need at least one row and column")
        self.noise_std = self.config.noise_std
        scale = 2 ** len(self.config.channels)  # each conv halves the side: pad to a multiple
        self._padded = tuple(scale * math.ceil(s / scale) for s in self.grid_shape)

    @abstractmethod
    def encode(self, x) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior ``q(z|x)``: mean and log-variance, each ``[B, latent_dim]``."""

    @abstractmethod
    def decode(self, z) -> torch.Tensor:
        """Per-cell logits ``[B, H, W]`` (sigmoid = firebreak probability) for codes ``z``."""

    def set_output_bias(self, rate: float) -> None:
        """Start every cell's logit at ``log(rate / (1 - rate))`` (``model.output_bias: base_rate``)."""
        rate = min(max(float(rate), 1e-6), 1 - 1e-6)
        with torch.no_grad():
            self.decoder[-1].bias.fill_(math.log(rate / (1 - rate)))

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

    def codes(self, z) -> torch.Tensor:
        """``z`` as a float tensor ``[B, latent_dim]`` on the model's device (one clear error otherwise)."""
        z = torch.as_tensor(z, dtype=self.fc_mu.weight.dtype, device=self.fc_mu.weight.device)
        if z.dim() == 1:
            z = z.unsqueeze(0)
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ConfigError(f"latent codes must be [B, {self.latent_dim}]{self._code_hint()}, got {list(z.shape)}")
        return z

    def _code_hint(self) -> str:
        return ""

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


class FitnessHead:
    """The CCVAE part, mixed in before a :class:`LayoutModel`: z_c (the last ``char_dim`` dims)
    predicts fitness. The subclass builds its head and implements :meth:`predict_standardized`;
    :meth:`add_label_buffers` registers the label mean/std saved with the weights, so
    :meth:`predict` answers in original fitness units."""

    is_conditional = True

    def add_label_buffers(self) -> None:
        """Label standardisation buffers, set from the training labels by train_model."""
        self.register_buffer("label_mean", torch.zeros((), dtype=torch.float64))
        self.register_buffer("label_std", torch.ones((), dtype=torch.float64))

    def z_c(self, z: torch.Tensor) -> torch.Tensor:
        """The characteristic part of ``z``: its last ``char_dim`` dims."""
        return z[:, self.latent_dim - self.char_dim:]

    def predict_standardized(self, z) -> torch.Tensor:  # pragma: no cover - abstract
        """Head output on standardised labels, ``[B]`` (what the training loss compares)."""
        raise NotImplementedError

    def head_modules(self) -> list:
        """The modules of the fitness head (train mode and refits touch only these): the subclass
        lists every layer :meth:`predict_standardized` runs after z_c, so a head-only refit
        (:func:`latentga.search.surrogate.refit_head`) trains all of them and nothing else."""
        return [self.head]

    def head_parameters(self) -> list:
        """Every parameter of the fitness head (see :meth:`head_modules`)."""
        return [p for m in self.head_modules() for p in m.parameters()]

    def predict(self, z: torch.Tensor) -> torch.Tensor:
        """Predicted fitness ``[B]`` in original units; differentiable w.r.t. ``z`` (GD mutation)."""
        y = self.predict_standardized(z)
        return y * self.label_std.to(y.dtype) + self.label_mean.to(y.dtype)

    def set_label_normalization(self, mean: float, std: float) -> None:
        self.label_mean.fill_(float(mean))
        self.label_std.fill_(float(std) if std > 0 else 1.0)
