"""The same comparison serially and under SCOOP (-n 2, -n 16, several hosts), side by side.

Reports wall time, CPU time, "Lost track of future" warnings, task executions and whether the
numbers are identical.

    python benchmarks/scoop_scaling.py [--workers 2 16] [--repeats 1] [--set KEY=VALUE ...]
        [--hostfile FILE [--external-hostname ADDRESS] [--tunnel]] [--modes serial scoop hostfile]
        [--out CSV]

Each mode runs this script again as a child process (``--work``), which runs the quick
comparison (``configs/compare.yaml --quick`` plus ``--set`` overrides) through
:func:`latentga.parallel.parallel_map`, counts every execution of a task (a task run twice
counts twice) and writes a digest of all results (every run's trace without its timings, best
layout, fitness and cost). Modes are interleaved over ``--repeats`` so a loaded machine hurts all alike; the
table reports the median wall and CPU time (of the child and all its processes), the most
"Lost track" lines and executions seen, and whether every digest equals the serial one.
``--hostfile FILE`` adds a run over SCOOP's host file (``-n`` = the largest ``--workers``;
``--external-hostname ADDRESS`` or ``--tunnel`` are passed on to SCOOP).
Exits 1 when a digest differs or a task ran twice.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, not installed

from latentga.parallel import parallel_map, setup_process  # noqa: E402

setup_process()

__all__ = ["CountedTask", "work", "run_mode", "main"]

LOST = "Lost track of future"


class CountedTask:
    """``func`` that appends one line per call to ``log`` (O_APPEND: whole lines from any
    process), so the parent can tell work sent twice from work done once."""

    def __init__(self, func, log: str):
        self.func, self.log = func, log

    def __call__(self, task):
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{task.method} {task.seed} {os.getpid()}\n".encode())
        finally:
            os.close(fd)
        return self.func(task)


def _digest(results) -> str:
    h = hashlib.sha256()
    for r in results:
        h.update(f"{r.method}|{r.seed}|{r.fitness!r}|{r.heldout!r}|{r.calls}|{r.fires}".encode())
        h.update(repr(getattr(r, "validation", None)).encode())
        h.update(r.layout.tobytes())
        timing = [c for c in r.trace.columns if "seconds" in c]  # CPU and wall time differ by nature
        h.update(r.trace.drop(columns=timing).to_csv(index=False).encode())
    return h.hexdigest()


def work(overrides: list[str], log: str) -> dict:
    """Run the quick comparison through :func:`parallel_map`; return digest and counts."""
    from latentga.comparison import load_compare_config, run_comparison

    config = load_compare_config(ROOT / "configs" / "compare.yaml", quick=True, overrides=overrides)
    mapper = parallel_map()

    def counted_map(func, tasks):
        return mapper(CountedTask(func, log), tasks)

    comparison = run_comparison(config, map_fn=counted_map, progress=False)
    executions = Path(log).read_text().splitlines()
    return {"digest": _digest(comparison.results), "tasks": len(comparison.results),
            "executions": len(executions), "seconds": comparison.seconds,
            "processes": len({line.split()[-1] for line in executions})}


def _command(mode: str, workers: int, hostfile: str | None, external: list[str] | None = None) -> list[str]:
    script = str(Path(__file__).resolve())
    if mode == "serial":
        return [sys.executable, script]
    if mode == "hostfile":
        extra = list(external or [])
        return [sys.executable, "-m", "scoop", "--hostfile", hostfile, *extra, "-n", str(workers), script]
    return [sys.executable, "-m", "scoop", "-n", str(workers), script]


def run_mode(mode: str, workers: int, overrides: list[str], hostfile: str | None = None,
             external: list[str] | None = None) -> dict:
    """Run one mode in a child process; wall and CPU time, warnings, and the child's report."""
    with tempfile.TemporaryDirectory(prefix="scoop_scaling.") as tmp:
        out, log = Path(tmp) / "report.json", Path(tmp) / "executions.log"
        cmd = _command(mode, workers, hostfile, external) + ["--work", str(out), "--log", str(log)]
        cmd += [f"--set={o}" for o in overrides]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0 or not out.exists():
            raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        report = json.loads(out.read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lost = sum(LOST in line for line in (proc.stdout + proc.stderr).splitlines())
    return {**report, "mode": mode, "workers": workers, "wall": wall, "cpu": cpu, "lost": lost}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, nargs="+", default=[2, 16],
                   help="SCOOP worker counts to run beside the serial run (default: 2 16)")
    p.add_argument("--repeats", type=int, default=1, help="runs of each mode, interleaved (default 1)")
    p.add_argument("--hostfile", help="also run with `python -m scoop --hostfile FILE`")
    p.add_argument("--external-hostname", metavar="ADDRESS",
                   help="passed to SCOOP with --hostfile: the address other hosts reach this one at")
    p.add_argument("--tunnel", action="store_true",
                   help="passed to SCOOP with --hostfile: route the broker's ports through ssh (needed where "
                   "this host's name resolves only to a loopback address)")
    p.add_argument("--modes", nargs="+", choices=["serial", "scoop", "hostfile"],
                   default=["serial", "scoop", "hostfile"], help="which modes to run (default all; serial "
                   "is the reference for 'same numbers' and always runs)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="comparison config override on top of --quick, e.g. --set run.ga.generations=6")
    p.add_argument("--out", type=Path, help="also write the runs as CSV")
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--log", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeats < 1 or any(w < 1 for w in args.workers):
        p.error("--repeats and --workers must be positive")
    if args.hostfile and not Path(args.hostfile).is_file():
        p.error(f"--hostfile {args.hostfile}: no such file")
    return args


def _table(runs: list[dict]) -> list[dict]:
    rows, serial = [], next(r for r in runs if r["mode"] == "serial")
    for key in dict.fromkeys((r["mode"], r["workers"]) for r in runs):
        group = [r for r in runs if (r["mode"], r["workers"]) == key]
        label = {"serial": "serial", "scoop": f"scoop -n {key[1]}", "hostfile": f"scoop --hostfile -n {key[1]}"}
        rows.append({"mode": label[key[0]],
                     "wall_s": statistics.median(r["wall"] for r in group),
                     "cpu_s": statistics.median(r["cpu"] for r in group),
                     "lost_track": max(r["lost"] for r in group),
                     "tasks": group[0]["tasks"], "executions": max(r["executions"] for r in group),
                     "processes": max(r["processes"] for r in group),
                     "same_numbers": all(r["digest"] == serial["digest"] for r in group)})
    return rows


def main(argv=None) -> int:
    from latentga.logs import configure

    configure()  # the library's progress lines (logging) on stdout
    args = parse_args(argv)
    if args.work:
        from latentga.io import write_text_atomic

        write_text_atomic(args.work, json.dumps(work(args.overrides, args.log)))
        return 0
    modes = [("serial", 1)] + [("scoop", w) for w in args.workers if "scoop" in args.modes]
    if args.hostfile and "hostfile" in args.modes:
        modes.append(("hostfile", max(args.workers)))
    runs = []
    for _ in range(args.repeats):
        for mode, workers in modes:
            external = (["--external-hostname", args.external_hostname] if args.external_hostname else []) + (
                ["--tunnel"] if args.tunnel else [])
            runs.append(run_mode(mode, workers, args.overrides, args.hostfile, external))
            r = runs[-1]
            print(f"{mode} {workers}: wall {r['wall']:.1f}s cpu {r['cpu']:.1f}s lost {r['lost']} "
                  f"executions {r['executions']}/{r['tasks']}", flush=True)
    rows = _table(runs)
    print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end\n")
    print("| mode | wall s (median) | CPU s | Lost track lines | task executions / tasks | processes used | same numbers as serial |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['lost_track']} | "
              f"{r['executions']} / {r['tasks']} | {r['processes']} | {'yes' if r['same_numbers'] else 'NO'} |")
    if args.out:
        import pandas as pd

        from latentga.io import save_csv_atomic

        save_csv_atomic(args.out, pd.DataFrame(runs).drop(columns=["digest"]))
    bad = [r for r in rows if not r["same_numbers"] or r["executions"] > r["tasks"]]
    return 1 if bad else 0


if __name__ == "__main__":
    code = main()
    if code:  # no SystemExit on success: SCOOP's root process would print it as a traceback
        sys.exit(code)
