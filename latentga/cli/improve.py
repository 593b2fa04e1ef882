"""``python -m latentga improve``: the few moves that help an existing plan most."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "main"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    from latentga.context import FRESH_FIRES, FRESH_SEED
    from latentga.simulator import SIMULATOR_DEFAULTS as D

    p = subparsers.add_parser(
        "improve",
        epilog="example: python -m latentga improve --plan results/run/plan.csv --max-moves 3",
        help="improve an existing plan with at most M moves (a break from one cell to another)",
        description="Greedily take the move that raises the fitness on the search fires most, scored exactly "
        "by delta evaluation, up to --max-moves times (fewer when no move helps), and report each move "
        "(from/to cell as row, col and Cell2Fire id) with its gain on fresh fires and the gain for every "
        "M from 0 to --max-moves. Writes plan.npy/.csv/.asc, moves.csv, gain_curve.csv/.png, the "
        "burn-probability maps and report.html to --out.",
    )
    p.add_argument("--landscape", metavar="DIR", help="Cell2Fire instance folder (default: built-in Sub20x20)")
    p.add_argument("--plan", metavar="PLAN", type=Path, required=True,
                   help="the existing plan: .npy, Cell2Fire firebreak .csv, .asc or .tif of the landscape's grid")
    p.add_argument("--max-moves", metavar="M", type=int, required=True, help="most moves to make (M >= 0)")
    p.add_argument("--firebreaks", metavar="K", type=int,
                   help="break budget (default: the plan's); above the plan's count, moves may add breaks")
    p.add_argument("--out", metavar="DIR", type=Path, default=Path("results/improve"),
                   help="results folder (default %(default)s)")
    p.add_argument("--fires", type=int, default=D["n_fires"],
                   help=f"search fires the moves are chosen on (default {D['n_fires']})")
    p.add_argument("--seed", type=int, default=D["seed"], help=f"search fires' seed (default {D['seed']})")
    p.add_argument("--fresh-fires", type=int, default=FRESH_FIRES,
                   help=f"fresh fires every gain is reported on (default {FRESH_FIRES})")
    p.add_argument("--fresh-seed", type=int, default=FRESH_SEED, help=f"their seed (default {FRESH_SEED})")
    p.add_argument("--model", metavar="PT", type=Path,
                   help="a CCVAE file (from `train --out`) whose gradient interventions propose moves too")
    p.add_argument("--shortlist", type=int, default=40,
                   help="destinations tried from every break: the cells best as an added break (default 40)")
    p.add_argument("--exhaustive", action="store_true", help="try every (break, free cell) move")
    p.set_defaults(func=main)
    return p


def main(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from latentga.context import PlanContext, write_plan_outputs
    from latentga.errors import ConfigError
    from latentga.improve import improve_plan, plot_gain_curve
    from latentga.io import save_csv_atomic, save_figure_atomic
    from latentga.plans import read_plans
    from latentga.runs.folder import check_output_folder
    from latentga.simulator import FireSimulator, load_landscape

    if args.fresh_seed == args.seed:
        raise ConfigError(f"--fresh-seed {args.fresh_seed} equals --seed: the fresh fires would be the search "
                          "fires; give another --fresh-seed")
    landscape = load_landscape(args.landscape)
    plans = read_plans(args.plan, landscape)
    if len(plans) != 1:
        raise ConfigError(f"{args.plan} holds {len(plans)} plans; give one plan (e.g. the first: "
                          "np.save('plan.npy', np.load(path)[0]))")
    check_output_folder(args.out)
    sim = FireSimulator(landscape, n_fires=args.fires, seed=args.seed)
    fresh = FireSimulator(landscape, n_fires=args.fresh_fires, seed=args.fresh_seed)
    model = None
    if args.model is not None:
        from latentga.models import load_model

        model = load_model(args.model)
    result = improve_plan(sim, plans[0], args.max_moves, firebreaks=args.firebreaks, fresh=fresh, model=model,
                          shortlist=args.shortlist, exhaustive=args.exhaustive)
    import numpy as np

    start, final = result.plans[0], result.plan
    burn = fresh.burn_probability(np.stack([final, np.zeros_like(final), start]))
    fit = 1.0 - burn.reshape(3, -1).mean(axis=1)
    context = PlanContext(float(fit[0]), float(fit[1]), fresh.n_fires, fresh.seed, int(final.sum()), burn[0], burn[1],
                          ("the input plan", float(fit[2])), label=f"the improved plan, {len(result.moves)} moves")
    files = write_plan_outputs(args.out, final, landscape, context, npy=True)
    files["moves.csv"] = save_csv_atomic(args.out / "moves.csv", result.moves)
    files["gain_curve.csv"] = save_csv_atomic(args.out / "gain_curve.csv", result.curve)
    fig = plot_gain_curve(result, f"{landscape.name}: improving {args.plan.name} by up to {args.max_moves} moves")
    files["gain_curve.png"] = save_figure_atomic(args.out / "gain_curve.png", fig)
    from latentga.report import write_improve_report

    files["report.html"] = write_improve_report(args.out, result, context, args.plan)
    print(f"{landscape.name}: {args.plan} ({int(start.sum())} breaks), up to {args.max_moves} moves chosen on "
          f"{sim.n_fires} search fires (seed {sim.seed}); {result.fires_simulated} fires simulated, "
          f"{result.seconds:.1f}s")
    if len(result.moves):
        print(result.moves.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(result.curve.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    for note in result.notes:
        print(note)
    print(f"results in {args.out}")
    for line in context.lines():
        print(line)
    return 0
