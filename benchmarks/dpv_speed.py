"""Speed of the DPV baseline: one value map, and greedy DPV (one value map per pick).

On the default landscape (Sub20x20, ``--fires`` fires from its ignition file, greedy k =
``--k``) and, when ``../shared/reference/dogrib`` exists, on the real 223x357 Dogrib landscape
with ``--dogrib-fires`` fires anywhere and greedy k = ``--dogrib-k`` (1 % of its cells).
``--old`` times the dense numpy subtree sizes that DPV used before (pointer following over all
n cells of every tree, then one pass over [N, n] per depth level); that is far too slow for
Dogrib's 700 picks, so there it times ``--old-picks`` picks and extrapolates.

    python benchmarks/dpv_speed.py [--old] [--fires 100] [--k 20] [--dogrib-fires 100] [--dogrib-k 700]

Prints wall and CPU seconds with the load average: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from latentga.baselines import dpv  # noqa: E402
from latentga.simulator import FireSimulator, load_landscape  # noqa: E402


def dense_subtree_sizes(parents: np.ndarray) -> np.ndarray:
    """The former subtree sizes (O(N n depth)), kept only to time ``--old``; no validation."""
    n = parents.shape[-1]
    par = parents.reshape(-1, n).astype(np.int64)
    burned, has_parent = par != -2, par >= 0
    rows = np.arange(len(par))[:, None]
    depth, node = np.where(burned, 0, -1), np.where(has_parent, par, -1)
    while (node >= 0).any():
        live = node >= 0
        depth = depth + live
        node = np.where(live, par[rows, np.where(live, node, 0)], -1)
    size = burned.astype(np.int64)
    for level in range(int(depth.max(initial=0)), 0, -1):
        r, c = np.nonzero(depth == level)
        np.add.at(size, (r, par[r, c]), size[r, c])
    return size.reshape(parents.shape)


def dense_dpv(simulator, layout=None) -> np.ndarray:
    """The former ``downstream_protection_value``: all subtree sizes, then their mean."""
    grid = np.zeros(simulator.shape, bool) if layout is None else np.asarray(layout, bool)
    parents = simulator.simulate(grid[None], record_parents=True).parents[0]
    return dense_subtree_sizes(parents).mean(axis=0).reshape(simulator.shape)


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def bench(name: str, sim, k: int, old_picks: int | None) -> None:
    value = dpv.downstream_protection_value
    value(sim)  # warm-up: compiled kernels from cache, simulator tables
    _, wall, cpu = _timed(lambda: value(sim))
    print(f"{name}: one DPV map ({sim.n_fires} fires): {wall:.3f} s wall, {cpu:.3f} s CPU; {_load()}")
    picks = k if old_picks is None else min(k, old_picks)
    res, wall, cpu = _timed(lambda: dpv.dpv_layout(sim, picks, greedy=True))
    note = ""
    if picks < k:  # per pick, times k, plus the final scoring (small)
        wall, cpu = wall * k / picks, cpu * k / picks
        note = f" (extrapolated from {picks} picks)"
    print(f"{name}: greedy DPV k={k}: {wall:.2f} s wall, {cpu:.2f} s CPU{note}, "
          f"{wall / k * 1e3:.1f} ms/pick, fitness {res.fitness:.6f} (k={picks}); {_load()}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", action="store_true", help="time the former dense subtree sizes")
    ap.add_argument("--fires", type=int, default=100, help="Sub20x20 fires")
    ap.add_argument("--k", type=int, default=20, help="Sub20x20 greedy budget")
    ap.add_argument("--dogrib-fires", type=int, default=100, help="Dogrib fires anywhere (0 = skip)")
    ap.add_argument("--dogrib-k", type=int, default=700)
    ap.add_argument("--old-picks", type=int, default=3, help="with --old, Dogrib picks timed")
    args = ap.parse_args(argv)
    if args.old:
        dpv.downstream_protection_value = dense_dpv  # dpv_layout looks it up at call time
    print(f"{'old dense' if args.old else 'current'} subtree sizes; {os.cpu_count()} CPUs; {_load()}")
    bench("Sub20x20", FireSimulator(n_fires=args.fires), args.k, None)
    folder = ROOT.parent / "shared" / "reference" / "dogrib"
    if args.dogrib_fires <= 0 or not folder.is_dir():
        print("Dogrib: skipped" + ("" if folder.is_dir() else f" (no {folder})"))
        return 0
    sim = FireSimulator(load_landscape(folder), n_fires=args.dogrib_fires, ignitions="anywhere")
    cells = float(sim.burned_counts(np.zeros((1, *sim.shape), bool)).mean())
    print(f"Dogrib {sim.shape[0]}x{sim.shape[1]}: {cells:,.0f} cells burned per fire with no firebreaks")
    bench("Dogrib", sim, args.dogrib_k, args.old_picks if args.old else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
