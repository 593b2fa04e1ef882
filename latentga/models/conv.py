"""A fully convolutional VAE/CCVAE (``model.architecture: conv``) for large grids: the peer of
the dense network (:mod:`latentga.models.networks`) under :class:`~latentga.models.base.LayoutModel`.

Why: the report's Table 1 model (``networks.py``) maps the flattened conv features to z with
linear layers, so its weights grow with grid cells x latent size: on Dogrib (223x357) the
default two-conv model would hold ~1 billion weights. Here every layer is a convolution and
z is a small spatial map ``latent_channels x H/2^n x W/2^n`` (n = ``len(channels)``), so the
weights do not depend on the grid at all, except the fitness head's position map (one value
per latent position and hidden unit): parameters and memory grow with the latent map.

The model keeps the interface the operators rely on: z is the map FLATTENED channel-major to
``[B, latent_dim]``, ``latent_dim = latent_channels * h * w``, and z_c (the CCVAE's
characteristic part) is the last ``char_channels`` channels, which flattened are exactly the
last ``char_dim = char_channels * h * w`` dims. Interpolation, posterior resampling, rejection
sampling and gradient steps on z_c therefore work unchanged.

Fitness head (CCVAE): a 1x1 conv over z_c plus a learned per-position bias (fire outcome depends
on WHERE a break is, not only on its shape), BatchNorm and ReLU, a global mean over the map, then
the remaining ``head_hidden`` linear layers to one standardised output.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn
from torch.nn import functional as F

from latentga.models.base import FitnessHead, LayoutModel, conv_block
from latentga.models.config import ModelConfig

__all__ = ["ConvLayoutVAE", "ConvLayoutCCVAE"]


class ConvLayoutVAE(LayoutModel):
    """Convolutional encoder -> latent map -> transposed-conv decoder; z flattened for callers."""

    def __init__(self, config: ModelConfig | Mapping, grid_shape: tuple[int, int]):
        super().__init__(config, grid_shape)
        cfg = self.config
        channels = cfg.channels
        scale = 2 ** len(channels)
        self.map_shape = (self._padded[0] // scale, self._padded[1] // scale)
        self.latent_channels = cfg.latent_channels
        self.char_channels = cfg.char_channels if self.is_conditional else 0
        positions = self.map_shape[0] * self.map_shape[1]
        self.latent_dim = self.latent_channels * positions
        self.char_dim = self.char_channels * positions

        enc, c_in = [], 1
        for c in channels:
            enc.append(conv_block(nn.Conv2d(c_in, c, 4, 2, 1), c, cfg.dropout))
            c_in = c
        self.encoder = nn.Sequential(*enc)
        # ``fc_*`` names kept: callers read ``fc_mu.weight`` for the model's device and dtype.
        self.fc_mu = nn.Conv2d(c_in, self.latent_channels, 3, 1, 1)
        self.fc_logvar = nn.Conv2d(c_in, self.latent_channels, 3, 1, 1)
        self.fc_decode = nn.Sequential(nn.Conv2d(self.latent_channels, c_in, 3, 1, 1), nn.ReLU())
        dec = []
        for c_out in reversed(channels[:-1]):
            dec.append(conv_block(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), c_out, cfg.dropout))
            c_in = c_out
        dec.append(nn.ConvTranspose2d(c_in, 1, 4, 2, 1))
        self.decoder = nn.Sequential(*dec)

    def _code_hint(self) -> str:
        c, (h, w) = self.latent_channels, self.map_shape
        return f" (a {c}x{h}x{w} latent map, flattened)"

    def encode(self, x) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior ``q(z|x)``: mean and log-variance, each flattened to ``[B, latent_dim]``."""
        x = self.as_input(x)
        h, w = self.grid_shape
        feats = self.encoder(F.pad(x.unsqueeze(1), (0, self._padded[1] - w, 0, self._padded[0] - h)))
        return self.fc_mu(feats).flatten(1), self.fc_logvar(feats).flatten(1)

    def decode(self, z) -> torch.Tensor:
        """Per-cell logits ``[B, H, W]`` for flattened codes ``z [B, latent_dim]``."""
        z = self.codes(z).view(-1, self.latent_channels, *self.map_shape)
        out = self.decoder(self.fc_decode(z))
        h, w = self.grid_shape
        return out[:, 0, :h, :w]

    def extra_repr(self) -> str:
        return (f"grid_shape={self.grid_shape}, latent_map={self.latent_channels}x{self.map_shape[0]}x"
                f"{self.map_shape[1]}, latent_dim={self.latent_dim}, char_dim={self.char_dim}")


class ConvLayoutCCVAE(FitnessHead, ConvLayoutVAE):
    """The conv VAE whose last ``char_channels`` latent channels (z_c) predict fitness."""

    def __init__(self, config: ModelConfig | Mapping, grid_shape: tuple[int, int]):
        super().__init__(config, grid_shape)
        hidden = self.config.head_hidden
        first = hidden[0] if hidden else 1
        self.head_conv = nn.Conv2d(self.char_channels, first, 1)
        self.head_position = nn.Parameter(torch.zeros(1, first, *self.map_shape))
        self.head_norm = nn.BatchNorm2d(first) if hidden else nn.Identity()
        layers, width = [], first
        for h in hidden[1:]:
            layers += [nn.Linear(width, h), nn.BatchNorm1d(h), nn.ReLU()]
            width = h
        if hidden:
            layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)
        self.add_label_buffers()

    def head_modules(self) -> list:
        return [self.head_conv, self.head_norm, self.head]

    def head_parameters(self) -> list:
        return [self.head_position, *super().head_parameters()]

    def predict_standardized(self, z) -> torch.Tensor:
        """Head output on standardised labels, ``[B]``; depends on z_c only."""
        zc = self.z_c(self.codes(z)).reshape(-1, self.char_channels, *self.map_shape)
        h = self.head_conv(zc) + self.head_position
        if self.config.head_hidden:
            h = F.relu(self.head_norm(h))
        pooled = h.mean(dim=(2, 3))
        return (self.head(pooled) if len(self.head) else pooled)[:, 0]
