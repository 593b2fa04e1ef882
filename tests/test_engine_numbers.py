"""Numbers unchanged: the one-loop engine reproduces the pre-refactor engine's vanilla runs exactly."""

import json
from pathlib import Path

import numpy as np
import pytest

from latentga.config import load_config
from latentga.ga import run_ga
from latentga.pipeline import make_simulator
from latentga.problems import firebreak_problem

RECORD = json.loads((Path(__file__).parent / "data" / "engine_before_refactor.json").read_text())


@pytest.mark.parametrize("name, extra", [("vanilla", []), ("vanilla_nodelta", ["ga.delta_evaluation=false"])])
def test_vanilla_run_matches_the_recorded_pre_refactor_numbers(name, extra):
    config = load_config(Path(__file__).resolve().parents[1] / "configs" / "vanilla.yaml", overrides=["ga.population=20", "ga.generations=4",
                                                            "simulator.n_fires=20", *extra])
    _, log, hof = run_ga(config, firebreak_problem(config, make_simulator(config)), progress=False)
    want = RECORD["runs"][name]
    got = [{k: v for k, v in e.items() if k != "time"} for e in log]
    assert got == want["log"]
    assert [np.flatnonzero(np.asarray(h)).tolist() for h in hof] == want["hof"]


def _strip(log):
    return [{k: v for k, v in e.items() if k != "time"} for e in log]


def _hof(hof):
    return [np.flatnonzero(np.asarray(h)).tolist() for h in hof]


def test_seeded_run_with_a_fire_budget_matches_the_recorded_numbers(tmp_path):
    """ga.init_layouts (two seeds) and ga.max_cost (stops after generation 3) through the engine."""
    seeds = np.zeros((2, 20, 20), bool)
    seeds[0].flat[:20] = True
    seeds[1].flat[-20:] = True
    np.save(tmp_path / "seeds.npy", seeds)
    config = load_config(Path(__file__).resolve().parents[1] / "configs" / "vanilla.yaml",
                         overrides=["ga.population=20", "ga.generations=4", "simulator.n_fires=20",
                                    f"ga.init_layouts={tmp_path / 'seeds.npy'}", "ga.max_cost=900"])
    _, log, hof = run_ga(config, firebreak_problem(config, make_simulator(config)), progress=False)
    want = RECORD["runs"]["vanilla_init_layouts_max_cost"]
    assert _strip(log) == want["log"] and _hof(hof) == want["hof"]


def test_k_subset_run_matches_the_recorded_numbers():
    from latentga.problems import KSubsetProblem

    config = load_config(None, {"seed": 3, "ga": {"population": 30, "generations": 8, "elite": 2, "chunk_size": 10},
                                "operators": {"mate": "cx_uniform",
                                              "mutate": {"name": "mut_flip", "params": {"indpb": 0.02}}}})
    _, log, hof = run_ga(config, KSubsetProblem.random((6, 7), k=5, seed=2), progress=False)
    want = RECORD["runs"]["k_subset"]
    assert _strip(log) == want["log"] and _hof(hof) == want["hof"]


@pytest.mark.slow
def test_latent_run_with_weighted_retraining_matches_the_recorded_numbers():
    """A CCVAE's latent operators with weighted retraining every 2 generations (trains a tiny model)."""
    import copy

    from latentga.dataset import build_dataset
    from latentga.models import train_model
    from latentga.retraining import weighted_retraining
    from latentga.simulator import FireSimulator

    sim = FireSimulator(n_fires=6, seed=123)
    data = build_dataset(sim, n=120, k=20, seed=0, workers=1, progress=False)
    tiny = {"kind": "ccvae", "latent_dim": 8, "char_dim": 4, "channels": [8, 16], "head_hidden": [8], "epochs": 2}
    model = train_model(data.layouts, data.fitness, tiny, seed=0, progress=False).model
    config = load_config(None, ["name=wr", "ga.population=10", "ga.generations=4", "ga.elite=1",
                                "simulator.n_fires=6", "operators.mate.name=cx_uniform", "retraining.every=2",
                                "retraining.top=100", "operators.mutate.params.steps=1"])
    hook = weighted_retraining(config, copy.deepcopy(model), data)
    _, log, hof = run_ga(config, firebreak_problem(config, sim), hook.model, progress=False, hooks=[hook])
    want = RECORD["runs"]["latent_retraining"]
    assert hook.retrained == 2
    assert _strip(log) == want["log"] and _hof(hof) == want["hof"]
