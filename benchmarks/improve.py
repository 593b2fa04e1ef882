"""What 1, 3 and 10 moves gain from the best straight line and from DPV's plan (docs/improve.md).

    python benchmarks/improve.py [--landscape DIR] [--moves 10] [--exhaustive] [--model FILE]

Starts are built on the search fires (as the baselines of a comparison are); every gain is on
fresh fires. Prints one Markdown row per (start, M) and the wall time of an M = 3 improvement.
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
    p.add_argument("--moves", type=int, default=10)
    p.add_argument("--shortlist", type=int, default=40)
    p.add_argument("--exhaustive", action="store_true")
    p.add_argument("--model", type=Path, help="a CCVAE file whose gradient interventions propose moves too")
    args = p.parse_args(argv)

    from latentga.baselines.dpv import dpv_layout
    from latentga.baselines.heuristics import best_straight_line
    from latentga.context import FRESH_FIRES, FRESH_SEED
    from latentga.improve import improve_plan
    from latentga.simulator import FireSimulator, load_landscape

    land = load_landscape(args.landscape)
    sim = FireSimulator(land, n_fires=args.fires, seed=123)
    fresh = FireSimulator(land, n_fires=FRESH_FIRES, seed=FRESH_SEED)
    model = None
    if args.model is not None:
        from latentga.models import load_model

        model = load_model(args.model)
    starts = {"best straight line": best_straight_line(sim, args.firebreaks).layout,
              "DPV": dpv_layout(sim, args.firebreaks).layout}
    opts = dict(fresh=fresh, model=model, shortlist=args.shortlist, exhaustive=args.exhaustive)
    how = "exhaustive" if args.exhaustive else f"shortlist {args.shortlist}"
    print(f"{land.name}: {args.fires} search fires (seed 123), {FRESH_FIRES} fresh fires (seed {FRESH_SEED}), "
          f"{how}{', model ' + str(args.model) if model is not None else ''}")
    print("| start | M | moves made | search fitness | fresh fitness | fresh gain | wall s |")
    print("|---|---|---|---|---|---|---|")
    for name, plan in starts.items():
        t0 = time.perf_counter()
        three = improve_plan(sim, plan, 3, **opts)
        t3 = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = improve_plan(sim, plan, args.moves, **opts)
        t_all = time.perf_counter() - t0
        assert (three.plan == res.plans[min(3, len(res.plans) - 1)]).all()  # greedy: M = 3 is a prefix
        c = res.curve.set_index("moves")
        for m in sorted({0, 1, 3, args.moves}):
            row = c.loc[m]
            wall = f"{t3:.1f}" if m == 3 else f"{t_all:.1f}" if m == args.moves else ""
            print(f"| {name} | {m} | {min(m, len(res.moves))} | {row.search_fitness:.4f} | {row.fresh_fitness:.4f} | "
                  f"{row.fresh_gain_total:+.4f} | {wall} |")
        src = res.moves["source"].value_counts().to_dict()
        print(f"|  | moves proposed by: {src} |  |  |  |  |  |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
