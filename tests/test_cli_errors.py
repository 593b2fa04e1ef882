"""Bad input on the command line: one line naming the problem and the fix, exit 2, nothing run."""

import os

import numpy as np
import pytest
import torch

from latentga.cli import main

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

TINY = ["--quiet", "--set", "ga.population=4", "--set", "ga.generations=1", "--set", "simulator.n_fires=3",
        "--set", "operators.mate.name=cx_uniform", "--set", "operators.mutate.name=mut_flip"]


class _RunsCode:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def one_line_error(capsys, argv, *needles):
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)
    return captured


@pytest.mark.parametrize("argv, needles", [
    (["run", "--set", "seed=-1"], ["'seed' = -1", "--set seed=0"]),
    (["run", "--set", "dataset.seed=-3"], ["'dataset.seed' = -3"]),
    (["run", "--set", "simulator.seed=4294967296"], ["'simulator.seed' = 4294967296"]),
    (["dataset", "--seed", "-1", "--n", "5"], ["'dataset.seed' = -1", "--seed 0"]),
    (["dataset", "--fire-seed", "-1", "--n", "5"], ["'simulator.seed' = -1", "--fire-seed"]),
])
def test_negative_or_too_large_seeds(tmp_path, capsys, argv, needles):
    one_line_error(capsys, argv + ["--out", str(tmp_path / "out")] + (TINY if argv[0] == "run" else []), *needles)
    assert not (tmp_path / "out").exists()


def test_out_naming_a_file_or_a_folder_that_cannot_exist(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("keep me")
    one_line_error(capsys, ["run", "--out", str(blocker)] + TINY, "is a file, not a folder", "--out")
    one_line_error(capsys, ["run", "--out", str(blocker / "sub")] + TINY, "because", "afile is a file")
    one_line_error(capsys, ["dataset", "--n", "5", "--out", str(blocker / "d.npz")], "afile is a file")
    one_line_error(capsys, ["dataset", "--n", "5", "--out", str(tmp_path)], "is a folder", ".npz")
    assert blocker.read_text() == "keep me"


def test_resume_of_a_missing_folder_prints_nothing_before_its_error(tmp_path, capsys):
    captured = one_line_error(capsys, ["run", "--resume", "--out", str(tmp_path / "none")],
                              "no checkpoint", "without --resume")
    assert captured.out == ""  # no default config header, no dataset or training line
    assert not (tmp_path / "none").exists()


def test_analyze_given_a_npy_as_dataset(tmp_path, capsys):
    npy = tmp_path / "layouts.npy"
    np.save(npy, np.zeros((3, 20, 20), bool))
    one_line_error(capsys, ["analyze", "interpolation", "--dataset", str(npy), "--out", str(tmp_path / "a")],
                   "plain .npy array", "dataset --out")


def test_analyze_given_a_model_file_with_code(tmp_path, capsys):
    from latentga.dataset import build_dataset
    from latentga.simulator import FireSimulator

    data = build_dataset(FireSimulator(n_fires=2, seed=1), n=4, k=20, seed=0, workers=1, progress=False)
    data.save(tmp_path / "d.npz")
    marker = tmp_path / "ran"
    torch.save({"format": "latentga-model", "x": _RunsCode(marker)}, tmp_path / "m.pt")
    captured = one_line_error(capsys, ["analyze", "interpolation", "--dataset", str(tmp_path / "d.npz"),
                                       "--model", str(tmp_path / "m.pt"), "--out", str(tmp_path / "a"), "--quiet"],
                              "not a latentga model", "train")
    assert "weights_only" not in captured.err and not marker.exists()


def test_a_yaml_config_with_python_tags_is_refused_and_nothing_runs(tmp_path, capsys):
    marker = tmp_path / "ran"
    config = tmp_path / "evil.yaml"
    config.write_text(f"name: evil\nseed: !!python/object/apply:os.mkdir ['{marker}']\n")
    one_line_error(capsys, ["run", str(config), "--out", str(tmp_path / "out")] + TINY, "evil.yaml", "line 2")
    assert not marker.exists()


def test_simulate_given_a_npy_with_pickled_objects(tmp_path, capsys):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.npy"
    np.save(evil, np.array([_RunsCode(marker)], dtype=object), allow_pickle=True)
    one_line_error(capsys, ["simulate", "--layouts", str(evil), "--fires", "2"], "evil.npy", "Python objects")
    assert not marker.exists()
