"""What delta evaluation saves: fires simulated and CPU time, with and without it.

Three tables, all on one core, timed in CPU seconds of this process:

1. A GA "generation": ``--children`` children of single-swap or flip mutations (``operators.
   vanilla.mut_flip``) of as many parents, scored fully (``FireSimulator.evaluate``) and by
   delta (``DeltaEvaluator.evaluate_children``), for random parents and for parents near a
   local optimum (where a GA spends most of its time).
2. The local search: layouts scored per second and fires per second, counting the fires a full
   evaluation would have run (layouts x N) and counting only the fires actually simulated,
   against scoring each layout fully.
3. With ``--quality B1 B2 ...``: the local search's search fitness (N search fires) and held-out
   fitness (``--heldout`` fires, seed 456) at each budget of fires simulated, beside the best
   straight line.

    python benchmarks/delta_speed.py [--fires 100] [--children 100] [--quality 1e5 1e6 1e7]
                                     [--out results/delta_speed.csv]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed

from latentga.operators.vanilla import mut_flip  # noqa: E402

from latentga.baselines.heuristics import best_straight_line  # noqa: E402
from latentga.baselines.local_search import local_search  # noqa: E402
from latentga.io import save_csv_atomic  # noqa: E402
from latentga.layouts import random_layouts  # noqa: E402
from latentga.simulator import FireSimulator  # noqa: E402
from latentga.simulator.delta import DeltaEvaluator  # noqa: E402

__all__ = ["generation_table", "local_search_table", "quality_table", "main"]


def _swap_children(parents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = parents.reshape(len(parents), -1).copy()
    for row in out:
        row[rng.choice(np.flatnonzero(row))] = False
        row[rng.choice(np.flatnonzero(~row))] = True
    return out.reshape(parents.shape)


def _flip_children(parents: np.ndarray, indpb: float, k: int, rng: np.random.Generator) -> np.ndarray:
    out = parents.copy()
    for child in out:
        mut_flip(child, indpb=indpb, budget=k, rng=rng)
    return out


def _timed(fn):
    """``(fn(), CPU seconds)``: CPU time of this process, so a busy machine does not skew it."""
    start = time.process_time()
    value = fn()
    return value, time.process_time() - start


def generation_table(sim: FireSimulator, parent_sets: dict, k: int, rng: np.random.Generator) -> pd.DataFrame:
    """One generation of children per (parents, mutation), scored fully and by delta."""
    delta = DeltaEvaluator(sim)
    rows = []
    for pname, parents in parent_sets.items():
        records = delta.record(parents)
        mutations = {"swap 1 firebreak": _swap_children(parents, rng),
                     "mut_flip indpb=0.01": _flip_children(parents, 0.01, k, rng),
                     "mut_flip indpb=0.05": _flip_children(parents, 0.05, k, rng)}
        for mname, children in mutations.items():
            full_fit, t_full = _timed(lambda: sim.evaluate(children))
            (fit, _, fires), t_delta = _timed(lambda: delta.evaluate_children(children, records))
            assert np.array_equal(fit, full_fit), "delta evaluation differs from full evaluation"
            changed = (children != parents).reshape(len(children), -1).sum(axis=1).mean()
            rows.append({"parents": pname, "mutation": mname, "cells changed": changed,
                         "fires full": len(children) * sim.n_fires, "fires delta": fires,
                         "CPU s full": t_full, "CPU s delta": t_delta, "speed-up": t_full / t_delta})
    return pd.DataFrame(rows)


def local_search_table(sim: FireSimulator, k: int, budget: int, seed: int) -> pd.DataFrame:
    """Local-search throughput (per CPU second) with delta evaluation, against scoring each move fully."""
    res, cpu = _timed(lambda: local_search(sim, k, budget, np.random.default_rng(seed)))
    # the same kind of layouts (one swap from the search's best), each scored fully, one at a time
    rng = np.random.default_rng(seed)
    moves = _swap_children(np.repeat(res.layout[None], 300, axis=0), rng)
    _, t_full = _timed(lambda: [sim.evaluate(m) for m in moves])
    full_layouts_per_s = len(moves) / t_full
    n = sim.n_fires
    return pd.DataFrame([
        {"evaluation": "full (one layout per call)", "layouts/s": full_layouts_per_s,
         "fires/s (counted as full)": full_layouts_per_s * n, "fires/s (simulated)": full_layouts_per_s * n,
         "fires per layout": float(n)},
        {"evaluation": "delta (local search)", "layouts/s": res.calls / cpu,
         "fires/s (counted as full)": res.calls * n / cpu, "fires/s (simulated)": res.fires / cpu,
         "fires per layout": res.fires / res.calls},
    ])


def quality_table(sim: FireSimulator, heldout: FireSimulator, k: int, budgets: list[int], seed: int) -> pd.DataFrame:
    """Search and held-out fitness of the local search per budget, and of the best straight line."""
    line = best_straight_line(sim, k)
    rows = [{"method": line.name, "budget (fires)": line.calls * sim.n_fires, "fires simulated": line.calls * sim.n_fires,
             "layouts scored": line.calls, "search fitness": line.fitness,
             "held-out fitness": float(heldout.evaluate(line.layout)[0]), "CPU s": float("nan")}]
    for budget in budgets:
        res, cpu = _timed(lambda: local_search(sim, k, budget, np.random.default_rng(seed)))
        rows.append({"method": res.name, "budget (fires)": budget, "fires simulated": res.fires,
                     "layouts scored": res.calls, "search fitness": res.fitness,
                     "held-out fitness": float(heldout.evaluate(res.layout)[0]), "CPU s": cpu})
        print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 2), flush=True)
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--fires", type=int, default=100, help="search fires per layout (seed 123)")
    p.add_argument("--children", type=int, default=100, help="children per generation")
    p.add_argument("--k", type=int, default=20, help="firebreaks per layout")
    p.add_argument("--ls-budget", type=float, default=1e6, help="fires simulated by the throughput local search")
    p.add_argument("--quality", type=float, nargs="*", default=[], help="local-search budgets (fires) to score")
    p.add_argument("--heldout", type=int, default=1000, help="held-out fires (seed 456) for --quality")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="write all rows to this CSV")
    args = p.parse_args(argv)

    sim = FireSimulator(n_fires=args.fires, seed=123)
    rng = np.random.default_rng(args.seed)
    sim.evaluate(np.zeros((1, *sim.shape), bool))  # compile and build tables outside the timings
    DeltaEvaluator(sim).evaluate_children(np.zeros((1, *sim.shape), bool), [None])
    good = local_search(sim, args.k, 200_000, np.random.default_rng(args.seed)).layout
    parent_sets = {"random": random_layouts(args.children, sim.shape, args.k, rng),
                   "near a local optimum": _swap_children(_swap_children(np.repeat(good[None], args.children, 0), rng),
                                                          rng)}
    tables = []
    print(f"== one generation: {args.children} children, {args.fires} fires each ==")
    gen = generation_table(sim, parent_sets, args.k, rng)
    print(gen.to_string(index=False, float_format=lambda x: f"{x:.3g}"), flush=True)
    tables.append(gen.assign(table="generation"))

    print(f"\n== local search throughput ({args.ls_budget:.0e} fires simulated) ==")
    ls = local_search_table(sim, args.k, int(args.ls_budget), args.seed)
    print(ls.to_string(index=False, float_format=lambda x: f"{x:,.0f}"), flush=True)
    tables.append(ls.assign(table="local search"))

    if args.quality:
        print(f"\n== local search quality: {args.fires} search fires (seed 123), {args.heldout} held-out (seed 456) ==")
        heldout = FireSimulator(n_fires=args.heldout, seed=456)
        q = quality_table(sim, heldout, args.k, [int(b) for b in args.quality], args.seed)
        print(q.to_string(index=False, float_format=lambda x: f"{x:.4f}"), flush=True)
        tables.append(q.assign(table="quality"))
    if args.out:
        save_csv_atomic(args.out, pd.concat(tables, ignore_index=True))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
