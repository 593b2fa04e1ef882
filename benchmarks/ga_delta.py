"""The GA with and without delta evaluation: fires simulated and wall time per generation.

A vanilla GA (``configs/vanilla.yaml``'s operators: uniform crossover, ``mut_flip`` 1%,
tournament 3, elite 2) on the built-in Sub20x20 landscape, population 100, 20 generations, 100
fires per layout, run with ``ga.delta_evaluation`` off and on (same seed, in this process, no
checkpoints, one core). Delta evaluation must not change the search: the script checks that
both runs give the same logbook apart from the fires and time columns (so the same best fitness)
and the same final population, and exits 1 otherwise.

Per generation it prints: layouts scored, fires simulated without / with delta evaluation, and
the median wall time and CPU time of this process over ``--repeats`` runs of each (CPU time is
the fairer number on a loaded machine). Numba compilation is done before timing.

    python benchmarks/ga_delta.py [--population 100] [--generations 20] [--fires 100]
                                  [--repeats 3] [--seed 0] [--out results/ga_delta.csv]
    # another landscape, e.g. Dogrib with fires anywhere and 700 breaks:
    python benchmarks/ga_delta.py --landscape ../shared/reference/dogrib --ignitions anywhere --k 700 \
        --indpb 0.0000125 --population 20 --generations 5 --repeats 1
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed

from latentga.config import load_config  # noqa: E402
from latentga.ga import run_ga  # noqa: E402
from latentga.io import save_csv_atomic  # noqa: E402
from latentga.problems import firebreak_problem  # noqa: E402
from latentga.simulator import FireSimulator, load_landscape  # noqa: E402

__all__ = ["vanilla_config", "run_once", "compare", "main"]

VANILLA = ["operators.mate.name=cx_uniform", "operators.mate.params.indpb=0.5",
           "operators.mutate.name=mut_flip", "operators.mutate.params.indpb=0.01",
           "operators.select.name=sel_tournament", "operators.select.params.tournsize=3",
           "ga.cxpb=0.7", "ga.mutpb=0.3", "ga.elite=2", "ga.init=random", "firebreaks=20"]


def vanilla_config(population: int, generations: int, fires: int, seed: int, delta: bool, k: int = 20,
                   indpb: float = 0.01) -> dict:
    """The vanilla run config, with delta evaluation on or off."""
    return load_config(None, VANILLA + [f"name=ga_delta_{'on' if delta else 'off'}", f"seed={seed}",
                                        f"ga.population={population}", f"ga.generations={generations}",
                                        f"simulator.n_fires={fires}", f"ga.delta_evaluation={str(delta).lower()}",
                                        f"firebreaks={k}", f"operators.mutate.params.indpb={indpb}"])


def run_once(config: dict, sim: FireSimulator) -> tuple[list, pd.DataFrame, float]:
    """One run: (final population, logbook frame + per-generation ``cpu`` seconds, total CPU s).

    CPU seconds of this process (between the engine's per-generation hook calls) are reported
    beside the logbook's wall time because a shared machine's load inflates wall time.
    """
    marks = [time.process_time()]
    pop, log, _ = run_ga(config, firebreak_problem(config, sim), out_dir=None, progress=False,
                         on_generation=lambda gen, population, hof, logbook: marks.append(time.process_time()))
    frame = pd.DataFrame(list(log)).rename(columns={"cost": "fires", "evaluations": "sim_calls"})
    frame["cpu"] = np.diff(marks)
    return pop, frame, marks[-1] - marks[0]


def compare(population: int, generations: int, fires: int, seed: int, repeats: int, landscape: str | None = None,
            ignitions: str = "file", k: int = 20, indpb: float = 0.01) -> tuple[pd.DataFrame, dict]:
    """Per-generation table of both runs, and a summary; raises if the two searches differ."""
    sim = FireSimulator(load_landscape(landscape), n_fires=fires, seed=123, ignitions=ignitions)
    warm = dict(population=8, generations=1, fires=fires, seed=seed, k=k, indpb=indpb)
    for delta in (False, True):  # numba compile / cache load and table building, untimed
        run_once(vanilla_config(**warm, delta=delta), sim)
    logs: dict[bool, list[pd.DataFrame]] = {False: [], True: []}
    pops: dict[bool, list] = {}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for delta in (False, True):  # interleaved, so machine load hits both alike
            pop, frame, seconds = run_once(vanilla_config(population, generations, fires, seed, delta, k, indpb), sim)
            logs[delta].append(frame)
            pops[delta] = pop
            cpu[delta].append(seconds)
    off, on = logs[False][0], logs[True][0]
    search = [c for c in off.columns if c not in ("fires", "time", "cpu", "cost_full")]
    if not off[search].equals(on[search]) or not np.array_equal(np.stack(pops[False]), np.stack(pops[True])):
        raise AssertionError("delta evaluation changed the search: logbooks or populations differ")
    if any(not f[search + ["fires"]].equals(logs[d][0][search + ["fires"]]) for d in logs for f in logs[d]):
        raise AssertionError("repeated runs differ: the GA is not reproducible")
    table = pd.DataFrame({
        "gen": off["gen"], "layouts scored": off["sim_calls"].diff().fillna(off["sim_calls"]).astype(int),
        "fires full": off["fires"].diff().fillna(off["fires"]).astype(int),
        "fires delta": on["fires"].diff().fillna(on["fires"]).astype(int),
        "s full": np.median([f["time"] for f in logs[False]], axis=0),
        "s delta": np.median([f["time"] for f in logs[True]], axis=0),
        "CPU s full": np.median([f["cpu"] for f in logs[False]], axis=0),
        "CPU s delta": np.median([f["cpu"] for f in logs[True]], axis=0),
    })
    table["fires saved"] = 1 - table["fires delta"] / table["fires full"].where(table["fires full"] > 0)
    table["CPU speed-up"] = table["CPU s full"] / table["CPU s delta"]
    summary = {
        "best fitness (full)": float(off["best_so_far"].iloc[-1]),
        "best fitness (delta)": float(on["best_so_far"].iloc[-1]),
        "fires full": int(off["fires"].iloc[-1]), "fires delta": int(on["fires"].iloc[-1]),
        "wall s full": float(table["s full"].sum()), "wall s delta": float(table["s delta"].sum()),
        "CPU s full (median run)": float(np.median(cpu[False])),
        "CPU s delta (median run)": float(np.median(cpu[True])),
    }
    return table, summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--population", type=int, default=100)
    p.add_argument("--generations", type=int, default=20)
    p.add_argument("--fires", type=int, default=100, help="fires per layout (simulator seed 123)")
    p.add_argument("--repeats", type=int, default=3, help="runs of each variant; times are medians")
    p.add_argument("--seed", type=int, default=0, help="GA seed")
    p.add_argument("--out", help="write the per-generation table to this CSV")
    p.add_argument("--landscape", help="Cell2Fire instance folder (default: the built-in Sub20x20)")
    p.add_argument("--ignitions", default="file", choices=["file", "anywhere"])
    p.add_argument("--k", type=int, default=20, help="firebreaks")
    p.add_argument("--indpb", type=float, default=0.01, help="mut_flip's per-cell flip rate")
    args = p.parse_args(argv)
    if min(args.population, args.fires, args.repeats) < 1 or args.generations < 0:
        p.error("--population, --fires and --repeats must be >= 1, --generations >= 0")

    print(f"vanilla GA on {args.landscape or 'Sub20x20'}: k = {args.k}, population {args.population}, {args.generations} generations, "
          f"{args.fires} fires, seed {args.seed}, {args.repeats} run(s) of each", flush=True)
    try:
        table, summary = compare(args.population, args.generations, args.fires, args.seed, args.repeats,
                                 args.landscape, args.ignitions, args.k, args.indpb)
    except AssertionError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    with pd.option_context("display.width", 140, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))
    s = summary
    print(f"\nbest fitness: full {s['best fitness (full)']:.6f}, delta {s['best fitness (delta)']:.6f} "
          f"(identical searches: same logbook but fires/time, same final population)")
    print(f"fires simulated: full {s['fires full']}, delta {s['fires delta']} "
          f"({1 - s['fires delta'] / s['fires full']:.1%} fewer)")
    print(f"wall time (sum of per-generation medians, gen 0 included): full {s['wall s full']:.2f}s, "
          f"delta {s['wall s delta']:.2f}s; CPU per run: full {s['CPU s full (median run)']:.2f}s, "
          f"delta {s['CPU s delta (median run)']:.2f}s")
    if args.out:
        save_csv_atomic(args.out, table)
        print(f"table written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
