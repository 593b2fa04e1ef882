"""report.html of a run and of a comparison: self-contained, and shown whole by a real browser."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from deap import tools

from latentga.report import write_comparison_report

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

ROOT = Path(__file__).resolve().parents[1]


def _browser_module():
    spec = importlib.util.spec_from_file_location("report_browser", ROOT / "benchmarks" / "report_browser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A real (tiny) GA result written by write_results with the run's simulator."""
    from latentga.ga.individual import make_individual
    from latentga.runs.results import write_results
    from latentga.simulator import FireSimulator

    sim = FireSimulator(n_fires=5, seed=1)
    rng = np.random.default_rng(0)
    layouts = np.zeros((3, *sim.shape), bool)
    for layout in layouts:
        layout.flat[rng.choice(layout.size, 20, replace=False)] = True
    fits = sim.evaluate(layouts)
    hof = []
    for layout, fit in zip(layouts, fits):
        ind = make_individual(layout)
        ind.fitness.values = (float(fit),)
        hof.append(ind)
    hof.sort(key=lambda i: -i.fitness.values[0])
    logbook = tools.Logbook()
    logbook.header = ["gen", "nevals", "avg", "std", "min", "max", "best_so_far"]
    for gen in range(3):
        logbook.record(gen=gen, nevals=3, avg=float(fits.mean()), std=float(fits.std()), min=float(fits.min()),
                       max=float(fits.max()), best_so_far=float(fits.max()))
    out = tmp_path_factory.mktemp("run")
    config = {"name": "tiny", "operators": {"mate": {"name": "cx_uniform"}, "mutate": {"name": "mut_flip"}}}
    write_results(out, config, logbook, hof, simulator=sim)
    return out


def test_a_run_writes_a_self_contained_report_listed_in_its_manifest(run_folder):
    page = (run_folder / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3  # convergence, best layout, burn probability
    assert "http" not in page and "<script" not in page and "<link" not in page
    assert "best so far" in page and "cx_uniform" in page  # logbook table (headers in words) and config
    assert "report.html" in json.loads((run_folder / "run.json").read_text())["files"]


def test_comparison_report_has_the_summary_and_every_figure(tmp_path, run_folder):
    for name in ("convergence.png", "heldout_vs_cost.png", "best_layouts.png"):
        (tmp_path / name).write_bytes((run_folder / "convergence.png").read_bytes())
    summary = pd.DataFrame({"method": ["vanilla", "dpv"], "heldout_mean": [0.81, 0.84]})
    page = write_comparison_report(tmp_path, {"name": "cmp"}, summary, note="held-out on 100 fires").read_text()
    assert page.count("data:image/png;base64,") == 3 and "dpv" in page and "held-out on 100 fires" in page
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="not a PNG"):
        from latentga.report import png_data_uri

        png_data_uri(tmp_path / "bad.png")


def test_reports_load_without_console_errors_and_show_every_figure(tmp_path, run_folder):
    browser = _browser_module()
    why = browser.missing_browser()
    if why:
        pytest.skip(f"no headless browser here: {why}")
    for name in ("convergence.png", "heldout_vs_cost.png", "best_layouts.png"):
        (tmp_path / name).write_bytes((run_folder / "best_layout.png").read_bytes())
    write_comparison_report(tmp_path, {"name": "cmp"}, pd.DataFrame({"method": ["a"]}))
    broken = tmp_path / "broken.html"  # the check must be able to fail: an image that cannot decode
    broken.write_text('<!DOCTYPE html><html><head><title>b</title></head><body>'
                      '<img alt="x" src="data:image/png;base64,AAAA"></body></html>')
    results = browser.check_pages([run_folder / "report.html", tmp_path / "report.html", broken])
    assert results[0]["ok"] and len(results[0]["images"]) == 3, results[0]
    assert results[1]["ok"] and len(results[1]["images"]) == 3, results[1]
    assert not results[2]["ok"]


def _visible(page: str) -> str:
    import re

    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)


def test_run_report_opens_with_the_answer_on_fresh_fires(tmp_path, run_folder):
    import re

    from latentga.context import plan_context
    from latentga.runs.results import write_results
    from latentga.simulator import FireSimulator

    sim = FireSimulator(n_fires=5, seed=1)
    best = np.load(run_folder / "best_layouts.npy")
    context = plan_context(sim, best[0], n_fires=30)
    assert context.untreated == pytest.approx(1 - sim.__class__(n_fires=30, seed=2024).burn_probability(
        np.zeros((1, *sim.shape), bool))[0].mean())
    from latentga.ga.individual import make_individual

    hof = []
    for layout, fit in zip(best, np.load(run_folder / "best_fitness.npy")):
        ind = make_individual(layout)
        ind.fitness.values = (float(fit),)
        hof.append(ind)
    logbook = tools.Logbook()
    logbook.header = ["gen", "avg", "std", "best_so_far"]
    logbook.record(gen=0, avg=0.7, std=float("nan"), best_so_far=0.7)
    config = {"name": "ctx", "operators": {"mate": {"name": "cx_uniform"}, "mutate": {"name": "mut_flip"}}}
    write_results(tmp_path, config, logbook, hof, simulator=sim, context=context)
    page = _visible((tmp_path / "report.html").read_text())
    answer = page.index("fresh fires")
    assert answer < page.index("Figures") and "with no firebreaks" in page and "cuts the burned area" in page
    assert not re.search(r"\bnan\b", page, re.I)
    for name in ("plan.csv", "plan.asc", "burn_probability.asc", "burn_probability_untreated.asc"):
        assert name in json.loads((tmp_path / "run.json").read_text())["files"], name


def test_comparison_report_tables_read_well_and_show_no_nan(tmp_path):
    import re

    summary = pd.DataFrame({"method": ["dpv", "vanilla"], "kind": ["baseline", "ga"], "runs": [1, 2],
                            "heldout_mean": [0.84123456, 0.81], "heldout_std": [0.0, 0.01],
                            "best_heldout": [0.84123456, 0.82], "search_mean": [0.85, 0.83],
                            "search_std": [0.0, 0.02], "calls_mean": [2.0, 5000.0], "fires_mean": [200.0, 1e6],
                            "cpu_seconds_mean": [0.5, 120.25]})
    welch = pd.DataFrame({"method": ["vae"], "reference": ["vanilla"], "heldout_mean": [0.8],
                          "reference_mean": [0.81], "p_equal_fires": [float("nan")], "cpu_seconds": [10.0],
                          "heldout_at_cpu": [0.8], "reference_at_cpu": [0.81], "p_equal_cpu": [0.0001]})
    models = pd.DataFrame({"model": ["m.pt"], "kind": ["vae"], "variants": ["vae"], "training_seconds": [12.0],
                           "epochs": [3], "val_precision": [0.04], "val_label_mae": [float("nan")]})
    page = _visible(write_comparison_report(tmp_path, {"name": "cmp"}, summary, welch=welch, models=models,
                                            warnings=["warning: the vae model is near chance"]).read_text())
    assert not re.search(r"\bnan\b", page, re.I) and "_" not in re.sub(r"<pre>.*?</pre>", "", page, flags=re.S)
    assert "<td>0.8412</td>" in page and "0.8100 ± 0.0100" in page and "0.84123456" not in page
    assert "1,000,000" in page and "± 0.0000" not in page  # one run: no spread to show
    assert "Welch tests against vanilla" in page and "&lt; 0.001" in page and "validation precision" in page
    assert page.index("near chance") < page.index("Summary")
