"""The engine on a problem that knows nothing of fires: the k-subset toy with a known optimum."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from latentga.config import load_config
from latentga.ga import run_ga
from latentga.problems import KSubsetProblem, Problem

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "k_subset.py"
CONFIG = {"seed": 3, "ga": {"population": 30, "generations": 40, "elite": 2, "chunk_size": 10},
          "operators": {"mate": "cx_uniform", "mutate": {"name": "mut_flip", "params": {"indpb": 0.02}}}}


def test_vanilla_ga_finds_the_known_optimum():
    problem = KSubsetProblem.random((6, 6), k=5, seed=1)
    _, log, hof = run_ga(load_config(None, CONFIG), problem, progress=False)
    assert hof[0].fitness.values[0] == pytest.approx(1.0)
    assert np.array_equal(hof[0], problem.optimum())
    assert log[-1]["cost"] == log[-1]["evaluations"]  # one unit per evaluation
    assert all(int(np.count_nonzero(ind)) == 5 for ind in hof)


def test_resume_of_a_user_problem_equals_the_uninterrupted_run(tmp_path):
    problem = KSubsetProblem.random((6, 7), k=5, seed=2)
    short = load_config(None, {**CONFIG, "ga": {**CONFIG["ga"], "generations": 5}})
    full = load_config(None, {**CONFIG, "ga": {**CONFIG["ga"], "generations": 12}})
    run_ga(short, problem, out_dir=tmp_path, progress=False)
    _, resumed, _ = run_ga(full, problem, out_dir=tmp_path, resume=True, progress=False)
    _, straight, _ = run_ga(full, problem, progress=False)
    strip = lambda log: [{k: v for k, v in e.items() if k != "time"} for e in log]  # noqa: E731
    assert strip(resumed) == strip(straight)


def test_a_problem_must_implement_the_interface():
    class Half(Problem):
        def evaluate(self, individuals):
            return np.zeros(len(individuals))

    with pytest.raises(TypeError):
        Half()


@pytest.mark.slow
def test_user_problem_runs_under_scoop_with_the_serial_numbers():
    serial = subprocess.run([sys.executable, str(EXAMPLE), "--generations", "8"], capture_output=True,
                            text=True, check=True, cwd=ROOT)
    scooped = subprocess.run([sys.executable, "-m", "scoop", "-n", "2", str(EXAMPLE), "--generations", "8"],
                             capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert scooped.returncode == 0, scooped.stderr[-2000:]
    last = [line for line in scooped.stdout.splitlines() if line.startswith("{")][-1]
    assert json.loads(last) == json.loads(serial.stdout.strip().splitlines()[-1])
