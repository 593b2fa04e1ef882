"""Speed of the built-in fire simulator (one process, one core), and of the real Cell2Fire.

Prints fires per second per core on the default landscape (Sub20x20) for one layout of 20
firebreaks at a time and for a batch, the dataset throughput (layouts x fires / s), and, when
the real binary is present, its rate on the same fires and the ratio.

    python benchmarks/simulator_speed.py [--fires 1000] [--layouts 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from latentga.layouts import random_layouts  # noqa: E402
from latentga.simulator import FireSimulator  # noqa: E402


def _rate(fn, work: int, min_time: float = 1.0) -> float:
    """Best-of-3 rate (work units per second) of ``fn``."""
    fn()  # warm-up (compilation, tables)
    best = 0.0
    for _ in range(3):
        t0, reps = time.perf_counter(), 0
        while True:
            fn()
            reps += 1
            dt = time.perf_counter() - t0
            if dt >= min_time:
                break
        best = max(best, reps * work / dt)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fires", type=int, default=1000)
    ap.add_argument("--layouts", type=int, default=200, help="batch size for the dataset throughput")
    ap.add_argument("--dataset-fires", type=int, default=100)
    ap.add_argument("--binary-fires", type=int, default=300)
    args = ap.parse_args(argv)
    try:  # measure one core
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    sim = FireSimulator(n_fires=args.fires)
    one = random_layouts(1, sim.shape, 20, rng)
    sim.evaluate(one)
    print(f"first call (tables + compiled kernels from cache): {time.perf_counter() - t0:.2f} s")
    single = _rate(lambda: sim.evaluate(one), args.fires)
    print(f"one layout of 20 firebreaks, {args.fires} fires: {single:,.0f} fires/s/core")
    batch = random_layouts(20, sim.shape, 20, rng)
    batched = _rate(lambda: sim.evaluate(batch), args.fires * len(batch))
    print(f"batch of {len(batch)} layouts x {args.fires} fires: {batched:,.0f} fires/s/core")
    ds_sim = FireSimulator(n_fires=args.dataset_fires)
    lays = random_layouts(args.layouts, sim.shape, 20, rng)
    ds = _rate(lambda: ds_sim.evaluate(lays), args.layouts * args.dataset_fires, min_time=0.5)
    print(f"dataset throughput ({args.layouts} layouts x {args.dataset_fires} fires per call): "
          f"{ds:,.0f} layout-fires/s = {ds / args.dataset_fires:,.0f} layouts/s/core")
    empty = np.zeros(sim.shape, bool)
    nofb = _rate(lambda: sim.evaluate(empty), args.fires)
    print(f"no firebreaks, {args.fires} fires: {nofb:,.0f} fires/s/core")

    from fidelity import find_binary, run_cell2fire, shared_dir

    binary, why = find_binary()
    if binary is None or shared_dir() is None:
        print(f"real Cell2Fire: skipped ({why or 'no shared/reference/Sub20x20'})")
        return 0
    inst = shared_dir() / "reference" / "Sub20x20"
    t0 = time.perf_counter()
    run_cell2fire(binary, inst, one[0], args.binary_fires)
    dt = time.perf_counter() - t0
    rate_bin = args.binary_fires / dt
    print(f"real Cell2Fire, same layout, {args.binary_fires} fires (final grids written): {rate_bin:,.0f} fires/s")
    print(f"ratio: {single / rate_bin:,.0f}x (one layout), {batched / rate_bin:,.0f}x (batch)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
