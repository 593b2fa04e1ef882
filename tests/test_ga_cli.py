"""`python -m latentga run`: the results folder, resume, and clean errors (real simulator)."""

import numpy as np
import pandas as pd
import pytest

from latentga.cli import main
from latentga.config import load_config

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

SMALL = ["--set", "ga.population=8", "--set", "ga.generations=2", "--set", "simulator.n_fires=5"]
VANILLA = ["--set", "operators.mate.name=cx_uniform", "--set", "operators.mutate.name=mut_flip",
           "--set", "name=van"]


def test_vanilla_run_writes_the_results_folder_and_trains_nothing(tmp_path, capsys):
    cache = tmp_path / "cache"
    out = tmp_path / "out"
    args = ["run", "--out", str(out), "--set", f"output.cache_dir={cache}"] + SMALL + VANILLA
    assert main(args) == 0
    for name in ("logbook.csv", "best_layouts.npy", "best_layout.png", "convergence.png", "config.yaml",
                 "checkpoint.npz"):
        assert (out / name).is_file(), name
    log = pd.read_csv(out / "logbook.csv")
    assert list(log["gen"]) == [0, 1, 2]
    assert {"nevals", "avg", "std", "min", "max", "best_so_far", "evaluations", "cost", "cost_full", "time"} <= set(log)
    best = np.load(out / "best_layouts.npy")
    assert best.ndim == 3 and best.shape[1:] == (20, 20) and (best.sum(axis=(1, 2)) == 20).all()
    saved = load_config(out / "config.yaml")
    assert saved["operators"]["mutate"]["name"] == "mut_flip" and saved["ga"]["population"] == 8
    assert not cache.exists()  # no dataset, no model for a vanilla run
    text = capsys.readouterr().out
    assert "gen   2/2" in text and "best fitness" in text

    # a finished run continues with more generations from its checkpoint and its own config.yaml
    assert main(["run", "--resume", "--out", str(out), "--set", "ga.generations=3"]) == 0
    assert list(pd.read_csv(out / "logbook.csv")["gen"]) == [0, 1, 2, 3]
    assert load_config(out / "config.yaml")["ga"]["generations"] == 3
    # resuming with another config is refused and leaves the folder's config alone
    assert main(args + ["--resume", "--set", "ga.population=10"]) == 2
    assert load_config(out / "config.yaml")["ga"]["population"] == 8


def test_ccvae_gd_run_builds_dataset_and_model_through_the_pipeline(tmp_path):
    cache = tmp_path / "cache"
    args = ["run", "--quiet", "--workers", "1", "--out", str(tmp_path / "out"), "--set", f"output.cache_dir={cache}",
            "--set", "dataset.n=200", "--set", "dataset.n_fires=5", "--set", "model.epochs=2",
            "--set", "model.channels=[8, 16]", "--set", "model.latent_dim=8", "--set", "model.char_dim=4",
            "--set", "model.head_hidden=[8]"] + SMALL
    assert main(args) == 0
    assert any(cache.glob("dataset-*.npz")) and any(cache.glob("model-ccvae-*.pt"))
    assert len(pd.read_csv(tmp_path / "out" / "logbook.csv")) == 3


def test_user_errors_are_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("ga:\n  popsize: 3\n")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "ga.popsize" in err and "Traceback" not in err
    assert main(["run", "--resume", "--out", str(tmp_path / "none")] + SMALL + VANILLA) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_quiet_and_verbose_set_the_log_level_of_the_progress_lines(tmp_path, capsys):
    args = ["run", "--out", str(tmp_path / "a"), "--set", f"output.cache_dir={tmp_path / 'c'}"] + SMALL + VANILLA
    assert main(["--quiet"] + args) == 0
    assert "gen " not in capsys.readouterr().out  # progress is INFO: hidden
    assert main(["--verbose"] + args[:2] + [str(tmp_path / "b")] + args[3:]) == 0
    assert "gen   2/2" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # argparse refuses both
        main(["--quiet", "--verbose"] + args)


def test_ctrl_c_names_the_command_that_continues_the_run(tmp_path, capsys, monkeypatch):
    import shlex

    from latentga.ga import checkpoint as ckpt

    out = tmp_path / "out dir"  # a space: the printed command must still work when pasted
    real = ckpt.save_checkpoint

    def interrupted_after_generation_1(path, **kw):
        real(path, **kw)
        if kw["generation"] == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(ckpt, "save_checkpoint", interrupted_after_generation_1)
    assert main(["run", "--out", str(out)] + SMALL + VANILLA) == 130
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("interrupted; continue with: python -m latentga run --resume --out ")
    monkeypatch.setattr(ckpt, "save_checkpoint", real)
    words = shlex.split(line.split("continue with: ", 1)[1])
    assert main(words[3:]) == 0  # the printed command, as given: the run finishes
    assert list(pd.read_csv(out / "logbook.csv")["gen"]) == [0, 1, 2]
