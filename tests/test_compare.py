"""benchmarks/compare.py: config validation, the --quick run end to end, fairness, determinism."""

import importlib.util
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from latentga.comparison import (
    BASELINES,
    build_tasks,
    load_compare_config,
    method_budget,
    run_comparison,
    run_task,
    variant_config,
)
from latentga.errors import ConfigError

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "compare.yaml"
VARIANTS = ["vanilla", "vae", "ccvae", "ccvae_cg", "ccvae_gd", "ccvae_gd_ux", "ccvae_gd_wr", "memetic", "memetic_random"]


def _script():
    spec = importlib.util.spec_from_file_location("compare_script", ROOT / "benchmarks" / "compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The real ``--quick`` run (serial, builtin map), written to a temporary folder."""
    out = tmp_path_factory.mktemp("compare")
    cache = out / "cache"
    argv = ["--quick", "--quiet", "--out", str(out / "res"), "--set", f"run.output.cache_dir={cache}"]
    assert _script().main(argv) == 0
    config = load_compare_config(CONFIG, quick=True, overrides=[f"run.output.cache_dir={cache}"])
    return config, out / "res"


def test_default_config_has_the_report_variants_and_all_baselines():
    config = load_compare_config(CONFIG)
    assert list(config["variants"]) == VARIANTS
    assert all(config["baselines"][b] for b in BASELINES)
    assert config["seeds"] == list(range(8)) and config["heldout"]["n_fires"] == 1000
    runs = {m: variant_config(config, m, 3) for m in VARIANTS}
    assert {r["ga"]["population"] for m, r in runs.items() if not m.startswith("memetic")} == {100}
    assert runs["memetic"]["ga"]["seeding"]["dpv"] == "greedy" and runs["memetic"]["ga"]["memetic"]["individuals"] > 0
    assert {r["ga"]["max_cost"] for r in runs.values()} == {config["budget"]["fires"]}  # budget-bound runs
    assert {r["simulator"]["n_fires"] for r in runs.values()} == {500}
    assert len({str(r["simulator"]) for r in runs.values()}) == 1  # the same search fires
    assert runs["ccvae_gd_wr"]["retraining"]["every"] > 0 and runs["ccvae_gd"]["retraining"]["every"] == 0
    assert runs["vae"]["model"]["kind"] == "vae" and runs["ccvae_gd"]["model"]["kind"] == "ccvae"
    assert runs["ccvae_gd"]["operators"]["mutate"]["name"] == "mut_ccvae_gradient"
    assert all(r["seed"] == 3 for r in runs.values())
    assert method_budget(config) == {"calls": config["budget"]["fires"] // 500, "fires": config["budget"]["fires"],
                                     "n_fires": 500}


@pytest.mark.parametrize("overrides, match", [
    ({"colours": 1}, "unknown comparison config key 'colours'"),
    ({"seeds": []}, "seeds"),
    ({"seeds": [0, 0]}, "seeds"),
    ({"baselines": {"simulated_annealing": True}}, "unknown baseline 'simulated_annealing'"),
    ({"heldout": {"seed": 123}}, "must be disjoint"),
    ({"validation": {"seed": 123}}, "must be disjoint"),
    ({"validation": {"seed": 2024}}, "must be disjoint"),
    ({"validation": {"seed": 7}}, "validation fire 123 .seed 7. is search fire 7 .seed 123.*validation.seed = "),
    ({"variants": {"vae": {"simulator": {"seed": 5}}}}, "variants.vae sets simulator.seed"),
    ({"budget": {"fires": 0}}, "budget.fires"),
    ({"validation": {"candidates": 0}}, "validation.candidates"),
    ({"run": {"firebreaks": 30}}, "no straight line of 30 cells.*best_line: false"),
    ({"heldout": {"n_fires": 0}}, "heldout.n_fires"),
    ({"variants": {"vae": {"operators": {"mutate": {"name": "mut_wiggle"}}}}}, "variant 'vae'.*mut_wiggle"),
    ({"run": {"ga": {"populaton": 5}}}, "populaton"),
    ({"reference": "memetik"}, "'reference' = 'memetik' is not a GA variant.*memetic_random"),
])
def test_bad_config_is_one_clear_error(overrides, match):
    with pytest.raises(ConfigError, match=match):
        load_compare_config(CONFIG, overrides=overrides)


def test_missing_config_file_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_compare_config(tmp_path / "nope.yaml")
    assert _script().main([str(tmp_path / "nope.yaml"), "--quiet"]) == 2


def test_variant_switching_operator_drops_the_old_params():
    """A variant naming another operator than the shared ``run`` section does not inherit its params."""
    config = load_compare_config(CONFIG, overrides={
        "run": {"operators": {"mate": {"name": "cx_uniform", "params": {"indpb": 0.3}}}},
        "variants": {"two_point": {"operators": {"mate": {"name": "cx_two_point"}}},
                     "uniform": {"operators": {"mate": {"params": {"indpb": 0.2}}}}}})
    assert variant_config(config, "two_point", 0)["operators"]["mate"] == {"name": "cx_two_point", "params": {}}
    assert variant_config(config, "uniform", 0)["operators"]["mate"] == {"name": "cx_uniform",
                                                                        "params": {"indpb": 0.2}}


def test_quick_run_writes_every_output(quick):
    config, out = quick
    for name in ("tidy.csv", "summary.csv", "welch.csv", "summary.md", "best_layouts.npz", "config.yaml",
                 "quality_vs_cost.png", "best_layouts.png"):
        assert (out / name).stat().st_size > 0, name
    tidy = pd.read_csv(out / "tidy.csv")
    assert {"method", "seed", "point", "fires", "cpu_seconds", "evaluations", "best", "validation",
            "heldout"} <= set(tidy.columns)
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["method"]) == set(VARIANTS) | set(BASELINES)
    assert summary["heldout_mean"].between(0, 1).all()
    assert list(summary["heldout_mean"]) == sorted(summary["heldout_mean"], reverse=True)
    text = (out / "summary.md").read_text()
    assert "| vanilla |" in text and "Welch" in text
    budget = config["budget"]["fires"]
    searching = tidy[(tidy["kind"] == "ga") | tidy["method"].isin(["random_search", "local_search"])]
    for (method, seed), run in searching.groupby(["method", "seed"]):
        assert run["fires"].is_monotonic_increasing and run["cpu_seconds"].is_monotonic_increasing
        # a GA stops in the generation that spends its budget; the baselines never exceed it
        population = variant_config(config, method, seed)["ga"]["population"] if method in config["variants"] else 0
        assert run["fires"].iloc[-1] <= budget + population * 10, (method, seed)
        assert run["fires"].iloc[-1] >= 0.8 * budget, (method, seed)
    welch = pd.read_csv(out / "welch.csv")
    assert set(welch["method"]) == set(VARIANTS) - {"vanilla"} and welch["p_equal_fires"].between(0, 1).all()
    layouts = np.load(out / "best_layouts.npz")
    assert all(int(layouts[m].sum()) == 20 for m in layouts.files)
    from latentga.plans import read_plans
    from latentga.simulator import load_landscape

    top = summary.iloc[0]
    plan = read_plans(out / "plan.csv", load_landscape(None))[0]
    assert (plan == layouts[top["method"]]).all() and (read_plans(out / "plan.asc", load_landscape(None))[0] == plan).all()
    burn = np.loadtxt(out / "burn_probability.asc", skiprows=6)
    assert 1 - burn.mean() == pytest.approx(top["best_heldout"], abs=1e-6)  # the same held-out fires
    assert (out / "burn_probability_untreated.asc").is_file()
    page = (out / "report.html").read_text()
    assert "fresh fires" in page and "with no firebreaks" in page and "cuts the burned area" in page
    import re

    visible = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert not re.search(r"\bnan\b", visible, re.I) and not re.search(r"\bnan\b", text, re.I)  # a VAE has no MAE
    assert "Welch tests against vanilla" in visible and "validation precision" in visible


def test_returned_layout_is_the_validation_choice(quick):
    """A GA returns the hall-of-fame member best on the validation fires, scored on held-out fires."""
    from latentga.comparison.tasks import heldout_simulator, validation_simulator

    config, _ = quick
    task = next(t for t in build_tasks(config) if t.method == "vanilla" and t.seed == 0)
    res = run_task(task)
    val = validation_simulator(task.run, config["validation"]).evaluate(res.layout[None])[0]
    held = heldout_simulator(task.run, config["heldout"]).evaluate(res.layout[None])[0]
    assert res.validation == pytest.approx(val) and res.heldout == pytest.approx(held)
    assert res.trace["validation"].iloc[-1] == pytest.approx(val)


def test_every_variant_starts_from_the_same_population():
    from latentga.ga import initial_individuals
    from latentga.pipeline import make_simulator
    from latentga.problems import firebreak_problem

    config = load_compare_config(CONFIG)
    firsts = []
    for method in ("vanilla", "ccvae_gd", "ccvae_gd_wr"):
        run = variant_config(config, method, 5)
        problem = firebreak_problem(run, make_simulator(run, n_fires=1))
        firsts.append(initial_individuals(run.ga, problem, 100, np.random.default_rng(run["seed"])))
    assert all(np.array_equal(firsts[0], f) for f in firsts[1:])


def test_summary_heldout_matches_a_fresh_rescoring(quick):
    """The headline number is the final layout re-scored on the held-out fires, not search fitness."""
    from latentga.comparison.config import shared_run_config
    from latentga.comparison.tasks import heldout_simulator

    config, out = quick
    summary = pd.read_csv(out / "summary.csv").set_index("method")
    layouts = np.load(out / "best_layouts.npz")
    held = heldout_simulator(shared_run_config(config), config["heldout"])
    for method in ("vanilla", "dpv"):
        assert summary.loc[method, "best_heldout"] == pytest.approx(float(held.evaluate(layouts[method][None])[0]))


def test_same_numbers_in_a_two_worker_pool(quick):
    """Task results do not depend on the process (or the number of workers) that runs them."""
    config, out = quick
    config = config.replace(seeds=[1], baselines={"dpv_greedy": False, "best_line": False, "burn_probability": False})
    tasks = [t for t in build_tasks(config) if t.method in ("vanilla", "ccvae_gd", "random_search")]
    serial = [run_task(t) for t in tasks]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = list(pool.map(run_task, tasks))
    for a, b in zip(serial, pooled):
        assert (a.method, a.seed) == (b.method, b.seed)
        pd.testing.assert_frame_equal(a.trace.drop(columns="cpu_seconds"), b.trace.drop(columns="cpu_seconds"))
        assert np.array_equal(a.layout, b.layout)
    # and the same as the quick run's own rows for seed 1
    tidy = pd.read_csv(out / "tidy.csv")
    ccvae_gd = tidy[(tidy["method"] == "ccvae_gd") & (tidy["seed"] == 1)].reset_index(drop=True)
    got = serial[[t.method for t in tasks].index("ccvae_gd")].trace
    assert np.allclose(ccvae_gd["best"], got["best"]) and np.allclose(ccvae_gd["heldout"], got["heldout"])


def test_run_comparison_accepts_any_map(quick):
    config, _ = quick
    small = config.replace(seeds=[0], variants={"vanilla": config["variants"]["vanilla"]},
                           baselines={b: b == "best_line" for b in BASELINES})
    calls = []

    def recording_map(func, tasks):
        tasks = list(tasks)
        calls.append(len(tasks))
        return map(func, tasks)

    comp = run_comparison(small, map_fn=recording_map, progress=False)
    assert calls == [2] and list(comp.summary["method"]) in (["vanilla", "best_line"], ["best_line", "vanilla"])


def first_cells(simulator, k, *, budget, rng=None):
    """A plug-in baseline for the test: the first k burnable cells."""
    from latentga.baselines import BaselineResult

    layout = np.zeros(simulator.shape, bool)
    layout.reshape(-1)[np.flatnonzero(np.asarray(simulator.tables.burnable).reshape(-1))[:k]] = True
    return BaselineResult("first cells", layout, float(simulator.evaluate(layout[None])[0]), 1)


first_cells.deterministic = True


def test_a_plugin_baseline_runs_beside_the_builtins(quick):
    config, _ = quick
    small = load_compare_config(CONFIG, quick=True, overrides={
        "seeds": [0, 1], "variants": {}, "run": {"output": config["run"]["output"]},
        "baselines": {**{b: b == "best_line" for b in BASELINES}, "test_compare:first_cells": True}})
    comp = run_comparison(small, progress=False)
    rows = comp.summary.set_index("method")
    assert rows.loc["test_compare:first_cells", "runs"] == 1  # deterministic: once, not per seed
    assert 0 < rows.loc["test_compare:first_cells", "heldout_mean"] < 1
    with pytest.raises(ConfigError, match="no baseline 'nope'"):
        load_compare_config(CONFIG, overrides={"baselines": {"test_compare:nope": True}})


def test_interrupted_comparison_resumes_with_the_same_numbers(quick, tmp_path):
    """Ctrl-C after some tasks keeps them; --resume runs only the rest; the numbers are the
    uninterrupted run's (the quick fixture's)."""
    from latentga.comparison.store import TaskStore

    config, out = quick
    store = TaskStore(tmp_path)

    def interrupted_map(func, tasks):
        for i, task in enumerate(tasks):
            if i == 3:
                raise KeyboardInterrupt
            yield func(task)

    with pytest.raises(KeyboardInterrupt):
        run_comparison(config, map_fn=interrupted_map, progress=False, store=store)
    assert len(list((tmp_path / "tasks").glob("*.npz"))) == 3
    ran = []

    def counting_map(func, tasks):
        tasks = list(tasks)
        ran.append(len(tasks))
        return map(func, tasks)

    comp = run_comparison(config, map_fn=counting_map, progress=False, store=store, resume=True)
    assert ran == [len(build_tasks(config)) - 3]
    want = pd.read_csv(out / "tidy.csv").drop(columns="cpu_seconds")
    got = comp.tidy.drop(columns="cpu_seconds").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    # a changed config does not reuse the stored tasks
    other = config.replace(heldout={"seed": config.heldout.seed + 1})
    assert all(store.load(t) is None for t in build_tasks(other))


def test_compare_is_an_installed_command(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "latentga", "compare", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0 and "--resume" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "latentga", "compare", str(CONFIG), "--resume", "--out",
                          str(tmp_path / "none")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "nothing to resume" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_an_interrupted_comparison_names_the_command_that_resumes_it():
    import argparse
    import shlex

    from latentga.cli.compare import resume_command

    args = argparse.Namespace(quick=True, only="memetic,dpv_greedy", overrides=["seeds=[0, 1]"])
    words = shlex.split(resume_command("configs/compare.yaml", "results/my comparison", args))
    assert words == ["python", "-m", "latentga", "compare", "configs/compare.yaml", "--out", "results/my comparison",
                     "--resume", "--quick", "--only", "memetic,dpv_greedy", "--set", "seeds=[0, 1]"]
