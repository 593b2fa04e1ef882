"""Burn probability and DPV summed in the kernel equal the per-fire grids they replace, and
their memory does not grow with fires x cells (what lets them run on 400,000-cell landscapes)."""

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from latentga.baselines.dpv import downstream_protection_value, subtree_sizes
from latentga.simulator import FireSimulator, load_landscape

VILO = Path(__file__).parent / "data" / "golden" / "instances" / "vilo100"


@pytest.fixture(scope="module")
def vilo():
    if not VILO.is_dir():
        pytest.skip(f"{VILO} is absent")
    return load_landscape(VILO)


@pytest.mark.parametrize("kw", [{}, {"ignitions": "anywhere", "ros_cv": 0.5}])
def test_sums_equal_the_per_fire_grids(vilo, kw):
    sim = FireSimulator(vilo, n_fires=12, seed=7, **kw)
    layouts = np.random.default_rng(3).random((3, *sim.shape)) < 0.03
    res = sim.simulate(layouts, record_parents=True)
    assert np.array_equal(sim.burn_probability(layouts), res.burned.mean(axis=1))
    totals = sim.subtree_totals(layouts)
    for b in range(len(layouts)):
        ref = subtree_sizes(res.parents[b]).sum(axis=0).reshape(sim.shape)
        assert np.array_equal(totals[b], ref)
        # the root of each fire holds the whole fire: the totals are not trivially zero
        assert totals[b].max() >= res.burned[b].reshape(sim.n_fires, -1).sum(axis=1).max()
    assert np.array_equal(downstream_protection_value(sim, layouts[0]), totals[0] / sim.n_fires)


def test_sums_hold_no_grid_per_fire(vilo):
    """200 fires of 10,000 cells: per-fire masks would be 2 MB, spread trees 8 MB."""
    sim = FireSimulator(vilo, n_fires=200, seed=7)
    empty = np.zeros((1, *sim.shape), bool)
    sim.burn_probability(empty), sim.subtree_totals(empty)  # compile, build tables
    tracemalloc.start()
    try:
        sim.burn_probability(empty)
        sim.subtree_totals(empty)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < sim.n_fires * sim.n_cells / 2, f"peak {peak} bytes"
