"""Latent GA variants end to end: real dataset from the simulator, a tiny CCVAE trained on it."""

import numpy as np
import pytest

from latentga.config import load_config
from latentga.dataset import build_dataset
from latentga.ga import run_ga
from latentga.models import train_model
from latentga.problems import firebreak_problem
from latentga.simulator import FireSimulator

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

def ga(cfg, simulator, model=None, **kwargs):
    """``run_ga`` on the firebreak problem of ``cfg`` scored by ``simulator``."""
    return run_ga(cfg, firebreak_problem(cfg, simulator), model, **kwargs)


TINY_MODEL = dict(kind="ccvae", latent_dim=8, char_dim=4, channels=[8, 16], head_hidden=[16], epochs=8,
                  batch_size=32, dropout=0.0)
BASE = ["name=lat", "ga.population=10", "ga.generations=2", "simulator.n_fires=6", "ga.chunk_size=4"]


@pytest.fixture(scope="module")
def sim():
    return FireSimulator(n_fires=6, seed=123)


@pytest.fixture(scope="module")
def dataset(sim):
    return build_dataset(sim, n=240, k=20, seed=0, workers=1, progress=False)


@pytest.fixture(scope="module")
def ccvae(dataset):
    return train_model(dataset.layouts, dataset.fitness, TINY_MODEL, seed=0, progress=False, threads=1).model


def cfg(*extra):
    return load_config(None, BASE + [f"model.{k}={v}" for k, v in TINY_MODEL.items()] + list(extra))


@pytest.mark.parametrize("mutate", ["mut_ccvae_gradient", "mut_ccvae_conditional", "mut_latent_resample"])
def test_latent_ga_keeps_budget_and_best(mutate, sim, ccvae, tmp_path):
    config = cfg(f"operators.mutate.name={mutate}", "ga.mutpb=0.6")
    pop, log, hof = ga(config, sim, ccvae, out_dir=tmp_path, progress=False)
    assert all(ind.sum() == 20 for ind in pop)
    best = [e["best_so_far"] for e in log]
    assert best == sorted(best) and log[-1]["max"] == best[-1]
    assert log[1]["nevals"] > 0
    if mutate == "mut_ccvae_gradient":
        again = ga(config, sim, ccvae, out_dir=tmp_path / "again", progress=False)[1]
        assert [e["avg"] for e in again] == [e["avg"] for e in log]  # reproducible with a model too


def test_init_from_the_dataset(sim, dataset, tmp_path):
    vanilla = ["operators.mate.name=cx_uniform", "operators.mutate.name=mut_flip"]
    best = ga(cfg("ga.init=dataset_best", "ga.generations=0", *vanilla), sim, None, out_dir=tmp_path,
                  progress=False, dataset=dataset)[0]
    top = np.sort(dataset.fitness)[::-1][:10]
    chosen = np.sort([float(dataset.fitness[np.flatnonzero((dataset.layouts == ind).all(axis=(1, 2)))[0]])
                      for ind in best])[::-1]
    assert np.allclose(chosen, top)
    sample = ga(cfg("ga.init=dataset", "ga.generations=0", *vanilla), sim, None, out_dir=tmp_path / "s",
                    progress=False, dataset=dataset)[0]
    keys = {l.tobytes() for l in dataset.layouts}
    assert all(np.asarray(ind).tobytes() in keys for ind in sample)
