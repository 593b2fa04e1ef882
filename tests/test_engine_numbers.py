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
