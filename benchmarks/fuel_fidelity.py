"""Fuel fidelity: per FBP fuel type, does the built-in simulator burn what Cell2Fire burns?

For every fuel type of the lookup table it builds two 20x20 landscapes on Sub20x20's
terrain (the package's copy): the type alone, and the type in 2x2 blocks mixed with C2,
D1 and non-fuel. Each gets its own random weather files (winds 8-45 km/h, FFMC 88-96,
BUI 30-130, so D2 sometimes spreads), and runs N fires with no firebreaks and with 20
random firebreaks, both in the real C2F-W binary and in ``FireSimulator`` (same seed). It
prints, per type, the fires whose final grids are identical out of the fires run, the mean
burned fraction, and the share of fires in which the type burned beyond the ignition cell
(so a 100 % agreement is not an empty one). Writes the table as CSV (atomically).

    python benchmarks/fuel_fidelity.py [--fires 100] [--out results/fuel_fidelity.csv]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from latentga.io import save_csv_atomic  # noqa: E402
from latentga.layouts import random_layouts  # noqa: E402
from latentga.simulator import FireSimulator, default_landscape  # noqa: E402
from latentga.simulator.cell2fire_backend import Cell2FireBinarySimulator  # noqa: E402
from latentga.simulator.fbp import FUEL_TYPES  # noqa: E402
from latentga.simulator.landscape import NON_FUEL, Landscape  # noqa: E402

__all__ = ["fuel_landscapes", "compare_type", "main"]

#: Grid codes of Cell2Fire's fbp_lookup_table.csv for each type.
GRID_CODE = {"C1": 1, "C2": 2, "C3": 3, "C4": 4, "C5": 5, "C6": 6, "C7": 7, "D1": 11, "D2": 12,
             "S1": 21, "S2": 22, "S3": 23, "O1a": 31, "O1b": 32, "M1": 40, "M2": 50, "M3": 70,
             "M4": 80, NON_FUEL: 101}


def _weathers(rng: np.random.Generator, n: int = 12, rows: int = 4) -> list[np.ndarray]:
    out = []
    for _ in range(n):
        wd = int(rng.integers(0, 360))
        out.append(np.column_stack([rng.uniform(8.0, 45.0, rows).round(1),
                                    (wd + rng.integers(-25, 26, rows)) % 360,  # integer WD, as C2F-W reads it
                                    rng.uniform(88.0, 96.0, rows).round(1),
                                    rng.uniform(30.0, 130.0, rows).round(0)]).astype(float))
    return out


def fuel_landscapes(code: str, rng: np.random.Generator) -> dict[str, Landscape]:
    """The type alone, and the type in 2x2 blocks with C2, D1 and non-fuel (Sub20x20 terrain)."""
    base = default_landscape()
    mix = np.array([code, code, "C2", "D1", NON_FUEL])[rng.integers(0, 5, (10, 10))]
    grids = {"alone": np.full((20, 20), code), "mixed": np.kron(mix, np.ones((2, 2), dtype=object)).astype(str)}
    out = {}
    for kind, types in grids.items():
        out[kind] = Landscape(name=f"{code}-{kind}", fuel_grid=np.vectorize(GRID_CODE.get)(types),
                              fuel_types=types, elevation=base.elevation, slope=base.slope,
                              aspect=base.aspect, cell_size=base.cell_size, weathers=_weathers(rng),
                              ignition_cell=base.ignition_cell)
    return out


def compare_type(code: str, binary, n_fires: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for kind, land in fuel_landscapes(code, rng).items():
        layouts = np.concatenate([np.zeros((1, 20, 20), bool),
                                  random_layouts(1, (20, 20), 20, rng, allowed=land.burnable)])
        t0 = time.perf_counter()
        theirs = Cell2FireBinarySimulator(binary, land, n_fires=n_fires, seed=seed).burned(layouts)
        t_bin = time.perf_counter() - t0
        ours = FireSimulator(land, n_fires=n_fires, seed=seed).burned(layouts)
        same = (ours == theirs).all(axis=(2, 3))
        is_type = land.fuel_types == code
        spread = ours.sum(axis=(2, 3)) > 1
        rows.append({"fuel": code, "landscape": kind, "fires": int(same.size), "identical": int(same.sum()),
                     "burned_ours": float(ours.mean()), "burned_cell2fire": float(theirs.mean()),
                     "type_burned_share": float((spread & ours[..., is_type].any(axis=-1)).mean()),
                     "binary_s": round(t_bin, 1)})
    return rows


def main(argv=None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fidelity import find_binary

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fires", type=int, default=100, help="fires per landscape and layout")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--types", nargs="*", default=list(FUEL_TYPES), help="fuel types to check")
    p.add_argument("--out", default="results/fuel_fidelity.csv")
    args = p.parse_args(argv)
    binary, why = find_binary()
    if binary is None:
        print(why)
        return 2
    rows = []
    for i, code in enumerate(args.types):
        rows += compare_type(code, binary, args.fires, args.seed + i)
        done = [r for r in rows if r["fuel"] == code]
        print(f"{code:4s} " + "  ".join(f"{r['landscape']}: {r['identical']}/{r['fires']} identical, burned "
                                         f"{r['burned_cell2fire']:.3f}, type spread in {r['type_burned_share']:.0%}"
                                         for r in done), flush=True)
    table = pd.DataFrame(rows)
    save_csv_atomic(args.out, table)
    print(f"total: {table.identical.sum()}/{table.fires.sum()} fires identical; table in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
