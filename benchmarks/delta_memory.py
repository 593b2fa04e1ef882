"""Memory of delta evaluation's fire records, and its speed, on any landscape (Dogrib included).

For ``--parents`` random layouts of ``--k`` breaks on burnable cells: the bytes one fire record
takes (every array it holds), the CPU seconds of a full evaluation with records, and of one
generation of children (one firebreak swapped; ``mut_flip``) scored by delta evaluation against
a full evaluation, checked equal. CPU seconds of this process, so a busy machine skews little.

    python benchmarks/delta_memory.py                                     # Sub20x20, 100 fires
    python benchmarks/delta_memory.py --landscape ../shared/reference/dogrib --ignitions anywhere \\
        --k 700 --fires 100 --parents 10
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

from latentga.layouts import burnable_cells, random_layouts  # noqa: E402
from latentga.simulator import FireSimulator, load_landscape  # noqa: E402
from latentga.simulator.delta import DeltaEvaluator  # noqa: E402

__all__ = ["record_bytes", "main"]


def record_bytes(record) -> int:
    """Bytes of every NumPy array a record holds (its layout included)."""
    return int(sum(v.nbytes for v in vars(record).values() if isinstance(v, np.ndarray)))


def _cpu(fn):
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


def _swap(parents: np.ndarray, allowed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = parents.reshape(len(parents), -1).copy()
    ok = allowed.reshape(-1)
    for row in out:
        row[rng.choice(np.flatnonzero(row))] = False
        row[rng.choice(np.flatnonzero(~row & ok))] = True
    return out.reshape(parents.shape)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--landscape", help="Cell2Fire instance folder (default: the built-in Sub20x20)")
    p.add_argument("--ignitions", default="file", choices=["file", "anywhere"])
    p.add_argument("--fires", type=int, default=100)
    p.add_argument("--k", type=int, default=20)
    p.add_argument("--parents", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="write the rows to this CSV")
    args = p.parse_args(argv)
    sim = FireSimulator(load_landscape(args.landscape), n_fires=args.fires, seed=123, ignitions=args.ignitions)
    rng = np.random.default_rng(args.seed)
    allowed = burnable_cells(sim)
    parents = random_layouts(args.parents, sim.shape, args.k, rng, allowed=allowed)
    delta = DeltaEvaluator(sim)
    sim.evaluate(parents[:1]), delta.record(parents[:1])  # compile outside the timings
    records, t_record = _cpu(lambda: delta.record(parents))
    sizes = np.array([record_bytes(r) for r in records])
    burned = np.mean([float(r.counts.mean()) for r in records])
    rows = [{"what": "record (full evaluation)", "CPU s": t_record, "fires": args.parents * args.fires,
             "MB per layout": sizes.mean() / 1e6, "burned cells per fire": burned}]
    children = {"swap 1 firebreak": _swap(parents, allowed, rng)}
    flips = parents.copy()
    for child in flips:
        mut_flip(child, indpb=2.0 / allowed.sum(), budget=args.k, rng=rng, allowed=allowed)
    children["mut_flip (~2 cells)"] = flips
    for name, kids in children.items():
        full, t_full = _cpu(lambda: sim.evaluate(kids))
        (fit, recs, fires), t_delta = _cpu(lambda: delta.evaluate_children(kids, records))
        assert np.array_equal(fit, full), "delta evaluation differs from full evaluation"
        rows.append({"what": f"children: {name}", "CPU s full": t_full, "CPU s delta": t_delta,
                     "speed-up": t_full / t_delta, "fires full": len(kids) * args.fires, "fires delta": fires,
                     "MB per layout": np.mean([record_bytes(r) for r in recs]) / 1e6})
    table = pd.DataFrame(rows)
    print(f"{sim.landscape.name}: {sim.shape[0]}x{sim.shape[1]}, {args.fires} fires ({args.ignitions}), "
          f"k = {args.k}, {args.parents} layouts")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if args.out:
        from latentga.io import save_csv_atomic

        save_csv_atomic(args.out, table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
