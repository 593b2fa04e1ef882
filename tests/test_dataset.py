"""The labelled dataset: reproducible, cached by settings, safe against corrupt files."""

import numpy as np
import pytest

from latentga.dataset import Dataset, build_dataset, load_or_build_dataset
from latentga.errors import DatasetError
from latentga.simulator import FireSimulator


@pytest.fixture(scope="module")
def simulator():
    return FireSimulator(n_fires=20, seed=123)


@pytest.mark.slow
def test_dataset_layouts_have_budget_and_fitness_matches_simulator(simulator):
    ds = build_dataset(simulator, n=40, k=20, seed=3, workers=1, progress=False)
    assert ds.layouts.shape == (40, 20, 20)
    assert (ds.layouts.sum(axis=(1, 2)) == 20).all()
    assert np.array_equal(ds.fitness, simulator.evaluate(ds.layouts))
    assert ((ds.fitness > 0) & (ds.fitness <= 1)).all()
    assert ds.settings["simulator"]["n_fires"] == 20


@pytest.mark.slow
def test_same_seed_same_dataset_whatever_the_workers(simulator):
    a = build_dataset(simulator, n=600, k=20, seed=5, workers=1, progress=False)
    b = build_dataset(simulator, n=600, k=20, seed=5, workers=2, progress=False)
    assert np.array_equal(a.layouts, b.layouts) and np.array_equal(a.fitness, b.fitness)
    c = build_dataset(simulator, n=600, k=20, seed=6, workers=1, progress=False)
    assert not np.array_equal(a.layouts, c.layouts)


def test_cache_is_reused_and_guards_its_settings(simulator, tmp_path):
    path = tmp_path / "ds.npz"
    first = load_or_build_dataset(path, simulator, n=30, k=20, seed=1, workers=1, progress=False)
    stamp = path.stat().st_mtime_ns
    again = load_or_build_dataset(path, simulator, n=30, k=20, seed=1, workers=1, progress=False)
    assert path.stat().st_mtime_ns == stamp  # not rebuilt
    assert np.array_equal(first.layouts, again.layouts) and np.array_equal(first.fitness, again.fitness)
    with pytest.raises(DatasetError, match="other settings.*seed"):
        load_or_build_dataset(path, simulator, n=30, k=20, seed=2, workers=1, progress=False)


def test_corrupt_or_missing_dataset_file_gives_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        Dataset.load(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DatasetError, match="corrupt"):
        Dataset.load(bad)


class _RunsCode:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return os.mkdir, (self.marker,)


def test_hostile_or_wrong_kind_of_dataset_file_is_refused_and_nothing_runs(simulator, tmp_path):
    marker = tmp_path / "ran"
    hostile = tmp_path / "hostile.npz"
    np.savez(hostile, layouts=np.array([_RunsCode(marker)], dtype=object), shape=np.array([20, 20]),
             fitness=np.zeros(1), settings=np.asarray("{}"), format_version=np.asarray(1))
    with pytest.raises(DatasetError, match="corrupt or not a latentga dataset"):
        Dataset.load(hostile)
    assert not marker.exists()
    npy = tmp_path / "layouts.npy"
    np.save(npy, np.zeros((2, 20, 20), bool))
    with pytest.raises(DatasetError, match="plain .npy array.*dataset --out"):
        Dataset.load(npy)


RACE = """
import sys
from latentga.dataset import load_or_build_dataset
from latentga.simulator import FireSimulator
ds = load_or_build_dataset(sys.argv[1], FireSimulator(n_fires=20, seed=123), n=6000, k=20, seed=0,
                           workers=1, progress=False)
print(float(ds.fitness.sum()))
"""


@pytest.mark.slow
def test_two_processes_sharing_a_cache_build_the_dataset_once(tmp_path):
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    path = tmp_path / "cache" / "ds.npz"
    cmd = [sys.executable, "-c", RACE, str(path)]
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = path.parent / ".ds.npz.lock"
    deadline = time.time() + 60
    while not lock.exists() and time.time() < deadline:
        time.sleep(0.05)
    second = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert out1 == out2
    assert "waiting for another process building dataset" in err2  # it reused the first one's file
    assert sorted(p.name for p in path.parent.iterdir()) == [".ds.npz.lock", "ds.npz"]
