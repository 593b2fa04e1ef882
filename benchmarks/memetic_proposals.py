"""The memetic step's proposals climbing from the same layout at equal fires (docs/search.md).

    python benchmarks/memetic_proposals.py --landscape ../shared/reference/dogrib --firebreaks 700 \
        --fires 1000 --budget 300000 [--proposals burned,idle,segment] [--seeds 0,1]

The start is the parallel fuel-break lines on the search fires (seed 123, fires anywhere); each
proposal climbs from it with ``strategy: first`` until ``--budget`` fires are spent. Prints one
Markdown row per (proposal, seed): moves tried and taken, search fitness, held-out fitness on
``--heldout`` fresh fires (seed 2024, the comparisons' held-out fires) and CPU seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--landscape", help="Cell2Fire instance folder (default: built-in Sub20x20)")
    p.add_argument("--firebreaks", type=int, default=20)
    p.add_argument("--fires", type=int, default=100)
    p.add_argument("--heldout", type=int, default=1000)
    p.add_argument("--budget", type=int, default=100_000, help="fires each climb may spend")
    p.add_argument("--proposals", default="burned,idle,segment")
    p.add_argument("--seeds", default="0")
    p.add_argument("--z", default="0", help="comma-separated significance bars (ga.memetic.z) to try")
    p.add_argument("--ignitions", default="anywhere", choices=("anywhere", "file"))
    args = p.parse_args(argv)

    import numpy as np

    from latentga.baselines.lines import parallel_lines
    from latentga.search import improve
    from latentga.simulator import FireSimulator, load_landscape
    from latentga.simulator.delta import DeltaEvaluator

    land = load_landscape(args.landscape)
    sim = FireSimulator(land, n_fires=args.fires, seed=123, ignitions=args.ignitions)
    fresh = FireSimulator(land, n_fires=args.heldout, seed=2024, ignitions=args.ignitions)
    t0 = time.process_time()
    start = parallel_lines(sim, args.firebreaks)
    print(f"{land.name}: k = {args.firebreaks}, {args.fires} search fires, {args.heldout} held-out fires; start "
          f"{start.name}: search {start.fitness:.5f}, held-out {fresh.evaluate(start.layout[None])[0]:.5f} "
          f"({start.calls * args.fires:,} fires, {time.process_time() - t0:.0f} CPU s)")
    print("| proposal | z | seed | moves | cells changed | fires | search | held-out | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|")
    delta = DeltaEvaluator(sim)
    (record,) = delta.record(start.layout[None])
    runs = [(p, float(z), int(s)) for p in args.proposals.split(",") for z in args.z.split(",")
            for s in args.seeds.split(",")]
    for proposal, z, seed in runs:
        t0 = time.process_time()
        res = improve([record], delta, np.random.default_rng(seed), moves=10**9, proposal=proposal, z=z,
                      budget=args.budget)
        cpu = time.process_time() - t0
        (out,) = res.records
        changed = int((out.layout != record.layout).sum())
        print(f"| {proposal} | {z:g} | {seed} | {res.evaluations:,} | {changed} | {res.fires:,} | "
              f"{out.fitness:.5f} | {fresh.evaluate(out.layout[None])[0]:.5f} | {cpu:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
