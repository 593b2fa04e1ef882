"""latentga.parallel: thread pinning, bundling, and SCOOP runs with no future sent twice."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from latentga.parallel import THREAD_VARIABLES, bundle_indices, parallel_map, pin_threads, under_scoop

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

ROOT = Path(__file__).resolve().parents[1]


def test_outside_scoop_the_map_is_the_builtin():
    assert not under_scoop()
    assert parallel_map() is map


@pytest.mark.parametrize("n_items,n_bundles", [(0, 3), (1, 4), (7, 2), (20, 3), (68, 16)])
def test_bundles_deal_the_items_round_robin(n_items, n_bundles):
    bundles = bundle_indices(n_items, n_bundles)
    flat = sorted(i for b in bundles for i in b)
    assert flat == list(range(n_items))
    sizes = [len(b) for b in bundles]
    assert len(bundles) == min(n_items, n_bundles) and (not sizes or max(sizes) - min(sizes) <= 1)
    assert all(i % n_bundles == b for b, bundle in enumerate(bundles) for i in bundle)
    with pytest.raises(ValueError, match="n_bundles"):
        bundle_indices(n_items, 0)


def test_pin_threads_sets_the_libraries_and_rejects_a_bad_count(monkeypatch):
    torch = pytest.importorskip("torch")
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    old = torch.get_num_threads()
    try:
        numba_loaded = "numba" in sys.modules
        pin_threads(1)
        assert all(os.environ.get(name) == "1" for name in THREAD_VARIABLES
                   if not (numba_loaded and name == "NUMBA_NUM_THREADS"))
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(old)
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="positive integer"):
            pin_threads(bad)


SCRIPT = textwrap.dedent('''
    import os, sys, time
    sys.path.insert(0, {root!r})
    from latentga.parallel import parallel_map, setup_process
    setup_process()

    def slow_square(x):
        with open({log!r}, "a") as f:
            f.write(f"{{x}} {{os.getpid()}} {{os.environ.get('OMP_NUM_THREADS')}}\\n")
        time.sleep(3.0)  # longer than SCOOP's 2 s status polling of an idle origin
        return x * x

    __all__ = ["slow_square"]

    if __name__ == "__main__":
        print("RESULT", list(parallel_map()(slow_square, range(5))), "ORIGIN", os.getpid(), flush=True)
''')


@pytest.mark.parametrize("workers", [2, 3])
def test_scoop_runs_every_task_once_in_order_with_no_lost_future(tmp_path, workers):
    """More workers than cores (3 on a 2-core machine) bundles; either way nothing is re-sent."""
    pytest.importorskip("scoop")
    log = tmp_path / "calls.log"
    script = tmp_path / "slow.py"
    script.write_text(SCRIPT.format(root=str(ROOT), log=str(log)))
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    proc = subprocess.run([sys.executable, "-m", "scoop", "-n", str(workers), str(script)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "RESULT [0, 1, 4, 9, 16]" in out
    assert "Lost track" not in out
    calls = [line.split() for line in log.read_text().splitlines()]
    assert sorted(int(c[0]) for c in calls) == [0, 1, 2, 3, 4]  # each task exactly once
    origin = out.split("ORIGIN")[1].split()[0]
    assert all(c[2] == "1" for c in calls if c[1] != origin)  # workers pinned to one thread
    workers_used = {c[1] for c in calls}
    assert len(workers_used) <= min(workers, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else workers)


def _session_processes(sid: int) -> set[int]:
    """Live (not zombie) processes of session ``sid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                data = Path(f"/proc/{entry}/stat").read_bytes()
            except OSError:
                continue
            fields = data[data.rindex(b")") + 2:].split()
            if int(fields[3]) == sid and fields[0] != b"Z":
                found.add(int(entry))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["kill -9 plain scoop", "kill -9 launcher", "ctrl-c"])
def test_a_scoop_run_leaves_no_process_once_its_launcher_is_killed_or_interrupted(tmp_path, how):
    import signal
    import time

    pytest.importorskip("scoop")
    out = tmp_path / "res"
    launch = ["scoop"] if how == "kill -9 plain scoop" else ["latentga.scoop_run"]
    cmd = [sys.executable, "-m", *launch, "-n", "2", str(ROOT / "latentga" / "__main__.py"), "run", "--out", str(out),
           "--quiet", "--set", "ga.population=4", "--set", "ga.generations=100000", "--set", "simulator.n_fires=3",
           "--set", "operators.mate.name=cx_uniform", "--set", "operators.mutate.name=mut_flip"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout's latentga in every SCOOP process
    launcher = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, env=env)
    try:
        deadline = time.time() + 120
        while not (out / "checkpoint.npz").exists() and time.time() < deadline:  # mid-run
            assert launcher.poll() is None
            time.sleep(0.2)
        tree = _session_processes(launcher.pid)
        assert len(tree) >= 4  # launcher, host launcher, origin, worker
        if how == "ctrl-c":
            os.killpg(launcher.pid, signal.SIGINT)  # what the terminal sends to the foreground group
        else:
            launcher.kill()
        code = launcher.wait(timeout=30)
        assert code == (130 if how == "ctrl-c" else -9)
        deadline = time.time() + 10
        while _session_processes(launcher.pid) & tree and time.time() < deadline:
            time.sleep(0.2)
        assert not _session_processes(launcher.pid) & tree, "processes left after 10 s"
    finally:
        for pid in _session_processes(launcher.pid):
            os.kill(pid, signal.SIGKILL)


def test_the_scoop_launcher_exits_with_the_origins_exit_code(tmp_path):
    pytest.importorskip("scoop")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "latentga.scoop_run", "-n", "2", str(ROOT / "latentga" / "__main__.py"), "run",
           "--out", str(tmp_path / "res"), "--quiet", "--set", "firebreaks=500"]  # fails: more than the cells
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 2, done.stderr[-2000:]  # plain `python -m scoop` exits 0 here
    assert "error: " in done.stderr and "Traceback" not in done.stderr
