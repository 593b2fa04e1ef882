"""Local search: exactly k firebreaks, climbs, reproducible, never over its fire budget."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from latentga.baselines.local_search import local_search
from latentga.errors import ConfigError, LayoutError
from latentga.layouts import random_layouts
from latentga.simulator import FireSimulator, default_landscape
from latentga.simulator.landscape import NON_FUEL


@pytest.fixture(scope="module")
def sim():
    return FireSimulator(n_fires=20)


def test_climbs_from_its_start_keeps_k_and_reports_true_fitness(sim):
    start = random_layouts(1, sim.shape, 12, np.random.default_rng(5))[0]
    start_fit = sim.evaluate(start)[0]
    res = local_search(sim, 12, 4000, np.random.default_rng(0), start=start)
    assert res.layout.shape == sim.shape and res.layout.sum() == 12
    assert res.fitness == sim.evaluate(res.layout)[0]
    assert res.fitness > start_fit + 0.02
    tr = res.trace
    assert list(tr.columns) == ["calls", "fires", "best", "cpu"]
    assert len(res.bests) == len(tr) and all(int(b.sum()) == int(res.layout.sum()) for b in res.bests)
    assert np.array_equal(res.bests[-1], res.layout) and tr["cpu"].is_monotonic_increasing
    assert tr["best"].iloc[0] == start_fit and tr["best"].iloc[-1] == res.fitness
    assert tr["best"].is_monotonic_increasing and tr["fires"].is_monotonic_increasing
    assert tr["calls"].iloc[-1] == res.calls and tr["fires"].iloc[-1] == res.fires
    # delta evaluation: far fewer fires than layouts scored times N
    assert res.fires < res.calls * sim.n_fires


@pytest.mark.parametrize("budget", [20, 999, 3000])
def test_respects_the_fire_budget(sim, budget):
    res = local_search(sim, 10, budget, np.random.default_rng(2))
    assert sim.n_fires <= res.fires <= budget
    assert res.fires > budget - 2 * sim.n_fires  # and uses it


def test_same_seed_same_result_other_seed_other_path(sim):
    a = local_search(sim, 10, 2500, np.random.default_rng(11), perturbation=2)
    b = local_search(sim, 10, 2500, np.random.default_rng(11), perturbation=2)
    c = local_search(sim, 10, 2500, np.random.default_rng(12), perturbation=2)
    np.testing.assert_array_equal(a.layout, b.layout)
    assert a.fitness == b.fitness and a.calls == b.calls and a.trace.drop(columns="cpu").equals(b.trace.drop(columns="cpu"))
    assert not (np.array_equal(a.layout, c.layout) and a.trace.drop(columns="cpu").equals(c.trace.drop(columns="cpu")))


@pytest.mark.slow
@pytest.mark.parametrize("strategy,perturbation", [("best", 3), ("first", 0)])
def test_other_strategies_escape_local_optima(strategy, perturbation):
    # 2 fires and k = 2: local optima come fast, so kicks / restarts must happen
    small = FireSimulator(n_fires=2)
    res = local_search(small, 2, 40_000, np.random.default_rng(4), strategy=strategy, perturbation=perturbation)
    assert res.layout.sum() == 2 and res.fitness == small.evaluate(res.layout)[0]
    assert res.calls > 2 * 398  # more than one descent pass was made
    assert str(perturbation or "restarts") in res.name


def test_bad_arguments_are_clear_errors(sim):
    rng = np.random.default_rng(0)
    with pytest.raises(ConfigError, match="strategy"):
        local_search(sim, 5, 1000, rng, strategy="steepest")
    with pytest.raises(ConfigError, match="perturbation"):
        local_search(sim, 5, 1000, rng, perturbation=-1)
    with pytest.raises(ConfigError, match="at least one firebreak"):
        local_search(sim, 0, 1000, rng)
    with pytest.raises(ConfigError, match="at least one full evaluation"):
        local_search(sim, 5, 10, rng)
    with pytest.raises(LayoutError, match="budget"):
        local_search(sim, 5, 1000, rng, start=np.zeros(sim.shape, bool))


def test_stops_even_when_moves_cost_no_fires():
    # the ignition block is non-fuel: no fire ever happens, so no move re-runs a fire; the
    # search must still end (layouts scored are capped by the budget too)
    land = default_landscape()
    types = np.array(land.fuel_types, dtype=object)
    block = FireSimulator(land, n_fires=1).scenarios.candidates
    types.reshape(-1)[block] = NON_FUEL
    sim = FireSimulator(dataclasses.replace(land, name="no ignition", fuel_types=types.astype(str)), n_fires=2)
    res = local_search(sim, 3, 300, np.random.default_rng(0))
    assert res.fitness == 1.0 and res.fires == 2 and res.calls == 300


def test_move_order_visits_every_move_once_also_past_the_permutation_limit(monkeypatch):
    """Past ``_PERMUTED_MOVES_MAX`` (Dogrib's 55 million swaps) the order is lazy but still a full
    pass, so 'no improving move' still means a local optimum."""
    import importlib

    ls = importlib.import_module("latentga.baselines.local_search")

    rng = np.random.default_rng(0)
    assert sorted(ls._move_order(1000, rng)) == list(range(1000))
    monkeypatch.setattr(ls, "_PERMUTED_MOVES_MAX", 100)
    order = list(ls._move_order(1000, np.random.default_rng(1)))
    assert sorted(order) == list(range(1000)) and order != list(range(1000))
    assert order != list(ls._move_order(1000, np.random.default_rng(2)))
