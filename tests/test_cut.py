"""The burned-area cut beside every fitness: formula, comparison tables, a run's report (issue 21, item 5)."""

import numpy as np
import pandas as pd
import pytest
from deap import tools

from latentga.comparison.aggregate import summary_frame, summary_markdown
from latentga.comparison.config import load_compare_config
from latentga.comparison.tasks import TaskResult
from latentga.cut import burned_area_cut, no_firebreak_fitness
from latentga.simulator import FireSimulator


def test_cut_is_the_share_of_the_no_break_burned_area_saved():
    assert burned_area_cut(0.9, 0.7) == pytest.approx(2 / 3)
    assert burned_area_cut(0.7, 0.7) == 0.0 and burned_area_cut(1.0, 0.7) == pytest.approx(1.0)
    assert np.allclose(burned_area_cut([0.8, 0.85], 0.7), [1 / 3, 0.5])
    assert np.isnan(burned_area_cut(1.0, 1.0))  # nothing burns even without breaks: no cut to speak of
    sim = FireSimulator(n_fires=5, seed=1)
    assert no_firebreak_fitness(sim) == float(sim.evaluate(np.zeros((1, 20, 20)))[0])


def _result(method, seed, heldout, search):
    return TaskResult(method, "ga", seed, method, np.zeros((2, 2), bool), search, search, heldout, 10, 100, 1.0, 1.0,
                      pd.DataFrame())


def test_comparison_tables_show_the_cut_beside_the_fitness():
    results = [_result("vanilla", 0, 0.90, 0.91), _result("vanilla", 1, 0.92, 0.93), _result("dpv", -1, 0.80, 0.8)]
    f0 = {"search": 0.7, "validation": 0.7, "heldout": 0.6}
    plain, cut = summary_frame(results), summary_frame(results, f0)
    assert "heldout_cut_mean" not in plain and plain.equals(cut[plain.columns])  # the old columns unchanged
    row = cut.set_index("method").loc["vanilla"]
    assert row.heldout_cut_mean == pytest.approx((0.91 - 0.6) / 0.4)
    assert row.search_cut_mean == pytest.approx((0.92 - 0.7) / 0.3)
    assert row.heldout_cut_std == pytest.approx(np.std([0.75, 0.8], ddof=1))
    config = load_compare_config(None, quick=True)
    md = summary_markdown(cut, config, 500, no_breaks=f0)
    assert "| no firebreaks | - | 0.6000 | 0 % | 0.7000 | 0 % |" in md
    assert "| vanilla | 2 | 0.9100 +- 0.0141 | 77.5 % | 0.9200 +- 0.0141 | 73.3 % |" in md
    assert "held-out cut" in md and "cut 77.5 %" in md  # best method line
    old = summary_markdown(plain, config, 500)
    assert "cut" not in old and "no firebreaks" not in old


def test_a_runs_report_gives_the_cut(tmp_path):
    from latentga.ga.individual import make_individual
    from latentga.runs.results import write_results

    sim = FireSimulator(n_fires=5, seed=1)
    layout = np.zeros(sim.shape, bool)
    layout[10, :] = True
    ind = make_individual(layout)
    ind.fitness.values = (float(sim.evaluate(layout[None])[0]),)
    logbook = tools.Logbook()
    logbook.record(gen=0, nevals=1, avg=0.9, std=0.0, min=0.9, max=0.9, best_so_far=0.9)
    write_results(tmp_path, {"name": "cut", "operators": {"mate": {"name": "cx_uniform"},
                                                          "mutate": {"name": "mut_flip"}}}, logbook, [ind],
                  simulator=sim)
    page = (tmp_path / "report.html").read_text()
    f0 = no_firebreak_fitness(sim)
    assert "burned-area cut" in page and "fitness without firebreaks" in page
    summary = page.split("Summary (on the search fires)")[1].split("</table>")[0]
    cut = burned_area_cut(ind.fitness.values[0], f0)
    assert 0 < cut < 1 and f"<td>{cut:.4f}</td>" in summary and f"<td>{f0:.4f}</td>" in summary
