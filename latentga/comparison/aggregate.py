"""Tables from task results: the tidy per-point CSV, the per-method summary, the Welch tests.

The headline is held-out fitness (the returned layout re-scored on fresh fires), because the
search fitness of a layout chosen as the best of thousands on the same fires is biased upward.
Methods are compared at equal fires (every searching method gets the same fire budget) and at
equal CPU time (each run's answer at the CPU time all GA variants reached), with Welch's t-test
against the vanilla GA. Given the fitness without firebreaks on the same fires (``no_breaks``),
every table also shows each method's burned-area cut (:mod:`latentga.cut`) beside its fitness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:  # annotations only
    from latentga.comparison.config import CompareConfig


import numpy as np
import pandas as pd

from latentga.comparison.tasks import TaskResult
from latentga.cut import burned_area_cut

__all__ = ["tidy_frame", "summary_frame", "summary_markdown", "welch_frame", "heldout_at_cpu", "TIDY_COLUMNS"]

#: The tidy CSV: one row per (method, seed, recorded point).
TIDY_COLUMNS = ["method", "kind", "seed", "point", "fires", "cpu_seconds", "evaluations", "best", "validation",
                "heldout"]


def tidy_frame(results: Sequence[TaskResult]) -> pd.DataFrame:
    """Every task's trace stacked, with its method, kind and seed (-1: deterministic baseline)."""
    frames = [r.trace.assign(method=r.method, kind=r.kind, seed=r.seed) for r in results]
    if not frames:
        return pd.DataFrame(columns=TIDY_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[TIDY_COLUMNS]
    return out.astype({"seed": int, "point": int, "fires": int, "evaluations": int})


def _std(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summary_frame(results: Sequence[TaskResult], no_breaks: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per method, best held-out mean first.

    Columns: method, kind, label, runs, heldout_mean/std (sample std over runs; 0 for one run),
    validation_mean, search_mean/std, calls_mean, fires_mean, cpu_seconds_mean, seconds_mean,
    best_seed, best_validation, best_heldout (the run best on the VALIDATION fires, and its
    held-out fitness: choosing by held-out fitness would tune on the test fires). With
    ``no_breaks`` (``{"search": f0, "heldout": f0, ...}``, the empty layout's fitness on each
    role's fires) also heldout_cut_mean/std and search_cut_mean, the burned-area cuts.
    """
    rows = []
    for method in dict.fromkeys(r.method for r in results):
        runs = [r for r in results if r.method == method]
        held = np.array([r.heldout for r in runs])
        search = np.array([r.fitness for r in runs])
        val = np.array([r.validation for r in runs])
        best = runs[int(np.nanargmax(val))] if np.isfinite(val).any() else runs[int(np.argmax(search))]
        rows.append({
            "method": method, "kind": runs[0].kind, "label": best.label, "runs": len(runs),
            "heldout_mean": held.mean(), "heldout_std": _std(held), "validation_mean": val.mean(),
            "search_mean": search.mean(), "search_std": _std(search),
            "calls_mean": float(np.mean([r.calls for r in runs])),
            "fires_mean": float(np.mean([r.fires for r in runs])),
            "cpu_seconds_mean": float(np.mean([r.cpu_seconds for r in runs])),
            "seconds_mean": float(np.mean([r.seconds for r in runs])),
            "best_seed": best.seed, "best_validation": best.validation, "best_heldout": best.heldout,
        })
        if no_breaks:
            cut = burned_area_cut(held, no_breaks["heldout"])
            rows[-1].update(heldout_cut_mean=float(np.mean(cut)), heldout_cut_std=_std(cut),
                            search_cut_mean=float(np.mean(burned_area_cut(search, no_breaks["search"]))))
    frame = pd.DataFrame(rows)
    if len(frame):
        frame = frame.sort_values("heldout_mean", ascending=False, kind="stable").reset_index(drop=True)
    return frame


def heldout_at_cpu(tidy: pd.DataFrame, method: str, cpu: float) -> np.ndarray:
    """Per seed, the held-out fitness of the answer ``method`` had after ``cpu`` CPU seconds
    (its last recorded point within that time; NaN if it had none yet)."""
    out = []
    for _, run in tidy[tidy["method"] == method].groupby("seed"):
        run = run.sort_values("cpu_seconds")
        within = run[run.cpu_seconds <= cpu]
        out.append(float(within["heldout"].iloc[-1]) if len(within) else np.nan)
    return np.array(out)


def welch_frame(tidy: pd.DataFrame, reference: str = "vanilla") -> pd.DataFrame:
    """Welch's t-test of every other GA variant against ``reference`` on held-out fitness, at
    equal fires (the final answers: every run had the same fire budget) and at equal CPU time
    (each run's answer after the CPU seconds the reference's slowest run needed for its whole
    budget, so every reference run is final; a run that had already finished counts with its
    final answer). Reads only the tidy table, so it can be redone
    from ``tidy.csv``."""
    from scipy.stats import ttest_ind

    ga = tidy[tidy["kind"] == "ga"]
    methods = list(dict.fromkeys(ga["method"]))
    if reference not in methods:
        return pd.DataFrame()
    last = ga.sort_values("point").groupby(["method", "seed"], sort=False).tail(1)
    final = {m: last.loc[last["method"] == m, "heldout"].to_numpy(float) for m in methods}
    cpu = float(np.max(last.loc[last["method"] == reference, "cpu_seconds"]))
    at_cpu = {m: heldout_at_cpu(tidy, m, cpu) for m in methods}
    rows = []
    for m in methods:
        if m == reference:
            continue
        a, b = at_cpu[m][np.isfinite(at_cpu[m])], at_cpu[reference][np.isfinite(at_cpu[reference])]
        rows.append({"method": m, "reference": reference, "heldout_mean": final[m].mean(),
                     "reference_mean": final[reference].mean(),
                     "p_equal_fires": _welch_p(ttest_ind, final[m], final[reference]),
                     "cpu_seconds": cpu, "heldout_at_cpu": a.mean() if len(a) else np.nan,
                     "reference_at_cpu": b.mean() if len(b) else np.nan, "p_equal_cpu": _welch_p(ttest_ind, a, b)})
    return pd.DataFrame(rows)


def _welch_p(test, a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or len(b) < 2 or (np.std(a) == 0 and np.std(b) == 0):
        return float("nan")
    return float(test(a, b, equal_var=False).pvalue)


def _pct(value: float) -> str:
    return "-" if not np.isfinite(value) else f"{100 * value:.1f} %"


def _or_dash(value, fmt: str) -> str:
    """A number as ``fmt``, or "-" where there is none (a VAE's label error, a test with one run):
    never "nan" in a table a reader takes as results."""
    return "-" if value is None or pd.isna(value) else format(value, fmt)


def summary_markdown(summary: pd.DataFrame, config: CompareConfig, n_fires: int, welch: pd.DataFrame | None = None,
                     models: pd.DataFrame | None = None, no_breaks: Mapping[str, float] | None = None) -> str:
    """The summary (and the Welch tests) as Markdown, for the README and the report; with
    ``no_breaks`` (the empty layout's fitness per role) the burned-area cut beside each fitness."""
    held, val = config.heldout, config.validation
    cuts = bool(no_breaks) and "heldout_cut_mean" in summary
    lines = [f"Held-out fitness: the layout each run returns (its best of {val.candidates} candidates on "
             f"{val.n_fires} validation fires, seed {val.seed}) re-scored on {held.n_fires} fresh fires "
             f"(seed {held.seed}); search fitness on the {n_fires} search fires; budget "
             f"{int(config.budget.fires):,} fires per searching run. mean +- sample std over runs."]
    if cuts:
        lines[0] += (f" No firebreaks: {no_breaks['heldout']:.4f} held-out, {no_breaks['search']:.4f} search; "
                     "cut = (f - f0) / (1 - f0), the share of the burned area without breaks that a layout saves.")
    lines += ["", "| method | runs | held-out fitness | " + ("held-out cut | " if cuts else "") + "search fitness | "
              + ("search cut | " if cuts else "") + "layouts simulated | fires simulated | CPU s per run |",
              "|---|---|---|---|---|---|---|" + ("---|---|" if cuts else "")]
    if cuts:
        lines.append(f"| no firebreaks | - | {no_breaks['heldout']:.4f} | 0 % | {no_breaks['search']:.4f} | 0 % | "
                     "- | - | - |")
    for row in summary.itertuples():
        lines.append(f"| {row.method} | {row.runs} | {row.heldout_mean:.4f} +- {row.heldout_std:.4f} | "
                     + (f"{_pct(row.heldout_cut_mean)} | " if cuts else "")
                     + f"{row.search_mean:.4f} +- {row.search_std:.4f} | "
                     + (f"{_pct(row.search_cut_mean)} | " if cuts else "")
                     + f"{row.calls_mean:,.0f} | {row.fires_mean:,.0f} | {row.cpu_seconds_mean:.1f} |")
    if welch is not None and len(welch):
        ref = welch["reference"].iloc[0]
        cpu = welch["cpu_seconds"].iloc[0]
        lines += ["", f"Welch's t-test against {ref} on held-out fitness: at equal fires (final answers) and at "
                  f"equal CPU time ({cpu:.1f} s per run, what {ref}'s slowest run needed for its budget: each "
                  "run's answer at that time).", "",
                  f"| method | held-out | {ref} | p (equal fires) | held-out at {cpu:.1f} CPU s | {ref} at "
                  f"{cpu:.1f} CPU s | p (equal CPU) |", "|---|---|---|---|---|---|---|"]
        f0 = no_breaks["heldout"] if no_breaks else None

        def cell(value: float) -> str:  # held-out fitness, with its cut when known
            if pd.isna(value):
                return "-"
            return f"{value:.4f}" + (f" (cut {_pct(burned_area_cut(value, f0))})" if f0 is not None else "")

        for row in welch.itertuples():
            lines.append(f"| {row.method} | {cell(row.heldout_mean)} | {cell(row.reference_mean)} | "
                         f"{_or_dash(row.p_equal_fires, '.3g')} | {cell(row.heldout_at_cpu)} | "
                         f"{cell(row.reference_at_cpu)} | {_or_dash(row.p_equal_cpu, '.3g')} |")
    if models is not None and len(models):
        lines += ["", "Models (trained once, shared by every seed; not in the CPU seconds above):", "",
                  "| model | used by | training s | epochs | validation precision | label MAE |",
                  "|---|---|---|---|---|---|"]
        for row in models.itertuples():
            lines.append(f"| {row.kind} | {row.variants} | {_or_dash(row.training_seconds, '.0f')} | "
                         f"{_or_dash(row.epochs, '.0f')} | {_or_dash(row.val_precision, '.3f')} | "
                         f"{_or_dash(row.val_label_mae, '.4f')} |")
    if len(summary):
        best = summary.iloc[0]
        lines += ["", f"Best held-out method: {best['method']} ({best['heldout_mean']:.4f}"
                  + (f", cut {_pct(best['heldout_cut_mean'])}" if cuts else "") + ")."]
    return "\n".join(lines) + "\n"
