"""Weighted retraining, model side: rank weights, fine-tuning, data-only model state."""

import copy

import numpy as np
import pytest
import torch

from latentga.errors import ConfigError, DatasetError, ModelFileError
from latentga.layouts import random_layouts
from latentga.models import build_model, train_model
from latentga.models.retraining import fine_tune, load_model_state_arrays, model_state_arrays, rank_weights

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

TINY = {"channels": [8, 16], "latent_dim": 16, "char_dim": 8, "head_hidden": [16], "dropout": 0.0,
        "lr": 3e-3, "batch_size": 32, "epochs": 6, "patience": 6, "val_fraction": 0.2}


def _label(layouts):
    """A learnable synthetic fitness: the share of firebreaks in the top half of the grid."""
    return layouts[:, :10].reshape(len(layouts), -1).sum(1) / layouts.reshape(len(layouts), -1).sum(1)


@pytest.fixture(scope="module")
def data():
    layouts = random_layouts(300, (20, 20), 20, np.random.default_rng(0))
    return layouts, _label(layouts)


@pytest.fixture(scope="module")
def model(data):
    torch.set_num_threads(1)
    return train_model(*data, {**TINY, "kind": "ccvae"}, seed=0, progress=False, threads=1).model


def _weights(m):
    return model_state_arrays(m)


def test_rank_weights_follow_the_formula():
    f = np.array([0.5, 0.9, np.nan, 0.7, 0.9, 0.1])
    k = 0.25
    # best first, ties in input order, NaN (unlabelled) last: ranks of the rows above
    ranks = np.array([3, 0, 5, 2, 1, 4])
    expected = 1.0 / (k * len(f) + ranks)
    assert np.array_equal(rank_weights(f, k), expected)
    assert np.array_equal(rank_weights(f, float("inf")), np.ones(len(f)))
    g = np.random.default_rng(1).normal(size=50)
    w = rank_weights(g, 1e-3)
    assert np.array_equal(np.argsort(-w, kind="stable"), np.argsort(-g, kind="stable"))
    assert w.max() == pytest.approx(1 / (1e-3 * 50))


@pytest.mark.parametrize("k", [0, -1.0, float("nan"), True, "1"])
def test_rank_weights_refuse_a_bad_k(k):
    with pytest.raises(ConfigError, match="k ="):
        rank_weights(np.ones(3), k)


def test_rank_weights_refuse_bad_fitness():
    with pytest.raises(DatasetError):
        rank_weights(np.ones((2, 2)), 1.0)
    with pytest.raises(DatasetError, match="infinite"):
        rank_weights(np.array([1.0, np.inf]), 1.0)


def test_fine_tune_changes_the_weights_and_repeats_bit_for_bit(model, data):
    layouts, fitness = data
    frozen = copy.deepcopy(model).requires_grad_(False)
    a, b, c = copy.deepcopy(frozen), copy.deepcopy(frozen), copy.deepcopy(frozen)
    state = torch.get_rng_state()
    out = fine_tune(a, layouts, fitness, k=0.01, epochs=1, seed=5)
    assert torch.equal(state, torch.get_rng_state())  # the caller's global RNG is left alone
    fine_tune(b, layouts, fitness, k=0.01, epochs=1, seed=5)
    fine_tune(c, layouts, fitness, k=0.01, epochs=1, seed=6)
    before, wa, wb, wc = _weights(frozen), _weights(a), _weights(b), _weights(c)
    assert any(not np.array_equal(before[n], wa[n]) for n in before)
    assert all(np.array_equal(wa[n], wb[n]) for n in wa)
    assert any(not np.array_equal(wa[n], wc[n]) for n in wa)
    assert not a.training and not any(p.requires_grad for p in a.parameters())  # back as it came
    assert out["steps"] == len(layouts) // TINY["batch_size"] + 1 and out["seconds"] > 0
    assert np.isfinite(out["loss_before"]) and np.isfinite(out["loss_after"])
    # the label scale is the model's own, not refitted to the retraining data
    assert float(a.label_mean) == float(model.label_mean) and float(a.label_std) == float(model.label_std)


def test_weighting_the_best_moves_their_predictions_to_their_labels(model, data):
    """New layouts, each seen twice: once labelled far above the training data (the GA's finds) and
    once far below. Rank weights favour the high copies, so the predicted fitness moves to the high
    labels; uniform weights (k = inf) pull it to the midpoint instead, away from them."""
    layouts, fitness = data
    new = random_layouts(30, (20, 20), 20, np.random.default_rng(9))
    high, low = _label(new) + 0.3, _label(new) - 0.3
    x = np.concatenate([layouts, new, new])
    y = np.concatenate([fitness, high, low])

    def error(m):
        with torch.no_grad():
            mu, _ = m.encode(new)
            return float(np.abs(m.predict(mu).numpy() - high).mean())

    start = error(model)
    weighted, uniform = copy.deepcopy(model), copy.deepcopy(model)
    out = fine_tune(weighted, x, y, k=0.1, epochs=3, seed=0)
    fine_tune(uniform, x, y, k=float("inf"), epochs=3, seed=0)
    assert error(weighted) < 0.75 * start
    assert error(weighted) < error(uniform) - 0.05
    assert out["loss_after"] < out["loss_before"]


def test_uniform_loss_before_is_the_training_loss(model, data):
    """With k = inf the reported loss is the plain mean of the training objective (eval mode)."""
    from latentga.models.training import _validation_terms

    layouts, fitness = data
    m = copy.deepcopy(model)
    y = torch.from_numpy(((fitness - float(m.label_mean)) / float(m.label_std)).astype(np.float32))
    expected = _validation_terms(m, torch.from_numpy(layouts.astype(np.float32)), y, m.config["beta"],
                                 m.config["alpha"])[0]
    out = fine_tune(m, layouts, fitness, k=float("inf"), epochs=1, seed=0)
    assert out["loss_before"] == pytest.approx(expected, rel=1e-5)
    assert rank_weights(fitness, np.float32(0.5)).shape == (len(fitness),)


def test_fine_tune_a_vae_and_unlabelled_rows(data):
    layouts, fitness = data
    vae = train_model(layouts, None, {**TINY, "kind": "vae", "epochs": 2}, seed=0, progress=False,
                      threads=1).model
    before = _weights(vae)
    y = fitness.copy()
    y[::2] = np.nan
    fine_tune(vae, layouts, y, k=0.1, epochs=1, seed=0)
    assert any(not np.array_equal(before[n], v) for n, v in _weights(vae).items())


def test_fine_tune_refuses_bad_input(model, data):
    layouts, fitness = data
    m = copy.deepcopy(model)
    with pytest.raises(DatasetError, match="one value per layout"):
        fine_tune(m, layouts, fitness[:-1], k=0.1, epochs=1, seed=0)
    with pytest.raises(DatasetError, match="grids"):
        fine_tune(m, layouts[:, :16, :16], fitness, k=0.1, epochs=1, seed=0)
    with pytest.raises(ConfigError, match="epochs"):
        fine_tune(m, layouts, fitness, k=0.1, epochs=0, seed=0)
    with pytest.raises(ConfigError, match="k ="):
        fine_tune(m, layouts, fitness, k=0, epochs=1, seed=0)
    with pytest.raises(ConfigError, match="lr"):
        fine_tune(m, layouts, fitness, k=0.1, epochs=1, seed=0, lr=-1.0)
    assert all(np.array_equal(v, _weights(model)[n]) for n, v in _weights(m).items())


def test_state_arrays_round_trip_exactly(model):
    arrays = model_state_arrays(model)
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    assert {"label_mean", "label_std"} <= set(arrays)
    other = build_model({**TINY, "kind": "ccvae"}, (20, 20))
    other.train()
    load_model_state_arrays(other, arrays)
    assert not other.training
    back = model_state_arrays(other)
    assert set(back) == set(arrays) and all(np.array_equal(back[n], arrays[n]) for n in arrays)
    z = torch.randn(4, TINY["latent_dim"], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(other.decode(z), model.eval().decode(z))
        assert torch.equal(other.predict(z), model.predict(z))
    arrays["head.0.weight"] = arrays["head.0.weight"][:, :4]
    with pytest.raises(ModelFileError, match="head.0.weight"):
        load_model_state_arrays(other, arrays)
    with pytest.raises(ModelFileError, match="another architecture"):
        load_model_state_arrays(build_model({**TINY, "kind": "vae"}, (20, 20)), model_state_arrays(model))
