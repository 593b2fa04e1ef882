"""The tabulated crossing periods of Kitral / S&B edges (``FactoredRates.steps``) and the runs of
equal weather rows give the same fires as dividing per edge, row by row; and the table holds the
fewest periods whose metres reach the centre distance."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from latentga.simulator import FireSimulator, load_landscape

INSTANCES = Path(__file__).parent / "data" / "golden" / "instances"


def _landscape(name, vary_wind):
    folder = INSTANCES / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    land = load_landscape(folder)
    if vary_wind:  # wind speed changing every other hour: runs of equal rows and rows after them
        weathers = []
        for wx in land.weathers:
            wx = wx.copy()
            wx[:, 0] *= 1.0 + 0.4 * ((np.arange(len(wx)) // 2) % 2)
            weathers.append(wx)
        land = dataclasses.replace(land, weathers=weathers)
    return land


def _row_by_row(tables):
    """The same tables without the steps table and with one run per row (the per-edge division)."""
    f = tables.rates
    nr = tables.nrows
    run_end = np.array([[60 * (r + 1) if r < nr[w] - 1 else 60 * nr[w] for r in range(f.wrow.shape[1])]
                        for w in range(f.wrow.shape[0])], np.int32)
    f = f._replace(steps=np.zeros((0, 0, 8), np.int32), run_end=run_end)
    return tables._replace(rates=f, hros=f, rates64=f)


@pytest.mark.parametrize("name", ["Portezuelo", "vilo100"])
@pytest.mark.parametrize("vary_wind", [False, True])
def test_tabulated_steps_burn_the_same_cells(name, vary_wind):
    land = _landscape(name, vary_wind)
    sim = FireSimulator(land, n_fires=40, seed=5, ignitions="anywhere")
    ref = FireSimulator(land, n_fires=40, seed=5, ignitions="anywhere")
    ref._tables = _row_by_row(sim.tables)
    assert sim.tables.rates.steps.shape[0] > 0
    if vary_wind:
        assert sim.tables.rates.rate32.shape[0] > 1
    layouts = np.random.default_rng(2).random((2, *sim.shape)) < 0.02
    a, b = sim.simulate(layouts, record_parents=True), ref.simulate(layouts, record_parents=True)
    assert np.array_equal(a.burned, b.burned) and np.array_equal(a.parents, b.parents)
    assert a.burned.reshape(2, 40, -1).sum(axis=2).max() > 100  # fires that spread


def test_steps_are_the_fewest_periods_that_reach_the_distance():
    t = FireSimulator(_landscape("vilo100", True), n_fires=1).tables
    f = t.rates
    x = f.rate32[:, f.cls, :].astype(np.float64)
    x = (x * f.se[None].astype(np.float64)).astype(np.float32).astype(np.float64)
    k = f.steps.astype(np.float64)
    ok = f.steps < (1 << 30)
    assert ok.mean() > 0.9
    assert np.all((k * x >= t.dist)[ok])
    assert np.all(((k - 1) * x < t.dist)[ok & (f.steps > 1)])
    assert np.all((x <= 0) | ok | (t.dist / np.where(x > 0, x, 1) >= 2**29))
