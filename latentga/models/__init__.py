"""VAE and CCVAE models of firebreak layouts: build, train, save/load, decode to k firebreaks.

The GA's latent operators use only the model interface: ``encode(x) -> (mu, logvar)``,
``decode(z) -> logits``, ``predict(z)`` (CCVAE), ``decode_topk(logits, k)`` and the attributes
``is_conditional``, ``latent_dim``, ``char_dim`` (z_c = the last ``char_dim`` dims) and
``grid_shape``. Models know nothing of the simulator: they see layouts and labels.
"""

from latentga.models.config import MODEL_DEFAULTS, validate_model_config
from latentga.models.decoding import decode_topk
from latentga.models.losses import ccvae_loss
from latentga.models.metrics import evaluate_model
from latentga.models.networks import LayoutCCVAE, LayoutVAE, build_model
from latentga.models.runtime import eval_mode, model_device
from latentga.models.storage import load_model, save_model
from latentga.models.training import TrainResult, train_model

__all__ = [
    "MODEL_DEFAULTS",
    "validate_model_config",
    "build_model",
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
