"""The fully convolutional VAE/CCVAE (model.architecture: conv): shapes, size vs grid, the flat-z
contract the latent operators use, save/load, training reproducibility, a latent GA run."""

import numpy as np
import pytest
import torch
from latentga.operators.latent import gradient_ascent_latents, sample_conditional_latents

from latentga.config import load_config
from latentga.errors import ConfigError
from latentga.ga import run_ga
from latentga.layouts import random_layouts
from latentga.models import build_model, load_model, save_model, train_model, validate_model_config
from latentga.models.base import FitnessHead
from latentga.models.conv import ConvLayoutCCVAE, ConvLayoutVAE
from latentga.problems import firebreak_problem
from latentga.simulator import FireSimulator

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

CONV = {"architecture": "conv", "channels": [4, 8], "latent_channels": 3, "char_channels": 2,
        "head_hidden": [8, 4]}


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("kind", ["vae", "ccvae"])
@pytest.mark.parametrize("shape", [(20, 20), (16, 16), (10, 30), (7, 5)])
def test_flat_codes_of_a_latent_map_on_any_grid(kind, shape):
    model = build_model({**CONV, "kind": kind}, shape).eval()
    assert isinstance(model, ConvLayoutCCVAE if kind == "ccvae" else ConvLayoutVAE)
    h, w = model.map_shape
    assert (h, w) == (-(-shape[0] // 4), -(-shape[1] // 4))  # two halvings, padded up
    mu, logvar = model.encode(random_layouts(3, shape, 4, np.random.default_rng(0)))
    assert mu.shape == logvar.shape == (3, 3 * h * w) and model.latent_dim == 3 * h * w
    assert model.decode(mu).shape == (3, *shape)
    assert model.char_dim == (2 * h * w if kind == "ccvae" else 0)
    if kind == "ccvae":
        assert isinstance(model, FitnessHead) and model.predict(mu).shape == (3,)


def test_predict_reads_only_the_last_char_dim_dims():
    with torch.random.fork_rng(devices=[]):  # seeded weights: a dead ReLU row must not depend on test order
        torch.manual_seed(0)
        model = build_model({**CONV, "kind": "ccvae"}, (20, 20)).eval()
    z = model.sample_prior(4, torch.Generator().manual_seed(0)).requires_grad_(True)
    model.predict(z).sum().backward()
    rest = model.latent_dim - model.char_dim
    assert torch.all(z.grad[:, :rest] == 0) and torch.all(z.grad[:, rest:].abs().sum(1) > 0)


def test_parameters_grow_with_the_latent_map_not_with_cells_times_latent():
    small, big = (32, 32), (128, 128)  # 16x the cells
    vae = [n_params(build_model({**CONV, "kind": "vae"}, s)) for s in (small, big)]
    assert vae[0] == vae[1]  # no weight depends on the grid
    cc = [build_model({**CONV, "kind": "ccvae"}, s) for s in (small, big)]
    positions = [m.map_shape[0] * m.map_shape[1] for m in cc]
    # only the head's position map grows: one weight per latent position and hidden unit
    assert n_params(cc[1]) - n_params(cc[0]) == 8 * (positions[1] - positions[0])
    dense = [n_params(build_model({"kind": "ccvae", "channels": [4, 8], "latent_dim": 6, "char_dim": 3,
                                   "head_hidden": [8, 4]}, s)) for s in (small, big)]
    assert dense[1] - dense[0] > 10 * (n_params(cc[1]) - n_params(cc[0]))  # cells x latent


def test_latent_operators_work_on_the_flat_codes():
    torch.manual_seed(0)  # fixed weights: unseeded ones sometimes leave the head's ReLU flat
    model = build_model({**CONV, "kind": "ccvae"}, (12, 12)).eval()
    model.requires_grad_(False)
    rng = np.random.default_rng(0)
    mu, _ = model.encode(random_layouts(5, (12, 12), 6, rng))
    z, accepted, pred = sample_conditional_latents(model, 5, -np.inf, rng, tries=4,
                                                   z_rest=mu[:, :model.latent_dim - model.char_dim])
    assert z.shape == mu.shape and accepted.all()
    assert torch.equal(z[:, :model.latent_dim - model.char_dim], mu[:, :model.latent_dim - model.char_dim])
    stepped = gradient_ascent_latents(model, mu, steps=3, step_size=0.5)
    assert torch.equal(stepped[:, :-model.char_dim], mu[:, :-model.char_dim])
    assert bool((model.predict(stepped) > model.predict(mu)).all())


def test_save_load_round_trip(tmp_path):
    model = build_model({**CONV, "kind": "ccvae"}, (10, 30)).eval()
    with torch.no_grad():
        model.head_position.normal_()
    model.set_label_normalization(0.6, 0.05)
    path = save_model(model, tmp_path / "conv.pt")
    again = load_model(path)
    assert isinstance(again, ConvLayoutCCVAE) and again.config["architecture"] == "conv"
    x = random_layouts(4, (10, 30), 5, np.random.default_rng(1))
    mu, _ = model.encode(x)
    assert torch.equal(again.encode(x)[0], mu)
    assert torch.equal(again.decode(mu), model.decode(mu))
    assert torch.equal(again.predict(mu), model.predict(mu))


def test_config_checks():
    assert validate_model_config({})["architecture"] == "dense"
    with pytest.raises(ConfigError, match="architecture"):
        validate_model_config({"architecture": "transformer"})
    with pytest.raises(ConfigError, match="char_channels"):
        validate_model_config({"architecture": "conv", "latent_channels": 2, "char_channels": 3})
    with pytest.raises(ConfigError, match=r"latent codes must be \[B, 75\]"):
        build_model({**CONV, "kind": "vae"}, (20, 20)).decode(torch.zeros(2, 74))


@pytest.fixture(scope="module")
def sim():
    return FireSimulator(n_fires=6, seed=123)


@pytest.fixture(scope="module")
def trained(sim):
    from latentga.dataset import build_dataset

    ds = build_dataset(sim, n=160, k=20, seed=0, workers=1, progress=False)
    cfg = {**CONV, "kind": "ccvae", "epochs": 3, "batch_size": 32}
    first = train_model(ds.layouts, ds.fitness, cfg, seed=0, progress=False, threads=1)
    second = train_model(ds.layouts, ds.fitness, cfg, seed=0, progress=False, threads=1)
    return first, second


def test_training_is_reproducible_and_learns(trained):
    first, second = trained
    for (name, a), (_, b) in zip(first.model.state_dict().items(), second.model.state_dict().items()):
        assert torch.equal(a, b), name
    hist = first.history
    assert hist["train_loss"].iloc[-1] < hist["train_loss"].iloc[0]
    assert {"mae", "precision"} <= set(first.metrics.columns)


@pytest.mark.parametrize("mutate", ["mut_ccvae_gradient", "mut_ccvae_conditional", "mut_latent_resample"])
def test_a_latent_ga_runs_with_the_conv_model(mutate, sim, trained, tmp_path):
    model = trained[0].model
    model.requires_grad_(False)
    overrides = ["name=conv", "ga.population=8", "ga.generations=1", "simulator.n_fires=6", "ga.chunk_size=4",
                 f"operators.mutate.name={mutate}", "ga.mutpb=0.8", "model.kind=ccvae", "model.architecture=conv"]
    config = load_config(None, overrides)
    pop, log, _ = run_ga(config, firebreak_problem(config, sim), model, out_dir=tmp_path, progress=False)
    assert all(int(ind.sum()) == 20 for ind in pop)
    assert log[1]["nevals"] > 0


def test_output_bias_base_rate_starts_at_the_firebreak_log_odds_and_learns_faster():
    """``output_bias: base_rate``: the untrained decoder already predicts the base rate, so the
    first epoch's reconstruction loss is far below the zero start's (sparse layouts: 1 %)."""
    with pytest.raises(ConfigError, match="output_bias"):
        validate_model_config({"output_bias": "ones"})
    assert validate_model_config({})["output_bias"] == "zero"
    layouts = random_layouts(64, (32, 32), 10, np.random.default_rng(0))
    cfg = {**CONV, "kind": "vae", "epochs": 1, "batch_size": 16}
    zero = train_model(layouts, None, cfg, seed=0, progress=False, threads=1)
    base = train_model(layouts, None, {**cfg, "output_bias": "base_rate"}, seed=0, progress=False, threads=1)
    rate = layouts.mean()
    recon_at_base_rate = -(rate * np.log(rate) + (1 - rate) * np.log(1 - rate)) * 32 * 32
    assert base.history["train_recon"].iloc[0] < 1.5 * recon_at_base_rate
    assert zero.history["train_recon"].iloc[0] > 3 * recon_at_base_rate
