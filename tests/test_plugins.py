"""Plug-ins by dotted path: a user's model class trains, saves, loads and drives latent operators."""

from pathlib import Path

import numpy as np
import pytest

from latentga.config import load_config
from latentga.errors import ConfigError, ModelFileError
from latentga.ga import run_ga
from latentga.models import LayoutCCVAE, load_model
from latentga.pipeline import ensure_model, make_simulator
from latentga.problems import firebreak_problem

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs


class ScaledCCVAE(LayoutCCVAE):
    """A plug-in model: the built-in CCVAE whose decoder logits are sharpened."""

    def decode(self, z):
        return 2.0 * super().decode(z)


SMALL = ["dataset.n=120", "dataset.n_fires=4", "simulator.n_fires=4", "model.latent_dim=8", "model.char_dim=4",
         "model.channels=[8,16]", "model.head_hidden=[8]", "model.epochs=1", "ga.population=8",
         "ga.generations=2", "model.kind=test_plugins:ScaledCCVAE"]


def test_a_plugin_model_trains_loads_and_runs_a_latent_ga(tmp_path):
    config = load_config(Path(__file__).resolve().parents[1] / "configs" / "ccvae_gd.yaml", overrides=SMALL + [f"output.cache_dir={tmp_path}"])
    model = ensure_model(config, progress=False)
    assert type(model) is ScaledCCVAE and model.is_conditional
    _, log, hof = run_ga(config, firebreak_problem(config, make_simulator(config)), model, progress=False)
    assert len(log) == 3 and all(int(np.count_nonzero(h)) == 20 for h in hof)
    path = next(tmp_path.glob("model-test_plugins_ScaledCCVAE-*.pt"))
    with pytest.raises(ModelFileError, match="plug-in class 'test_plugins:ScaledCCVAE'.*does not name"):
        load_model(path)  # a file alone never decides what gets imported
    assert type(load_model(path, kind="test_plugins:ScaledCCVAE")) is ScaledCCVAE


@pytest.mark.parametrize("kind, match", [("test_plugins:nope", "no model class 'nope'"),
                                         ("latentga.models.factory:build_model", "not a subclass"),
                                         ("no_such_module:Model", "cannot import module")])
def test_a_bad_plugin_model_is_one_clear_error(kind, match, tmp_path):
    from latentga.models import build_model

    with pytest.raises(ConfigError, match=match):  # a missing class at load, before any dataset is built
        build_model(load_config(None, [f"model.kind={kind}"])["model"], (20, 20))


def test_deaps_own_selection_operator_plugs_in():
    """DEAP's selTournament by dotted path; it draws from Python's `random`, seeded here."""
    import random

    from latentga.problems import KSubsetProblem

    config = load_config(None, {"seed": 1, "ga": {"population": 12, "generations": 4, "elite": 1},
                                "operators": {"mate": "cx_uniform", "mutate": {"name": "mut_flip",
                                                                               "params": {"indpb": 0.05}},
                                              "select": {"name": "deap.tools:selTournament",
                                                         "params": {"tournsize": 3}}}})
    problem = KSubsetProblem.random((5, 5), k=4, seed=0)
    runs = []
    for _ in range(2):
        random.seed(7)
        runs.append(run_ga(config, problem, progress=False)[1].select("best_so_far"))
    assert runs[0] == runs[1] and runs[0][-1] >= runs[0][0]
