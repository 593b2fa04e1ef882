"""The vanilla GA's rate sweep, so the comparison's vanilla is a tuned GA and not a straw man.

Every combination of crossover, mutation rate and per-cell flip rate runs with the comparison's
budget (population, generations, search fires) on TUNING seeds that the comparison does not
use, and is ranked by its mean final best search fitness. The held-out fires are never looked
at, so choosing the winner does not tune on the test set.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from latentga.comparison.config import CompareConfig, variant_config
from latentga.comparison.tasks import Task, run_task

__all__ = ["VANILLA_GRID", "TUNING_SEEDS", "tune_vanilla", "vanilla_grid"]

LOGGER = logging.getLogger("latentga.comparison")

#: The sweep: crossover operator, ga.mutpb and mut_flip's indpb (cxpb stays at the run's value).
VANILLA_GRID = {
    "mate": ["cx_uniform", "cx_two_point"],
    "mutpb": [0.3, 0.6, 1.0],
    "indpb": [0.0025, 0.005, 0.01, 0.02, 0.05],
}
#: Seeds of the sweep: disjoint from the comparison's default seeds 0-7.
TUNING_SEEDS = (1000, 1001, 1002)


def vanilla_grid(grid: dict | None = None) -> list[dict]:
    """Variant overrides, one per grid point (``operators`` and ``ga.mutpb``)."""
    grid = grid or VANILLA_GRID
    out = []
    for mate, mutpb, indpb in itertools.product(grid["mate"], grid["mutpb"], grid["indpb"]):
        out.append({"ga": {"mutpb": mutpb},
                    "operators": {"mate": {"name": mate}, "mutate": {"name": "mut_flip", "params": {"indpb": indpb}}}})
    return out


def tune_vanilla(config: CompareConfig, out_csv: str | Path | None = None, progress: bool = True,
                 map_fn: Callable | None = None, seeds: Sequence[int] = TUNING_SEEDS,
                 grid: dict | None = None, base_variant: str = "vanilla") -> pd.DataFrame:
    """Run the sweep; returns (and writes) one row per grid point, best first.

    Columns: mate, mutpb, indpb, final_mean, final_std (best search fitness after the last
    generation, over ``seeds``), calls_mean.
    """
    from latentga.comparison.runner import comparison_map
    from latentga.io import save_csv_atomic

    points = vanilla_grid(grid)
    tasks, keys = [], []
    for i, point in enumerate(points):
        for seed in seeds:
            tasks.append(Task("ga", f"tune{i}", int(seed), variant_config(config, base_variant, seed, extra=point),
                              heldout=config.heldout, validation=config.validation, rescore=False))
            keys.append(i)
    mapper = map_fn or comparison_map()
    finals: dict[int, list] = {i: [] for i in range(len(points))}
    for i, res in zip(keys, mapper(run_task, tasks)):
        finals[i].append((res.fitness, res.calls))
        if progress and len(finals[i]) == len(seeds):
            p = points[i]
            LOGGER.info(f"  {p.operators.mate.name:<13} mutpb {p.ga.mutpb:<4} indpb "
                        f"{p.operators.mutate.params['indpb']:<7} final best "
                        f"{np.mean([f for f, _ in finals[i]]):.4f}")
    rows = []
    for i, p in enumerate(points):
        fit = np.array([f for f, _ in finals[i]])
        rows.append({"mate": p.operators.mate.name, "mutpb": p.ga.mutpb,
                     "indpb": p.operators.mutate.params["indpb"], "final_mean": fit.mean(),
                     "final_std": fit.std(ddof=1) if len(fit) > 1 else 0.0,
                     "calls_mean": float(np.mean([c for _, c in finals[i]]))})
    table = pd.DataFrame(rows).sort_values("final_mean", ascending=False, kind="stable").reset_index(drop=True)
    if out_csv is not None:
        save_csv_atomic(out_csv, table)
    return table
