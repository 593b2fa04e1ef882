"""Which layout-model class a config names, and a fresh model of it.

``model.kind`` is ``vae``, ``ccvae`` or a plug-in ``package.module:Class``; ``model.architecture``
picks the built-ins' network, ``dense`` (:mod:`latentga.models.networks`) or ``conv``
(:mod:`latentga.models.conv`). Kept apart from both networks so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from latentga.errors import ConfigError
from latentga.models.base import LayoutModel
from latentga.models.config import ModelConfig, validate_model_config

__all__ = ["model_class", "build_model"]


def model_class(kind: str, architecture: str = "dense") -> type:
    """The class ``model.kind`` names: ``vae``, ``ccvae``, or a plug-in ``package.module:Class``
    (a :class:`~latentga.models.base.LayoutModel` subclass, e.g. of ``LayoutVAE`` or
    ``LayoutCCVAE``, taking ``(config, grid_shape)``:
    it trains, saves, loads and serves the latent operators like the built-ins).
    ``architecture`` picks the built-ins' form: ``dense`` (report Table 1) or ``conv``
    (:mod:`latentga.models.conv`, for large grids); a plug-in class reads it from its config."""
    if kind in ("vae", "ccvae"):
        if architecture == "conv":
            from latentga.models.conv import ConvLayoutCCVAE, ConvLayoutVAE

            return ConvLayoutCCVAE if kind == "ccvae" else ConvLayoutVAE
        if architecture != "dense":
            raise ConfigError(f"model.architecture = {architecture!r} is invalid: use dense or conv")
        from latentga.models.networks import LayoutCCVAE, LayoutVAE

        return LayoutCCVAE if kind == "ccvae" else LayoutVAE
    from latentga.plugins import resolve_dotted

    cls = resolve_dotted(kind, key="model.kind", what="model class")
    if not (isinstance(cls, type) and issubclass(cls, LayoutModel)):
        raise ConfigError(f"model.kind: {kind} is not a subclass of latentga.models.LayoutVAE (or LayoutCCVAE, "
                          "or their base LayoutModel); a plug-in model subclasses one of them")
    return cls


def build_model(config: ModelConfig | Mapping, grid_shape: tuple[int, int]) -> LayoutModel:
    """A fresh (untrained) model for ``grid_shape`` = (rows, cols), of the class ``config.kind``
    and ``config.architecture`` name."""
    cfg = validate_model_config(config)
    return model_class(cfg.kind, cfg.architecture)(cfg, grid_shape)
