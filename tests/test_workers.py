"""Worker processes die with the run that started them: kill -9, SIGTERM, library or CLI."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
              pytest.mark.slow]  # kills real processes and waits for them

LIBRARY = """
import sys
from latentga.dataset import build_dataset
from latentga.simulator import FireSimulator
build_dataset(FireSimulator(n_fires=20, seed=1), n=400_000, k=20, seed=0, workers=2, progress=False)
"""


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent's reaping is missing


def _start(cmd, cwd):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        kids = _children(proc.pid)
        if len(kids) >= 2:
            time.sleep(1.0)  # the workers are scoring chunks now
            return proc, _children(proc.pid)
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.1)
    proc.kill()
    pytest.fail("no worker processes appeared")


def _gone_within(pids, seconds=5.0) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    for p in pids:  # do not leave them behind even when the test fails
        if _alive(p):
            os.kill(p, signal.SIGKILL)
    return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_library_pool_workers_die_with_their_parent(tmp_path, sig):
    proc, workers = _start([sys.executable, "-c", LIBRARY], tmp_path)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert _gone_within(workers), "orphaned workers still running"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_cli_dataset_build_killed_leaves_no_workers_and_no_temporaries(tmp_path, sig):
    out = tmp_path / "ds.npz"
    proc, workers = _start([sys.executable, "-m", "latentga", "dataset", "--n", "400000", "--fires", "20",
                            "--workers", "2", "--out", str(out)], tmp_path)
    proc.send_signal(sig)
    code = proc.wait(timeout=30)
    assert _gone_within(workers), "orphaned workers still running"
    if sig == signal.SIGTERM:  # the CLI turns SIGTERM into a clean exit: one line, status 143
        err = proc.stderr.read()
        assert code == 143 and err.rstrip().endswith("\nterminated") and "Traceback" not in err, err
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".ds.tmp")]
