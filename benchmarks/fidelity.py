"""Fidelity: does the built-in simulator burn exactly the cells the real Cell2Fire burns?

Runs the real C2F-W binary (``shared/bin/Cell2Fire``, the reference command of
``shared/bin/README.md``) and latentga's ``FireSimulator`` on the same fires for a set of
layouts (no firebreaks, a full column, a full row, random scatters of 20, a ring), with and
without ROS-CV, and prints per layout the share of fires whose final grids are identical and
both mean burned fractions; then, over random 20-firebreak layouts, the Spearman rank
correlation of the two fitness values. Writes the per-layout table as CSV (atomically).

    python benchmarks/fidelity.py [--fires 1000] [--ros-cv 0 0.5] [--spearman-layouts 50]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from latentga.errors import LatentGAError  # noqa: E402
from latentga.io import save_csv_atomic  # noqa: E402
from latentga.layouts import random_layouts  # noqa: E402
from latentga.simulator import FireSimulator, load_landscape  # noqa: E402
from latentga.simulator.cell2fire_backend import Cell2FireBinarySimulator, find_cell2fire_binary  # noqa: E402

__all__ = ["shared_dir", "find_binary", "run_cell2fire", "standard_layouts", "compare", "main"]


def shared_dir() -> Path | None:
    """The team's shared/ folder: $LATENTGA_SHARED, else ``../shared`` beside the repository."""
    here = Path(__file__).resolve().parents[1]
    for cand in (os.environ.get("LATENTGA_SHARED"), here.parent / "shared"):
        if cand and (Path(cand) / "reference" / "Sub20x20").is_dir():
            return Path(cand)
    return None


def find_binary() -> tuple[Path | None, str]:
    """``(path, "")`` of a Cell2Fire binary that runs, or ``(None, why not)``.

    ``$CELL2FIRE_BINARY``, else ``shared/bin/Cell2Fire``, else ``Cell2Fire`` on PATH.
    """
    shared = shared_dir()
    path = os.environ.get("CELL2FIRE_BINARY") or (shared / "bin" / "Cell2Fire" if shared else None)
    try:
        binary = find_cell2fire_binary(path)
        subprocess.run([str(binary), "--help"], capture_output=True, timeout=30)
    except (LatentGAError, OSError, subprocess.SubprocessError) as exc:
        return None, f"no usable Cell2Fire binary: {exc}"
    return binary, ""


def run_cell2fire(binary, instance, layouts, n_fires: int, seed: int = 123, ros_cv: float = 0.0,
                  workers: int = 2) -> np.ndarray:
    """Final grids of the real binary (reference command): bool [B, N, H, W], True = burned."""
    real = Cell2FireBinarySimulator(binary, landscape=instance, n_fires=n_fires, seed=seed, ros_cv=ros_cv,
                                    workers=workers)
    return real.burned(layouts)


def standard_layouts(shape=(20, 20), n_random: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    h, w = shape
    out = {"none": np.zeros(shape, bool)}
    col = np.zeros(shape, bool)
    col[:, w // 2] = True
    out[f"column {w // 2}"] = col
    row = np.zeros(shape, bool)
    row[7 % h, :] = True
    out[f"row {7 % h}"] = row
    for i, lay in enumerate(random_layouts(n_random, shape, 20, np.random.default_rng(seed))):
        out[f"random20 #{i}"] = lay
    ring = np.zeros(shape, bool)
    r0, r1, c0, c1 = h // 2 - 5, h // 2 + 5, w // 2 - 5, w // 2 + 5
    ring[r0, c0:c1 + 1] = ring[r1, c0:c1 + 1] = ring[r0:r1 + 1, c0] = ring[r0:r1 + 1, c1] = True
    out["ring"] = ring
    return out


def compare(binary, instance, layouts: dict[str, np.ndarray], n_fires: int, seed: int, ros_cv: float,
            workers: int = 2):
    """One row per layout: identical-grid share and both mean burned fractions."""
    sim = FireSimulator(load_landscape(instance), n_fires=n_fires, seed=seed, ros_cv=ros_cv)
    names = list(layouts)
    stack = np.stack([layouts[k] for k in names])
    ours = sim.burned(stack)
    theirs = run_cell2fire(binary, instance, stack, n_fires, seed, ros_cv, workers)
    rows = []
    for i, name in enumerate(names):
        same = (ours[i] == theirs[i]).all(axis=(1, 2))
        rows.append({"layout": name, "ros_cv": ros_cv, "fires": n_fires, "identical": float(same.mean()),
                     "n_different": int((~same).sum()), "burned_cell2fire": float(theirs[i].mean()),
                     "burned_latentga": float(ours[i].mean())})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fires", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=123)
    ap.add_argument("--ros-cv", type=float, nargs="+", default=[0.0, 0.5])
    ap.add_argument("--random", type=int, default=3, help="random 20-firebreak layouts in the table")
    ap.add_argument("--spearman-layouts", type=int, default=50)
    ap.add_argument("--spearman-fires", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2, help="binary runs at once")
    ap.add_argument("--out", default="results/fidelity.csv")
    args = ap.parse_args(argv)
    binary, why = find_binary()
    shared = shared_dir()
    if binary is None or shared is None:
        print(f"skipped: {why or 'shared/reference/Sub20x20 not found'}")
        return 0
    instance = shared / "reference" / "Sub20x20"
    layouts = standard_layouts(load_landscape(instance).shape, args.random)
    rows = []
    t0 = time.perf_counter()
    for cv in args.ros_cv:
        rows += compare(binary, instance, layouts, args.fires, args.seed, cv, args.workers)
    import pandas as pd

    table = pd.DataFrame(rows)
    pd.set_option("display.width", 140)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    total = (table["identical"] * table["fires"]).sum() / table["fires"].sum()
    print(f"\noverall identical final grids: {total:.4%} of {int(table['fires'].sum())} fires "
          f"({int(table['n_different'].sum())} differ)")
    if args.spearman_layouts > 1:
        from scipy.stats import spearmanr

        lays = random_layouts(args.spearman_layouts, layouts["none"].shape, 20, np.random.default_rng(1))
        sim = FireSimulator(load_landscape(instance), n_fires=args.spearman_fires, seed=args.seed)
        ours = sim.evaluate(lays)
        theirs = 1.0 - run_cell2fire(binary, instance, lays, args.spearman_fires, args.seed,
                                     workers=args.workers).mean(axis=(1, 2, 3))
        rho = spearmanr(ours, theirs).statistic
        print(f"Spearman rank correlation of fitness over {len(lays)} random 20-firebreak layouts "
              f"({args.spearman_fires} fires): {rho:.6f}; max |difference| {np.abs(ours - theirs).max():.2e}")
        table.attrs["spearman"] = rho
    save_csv_atomic(args.out, table)
    print(f"wrote {args.out} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
