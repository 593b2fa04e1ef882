"""``python -m latentga simulate``: flags for ignitions and curing, bad values, long runs in blocks."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from latentga.cli.simulate import score_in_fire_blocks
from latentga.simulator import FireSimulator

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs


def _simulate(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "latentga", "simulate", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_fire_blocks_give_the_same_fitness_as_one_call():
    lays = np.zeros((3, 20, 20), bool)
    lays[1, :, 10] = True
    lays[2, 7, :] = True
    for kw in ({}, {"ros_cv": 0.5}, {"ignitions": "anywhere"}):
        sim = FireSimulator(n_fires=250, seed=9, **kw)
        blocks = score_in_fire_blocks(sim, lays, block=64, progress=False)
        assert np.array_equal(blocks, sim.evaluate(lays)), kw


def test_large_fire_counts_show_progress_and_an_estimate(capfd):
    sim = FireSimulator(n_fires=3000, seed=4)
    score_in_fire_blocks(sim, np.zeros((1, 20, 20), bool), block=1000, progress=True)
    err = capfd.readouterr().err
    assert "3000/3000" in err and "fire/s" in err and "<" in err  # tqdm's elapsed<remaining estimate


@pytest.mark.slow
@pytest.mark.parametrize("value", ["inf", "-1", "nan"])
def test_bad_ros_cv_is_one_line(value):
    out = _simulate("--fires", "5", "--ros-cv", value)
    assert out.returncode != 0 and "ros_cv must be a number from 0 to 10" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_ignitions_anywhere_flag():
    out = _simulate("--fires", "30", "--ignitions", "anywhere")
    assert out.returncode == 0, out.stderr
    assert "ignitions='anywhere'" in out.stdout
    assert float(out.stdout.split("fitness ")[1].split()[0]) != float(
        _simulate("--fires", "30").stdout.split("fitness ")[1].split()[0])
