"""Delta evaluation must give exactly what a full evaluation gives, for fewer fires."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from latentga.errors import ConfigError
from latentga.layouts import random_layouts
from latentga.simulator import FireSimulator, default_landscape
from latentga.simulator.delta import DeltaEvaluator, FireRecord


def _moves(layouts: np.ndarray, sizes, rng: np.random.Generator) -> np.ndarray:
    """Each layout with ``sizes[i]`` firebreaks moved to random free cells (budget kept)."""
    out = layouts.reshape(len(layouts), -1).copy()
    for i, m in enumerate(sizes):
        on, off = np.flatnonzero(out[i]), np.flatnonzero(~out[i])
        out[i, rng.choice(on, m, replace=False)] = False
        out[i, rng.choice(off, m, replace=False)] = True
    return out.reshape(layouts.shape)


def _assert_same(records: list[FireRecord], sim: FireSimulator, layouts: np.ndarray) -> None:
    full = sim.simulate(layouts)
    np.testing.assert_array_equal(np.array([r.fitness for r in records]), sim.evaluate(layouts))
    for i, rec in enumerate(records):
        np.testing.assert_array_equal(rec.burned, full.burned[i])
        np.testing.assert_array_equal(rec.ignition, full.ignition[i])
        np.testing.assert_array_equal(rec.layout, layouts[i])


@pytest.mark.parametrize("mode,ros_cv", [("cell2fire", 0.0), ("cell2fire", 0.8), ("redraw", 0.8)])
def test_delta_equals_full_on_random_moves(mode, ros_cv):
    sim = FireSimulator(n_fires=30, ros_cv=ros_cv, ignition_mode=mode)
    delta = DeltaEvaluator(sim)
    rng = np.random.default_rng(7)
    parents = random_layouts(60, sim.shape, 20, rng)
    # half the parents with firebreaks packed around the ignition, so moves change ignitions
    block = sim.scenarios.candidates
    for p in parents[:30]:
        p[:] = False
        p.reshape(-1)[rng.choice(block, 20, replace=False)] = True
    records = delta.record(parents)
    _assert_same(records, sim, parents)
    sizes = np.tile([1, 2, 5], 20)
    children = _moves(parents, sizes, rng)
    fitness, child_records, fires = delta.evaluate_children(children, records)
    _assert_same(child_records, sim, children)
    np.testing.assert_array_equal(fitness, sim.evaluate(children))
    assert 0 < fires < len(children) * sim.n_fires  # some fires re-run, many reused
    # a second generation built on delta records (not full ones) stays exact
    grandchildren = _moves(children, np.ones(60, int), rng)
    fit2, rec2, _ = delta.evaluate_children(grandchildren, child_records)
    _assert_same(rec2, sim, grandchildren)


def test_single_evaluate_and_landscape_without_ignition_block():
    land = dataclasses.replace(default_landscape(), ignition_cell=None)  # random ignitions (tries)
    sim = FireSimulator(land, n_fires=20, ros_cv=0.3)
    delta = DeltaEvaluator(sim)
    rng = np.random.default_rng(3)
    cur = delta.record(random_layouts(1, sim.shape, 20, rng))[0]
    total = 0
    for _ in range(40):
        child = _moves(cur.layout[None], [1], rng)[0]
        fit, rec, fires = delta.evaluate(child, cur)
        assert fit == sim.evaluate(child)[0]
        assert 0 <= fires <= sim.n_fires
        np.testing.assert_array_equal(rec.burned, sim.burned(child)[0])
        total += fires
        cur = rec
    assert total < 40 * sim.n_fires


def test_unchanged_child_reruns_nothing_and_far_children_are_fully_evaluated():
    sim = FireSimulator(n_fires=20)
    rng = np.random.default_rng(1)
    parents = random_layouts(3, sim.shape, 20, rng)
    delta = DeltaEvaluator(sim, max_changed=4)
    recs = delta.record(parents)
    fit, _, fires = delta.evaluate(parents[0], recs[0])
    assert fires == 0 and fit == recs[0].fitness
    near = _moves(parents[1:2], [1], rng)[0]
    children = np.stack([near, parents[2], near])
    # child 0: nearest of two parents (one swap away from parent 1); child 1: 20 cells off -> full;
    # child 2: no parent -> full
    fitness, records, fires = delta.evaluate_children(children, [[recs[0], recs[1]], recs[0], None])
    np.testing.assert_array_equal(fitness, sim.evaluate(children))
    assert 2 * sim.n_fires <= fires <= 3 * sim.n_fires
    _assert_same(records, sim, children)
    # a per-call threshold of 0: every changed child is evaluated in full
    _, _, fires0 = delta.evaluate_children(children[:1], [recs[1]], max_changed=0)
    assert fires0 == sim.n_fires


def test_bad_input_is_a_clear_error():
    sim = FireSimulator(n_fires=5)
    delta = DeltaEvaluator(sim)
    recs = delta.record(np.zeros((2, *sim.shape), bool))
    with pytest.raises(ConfigError, match="parent records"):
        delta.evaluate_children(np.zeros((3, *sim.shape), bool), recs)
    with pytest.raises(ConfigError, match="built-in simulator"):
        DeltaEvaluator(object())
    with pytest.raises(ConfigError, match="max_changed"):
        DeltaEvaluator(sim, max_changed=-1)


def test_evaluator_pickles_and_rejects_foreign_records():
    import pickle

    sim = FireSimulator(n_fires=8, ros_cv=0.2)
    delta = pickle.loads(pickle.dumps(DeltaEvaluator(sim, max_changed=3)))
    assert delta.max_changed == 3 and delta.simulator.settings == sim.settings
    layouts = random_layouts(2, sim.shape, 10, np.random.default_rng(0))
    rec = delta.record(layouts[:1])[0]
    fit, _, _ = delta.evaluate(layouts[1], rec)
    assert fit == sim.evaluate(layouts[1])[0]
    other = DeltaEvaluator(FireSimulator(n_fires=9)).record(layouts[:1])[0]
    with pytest.raises(ConfigError, match="does not match this simulator"):
        delta.evaluate(layouts[1], other)
