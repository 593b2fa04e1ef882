"""Run a whole comparison: prepare shared pieces, map the tasks, write tables and plots.

Fairness by construction: every GA variant of a seed draws its initial population first from
``default_rng(seed)`` (same population for all variants), all methods use the fires of the
shared ``run.simulator`` section, the dataset and models come from the pipeline's cache (one
model per kind, shared by every seed), and searching baselines get the GA's budget.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from latentga.comparison.aggregate import summary_frame, summary_markdown, tidy_frame, welch_frame
from latentga.comparison.config import CompareConfig, method_budget, milestones, shared_run_config, variant_config
from latentga.comparison.tasks import Task, TaskResult, heldout_simulator, run_task, validation_simulator

__all__ = ["Comparison", "build_tasks", "prepare_models", "comparison_map", "run_comparison",
           "write_outputs", "print_summary", "model_warnings", "no_firebreak_fitness_by_role"]

LOGGER = logging.getLogger("latentga.comparison")


@dataclass
class Comparison:
    """Every task's result plus the two tables; ``seconds`` = wall time of preparing and running."""

    results: list[TaskResult]
    tidy: pd.DataFrame
    summary: pd.DataFrame
    welch: pd.DataFrame
    models: pd.DataFrame
    seconds: float
    no_breaks: dict = field(default_factory=dict)  # role -> fitness without firebreaks on its fires
    context: object = None  # the answer on the held-out fires (a PlanContext), once the outputs are written


def build_tasks(config: CompareConfig) -> list[Task]:
    """Every (method, seed) of the comparison; GA variants first (the longest tasks)."""
    tasks = []
    common = dict(heldout=config.heldout, validation=config.validation, budget=method_budget(config),
                  milestones=milestones(config))
    for seed in config.seeds:
        for method in config.variants:
            tasks.append(Task("ga", method, int(seed), variant_config(config, method, seed), **common))
    from latentga.baselines.registry import is_deterministic, resolve_baseline

    run = shared_run_config(config)
    for name, on in config.baselines.items():
        if not on:
            continue
        seeds = [-1] if is_deterministic(resolve_baseline(name)) else config.seeds  # seedless: once
        tasks.extend(Task("baseline", name, int(s), run, **common) for s in seeds)
    return tasks


def prepare_models(config: CompareConfig, progress: bool = True) -> pd.DataFrame:
    """Build (or load from the cache) the dataset and every model the variants need, once,
    in this process, so workers only ever load finished files. Returns one row per model:
    its kind, the variants using it, its training time (one-off, shared by every seed) and its
    validation quality (reconstruction precision, label MAE)."""
    from latentga.ga import operators_need_model
    from latentga.pipeline import ensure_dataset, ensure_model, model_path

    rows: dict = {}
    for method in config.variants:
        run = variant_config(config, method, config.seeds[0])
        if not operators_need_model(run.operators) and run.ga.init == "random":
            continue
        dataset = ensure_dataset(run, progress=progress)
        if operators_need_model(run.operators):
            path = model_path(run, dataset)
            if path not in rows:
                ensure_model(run, dataset=dataset, progress=progress, threads=1)  # as run does: fast on a shared machine
                rows[path] = {"model": path.name, "kind": run.model.kind, "variants": [],
                              **_training_record(path.with_suffix(""))}
            rows[path]["variants"].append(method)
    return pd.DataFrame([{**r, "variants": " ".join(r["variants"])} for r in rows.values()])


def _training_record(folder: Path) -> dict:
    """Training seconds, epochs and validation quality from the files training wrote."""
    out = {"training_seconds": np.nan, "epochs": np.nan, "val_precision": np.nan, "val_label_mae": np.nan}
    try:
        history = pd.read_csv(folder / "history.csv")
        metrics = pd.read_csv(folder / "metrics.csv").set_index("split")
        validation = metrics.loc["validation"]
        out.update(training_seconds=float(history["seconds"].sum()), epochs=int(len(history)),
                   val_precision=float(validation["precision"]),
                   val_label_mae=float(validation.get("mae", np.nan)))  # a VAE has no label head
    except (OSError, KeyError, ValueError, pd.errors.ParserError):
        pass  # a model cached by an older version without its training files: reported as unknown
    return out


def comparison_map() -> Callable:
    """``scoop.futures.map`` under ``python -m scoop``, the builtin ``map`` otherwise."""
    from latentga.parallel import parallel_map

    return parallel_map()


def run_comparison(config: CompareConfig, map_fn: Callable | None = None, progress: bool = True, store=None,
                   resume: bool = False) -> Comparison:
    """Prepare models, run every task through ``map_fn`` (default :func:`comparison_map`).

    ``store`` (a :class:`~latentga.comparison.store.TaskStore`) keeps each finished task's result
    as it arrives; with ``resume``, tasks it already holds are not run again.
    """
    t0 = time.perf_counter()
    models = prepare_models(config, progress=progress)
    tasks = build_tasks(config)
    mapper = map_fn or comparison_map()
    done = {i: store.load(t) for i, t in enumerate(tasks)} if store is not None and resume else {}
    done = {i: r for i, r in done.items() if r is not None}
    todo = [t for i, t in enumerate(tasks) if i not in done]
    if progress:
        LOGGER.info(f"comparison {config.name}: {len(tasks)} runs ({len(config.variants)} GA variants x "
                    f"{len(config.seeds)} seeds + baselines) via {getattr(mapper, '__module__', '')}."
                    f"{getattr(mapper, '__name__', mapper)}"
                    + (f"; {len(done)} kept from the interrupted comparison, {len(todo)} to run" if resume else ""))
    fresh: list[TaskResult] = []
    for task, res in zip(todo, mapper(run_task, todo)):
        fresh.append(res)
        if store is not None:
            store.save(task, res)
        if progress:
            LOGGER.info(f"  {len(done) + len(fresh):>3}/{len(tasks)} {res.method:<17} seed {res.seed:>2}  "
                        f"search {res.fitness:.4f}  validation {res.validation:.4f}  held-out {res.heldout:.4f}  "
                        f"layouts {res.calls:>7}  fires {res.fires:>9}  cpu {res.cpu_seconds:6.1f}s  "
                        f"wall {res.seconds:6.1f}s")
    ran = iter(fresh)
    results = [done[i] if i in done else next(ran) for i in range(len(tasks))]
    tidy = tidy_frame(results)
    no_breaks = no_firebreak_fitness_by_role(config)
    return Comparison(results, tidy, summary_frame(results, no_breaks), welch_frame(tidy, config.reference), models,
                      time.perf_counter() - t0, no_breaks)


def no_firebreak_fitness_by_role(config: CompareConfig) -> dict[str, float]:
    """The empty layout's fitness on the search, validation and held-out fires: the ``f0`` of
    every burned-area cut in the tables (:mod:`latentga.cut`)."""
    from latentga.cut import no_firebreak_fitness
    from latentga.pipeline import make_simulator

    run = shared_run_config(config)
    sims = {"search": make_simulator(run), "validation": validation_simulator(run, config.validation),
            "heldout": heldout_simulator(run, config.heldout)}
    return {role: no_firebreak_fitness(sim) for role, sim in sims.items()}


def _best_layouts(comparison: Comparison) -> tuple[dict, dict]:
    layouts, titles = {}, {}
    for row in comparison.summary.itertuples():
        runs = [r for r in comparison.results if r.method == row.method]
        best = max(runs, key=lambda r: (r.validation, r.fitness))  # chosen on validation; first wins ties
        layouts[row.method] = best.layout
        titles[row.method] = f"{row.method}\nvalidation {best.validation:.4f}, held-out {best.heldout:.4f}"
    return layouts, titles


def write_outputs(comparison: Comparison, config: CompareConfig, out_dir: str | Path) -> dict[str, Path]:
    """Write tidy.csv, summary.csv, welch.csv, models.csv, summary.md, best_layouts.npz,
    config.yaml, quality_vs_cost.png, best_layouts.png and report.html (every figure on one page)."""
    import matplotlib.pyplot as plt

    from latentga.comparison.curves import plot_quality_vs_cost
    from latentga.comparison.plots import plot_best_layouts
    from latentga.io import atomic_path, save_csv_atomic, save_figure_atomic, save_yaml_atomic, write_text_atomic

    out = Path(out_dir)
    run = shared_run_config(config)
    paths = {
        "tidy": save_csv_atomic(out / "tidy.csv", comparison.tidy),
        "summary": save_csv_atomic(out / "summary.csv", comparison.summary),
        "welch": save_csv_atomic(out / "welch.csv", comparison.welch),
        "models": save_csv_atomic(out / "models.csv", comparison.models),
        "summary_md": write_text_atomic(out / "summary.md", summary_markdown(
            comparison.summary, config, int(run.simulator.n_fires), comparison.welch, comparison.models,
            comparison.no_breaks)),
        "config": save_yaml_atomic(out / "config.yaml", config),
    }
    layouts, titles = _best_layouts(comparison)
    with atomic_path(out / "best_layouts.npz", suffix=".npz") as tmp:
        np.savez_compressed(tmp, **layouts)
    paths["layouts"] = out / "best_layouts.npz"
    held = heldout_simulator(run, config.heldout)
    bp = {m: held.burn_probability(l[None])[0] for m, l in layouts.items()}
    for name, fig in (("quality_vs_cost", plot_quality_vs_cost(comparison.tidy)),
                      ("best_layouts", plot_best_layouts(layouts, titles, bp))):
        paths[name] = save_figure_atomic(out / f"{name}.png", fig)
        plt.close(fig)
    context = _answer(comparison, held, layouts)
    if context is not None:
        comparison.context = context[0]
        from latentga.context import write_plan_outputs

        for name, path in write_plan_outputs(out, context[1], held.landscape, context[0]).items():
            paths[name] = path
    from latentga.report import write_comparison_report

    f0 = comparison.no_breaks
    note = (f"Fitness without firebreaks: {f0['search']:.4f} on the search fires, {f0['validation']:.4f} on the "
            f"validation fires, {f0['heldout']:.4f} on the held-out fires; a cut is (f - f0) / (1 - f0) on the same "
            "fires." if f0 else "")
    paths["report"] = write_comparison_report(out, config, comparison.summary, note,  # last: it embeds the figures
                                              context=None if context is None else context[0],
                                              warnings=model_warnings(comparison.models, config),
                                              welch=comparison.welch, models=comparison.models)
    return paths


def _answer(comparison: Comparison, held, layouts: dict):
    """The comparison's plan (the method best on held-out fitness, its run chosen on validation)
    in context: its held-out fitness beside no firebreaks on the same fires and the best
    baseline's; ``(PlanContext, layout)`` or None when there is no layout of the landscape."""
    from latentga.context import PlanContext

    summary = comparison.summary
    if not len(summary) or not hasattr(held, "burn_probability"):
        return None
    top = summary.iloc[0]
    layout = np.asarray(layouts[top["method"]], bool)
    if layout.shape != tuple(held.shape):
        return None
    burn = held.burn_probability(np.stack([layout, np.zeros_like(layout)]))
    fitness = 1.0 - burn.reshape(2, -1).mean(axis=1)
    baselines = summary[(summary["kind"] == "baseline") & (summary["method"] != top["method"])]
    base = None
    if len(baselines):
        b = baselines.iloc[0]  # the summary is sorted by held-out mean
        base = (f"best baseline ({b['method']})", float(b["best_heldout"]))
    context = PlanContext(float(fitness[0]), float(fitness[1]), held.n_fires, held.seed, int(layout.sum()),
                          burn[0], burn[1], base, label=f"the plan of {top['method']}")
    return context, layout


def print_summary(comparison: Comparison, config: CompareConfig, stream=None) -> None:
    """Print the summary as a Markdown table."""
    stream = stream or sys.stdout
    run = shared_run_config(config)
    print(summary_markdown(comparison.summary, config, int(run.simulator.n_fires), comparison.welch,
                           comparison.models, comparison.no_breaks), file=stream, flush=True)
    for line in comparison.context.lines() if comparison.context is not None else []:
        print(line, file=stream, flush=True)
    for line in model_warnings(comparison.models, config):
        print(line, file=stream, flush=True)


def model_warnings(models: pd.DataFrame, config: CompareConfig) -> list[str]:
    """One line per model whose validation precision is near chance (breaks / cells)."""
    from latentga.models.summary import near_chance_warning
    from latentga.pipeline import make_simulator

    if models is None or not len(models) or "val_precision" not in models:
        return []
    run = shared_run_config(config)
    h, w = make_simulator(run).shape
    chance = run.firebreaks / (h * w)
    lines = [near_chance_warning(r.val_precision, chance, f"the {r.kind} model used by {r.variants}")
             for r in models.itertuples()]
    return [line for line in lines if line]
