"""Tables from task results: the tidy per-generation CSV and the per-method summary.

The summary's headline is held-out fitness (every run's final best layout re-scored on a
fresh, larger fire set), because the search fitness of a layout chosen as the best of
thousands on the same 50 fires is biased upward: the held-out number is the one to cite.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from latentga.comparison.tasks import TaskResult

__all__ = ["tidy_frame", "summary_frame", "summary_markdown", "TIDY_COLUMNS"]

#: The tidy CSV: one row per (method, seed, generation or search step).
TIDY_COLUMNS = ["method", "kind", "seed", "generation", "evaluations", "fires", "best", "mean", "std", "heldout"]


def tidy_frame(results: Sequence[TaskResult]) -> pd.DataFrame:
    """Every task's trace stacked, with its method, kind and seed (-1: deterministic baseline)."""
    frames = [r.trace.assign(method=r.method, kind=r.kind, seed=r.seed) for r in results]
    if not frames:
        return pd.DataFrame(columns=TIDY_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[TIDY_COLUMNS]
    return out.astype({"seed": int, "generation": int, "evaluations": int, "fires": int})


def _std(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summary_frame(results: Sequence[TaskResult]) -> pd.DataFrame:
    """One row per method, best held-out mean first.

    Columns: method, kind, label, runs, heldout_mean, heldout_std (sample std over runs; 0 for
    one run), search_mean, search_std, calls_mean, fires_mean, seconds_mean, best_seed,
    best_search, best_heldout (the run with the best SEARCH fitness, and its held-out fitness:
    choosing by held-out fitness would tune on the test fires).
    """
    rows = []
    methods = list(dict.fromkeys(r.method for r in results))
    for method in methods:
        runs = [r for r in results if r.method == method]
        held = np.array([r.heldout for r in runs])
        search = np.array([r.fitness for r in runs])
        best = runs[int(np.argmax(search))]
        rows.append({
            "method": method, "kind": runs[0].kind, "label": best.label, "runs": len(runs),
            "heldout_mean": held.mean(), "heldout_std": _std(held),
            "search_mean": search.mean(), "search_std": _std(search),
            "calls_mean": float(np.mean([r.calls for r in runs])),
            "fires_mean": float(np.mean([r.fires for r in runs])),
            "seconds_mean": float(np.mean([r.seconds for r in runs])),
            "best_seed": best.seed, "best_search": best.fitness, "best_heldout": best.heldout,
        })
    frame = pd.DataFrame(rows)
    if len(frame):
        frame = frame.sort_values("heldout_mean", ascending=False, kind="stable").reset_index(drop=True)
    return frame


def summary_markdown(summary: pd.DataFrame, heldout: dict, n_fires: int) -> str:
    """The summary as a Markdown table (for the README and the report)."""
    lines = [f"Held-out fitness: final best layout of each run re-scored on {heldout['n_fires']} fresh "
             f"fires (seed {heldout['seed']}); search fitness on the {n_fires} search fires. "
             "mean +- sample std over runs.", "",
             "| method | runs | held-out fitness | search fitness | layouts simulated | fires simulated | "
             "best run: search / held-out |",
             "|---|---|---|---|---|---|---|"]
    for row in summary.itertuples():
        lines.append(f"| {row.method} | {row.runs} | {row.heldout_mean:.4f} +- {row.heldout_std:.4f} | "
                     f"{row.search_mean:.4f} +- {row.search_std:.4f} | {row.calls_mean:,.0f} | "
                     f"{row.fires_mean:,.0f} | {row.best_search:.4f} / {row.best_heldout:.4f} |")
    if len(summary):
        top = summary.loc[summary["best_search"].idxmax()]
        seed = "" if int(top["best_seed"]) < 0 else f" seed {int(top['best_seed'])}"
        lines += ["", f"Best layout overall by search fitness: {top['method']}{seed}, search "
                  f"{top['best_search']:.4f}, held-out {top['best_heldout']:.4f}. Best held-out method: "
                  f"{summary.iloc[0]['method']} ({summary.iloc[0]['heldout_mean']:.4f})."]
    return "\n".join(lines) + "\n"
