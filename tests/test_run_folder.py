"""A results folder belongs to one run: refused, locked, replaced only when asked, never mixed."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from latentga.cli import main
from latentga.errors import OutputError
from latentga.runs.folder import claim_run_folder
from latentga.runs.results import read_manifest, verify_results

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

TINY = ["--quiet", "--set", "ga.population=4", "--set", "ga.generations=1", "--set", "simulator.n_fires=3",
        "--set", "operators.mate.name=cx_uniform", "--set", "operators.mutate.name=mut_flip"]


def _snapshot(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _run(out, *extra):
    return main(["run", "--out", str(out), *TINY, *extra])


def test_a_second_run_is_refused_and_the_first_is_untouched(tmp_path, capsys):
    out = tmp_path / "res"
    assert _run(out) == 0
    manifest = verify_results(out)
    assert manifest["status"] == "finished" and manifest["generation"] == 1
    before = _snapshot(out)
    capsys.readouterr()
    assert _run(out, "--set", "seed=2") == 2  # another config
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already holds a finished run" in err
    assert "--resume" in err and "--overwrite" in err
    assert _run(out) == 2  # the same config again: still the folder's run, not silently recomputed
    assert _snapshot(out) == before


def test_overwrite_replaces_and_a_replacement_that_fails_puts_the_old_run_back(tmp_path):
    out = tmp_path / "res"
    assert _run(out) == 0
    before = _snapshot(out)
    assert _run(out, "--overwrite", "--set", "firebreaks=500") == 2  # fails after the claim
    assert _snapshot(out) == before and verify_results(out)
    assert not (out / ".previous").exists()
    assert _run(out, "--overwrite", "--set", "seed=3") == 0
    assert "seed: 3" in (out / "config.yaml").read_text() and verify_results(out)
    assert not (out / ".previous").exists()


def test_a_run_killed_before_its_results_must_be_resumed_or_overwritten(tmp_path, monkeypatch, capsys):
    import latentga.runs.results as results

    out = tmp_path / "res"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # killed after its last checkpoint, before writing its results

    monkeypatch.setattr(results, "write_results", killed)
    assert _run(out) == 130
    monkeypatch.undo()
    assert read_manifest(out)["status"] == "running"
    capsys.readouterr()
    assert _run(out) == 2  # rerunning the crashed command
    err = capsys.readouterr().err
    assert "an unfinished run" in err and "--resume" in err and "--overwrite" in err
    assert main(["run", "--resume", "--out", str(out), "--quiet"]) == 0
    assert verify_results(out)["status"] == "finished"


def test_a_locked_folder_is_refused_while_its_run_writes(tmp_path, capsys):
    out = tmp_path / "res"
    with claim_run_folder(out, checkpoint_name="checkpoint.npz"):
        assert _run(out) == 2
        assert "in use by another run" in capsys.readouterr().err
        with pytest.raises(OutputError, match="in use"):
            with claim_run_folder(out):
                pass
    assert _run(out) == 0  # released when the run ends


def test_a_changed_result_file_fails_verification(tmp_path):
    out = tmp_path / "res"
    assert _run(out) == 0
    (out / "logbook.csv").write_text("gen\n0\n")
    with pytest.raises(OutputError, match="logbook.csv is not the file the run wrote"):
        verify_results(out)


def test_two_processes_with_one_out_the_second_refuses_and_the_killed_one_resumes(tmp_path):
    out = tmp_path / "res"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    long_run = [sys.executable, "-m", "latentga", "run", "--out", str(out), *TINY, "--set", "ga.generations=400"]
    first = subprocess.Popen(long_run, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not (out / "checkpoint.npz").exists() and time.time() < deadline:
            assert first.poll() is None, first.stderr.read()
            time.sleep(0.1)
        second = subprocess.run(long_run, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2 and "in use by another run" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    third = subprocess.run(long_run, env=env, capture_output=True, text=True, timeout=120)
    assert third.returncode == 2 and "--resume" in third.stderr  # the lock died with the run
    resumed = subprocess.run([sys.executable, "-m", "latentga", "run", "--resume", "--out", str(out), "--quiet",
                              "--set", "ga.generations=3"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert verify_results(out)["generation"] >= 3


def _killed_overwrite(out: Path, env: dict) -> None:
    """An ``--overwrite`` of ``out`` killed with SIGKILL once its first checkpoint is written."""
    cmd = [sys.executable, "-m", "latentga", "run", "--out", str(out), *TINY, "--overwrite",
           "--set", "ga.generations=400", "--set", "seed=5"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not ((out / ".previous").is_dir() and (out / "checkpoint.npz").exists()) and time.time() < deadline:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_a_killed_overwrite_then_a_failed_retry_keeps_the_finished_run(tmp_path, capsys):
    out = tmp_path / "res"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    assert _run(out) == 0
    before = _snapshot(out)
    _killed_overwrite(out, env)
    assert _snapshot(out) != before and (out / ".previous" / "run.json").is_file()
    capsys.readouterr()
    assert _run(out) == 2  # the folder says where the finished run is and how to get it back
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{out / '.previous'}" in err and "--restore-previous" in err
    assert main(["run", "--restore-previous", "--out", str(out)]) == 0
    assert _snapshot(out) == before and not (out / ".previous").exists()
    _killed_overwrite(out, env)
    assert _run(out, "--overwrite", "--set", "firebreaks=500") == 2  # a retry that fails after the claim
    assert _snapshot(out) == before and verify_results(out)
    assert not any(p.name.startswith(".previous") for p in out.iterdir())


def test_a_resumed_replacement_drops_the_run_it_replaced_when_it_finishes(tmp_path):
    out = tmp_path / "res"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    assert _run(out) == 0
    _killed_overwrite(out, env)
    assert main(["run", "--resume", "--out", str(out), "--quiet", "--set", "ga.generations=2"]) == 0
    assert verify_results(out)["generation"] >= 2 and "seed: 5" in (out / "config.yaml").read_text()
    assert not any(p.name.startswith(".previous") for p in out.iterdir())


def test_resume_checks_the_folder_against_its_manifest(tmp_path, capsys):
    out, other = tmp_path / "res", tmp_path / "other"
    assert _run(out) == 0 and _run(other, "--set", "seed=2") == 0
    assert "checkpoint.npz" in read_manifest(out)["files"]  # the manifest covers the checkpoint
    good_log = (out / "logbook.csv").read_bytes()
    (out / "logbook.csv").write_text("gen,avg\n0,0.99\n")
    capsys.readouterr()
    assert main(["run", "--resume", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "logbook.csv is not the file this run wrote" in err and "--trust-folder" in err
    (out / "logbook.csv").write_bytes(good_log)
    (out / "checkpoint.npz").write_bytes((other / "checkpoint.npz").read_bytes())  # well formed, not this run's
    assert main(["run", "--resume", "--out", str(out), "--quiet"]) == 2
    assert "checkpoint.npz is not the file this run wrote" in capsys.readouterr().err
    with pytest.raises(OutputError, match="checkpoint.npz is not the file"):
        verify_results(out)
    assert main(["run", "--resume", "--out", str(out), "--quiet", "--trust-folder", "--set", "seed=2"]) == 0
    assert verify_results(out)


def test_leftovers_of_a_killed_write_are_flagged_then_removed_by_the_next_run(tmp_path):
    out = tmp_path / "res"
    assert _run(out) == 0
    leftover = out / ".checkpoint.tmpab12cd34.npz"  # what kill -9 during a checkpoint write leaves
    leftover.write_bytes(b"\0" * (1 << 20))
    with pytest.raises(OutputError, match="leftover.*checkpoint.tmpab12cd34"):
        verify_results(out)
    assert main(["run", "--resume", "--out", str(out), "--quiet", "--set", "ga.generations=2"]) == 0
    assert not leftover.exists() and verify_results(out)["generation"] == 2
