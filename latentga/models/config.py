"""Model and training settings: the typed ``model`` section, its defaults and its identity.

One section describes a model and how it is trained, so it can live in the run config's
``model`` section, key the model cache (:func:`model_identity`), and travel inside a saved model
file (as its plain dict). :class:`ModelConfig` declares what a valid value is; the run config's
loader and :func:`validate_model_config` (for a model section on its own) both parse through it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from latentga.errors import ConfigError
from latentga.schema import Section, section, setting, thaw

__all__ = ["ModelConfig", "MODEL_DEFAULTS", "RUNTIME_KEYS", "LATER_KEYS", "validate_model_config", "check_device",
           "model_identity"]

#: Every model/training key with its default. The architecture matches the report's Table 1
#: (channels 128/256, latent 256 with the last 128 dims characteristic, head 128/64). The
#: optimisation settings differ from the report's code (Adam lr 1e-5, batch 16, dropout 0.5,
#: noise std 0.2, alpha 1e5 on raw labels, i.e. ~15 on standardised Sub20x20 labels). Measured
#: on 10,000 Sub20x20 layouts x 100 fires (32/64-channel model, one CPU thread): after 8 epochs
#: the report's settings were still at chance reconstruction (precision 0.05) with label MAE
#: 0.0072, while these reached precision 0.50 and MAE 0.0018 in less time per epoch (batch 64 is
#: 2x the samples/s of batch 16). Noise std 0.2 (here) and dropout 0.5 (5,000 layouts) gave worse
#: validation precision for equal epochs, so the defaults keep 0.1 and the textbook 1.0.
#: The report's VAE used beta 1.0, but only together with noise std 0.1, which hides most of
#: the KL price from the decoder; with noise std 1, beta 1.0 collapsed the posterior (full model,
#: 5,000 layouts: KL 0.6 nats, reconstruction precision 0.06 = chance), so the VAE uses 0.1 too
#: and differs from the CCVAE only by the fitness head.
@section
class ModelConfig(Section):
    """The ``model`` section: every model/training key, its type, default and allowed values."""

    kind: str = setting("ccvae", pattern=r"vae|ccvae|.*:.*",  # vae | ccvae | a plug-in "package.module:Class"
                        need="one of vae | ccvae, or a plug-in 'package.module:Class'")
    architecture: str = setting("dense", choices=("dense", "conv"))  # dense (report Table 1) | conv (large grids)
    latent_dim: int = setting(256, low=1)           # size of z
    char_dim: int = setting(128, low=1)             # size of z_c = the LAST char_dim dims of z (CCVAE only)
    latent_channels: int = setting(8, low=1)        # conv only: channels of the latent map (z = C x H/2^n x W/2^n)
    char_channels: int = setting(4, low=1)          # conv only: z_c = the last char_channels channels of that map
    channels: tuple[int, ...] = setting([128, 256], low=1)  # conv channels; each conv (k4, s2, p1) halves the side
    head_hidden: tuple[int, ...] = setting([128, 64])  # hidden sizes of the fitness head on z_c (CCVAE only)
    dropout: float = setting(0.1, low=0.0, high=1.0, high_open=True)  # after every BatchNorm (report's code: 0.5)
    beta: float = setting(0.1, low=0.0)              # KL weight, for both kinds (see the note above on the VAE's 1.0)
    alpha: float = setting(100.0, low=0.0)           # weight of the squared label error, on standardised labels
    noise_std: float = setting(1.0, low=0.0)         # std of the reparameterisation noise (1 = the textbook ELBO)
    lr: float = setting(1e-3, low=0.0, low_open=True)  # Adam learning rate (the peak rate under a schedule)
    lr_schedule: str = setting("constant", choices=("constant", "cosine"))  # cosine: anneal to 0 over `epochs`
    output_bias: str = setting("zero", choices=("zero", "base_rate"))  # zero (PyTorch's init) | base_rate (below)
    batch_size: int = setting(64, low=2)
    epochs: int = setting(100, low=1)               # maximum epochs
    patience: int = setting(5, low=1)               # early stopping: epochs without a better validation loss
    val_fraction: float = setting(0.1, low=0.0, high=1.0, low_open=True, high_open=True)  # held out for validation
    device: str = setting("auto", pattern=r"auto|cpu|cuda(:[0-9]+)?",  # where it runs (CUDA when PyTorch sees one)
                          need="auto (CUDA when PyTorch sees a GPU, else CPU), cpu, cuda, or cuda:N for GPU number N")
    path: str | None = setting(None, pattern=r"(?s).*\S.*",  # a model file (from `train --out`) used as it is
                               need="a model file path (from `python -m latentga train --out FILE`) or null")

    # messages name keys as `model.x` wherever the section sits (a run config, `train`, a model file)
    def _bad(self, field, key, value, type_need):
        meta = field.meta
        need = meta.get("need")
        if need is None and "choices" in meta:
            need = "one of " + " | ".join(meta["choices"])
        if need is None and field.kind is int:
            need = f"an integer >= {meta.get('low', 0)}"
        if need is None and field.kind is float:
            lo, hi = ("(" if meta["low_open"] else "["), (")" if meta["high_open"] else "]")
            need = f"a number in {lo}{meta.get('low', -math.inf)}, {meta.get('high', math.inf)}{hi}"
        if need is None and field.kind == "list":
            need = "a list of positive integers" + (" (at least one)" if meta.get("low", 0) >= 1 else "")
        return ConfigError(f"model.{field.name} = {value!r} is invalid: it must be {need} (default "
                           f"{thaw(field.default)!r}); fix it in the config's `model` section")

    def _out_of_range(self, field, key, value):
        return self._bad(field, key, value, None)

    def _unknown(self, prefix, key):
        return ConfigError(f"unknown key model.{key}; valid keys are: {', '.join(self._fields())}")

    def _not_mapping(self, prefix, value):
        return ConfigError(f"the `model` section must be a mapping of settings, got {type(value).__name__}")

    def _check(self, prefix: str) -> None:
        if self.kind == "ccvae" and self.architecture == "dense" and self.char_dim > self.latent_dim:
            raise ConfigError(f"model.char_dim = {self.char_dim} exceeds model.latent_dim = "
                              f"{self.latent_dim}: z_c is part of z, so lower char_dim or raise latent_dim")
        if self.kind == "ccvae" and self.architecture == "conv" and self.char_channels > self.latent_channels:
            raise ConfigError(f"model.char_channels = {self.char_channels} exceeds model.latent_channels = "
                              f"{self.latent_channels}: z_c is part of the latent map, so lower char_channels "
                              "or raise latent_channels")


#: Every model/training key with its default (a plain dict; :class:`ModelConfig` is the schema).
MODEL_DEFAULTS: dict[str, Any] = ModelConfig().to_dict()

#: Keys that say where a model runs, not what it is: they are left out of the model cache's file
#: names and of run fingerprints (:func:`model_identity`), so a model trained on a GPU is reused
#: by a CPU run, and adding a key here renames no existing cache file or checkpoint.
RUNTIME_KEYS = ("device",)
#: Keys added after model cache files and checkpoints existed, with the value that does what the
#: code did before them: at that value a key is left out of the identity, so those files keep
#: their names (a model trained without ``output_bias`` is the same as one with ``zero``).
LATER_KEYS = {"output_bias": "zero", "path": None}

#: ``output_bias: base_rate`` starts the decoder's output bias at the training layouts' firebreak
#: log-odds, so the first epochs learn WHERE breaks are, not how rare they are. At 1 % firebreaks
#: (Dogrib) the zero start wastes them: a conv CCVAE's validation precision was 0.011 after 4
#: epochs from zero (chance 0.009), 0.020 after 3 and 0.35 after 8 from the base rate (README, Dogrib).
#: The dense default keeps zero: its documented results were trained that way.


def check_device(value: Any) -> str:
    """``value`` if it names a device latentga can run a model on, else one :class:`ConfigError`.

    Only the spelling is checked here (no torch import); whether the machine has that device is
    decided when a model is built or loaded (:func:`latentga.models.runtime.resolve_device`).
    """
    return ModelConfig().replace(device=value).device


def model_identity(config: Mapping) -> dict:
    """The model section without its :data:`RUNTIME_KEYS` (and :data:`LATER_KEYS` at their old
    behaviour), as a plain dict: what cache names and fingerprints hash."""
    plain = config.to_dict() if isinstance(config, Section) else dict(config)
    return {k: v for k, v in plain.items()
            if k not in RUNTIME_KEYS and not (k in LATER_KEYS and v == LATER_KEYS[k])}


def validate_model_config(config: Mapping | None) -> ModelConfig:
    """The complete, typed model section (defaults filled in), or one :class:`ConfigError`.

    The error names the offending key, what it must be, and where to fix it, so a typo in a
    YAML file is caught before a long training run starts. A :class:`ModelConfig` is returned
    as it is: it was checked when it was made.
    """
    if isinstance(config, ModelConfig):
        return config
    return ModelConfig.parse(config)
