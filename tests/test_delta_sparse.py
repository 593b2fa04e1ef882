"""Sparse fire records: delta evaluation equals full evaluation, and memory follows the burned area
(issue 21, item 2). On a synthetic landscape with non-fuel cells and fires anywhere (always), and
on Dogrib from ../shared (when present)."""

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from latentga.layouts import burnable_cells, random_layouts
from latentga.problems.fire_delta import pack_records, unpack_records
from latentga.simulator import FireSimulator, default_landscape, load_landscape
from latentga.simulator.delta import DeltaEvaluator
from latentga.simulator.landscape import NON_FUEL

ROOT = Path(__file__).resolve().parents[1]
DOGRIB = next((Path(p) / "reference" / "dogrib" for p in (os.environ.get("LATENTGA_SHARED"), ROOT.parent / "shared")
               if p and (Path(p) / "reference" / "dogrib").is_dir()), None)


def _moves(layouts, sizes, allowed, rng):
    out = layouts.reshape(len(layouts), -1).copy()
    ok = allowed.reshape(-1)
    for row, m in zip(out, sizes):
        row[rng.choice(np.flatnonzero(row), m, replace=False)] = False
        row[rng.choice(np.flatnonzero(~row & ok), m, replace=False)] = True
    return out.reshape(layouts.shape)


def _check(sim, records, layouts):
    full = sim.simulate(layouts)
    assert [r.fitness for r in records] == sim.evaluate(layouts).tolist()
    for i, rec in enumerate(records):
        np.testing.assert_array_equal(rec.burned, full.burned[i])
        np.testing.assert_array_equal(rec.ignition, full.ignition[i])
        np.testing.assert_array_equal(rec.counts, full.burned[i].reshape(sim.n_fires, -1).sum(axis=1))
        for f in range(sim.n_fires):  # cells ascending within each fire, as the lookups need
            cells = rec.cells[rec.offsets[f]:rec.offsets[f + 1]]
            assert np.all(np.diff(cells) > 0)


def holey_anywhere():
    land = default_landscape()
    types = np.array(land.fuel_types, dtype=object)
    types[::3, 2::5] = NON_FUEL
    types[8:12, 8:12] = NON_FUEL
    land = dataclasses.replace(land, name="holes", fuel_types=types.astype(str))
    return FireSimulator(land, n_fires=25, seed=123, ignitions="anywhere", ros_cv=0.5)


def test_sparse_delta_equals_full_on_a_landscape_with_non_fuel_and_fires_anywhere():
    sim = holey_anywhere()
    allowed = burnable_cells(sim)
    delta = DeltaEvaluator(sim)
    rng = np.random.default_rng(0)
    parents = random_layouts(24, sim.shape, 30, rng, allowed=allowed)
    records = delta.record(parents)
    _check(sim, records, parents)
    children = _moves(parents, np.tile([1, 3, 10, 30], 6), allowed, rng)  # 30 = every break moved
    fit, kids, fires = delta.evaluate_children(children, [[r] for r in records])
    assert fit.tolist() == sim.evaluate(children).tolist() and 0 < fires <= len(children) * sim.n_fires
    _check(sim, kids, children)
    grand = _moves(children, np.ones(24, int), allowed, rng)  # a generation on delta-made records
    _, again, _ = delta.evaluate_children(grand, kids)
    _check(sim, again, grand)
    one, rec, _ = delta.evaluate(grand[0], kids[0])
    assert one == again[0].fitness and np.array_equal(rec.cells, again[0].cells)
    # memory follows the burned cells: 4 + 2 + 1 bytes each, plus per-fire offsets and ignitions
    for r in records:
        assert r.cells.nbytes + r.times.nbytes + r.hubs.nbytes == 7 * int(r.counts.sum())
        assert r.nbytes == 7 * int(r.counts.sum()) + 8 * (2 * sim.n_fires + 1) + sim.shape[0] * sim.shape[1]


def test_sparse_records_survive_a_checkpoint_round_trip():
    sim = holey_anywhere()
    delta = DeltaEvaluator(sim)
    recs = delta.record(random_layouts(3, sim.shape, 30, np.random.default_rng(1), allowed=burnable_cells(sim)))
    back = unpack_records(pack_records({bytes([i]): r for i, r in enumerate(recs)}), delta)
    for i, r in enumerate(recs):
        got = back[bytes([i])]
        for name in ("layout", "offsets", "cells", "times", "hubs", "ignition"):
            a, b = getattr(got, name), getattr(r, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        assert got.fitness == r.fitness


@pytest.mark.skipif(DOGRIB is None, reason="team folder shared/ with reference/dogrib is absent")
def test_dogrib_sparse_delta_equals_full_and_records_are_small():
    sim = FireSimulator(load_landscape(DOGRIB), n_fires=12, seed=123, ignitions="anywhere")
    allowed = burnable_cells(sim)
    delta = DeltaEvaluator(sim)
    rng = np.random.default_rng(0)
    parents = random_layouts(3, sim.shape, 700, rng, allowed=allowed)
    records = delta.record(parents)
    assert [r.fitness for r in records] == sim.evaluate(parents).tolist()
    children = _moves(parents, [1, 5, 300], allowed, rng)
    fit, kids, _ = delta.evaluate_children(children, records)
    assert fit.tolist() == sim.evaluate(children).tolist()
    burned = sim.burned(children)
    for i, rec in enumerate(kids):
        np.testing.assert_array_equal(rec.burned, burned[i])
    dense = sim.n_fires * (2 * ((sim.n_cells + 7) // 8) + 2 * sim.n_cells)  # the old record's arrays
    assert max(r.nbytes for r in kids) < dense / 5
