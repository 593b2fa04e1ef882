"""Training on a small REAL dataset (the fire simulator's labels): it learns, and is reproducible."""

import numpy as np
import pandas as pd
import pytest
import torch

from latentga.errors import DatasetError
from latentga.layouts import random_layouts
from latentga.models import train_model
from latentga.simulator import FireSimulator

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

TINY = {"channels": [8, 16], "latent_dim": 16, "char_dim": 8, "head_hidden": [32, 16],
        "dropout": 0.0, "lr": 3e-3, "batch_size": 32, "epochs": 12, "patience": 4, "val_fraction": 0.2}
K = 20


@pytest.fixture(scope="module")
def data():
    """400 random 20-firebreak layouts on Sub20x20 scored on 20 fires; the last 100 held out."""
    sim = FireSimulator(n_fires=20, seed=123)
    layouts = random_layouts(400, sim.shape, K, np.random.default_rng(0))
    return layouts, sim.evaluate(layouts)


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    layouts, fitness = data
    out = tmp_path_factory.mktemp("train")
    state = torch.get_rng_state()
    result = train_model(layouts[:300], fitness[:300], TINY, seed=1, progress=False, out_dir=out, threads=1)
    assert torch.equal(state, torch.get_rng_state())  # the caller's global RNG is left alone
    return result, out


def test_training_lowers_the_loss(trained):
    result, _ = trained
    h = result.history
    assert len(h) >= 5
    assert h["val_loss"].min() < 0.8 * h["val_loss"].iloc[0]
    assert h["train_loss"].iloc[-1] < 0.8 * h["train_loss"].iloc[0]
    assert not result.model.training


def test_predictions_track_fitness_on_held_out_layouts(data, trained):
    from scipy.stats import spearmanr

    layouts, fitness = data
    model = trained[0].model
    with torch.no_grad():
        mu, _ = model.encode(layouts[300:])
        pred = model.predict(mu).numpy()
    rho = spearmanr(pred, fitness[300:]).statistic
    assert rho > 0.3, f"held-out Spearman correlation {rho:.2f}"
    assert abs(pred.mean() - fitness[300:].mean()) < fitness.std()  # original units, not standardised


def test_outputs_written(trained):
    result, out = trained
    metrics = pd.read_csv(out / "metrics.csv")
    assert metrics["split"].tolist() == ["train", "validation"]
    for col in ["accuracy", "precision", "recall", "mae", "mape"]:
        assert metrics[col].between(0, 1).all(), col
    assert (metrics["accuracy"] > 1 - 2 * K / 400).all()  # top-k decoding: at worst 2k wrong cells
    assert len(pd.read_csv(out / "history.csv")) == len(result.history)
    assert (out / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"


def test_same_seed_same_weights_other_seed_differs(data):
    layouts, fitness = data
    cfg = {**TINY, "epochs": 2}
    runs = [train_model(layouts[:120], fitness[:120], cfg, seed=s, progress=False, threads=1).model
            for s in (5, 5, 6)]
    a, b, c = (r.state_dict() for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_unlabelled_rows_and_plain_vae(data):
    layouts, fitness = data
    partial = fitness[:120].copy()
    partial[::2] = np.nan  # semi-supervised: half the layouts unlabelled
    result = train_model(layouts[:120], partial, {**TINY, "epochs": 2}, seed=0, progress=False, threads=1)
    assert np.isfinite(result.history[["train_loss", "val_loss"]].to_numpy()).all()
    vae = train_model(layouts[:120], None, {**TINY, "kind": "vae", "epochs": 2}, seed=0, progress=False)
    assert "mae" not in vae.metrics and not vae.model.is_conditional


def test_bad_training_input_is_a_dataset_error(data):
    layouts, fitness = data
    with pytest.raises(DatasetError, match="needs fitness labels"):
        train_model(layouts[:50], None, TINY, seed=0, progress=False)
    with pytest.raises(DatasetError, match="one value per layout"):
        train_model(layouts[:50], fitness[:40], TINY, seed=0, progress=False)
    with pytest.raises(DatasetError, match="too few"):
        train_model(layouts[:2], fitness[:2], TINY, seed=0, progress=False)


def test_cosine_schedule_anneals_to_zero_and_is_validated(data):
    from latentga.errors import ConfigError
    from latentga.models.config import validate_model_config
    from latentga.models.training import _schedule

    with pytest.raises(ConfigError, match="lr_schedule"):
        validate_model_config({"lr_schedule": "linear"})
    cfg = validate_model_config({**TINY, "lr_schedule": "cosine", "epochs": 3, "batch_size": 32})
    opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=cfg["lr"])
    sched = _schedule(opt, cfg, n_train=100)  # 3 full batches + one of 4 per epoch
    rates = []
    for _ in range(3 * 4):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert rates[0] == cfg["lr"] and all(a > b for a, b in zip(rates, rates[1:]))
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)
    assert _schedule(opt, validate_model_config(TINY), 100) is None  # constant: no scheduler
    layouts, fitness = data
    cos = {**TINY, "lr_schedule": "cosine", "epochs": 2}
    a = train_model(layouts[:200], fitness[:200], cos, seed=1, progress=False, threads=1).model
    b = train_model(layouts[:200], fitness[:200], cos, seed=1, progress=False, threads=1).model
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
