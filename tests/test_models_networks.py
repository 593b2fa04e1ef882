"""VAE/CCVAE shapes on several grids, top-k decoding, the predictor's gradient, config checks."""

import numpy as np
import pytest
import torch

from latentga.errors import ConfigError, LayoutError
from latentga.layouts import random_layouts
from latentga.models import MODEL_DEFAULTS, build_model, decode_topk, validate_model_config

TINY = {"channels": [4, 8], "latent_dim": 6, "char_dim": 3, "head_hidden": [8, 4]}


@pytest.mark.parametrize("kind", ["vae", "ccvae"])
@pytest.mark.parametrize("shape", [(20, 20), (16, 16), (24, 24), (10, 30), (7, 5)])
def test_shapes_on_any_grid(kind, shape):
    model = build_model({**TINY, "kind": kind}, shape).eval()
    layouts = random_layouts(3, shape, 4, np.random.default_rng(0))
    mu, logvar = model.encode(layouts)  # numpy bool input is accepted
    assert mu.shape == logvar.shape == (3, 6)
    assert model.decode(mu).shape == (3, *shape)
    assert model.grid_shape == shape and model.latent_dim == 6
    assert model.is_conditional == (kind == "ccvae")
    assert model.char_dim == (3 if kind == "ccvae" else 0)
    if kind == "ccvae":
        assert model.predict(mu).shape == (3,)
    else:
        with pytest.raises(ConfigError, match="ccvae"):
            model.predict(mu)


def test_three_conv_layers_pad_and_crop():
    model = build_model({**TINY, "channels": [4, 8, 8]}, (10, 30)).eval()
    mu, _ = model.encode(np.zeros((2, 10, 30), bool))
    assert model.decode(mu).shape == (2, 10, 30)


def test_wrong_grid_is_a_layout_error_naming_the_expected_shape():
    model = build_model(TINY, (20, 20))
    with pytest.raises(LayoutError, match="20x20"):
        model.encode(np.zeros((2, 16, 16), bool))


def test_predict_is_differentiable_in_z_c_only():
    model = build_model(TINY, (20, 20)).eval()
    model.set_label_normalization(0.6, 0.05)
    z = model.sample_prior(4, torch.Generator().manual_seed(0)).requires_grad_(True)
    model.predict(z).sum().backward()
    assert torch.all(z.grad[:, :3] == 0)  # z_rest: the first latent_dim - char_dim dims
    assert torch.any(z.grad[:, 3:] != 0)  # z_c: the last char_dim dims


def test_predict_returns_original_units():
    model = build_model(TINY, (8, 8)).eval()
    z = model.sample_prior(5, torch.Generator().manual_seed(1))
    raw = model.predict_standardized(z)
    model.set_label_normalization(0.7, 0.02)
    assert torch.allclose(model.predict(z), raw * 0.02 + 0.7)


def test_sample_prior_follows_the_generator():
    model = build_model(TINY, (8, 8))
    a = model.sample_prior(3, torch.Generator().manual_seed(5))
    b = model.sample_prior(3, torch.Generator().manual_seed(5))
    assert a.shape == (3, 6) and torch.equal(a, b)


def test_decode_topk_gives_exactly_k_and_the_highest_cells():
    logits = torch.randn(50, 20, 20, generator=torch.Generator().manual_seed(0))
    out = decode_topk(logits, 20)
    assert out.dtype == torch.bool and out.shape == (50, 20, 20)
    assert torch.all(out.reshape(50, -1).sum(1) == 20)
    flat, chosen = logits.reshape(50, -1), out.reshape(50, -1)
    lowest_chosen = torch.where(chosen, flat, torch.inf).min(1).values
    highest_left = torch.where(chosen, -torch.inf, flat).max(1).values
    assert torch.all(lowest_chosen > highest_left)


def test_decode_topk_with_ties_per_row_budget_and_allowed_cells():
    assert decode_topk(np.zeros((3, 4, 5)), 7).reshape(3, -1).sum(1).tolist() == [7, 7, 7]
    out = decode_topk(torch.randn(3, 4, 5), [0, 2, 20])
    assert out.reshape(3, -1).sum(1).tolist() == [0, 2, 20]
    allowed = np.ones((4, 5), bool)
    allowed[0] = False
    out = decode_topk(torch.full((2, 4, 5), 0.0).index_fill_(1, torch.tensor([0]), 9.0), 5, allowed=allowed)
    assert not out[:, 0].any() and out.reshape(2, -1).sum(1).tolist() == [5, 5]
    with pytest.raises(LayoutError, match="budget"):
        decode_topk(torch.zeros(1, 4, 5), 16, allowed=allowed)


def test_config_defaults_and_errors_name_the_key():
    cfg = validate_model_config({"kind": "vae"})
    assert set(cfg) == set(MODEL_DEFAULTS) and cfg["kind"] == "vae"
    assert cfg["channels"] == [128, 256] and cfg["latent_dim"] == 256 and cfg["char_dim"] == 128
    with pytest.raises(ConfigError, match="model.latnet_dim"):
        validate_model_config({"latnet_dim": 3})
    for key, bad in [("kind", "gan"), ("latent_dim", 0), ("latent_dim", 2.5), ("lr", 0), ("dropout", 1.0),
                     ("channels", []), ("channels", [8, -1]), ("batch_size", True), ("val_fraction", 1.0), ("beta", None)]:
        with pytest.raises(ConfigError, match=f"model.{key}"):
            validate_model_config({key: bad})
    with pytest.raises(ConfigError, match="char_dim"):
        validate_model_config({"latent_dim": 4, "char_dim": 8})
