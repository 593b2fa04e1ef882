"""Weighted retraining: the rank weights, fine-tuning, and exact resume of a retraining GA run."""

import numpy as np
import pytest
import torch

from latentga.config import load_config
from latentga.dataset import build_dataset
from latentga.ga import run_ga
from latentga.models import train_model
from latentga.models.retraining import fine_tune, load_model_state_arrays, model_state_arrays, rank_weights
from latentga.problems import firebreak_problem
from latentga.retraining import weighted_retraining
from latentga.simulator import FireSimulator

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

TINY = {"kind": "ccvae", "latent_dim": 8, "char_dim": 4, "channels": [8, 16], "head_hidden": [8], "epochs": 2}
RUN = ["name=wr", "ga.population=10", "ga.generations=4", "ga.elite=1", "simulator.n_fires=6",
       "operators.mate.name=cx_uniform", "retraining.every=2", "retraining.top=100",
       "operators.mutate.params.steps=1"]


def test_rank_weights_follow_the_formula():
    fitness = np.array([0.5, 0.9, 0.7, np.nan, 0.9])
    w = rank_weights(fitness, k=0.1)
    ranks = np.array([3, 0, 2, 4, 1])
    assert np.allclose(w, 1.0 / (0.1 * 5 + ranks))
    with pytest.raises(ValueError):
        rank_weights(fitness, k=0)


@pytest.fixture(scope="module")
def data():
    sim = FireSimulator(n_fires=6, seed=123)
    return build_dataset(sim, n=120, k=20, seed=0, workers=1, progress=False)


@pytest.fixture(scope="module")
def model(data):
    return train_model(data.layouts, data.fitness, TINY, seed=0, progress=False).model


def test_fine_tune_changes_the_weights_and_repeats_exactly(model, data):
    import copy

    a, b = copy.deepcopy(model).requires_grad_(False), copy.deepcopy(model)  # a: frozen, as models load
    before = model_state_arrays(model)
    fine_tune(a, data.layouts, data.fitness, k=0.01, epochs=1, seed=3)
    fine_tune(b, data.layouts, data.fitness, k=0.01, epochs=1, seed=3)
    after_a, after_b = model_state_arrays(a), model_state_arrays(b)
    assert any(not np.array_equal(before[n], after_a[n]) for n in before)
    assert all(np.array_equal(after_a[n], after_b[n]) for n in after_a)
    assert not any(p.requires_grad for p in a.parameters())  # frozen again for the operators
    c = copy.deepcopy(model)
    load_model_state_arrays(c, after_a)
    assert all(torch.equal(x, y) for x, y in zip(c.state_dict().values(), a.state_dict().values()))


def test_retraining_run_resumes_exactly(model, data, tmp_path, kill_after):
    import copy

    config = load_config(None, RUN)
    sim = FireSimulator(n_fires=6, seed=123)

    def run(out, resume=False):
        hook = weighted_retraining(config, copy.deepcopy(model) if not resume else run.model, data)
        if not resume:
            run.model = hook.model
        pop, log, hof = run_ga(config, firebreak_problem(config, sim), hook.model, out_dir=out, resume=resume,
                               progress=False, hooks=[hook])
        return pop, log, hof, hook

    full = run(tmp_path / "full")
    assert full[3].retrained == 2
    assert any(not np.array_equal(v, model_state_arrays(model)[n]) for n, v in model_state_arrays(full[3].model).items())

    with kill_after(3):  # killed right after generation 3 was checkpointed
        run(tmp_path / "cut")
    run.model = copy.deepcopy(model)  # a fresh process: the model as loaded from the cache
    resumed = run(tmp_path / "cut", resume=True)
    strip = lambda log: [{k: v for k, v in e.items() if k != "time"} for e in log]  # noqa: E731
    assert strip(resumed[1]) == strip(full[1])
    assert np.array_equal(np.stack(resumed[0]), np.stack(full[0]))
    a, b = model_state_arrays(resumed[3].model), model_state_arrays(full[3].model)
    assert all(np.array_equal(a[n], b[n]) for n in a)
