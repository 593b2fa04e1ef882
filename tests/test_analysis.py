"""The latent-space experiments on a tiny real model, dataset and simulator.

Everything is real (trained networks, the fire simulator); the sizes are tiny so the file runs
in seconds. The checks are what a user reads off the figures: numbers that match the simulator,
budgets kept, thresholds respected, gradient steps that raise the prediction, files written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from latentga.analysis import (
    gains_stop,
    linear_probe_r2,
    reduce_2d,
    run_conditional,
    run_embeddings,
    run_interpolation,
    run_interventions,
    simulate_unique,
    simulator_for_dataset,
)
from latentga.analysis.latent import decode_layouts, encode_mean, predict_fitness
from latentga.analysis.probes import pca_2d, umap_available
from latentga.dataset import build_dataset
from latentga.errors import ConfigError, LandscapeError
from latentga.models import train_model
from latentga.simulator import FireSimulator

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

K = 20
TINY = {"kind": "ccvae", "latent_dim": 8, "char_dim": 4, "channels": [4, 8], "head_hidden": [8],
        "epochs": 3, "batch_size": 32}


@pytest.fixture(scope="module")
def simulator():
    return FireSimulator(n_fires=4, seed=123)


@pytest.fixture(scope="module")
def dataset(simulator):
    return build_dataset(simulator, n=160, k=K, seed=0, workers=1, progress=False)


@pytest.fixture(scope="module")
def ccvae(dataset):
    return train_model(dataset.layouts, dataset.fitness, TINY, seed=0, progress=False, threads=1).model


@pytest.fixture(scope="module")
def vae(dataset):
    return train_model(dataset.layouts, None, {**TINY, "kind": "vae"}, seed=0, progress=False, threads=1).model


def _is_png(path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- shared pieces -----------------------------------------------------------------------------

def test_simulate_unique_matches_simulator_with_duplicates(simulator, dataset):
    layouts = dataset.layouts[[3, 1, 3, 7, 1, 1]]
    np.testing.assert_array_equal(simulate_unique(simulator, layouts), simulator.evaluate(layouts))


def test_simulator_for_dataset_reproduces_the_labels(dataset):
    sim = simulator_for_dataset(dataset)
    np.testing.assert_array_equal(sim.evaluate(dataset.layouts[:20]), dataset.fitness[:20])
    assert simulator_for_dataset(dataset, n_fires=2).n_fires == 2


def test_simulator_for_dataset_refuses_another_landscape(dataset, tmp_path):
    from dataclasses import replace

    from latentga.simulator import default_landscape

    land = default_landscape()
    other = replace(land, slope=land.slope + 1.0)
    with pytest.raises(LandscapeError, match="--landscape"):
        simulator_for_dataset(dataset, landscape=other)


def test_a_model_for_another_grid_is_refused(ccvae, dataset, simulator):
    from latentga.dataset import Dataset
    from latentga.errors import DatasetError

    small = Dataset(dataset.layouts[:, :10, :10], dataset.fitness, {})
    for run in (lambda: run_interpolation(ccvae, small, simulator),
                lambda: run_embeddings({"ccvae": ccvae}, small, seed=0),
                lambda: run_interventions(ccvae, small, simulator, seed=0)):
        with pytest.raises(DatasetError, match="trained on 20x20 grids but the dataset's layouts are 10x10"):
            run()


def test_linear_probe_separates_signal_from_noise():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 6))
    y = x @ np.array([1.0, -2.0, 0.5, 0, 0, 0]) + 0.05 * rng.standard_normal(300)
    assert linear_probe_r2(x, y, seed=0) > 0.99
    noise = rng.standard_normal(300)
    assert linear_probe_r2(x, noise, seed=0) < 0.05
    assert linear_probe_r2(x, y, seed=3) == linear_probe_r2(x, y, seed=3)


def test_pca_keeps_the_main_axis_and_umap_is_optional():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((200, 5)) * np.array([10.0, 1, 1, 1, 1])
    coords = pca_2d(x)
    assert coords.shape == (200, 2)
    assert abs(np.corrcoef(coords[:, 0], x[:, 0])[0, 1]) > 0.99
    assert reduce_2d(x, seed=0, method="pca")[1] == "pca"
    if not umap_available():
        assert reduce_2d(x, seed=0, method="auto")[1] == "pca"
        with pytest.raises(ConfigError, match="umap-learn"):
            reduce_2d(x, seed=0, method="umap")


def test_umap_map_is_seeded():
    pytest.importorskip("umap", reason="umap-learn (the optional `umap` extra) is not installed")
    x = np.random.default_rng(4).standard_normal((60, 5))
    a, method = reduce_2d(x, seed=3, method="umap")
    assert method == "umap" and a.shape == (60, 2)
    np.testing.assert_array_equal(a, reduce_2d(x, seed=3, method="auto")[0])


def test_gains_stop():
    assert gains_stop(np.array([0.5, 0.6, 0.7, 0.69, 0.7])) == (2, 2)
    assert gains_stop(np.array([0.5, 0.59, 0.6, 0.6])) == (2, 1)
    assert gains_stop(np.array([0.5, 0.4, 0.3])) == (0, 0)


# -- 1. interpolation ----------------------------------------------------------------------------

def test_interpolation(ccvae, dataset, simulator, tmp_path):
    res = run_interpolation(ccvae, dataset, simulator, n_points=10)
    path = res.path
    assert len(path) == 10 and np.allclose(path["weight"], np.linspace(0, 1, 10))
    assert res.layouts.shape == (10, *dataset.shape)
    assert (res.layouts.reshape(10, -1).sum(axis=1) == K).all()
    np.testing.assert_array_equal(path["simulated_fitness"], simulator.evaluate(res.layouts))
    changed = (res.layouts[1:] != res.layouts[:-1]).reshape(9, -1).sum(axis=1)
    np.testing.assert_array_equal(path["cells_changed_from_previous"].iloc[1:], changed)
    assert np.isnan(path["cells_changed_from_previous"].iloc[0])
    # the ends are the codes of the dataset's worst and best layouts
    lo, hi = int(np.argmin(dataset.fitness)), int(np.argmax(dataset.fitness))
    z = encode_mean(ccvae, dataset.layouts[[lo, hi]])
    np.testing.assert_allclose(path["predicted_fitness"].iloc[[0, -1]], predict_fitness(ccvae, z), rtol=1e-5)
    panels = res.panels.set_index("role")
    assert panels.loc["start", "dataset_index"] == lo and panels.loc["end", "dataset_index"] == hi
    assert panels.loc["midpoint", "simulated_fitness"] == simulator.evaluate(res.panel_layouts[1])[0]
    mid = np.zeros(dataset.shape[0] * dataset.shape[1], bool)
    mid[[int(c) for c in panels.loc["midpoint", "firebreak_cells"].split(";")]] = True
    np.testing.assert_array_equal(mid.reshape(dataset.shape), res.panel_layouts[1])

    files = res.save(tmp_path)
    assert [f.name for f in files] == ["interpolation.csv", "interpolation_panels.csv", "interpolation.png"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "interpolation.csv"), path, check_dtype=False,
                                  check_exact=False, rtol=1e-5)
    assert _is_png(tmp_path / "interpolation.png")
    assert "cells changed" in res.report()


def test_interpolation_with_a_vae_has_no_prediction(vae, dataset, simulator):
    res = run_interpolation(vae, dataset, simulator, n_points=4)
    assert res.path["predicted_fitness"].isna().all()
    assert res.path["simulated_fitness"].notna().all()


# -- 2. embeddings -------------------------------------------------------------------------------

def test_embeddings(ccvae, vae, dataset, tmp_path):
    res = run_embeddings({"ccvae": ccvae, "vae": vae}, dataset, seed=0, max_points=120, reduction="pca")
    scores = res.scores.set_index(["model", "part"])
    assert list(scores.index) == [("ccvae", "z_c"), ("ccvae", "z_rest"), ("ccvae", "z"), ("vae", "z")]
    assert scores.loc[("ccvae", "z_c"), "dims"] == 4 and scores.loc[("ccvae", "z"), "dims"] == 8
    assert (scores["r2_linear_cv"] <= 1).all() and (scores["method"] == "pca").all()
    assert np.isfinite(scores.loc[("ccvae", "z_c"), "r2_head"])
    assert len(res.points) == 4 * 120
    # the points are the dataset's own labels, on the chosen subset
    pts = res.points[(res.points["model"] == "vae")]
    np.testing.assert_array_equal(pts["fitness"], dataset.fitness[pts["dataset_index"]])
    # the probe is the one on the encoded part
    idx = pts["dataset_index"].to_numpy()
    zc = encode_mean(ccvae, dataset.layouts[idx]).double().numpy()[:, -4:]
    assert scores.loc[("ccvae", "z_c"), "r2_linear_cv"] == pytest.approx(
        linear_probe_r2(zc, dataset.fitness[idx], seed=0), abs=1e-6)
    again = run_embeddings({"ccvae": ccvae, "vae": vae}, dataset, seed=0, max_points=120, reduction="pca")
    pd.testing.assert_frame_equal(res.scores, again.scores)

    files = res.save(tmp_path)
    assert {f.name for f in files} == {"embeddings.csv.gz", "embeddings_r2.csv", "embeddings.png"}
    assert _is_png(tmp_path / "embeddings.png")
    assert len(pd.read_csv(tmp_path / "embeddings_r2.csv")) == 4
    back = pd.read_csv(tmp_path / "embeddings.csv.gz")
    pd.testing.assert_frame_equal(back, res.points, check_exact=False, rtol=1e-5, atol=1e-6)


# -- 3. conditional generation --------------------------------------------------------------------

def test_conditional_generation(ccvae, dataset, simulator, tmp_path):
    res = run_conditional(ccvae, dataset, simulator, seed=5, n_prior=60, n_accept=15, max_candidates=20_000)
    assert len(res.prior) == 60 and res.prior["simulated_fitness"].between(0, 1).all()
    th = res.thresholds
    assert len(th) == 4 and th["threshold"].is_monotonic_increasing
    assert th["acceptance_rate"].between(0, 1).all()
    assert (np.diff(th["acceptance_rate"]) <= 0.05).all()  # stricter lambda, fewer accepted
    assert th["acceptance_rate"].iloc[0] == pytest.approx(0.5, abs=0.05)  # lambda 1 = median of the prior
    for r in th.itertuples():
        acc = res.samples[res.samples["threshold"] == r.threshold]
        assert len(acc) == min(15, r.accepted) == r.n_simulated
        assert (acc["predicted_fitness"] > r.threshold).all()
        if len(acc):
            assert r.simulated_mean == pytest.approx(acc["simulated_fitness"].mean())
    again = run_conditional(ccvae, dataset, simulator, seed=5, n_prior=60, n_accept=15, max_candidates=20_000)
    pd.testing.assert_frame_equal(res.thresholds, again.thresholds)

    files = res.save(tmp_path)
    assert {f.name for f in files} == {"conditional_prior.csv", "conditional_samples.csv",
                                       "conditional_thresholds.csv", "conditional.png"}
    assert _is_png(tmp_path / "conditional.png")


def test_conditional_explicit_thresholds_and_impossible_one(ccvae, dataset, simulator):
    res = run_conditional(ccvae, dataset, simulator, seed=0, n_prior=10, thresholds=[10.0, -10.0],
                          n_accept=5, max_candidates=1000)
    th = res.thresholds.set_index("threshold")
    assert th.loc[-10.0, "acceptance_rate"] == 1.0 and th.loc[-10.0, "n_simulated"] == 5
    assert th.loc[10.0, "accepted"] == 0 and th.loc[10.0, "candidates"] == 1000
    assert np.isnan(th.loc[10.0, "simulated_mean"])


def test_conditional_needs_a_ccvae(vae, dataset, simulator):
    with pytest.raises(ConfigError, match="CCVAE"):
        run_conditional(vae, dataset, simulator, seed=0)


# -- 4. interventions ----------------------------------------------------------------------------

def test_interventions(ccvae, dataset, simulator, tmp_path):
    res = run_interventions(ccvae, dataset, simulator, seed=1, n_layouts=12, iterations=6, step_size=0.2)
    steps = res.steps
    assert list(steps["method"].unique()) == ["gradient", "direction"]
    grad = steps[steps["method"] == "gradient"]
    assert len(grad) == 7
    assert grad["predicted_mean"].iloc[-1] > grad["predicted_mean"].iloc[0]  # the steps climb the head
    assert (steps.loc[steps["step"] == 0, "firebreaks_moved_mean"] == 0).all()
    assert len(res.per_layout) == 2 * 7 * 12
    # every step's mean is the mean of the simulated layouts of that step
    last = res.per_layout[(res.per_layout["method"] == "gradient") & (res.per_layout["step"] == 6)]
    assert grad["simulated_mean"].iloc[-1] == pytest.approx(last["simulated_fitness"].mean())
    start = res.per_layout[(res.per_layout["method"] == "direction") & (res.per_layout["step"] == 0)]
    z0 = encode_mean(ccvae, dataset.layouts[start["dataset_index"].to_numpy()])
    np.testing.assert_array_equal(start["simulated_fitness"], simulator.evaluate(decode_layouts(ccvae, z0, K)))
    stops = res.stops.set_index("method")
    for method in ("gradient", "direction"):
        best, plateau = gains_stop(steps.loc[steps["method"] == method, "simulated_mean"].to_numpy())
        assert stops.loc[method, "best_step"] == best and stops.loc[method, "plateau_step"] == plateau

    files = res.save(tmp_path)
    assert {f.name for f in files} == {"interventions.csv", "interventions_layouts.csv.gz",
                                       "interventions_summary.csv", "interventions.png"}
    assert _is_png(tmp_path / "interventions.png")


def test_interventions_on_a_vae_use_the_direction_only(vae, dataset, simulator):
    res = run_interventions(vae, dataset, simulator, seed=0, n_layouts=4, iterations=2)
    assert list(res.stops["method"]) == ["direction"]
    with pytest.raises(ConfigError, match="CCVAE"):
        run_interventions(vae, dataset, simulator, seed=0, methods=("gradient",))


# -- the command -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory, ccvae, vae, dataset):
    from latentga.models import save_model

    root = tmp_path_factory.mktemp("analysis_files")
    save_model(ccvae, root / "ccvae.pt")
    save_model(vae, root / "vae.pt")
    dataset.save(root / "dataset.npz")
    return root


def test_cli_all_experiments(files, tmp_path, capsys):
    from latentga.cli import main

    out = tmp_path / "out"
    rc = main(["analyze", "all", "--model", str(files / "ccvae.pt"), "--vae-model", str(files / "vae.pt"),
               "--dataset", str(files / "dataset.npz"), "--out", str(out), "--quiet", "--fires", "3",
               "--samples", "30", "--accept", "5", "--max-candidates", "3000", "--layouts", "5",
               "--iterations", "3", "--max-points", "100", "--reduction", "pca"])
    assert rc == 0
    for name in ("interpolation", "embeddings", "conditional", "interventions"):
        assert _is_png(out / f"{name}.png")
        assert (out / f"{name}.txt").read_text().strip()
    assert set(pd.read_csv(out / "embeddings_r2.csv")["model"]) == {"ccvae", "vae"}
    assert len(pd.read_csv(out / "interventions.csv")) == 2 * 4
    printed = capsys.readouterr().out
    assert "R^2" in printed and "acceptance" in printed


def test_cli_errors_are_one_line(files, tmp_path, capsys):
    from latentga.cli import main

    rc = main(["analyze", "interpolation", "--model", str(tmp_path / "missing.pt"),
               "--dataset", str(files / "dataset.npz"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and "does not exist" in err and "Traceback" not in err
    rc = main(["analyze", "conditional", "--model", str(files / "vae.pt"),
               "--dataset", str(files / "dataset.npz"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and "CCVAE" in err
    for bad in (["interpolation", "--points", "1"], ["interventions", "--step-size", "0"],
                ["embeddings", "--max-points", "2"]):
        rc = main(["analyze", *bad, "--model", str(files / "ccvae.pt"), "--dataset", str(files / "dataset.npz"),
                   "--out", str(tmp_path), "--quiet", "--no-vae"])
        err = capsys.readouterr().err
        assert rc == 2 and err.startswith("error: ") and bad[1] in err
    assert not list(tmp_path.glob("*.png"))


@pytest.fixture
def one_torch_thread():
    """Training through the pipeline uses torch's thread count; one thread is faster on 2 busy cores."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_cli_from_a_config_trains_and_caches_both_models(tmp_path, capsys, one_torch_thread):
    import yaml

    from latentga.cli import main

    cache = tmp_path / "cache"
    config = {"dataset": {"n": 80, "n_fires": 3, "seed": 1}, "output": {"cache_dir": str(cache)},
              "model": {**{k: v for k, v in TINY.items() if k != "kind"}, "epochs": 1}}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(config))
    args = ["analyze", "embeddings", "--config", str(path), "--out", str(tmp_path / "out"), "--quiet",
            "--reduction", "pca", "--max-points", "60"]
    assert main(args) == 0
    assert set(pd.read_csv(tmp_path / "out" / "embeddings_r2.csv")["model"]) == {"ccvae", "vae"}
    models = sorted(p.name.split("-")[1] for p in cache.glob("model-*.pt"))
    assert models == ["ccvae", "vae"]
    first = capsys.readouterr().out
    assert main(args) == 0  # second run: models come from the cache, same numbers
    assert capsys.readouterr().out == first
