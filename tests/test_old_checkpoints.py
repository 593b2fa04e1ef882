"""Checkpoints written by earlier versions still resume, to the numbers of an uninterrupted run.

``k_subset_d3dad90_gen2.npz``: the engine before the algorithm object (its config has no
``ga.seeding``, ``ga.memetic`` or ``simulator.fuel_model``). ``firebreaks_32ca5c7_gen2.npz``:
written while ``simulator.fuel_model`` was hashed at its default (sparse delta records).
Both were made by ``run_ga(..., out_dir=...)`` with the settings below, stopped after generation 2.
"""

import shutil
from pathlib import Path

import pytest

from latentga.config import load_config
from latentga.ga import run_ga
from latentga.problems import KSubsetProblem, firebreak_problem

DATA = Path(__file__).parent / "data" / "checkpoints"


def _strip(log):
    return [{k: v for k, v in e.items() if k != "time"} for e in log]


def _resume(name, tmp_path, config, problem):
    shutil.copy(DATA / name, tmp_path / "checkpoint.npz")
    _, resumed, _ = run_ga(config, problem, out_dir=tmp_path, resume=True, progress=False)
    _, straight, _ = run_ga(config, problem, progress=False)
    return _strip(resumed), _strip(straight)


def test_a_checkpoint_from_before_the_algorithm_object_resumes(tmp_path):
    config = load_config(None, {"seed": 3, "ga": {"population": 12, "generations": 4, "elite": 2, "chunk_size": 10},
                                "operators": {"mate": "cx_uniform",
                                              "mutate": {"name": "mut_flip", "params": {"indpb": 0.02}}}})
    resumed, straight = _resume("k_subset_d3dad90_gen2.npz", tmp_path, config, KSubsetProblem.random((6, 7), k=5, seed=2))
    assert [e["gen"] for e in resumed] == [0, 1, 2, 3, 4]
    # the same individuals and counts; fitness within the k-subset's change to exact sums
    for a, b in zip(resumed, straight):
        assert {k: a[k] for k in ("gen", "nevals", "evaluations")} == {k: b[k] for k in ("gen", "nevals", "evaluations")}
        assert all(a[k] == pytest.approx(b[k], abs=1e-15) for k in a)


def test_a_checkpoint_written_while_fuel_model_was_hashed_resumes_exactly(tmp_path):
    from latentga.pipeline import make_simulator

    config = load_config(None, ["ga.population=8", "ga.generations=4", "simulator.n_fires=4", "name=old",
                                "operators.mate.name=cx_uniform", "operators.mutate.name=mut_flip"])
    resumed, straight = _resume("firebreaks_32ca5c7_gen2.npz", tmp_path, config,
                                firebreak_problem(config, make_simulator(config)))
    assert resumed == straight and len(resumed) == 5
