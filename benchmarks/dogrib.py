"""Dogrib end to end: time and peak memory of each stage, then every method's held-out fitness.

    python benchmarks/dogrib.py                     # all stages, fresh cache under results/dogrib
    python benchmarks/dogrib.py --stages dataset model ga
    python benchmarks/dogrib.py --table-only        # print the table of a finished comparison

Stages, each in its own process so its peak memory is its own (``os.wait4``'s rusage: wall,
user+system CPU, max RSS): ``dataset`` (configs/dogrib_ccvae.yaml's random layouts scored on
their fires), ``model`` (the conv CCVAE trained on it), ``ga`` (one GA run: population 100, 20
generations, 100 fires per layout), ``compare`` (configs/compare_dogrib.yaml: every method,
scored on held-out fires) and ``search_fires`` (the deterministic heuristics -- burn probability,
DPV, greedy DPV -- built on 100, 1,000 and 5,000 search fires and scored on the comparison's
held-out fires: how many search fires it takes before a layout fitted to them holds on fresh
ones). Stages share one cache folder, so a later stage reuses what an
earlier one built; a stage run on a warm cache times a load, not a build (``--cache`` fresh).
The machine's load average is printed beside each stage: timings on a shared machine say so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUN_CONFIG = ROOT / "configs" / "dogrib_ccvae.yaml"
COMPARE_CONFIG = ROOT / "configs" / "compare_dogrib.yaml"
STAGES = ("dataset", "model", "ga", "compare", "search_fires")
SEARCH_FIRES = (100, 1000, 5000)
GREEDY_MAX_FIRES = 1000  # greedy DPV: one simulation of every search fire per pick (700 picks)

__all__ = ["STAGES", "run_stage", "measure", "search_fires_rows", "search_fires_table"]


def _config(cache: Path) -> dict:
    from latentga.config import load_config

    return load_config(RUN_CONFIG, [f"output.cache_dir={cache}"])


def run_stage(stage: str, cache: Path, out: Path, threads: int) -> dict:
    """Run one stage in THIS process; returns what it built (sizes, fitness) for the report."""
    from latentga.pipeline import ensure_dataset, ensure_model, make_simulator

    config = _config(cache)
    if stage == "dataset":
        ds = ensure_dataset(config, progress=False, workers=threads)
        return {"layouts": len(ds), "summary": ds.summary()}
    if stage == "model":
        ds = ensure_dataset(config, progress=False, workers=threads)
        model = ensure_model(config, ds, progress=True, threads=threads)
        return {"parameters": sum(p.numel() for p in model.parameters()), "latent_dim": model.latent_dim}
    if stage == "ga":
        import torch

        from latentga.ga import run_ga
        from latentga.problems import firebreak_problem

        torch.set_num_threads(threads)
        model = ensure_model(config, progress=False)
        sim = make_simulator(config)
        pop, log, hof = run_ga(config, firebreak_problem(config, sim), model, out_dir=out / "ga", progress=False)
        return {"generations": len(log) - 1, "evaluations": int(log[-1]["evaluations"]),
                "fires": int(log[-1]["cost"]), "best_search_fitness_gen0": float(log[0]["max"]),
                "best_search_fitness": float(log[-1]["best_so_far"])}
    if stage == "compare":
        cmd = [sys.executable, str(ROOT / "benchmarks" / "compare.py"), str(COMPARE_CONFIG), "--out",
               str(out / "compare"), "--set", f"run.output.cache_dir={cache}", "--quiet"]
        subprocess.run(cmd, check=True, cwd=ROOT)
        return {"summary": str(out / "compare" / "summary.csv")}
    if stage == "search_fires":
        return {"rows": search_fires_rows(config, threads)}
    raise SystemExit(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")


def search_fires_rows(config: dict, threads: int) -> list[dict]:
    """Search and held-out fitness of each deterministic heuristic per number of search fires."""
    from latentga.baselines.dpv import dpv_layout
    from latentga.baselines.heuristics import burn_probability_layout
    from latentga.comparison.config import load_compare_config
    from latentga.comparison.tasks import heldout_simulator
    from latentga.pipeline import make_simulator

    heldout = heldout_simulator(config, load_compare_config(COMPARE_CONFIG).heldout)
    k, rows = config.firebreaks, []
    for n_fires in SEARCH_FIRES:
        sim = make_simulator(config, n_fires=n_fires)
        builders = {"burn probability": lambda: burn_probability_layout(sim, k),
                    "DPV": lambda: dpv_layout(sim, k)}
        if n_fires <= GREEDY_MAX_FIRES:
            builders["DPV (greedy)"] = lambda: dpv_layout(sim, k, greedy=True)
        for name, build in builders.items():
            t0 = time.process_time()
            result = build()
            rows.append({"method": name, "search_fires": n_fires, "search": float(result.fitness),
                         "heldout": float(heldout.evaluate(result.layout[None])[0]),
                         "cpu_s": round(time.process_time() - t0, 1)})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def measure(stage: str, cache: Path, out: Path, threads: int) -> dict:
    """Run ``stage`` in a child process; wall seconds, CPU seconds, peak RSS (GiB), its result."""
    result = out / f"{stage}.json"
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", stage, "--cache", str(cache), "--out", str(out),
                             "--threads", str(threads)], cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"stage {stage} failed (exit {os.waitstatus_to_exitcode(status)})")
    row = {"stage": stage, "wall_s": round(wall, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
           "peak_rss_gib": round(usage.ru_maxrss / 2**20, 2), "load_before": round(load, 1),
           "load_after": round(os.getloadavg()[0], 1), **json.loads(result.read_text())}
    print(json.dumps(row), flush=True)
    with open(out / "timings.jsonl", "a") as fh:
        fh.write(json.dumps(row) + "\n")
    return row


def search_fires_table(rows: list[dict]) -> str:
    """The ``search_fires`` stage's rows as a plain-text table."""
    import pandas as pd

    return pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4f}")


def main(argv: list[str] | None = None) -> int:
    from latentga.logs import configure

    configure()  # the library's progress lines (logging) on stdout
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    p.add_argument("--cache", type=Path, default=None, help="cache folder (default: OUT/cache, fresh)")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "dogrib")
    p.add_argument("--threads", type=int, default=2, help="torch threads and dataset workers (default 2)")
    p.add_argument("--table-only", action="store_true")
    p.add_argument("--child", choices=STAGES, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    cache = args.cache if args.cache is not None else args.out / "cache"
    if args.child:
        info = run_stage(args.child, cache, args.out, args.threads)
        (args.out / f"{args.child}.json").write_text(json.dumps(info))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        for stage in args.stages:
            measure(stage, cache, args.out, args.threads)
    summary = args.out / "compare" / "summary.md"  # the comparison's own Markdown tables
    if summary.is_file():
        print(summary.read_text())
    fires = args.out / "search_fires.json"
    if fires.is_file():
        print(search_fires_table(json.loads(fires.read_text())["rows"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
