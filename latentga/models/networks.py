"""The dense VAE and CCVAE for firebreak layouts (report Table 1, any grid size): one of the two
peer networks of :class:`~latentga.models.base.LayoutModel` (the other: :mod:`latentga.models.conv`).

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

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from latentga.models.base import FitnessHead, LayoutModel, conv_block
from latentga.models.config import ModelConfig

__all__ = ["LayoutVAE", "LayoutCCVAE"]


class LayoutVAE(LayoutModel):
    """A VAE over ``[H, W]`` binary layouts whose conv features map to z through LINEAR heads
    (the dense network; weights grow with the grid). Decoder outputs per-cell logits."""

    def __init__(self, config: ModelConfig | Mapping, grid_shape: tuple[int, int]):
        super().__init__(config, grid_shape)
        cfg = self.config
        self.latent_dim = cfg.latent_dim
        self.char_dim = cfg.char_dim if self.is_conditional else 0
        channels = cfg.channels
        scale = 2 ** len(channels)
        self._feature_shape = (channels[-1], self._padded[0] // scale, self._padded[1] // scale)
        n_features = int(np.prod(self._feature_shape))

        enc, c_in = [], 1
        for c in channels:
            enc.append(conv_block(nn.Conv2d(c_in, c, 4, 2, 1), c, cfg.dropout))
            c_in = c
        self.encoder = nn.Sequential(*enc, nn.Flatten())
        self.fc_mu = nn.Linear(n_features, self.latent_dim)
        self.fc_logvar = nn.Linear(n_features, self.latent_dim)

        self.fc_decode = nn.Sequential(nn.Linear(self.latent_dim, n_features), nn.ReLU())
        dec = []
        for c_out in reversed(channels[:-1]):
            dec.append(conv_block(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), c_out, cfg.dropout))
            c_in = c_out
        dec.append(nn.ConvTranspose2d(c_in, 1, 4, 2, 1))
        self.decoder = nn.Sequential(*dec)

    def encode(self, x) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior ``q(z|x)``: mean and log-variance, each ``[B, latent_dim]``."""
        x = self.as_input(x)
        h, w = self.grid_shape
        x = F.pad(x.unsqueeze(1), (0, self._padded[1] - w, 0, self._padded[0] - h))
        feats = self.encoder(x)
        return self.fc_mu(feats), self.fc_logvar(feats)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Per-cell logits ``[B, H, W]`` (sigmoid = firebreak probability) for codes ``z``."""
        out = self.decoder(self.fc_decode(self.codes(z)).view(-1, *self._feature_shape))
        h, w = self.grid_shape
        return out[:, 0, :h, :w]

    def extra_repr(self) -> str:
        return f"grid_shape={self.grid_shape}, latent_dim={self.latent_dim}, char_dim={self.char_dim}"


class LayoutCCVAE(FitnessHead, LayoutVAE):
    """The dense VAE whose last ``char_dim`` latent dims (z_c) also predict fitness through a
    small MLP head."""

    def __init__(self, config: ModelConfig | Mapping, grid_shape: tuple[int, int]):
        super().__init__(config, grid_shape)
        layers, width = [], self.char_dim
        for hidden in self.config.head_hidden:
            layers += [nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.ReLU()]
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)
        self.add_label_buffers()  # saved with the weights

    def predict_standardized(self, z: torch.Tensor) -> torch.Tensor:
        """Head output on standardised labels, ``[B]`` (what the training loss compares)."""
        return self.head(self.z_c(self.codes(z)))[:, 0]
