"""VAE and CCVAE models of firebreak layouts: build, train, save/load, decode to k firebreaks.

Every model is a :class:`~latentga.models.base.LayoutModel`; the dense (``LayoutVAE``) and
conv (``ConvLayoutVAE``) networks are peers, and :class:`~latentga.models.base.FitnessHead`
makes either a CCVAE.

The GA's latent operators use only the model interface: ``encode(x) -> (mu, logvar)``,
``decode(z) -> logits``, ``predict(z)`` (CCVAE), ``decode_topk(logits, k)`` and the attributes
``is_conditional``, ``latent_dim``, ``char_dim`` (z_c = the last ``char_dim`` dims) and
``grid_shape``. Models know nothing of the simulator: they see layouts and labels.
"""

from importlib import import_module

#: Public name -> the submodule that defines it. Imported on first use (PEP 562), so that
#: reading MODEL_DEFAULTS for a config does not import torch: a vanilla run never loads it.
_EXPORTS = {
    "MODEL_DEFAULTS": "config", "validate_model_config": "config",
    "decode_topk": "decoding", "ccvae_loss": "losses", "evaluate_model": "metrics",
    "LayoutModel": "base", "FitnessHead": "base",
    "LayoutCCVAE": "networks", "LayoutVAE": "networks", "build_model": "factory", "model_class": "factory",
    "eval_mode": "runtime", "model_device": "runtime",
    "load_model": "storage", "save_model": "storage",
    "TrainResult": "training", "train_model": "training",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"latentga.models.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'latentga.models' has no attribute {name!r}")


__all__ = [
    "MODEL_DEFAULTS",
    "validate_model_config",
    "build_model",
    "model_class",
    "LayoutModel",
    "FitnessHead",
    "LayoutVAE",
    "LayoutCCVAE",
    "decode_topk",
    "ccvae_loss",
    "evaluate_model",
    "train_model",
    "TrainResult",
    "save_model",
    "load_model",
    "eval_mode",
    "model_device",
]
