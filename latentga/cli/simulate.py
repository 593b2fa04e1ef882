"""``python -m latentga simulate``: score firebreak layouts with the built-in fire simulator."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

__all__ = ["add_parser", "main", "score_in_fire_blocks", "PROGRESS_WORK"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    from latentga.simulator import SIMULATOR_DEFAULTS as D

    p = subparsers.add_parser(
        "simulate",
        epilog="example: python -m latentga simulate --layouts best_layouts.npy --fires 1000",
        help="score firebreak layouts (fitness, burn-probability map) with the built-in simulator",
        description="Simulate the same N fires (Cell2Fire's draws for --seed) on each layout and print its "
        "fitness: the mean over the fires of the fraction of cells that did not burn (firebreak cells "
        "count as not burned). Flags are named after Cell2Fire's; with the defaults the numbers are "
        "those of the real Cell2Fire binary on the same landscape.",
    )
    p.add_argument("--landscape", metavar="DIR", help="Cell2Fire instance folder (default: built-in Sub20x20)")
    p.add_argument("--layouts", metavar="PLAN", type=Path,
                   help=".npy of shape [H,W] or [B,H,W] (nonzero = firebreak), or one plan as Cell2Fire's firebreak "
                   ".csv, an .asc or a .tif of this landscape's grid (default: no firebreaks)")
    p.add_argument("--fires", type=int, default=D["n_fires"], help="fires per layout, Cell2Fire's --nsims "
                   f"(default {D['n_fires']})")
    p.add_argument("--seed", type=int, default=D["seed"], help=f"Cell2Fire's --seed (default {D['seed']})")
    p.add_argument("--ignition-radius", type=int, default=D["ignition_radius"],
                   help="Cell2Fire's --IgnitionRad: fires start in the block of cells within this many rows "
                   f"and columns of the landscape's Ignitions.csv cell (default {D['ignition_radius']})")
    p.add_argument("--weathers", type=int, default=D["n_weathers"], metavar="N",
                   help="Cell2Fire's --nweathers: each fire uses Weathers/Weather<k>.csv, k uniform in 1..N "
                   "(default: all files but the first and last)")
    p.add_argument("--ros-cv", type=float, default=D["ros_cv"],
                   help="Cell2Fire's --ROS-CV: each fire's rates are scaled by 1 + CV |z|, z standard normal "
                   f"(default {D['ros_cv']})")
    p.add_argument("--ignition-mode", choices=("cell2fire", "redraw"), default=D["ignition_mode"],
                   help="a fire drawn on a firebreak or non-fuel cell: 'cell2fire' = does not happen (as the "
                   "binary), 'redraw' = starts on another burnable cell of the block")
    p.add_argument("--ignitions", choices=("file", "anywhere"), default=D["ignitions"],
                   help="where fires start: 'file' = the --ignition-radius block around the landscape's "
                   "Ignitions.csv cell (Cell2Fire's --ignitions), 'anywhere' = any cell, as Cell2Fire without "
                   "--ignitions (default %(default)s)")
    p.add_argument("--fuel-model", choices=("fbp", "kitral", "scott_burgan"), default=None,
                   help="fuel model (default: the one whose lookup table the landscape folder has)")
    p.add_argument("--curing", choices=("cell2fire", "raster"), default=None,
                   help="a curing raster (cur.asc) beside grass: 'cell2fire' = as the binary (0 %% curing where the "
                   "raster has a value), 'raster' = each cell's own value (FBP); default cell2fire")
    p.add_argument("--out", metavar="CSV", type=Path,
                   help="write index,fitness,mean_burned per layout (mean_burned = burned cells per fire)")
    p.add_argument("--burn-map", metavar="PNG", type=Path,
                   help="write the burn-probability map of the first layout (firebreaks marked)")
    p.add_argument("--workers", type=int, default=1, help="processes (results do not depend on it)")
    p.set_defaults(func=main)
    return p


def _load_layouts(path: Path | None, landscape) -> np.ndarray:
    from latentga.plans import read_plans

    if path is None:
        return np.zeros((1, *landscape.shape), dtype=bool)
    return read_plans(path, landscape, name=f"layouts in {path}")


def plot_burn_map(prob: np.ndarray, layout: np.ndarray, title: str):
    """A matplotlib figure of one burn-probability map with the firebreaks marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5.2))
    im = ax.imshow(np.where(layout, np.nan, prob), cmap="YlOrRd", vmin=0, vmax=max(float(prob.max()), 1e-9))
    rows, cols = np.nonzero(layout)
    ax.scatter(cols, rows, marker="s", s=30, c="#111111", label="firebreak")
    fig.colorbar(im, ax=ax, label="burn probability")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("column")
    ax.set_ylabel("row (0 = north)")
    if rows.size:  # below the map, never over a cell
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, frameon=False)
    return fig


#: Above this many layout-fires, ``simulate`` scores the fires in blocks with a progress bar.
PROGRESS_WORK = 2_000_000
_FIRE_BLOCK = 20_000


def score_in_fire_blocks(sim, layouts: np.ndarray, block: int = _FIRE_BLOCK, progress: bool = True) -> np.ndarray:
    """Fitness of each layout, its fires simulated block by block (memory of one block) with a
    progress bar and time estimate; the same numbers as ``sim.evaluate(layouts)``."""
    from tqdm import tqdm

    burned = np.zeros(len(layouts), np.int64)
    with tqdm(total=sim.n_fires, unit="fire", desc="simulate", disable=not progress, smoothing=0.1) as bar:
        for _, part in sim.fire_chunks(block):
            burned += part.burned_counts(layouts).sum(axis=1)
            bar.update(part.n_fires)
    return 1.0 - (burned / sim.n_fires) / sim.n_cells


def main(args) -> int:
    import pandas as pd

    from latentga.dataset import score_layouts
    from latentga.io import save_csv_atomic, save_figure_atomic
    from latentga.simulator import FireSimulator, load_landscape
    from latentga.validation import check_seed, checked_workers

    check_seed(args.seed, "--seed")
    args.workers = checked_workers(args.workers)
    sim = FireSimulator(load_landscape(args.landscape, fuel_model=args.fuel_model), n_fires=args.fires, seed=args.seed,
                        ignition_radius=args.ignition_radius, n_weathers=args.weathers, ros_cv=args.ros_cv,
                        ignition_mode=args.ignition_mode, ignitions=args.ignitions, curing=args.curing)
    layouts = _load_layouts(args.layouts, sim.landscape)
    if len(layouts) * sim.n_fires > PROGRESS_WORK and len(layouts) <= 1000:
        fitness = score_in_fire_blocks(sim, layouts)  # many fires: progress and an estimate
    else:
        fitness = score_layouts(sim, layouts, workers=args.workers,
                                chunk_size=max(1, -(-len(layouts) // max(1, args.workers))),
                                progress=len(layouts) > 1000, desc="simulate")
    mean_burned = (1.0 - fitness) * sim.n_cells
    print(f"{sim!r}")
    for i in range(min(len(layouts), 20)):
        print(f"layout {i}: fitness {fitness[i]:.6f} ({int(layouts[i].sum())} firebreaks, "
              f"{mean_burned[i]:.2f} cells burned per fire)")
    if len(layouts) > 20:
        print(f"... {len(layouts)} layouts: fitness mean {fitness.mean():.6f}, min {fitness.min():.6f}, "
              f"max {fitness.max():.6f}")
    if args.out:
        save_csv_atomic(args.out, pd.DataFrame({"index": np.arange(len(layouts)), "fitness": fitness,
                                                "mean_burned": mean_burned}))
        print(f"wrote {args.out}")
    if args.burn_map:
        prob = sim.burn_probability(layouts[:1])[0]
        fig = plot_burn_map(prob, layouts[0], f"{sim.landscape.name}: burn probability over {sim.n_fires} fires "
                            f"(seed {sim.seed}), fitness {fitness[0]:.4f}")
        save_figure_atomic(args.burn_map, fig)
        print(f"wrote {args.burn_map}")
    return 0
