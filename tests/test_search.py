"""DPV seeding and the memetic step: seeds on burnable cells, fires charged, moves never worse,
exact fitness, reproducible, and exact across a checkpoint and resume."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from latentga.baselines.dpv import downstream_protection_value, dpv_layout
from latentga.config import load_config
from latentga.errors import ConfigError
from latentga.ga import checkpoint as ckpt
from latentga.ga import run_ga
from latentga.layouts import random_layouts
from latentga.problems import firebreak_problem
from latentga.search import dpv_seeds, improve
from latentga.simulator import FireSimulator
from latentga.simulator.delta import DeltaEvaluator
from latentga.simulator.landscape import NON_FUEL

N_FIRES, K = 12, 10


@pytest.fixture(scope="module")
def sim():
    return FireSimulator(n_fires=N_FIRES, seed=123)


@pytest.fixture(scope="module")
def patchy():
    """Sub20x20 with a block of non-fuel cells: seeds and moves must stay off them."""
    from latentga.simulator import default_landscape

    land = default_landscape()
    types = np.array(land.fuel_types, dtype=object)
    types[14:18, 2:16] = NON_FUEL
    return FireSimulator(dataclasses.replace(land, name="patchy", fuel_types=types.astype(str)), n_fires=N_FIRES,
                         seed=123)


def test_seeds_hold_greedy_dpv_then_plain_then_samples_on_burnable_cells(patchy):
    burnable = np.asarray(patchy.tables.burnable, bool).reshape(patchy.shape)
    seeds = dpv_seeds(patchy, K, np.random.default_rng(0), dpv="greedy", sampled=6)
    assert seeds.layouts.shape == (8, *patchy.shape)
    assert (seeds.layouts.reshape(8, -1).sum(axis=1) == K).all()
    assert not (seeds.layouts & ~burnable).any()
    assert np.array_equal(seeds.layouts[0], dpv_layout(patchy, K, greedy=True).layout)
    # charged: one DPV pass per greedy pick (the sampling reuses the first pass's values)
    assert seeds.fires == K * N_FIRES
    # the samples favour cells with high DPV: their mean value beats random layouts' by far
    value = downstream_protection_value(patchy)
    rand = random_layouts(50, patchy.shape, K, np.random.default_rng(1), allowed=burnable)
    assert (value * seeds.layouts[2:]).sum(axis=(1, 2)).mean() > 2 * (value * rand).sum(axis=(1, 2)).mean()
    again = dpv_seeds(patchy, K, np.random.default_rng(0), dpv="greedy", sampled=6)
    assert np.array_equal(again.layouts, seeds.layouts)
    other = dpv_seeds(patchy, K, np.random.default_rng(1), dpv="none", sampled=6)
    assert other.fires == N_FIRES and not np.array_equal(other.layouts, seeds.layouts[2:])
    rounds = dpv_seeds(patchy, K, np.random.default_rng(0), dpv="greedy", picks=4)  # 4 + 4 + 2 breaks
    assert rounds.fires == 3 * N_FIRES and rounds.layouts[0].sum() == K and not (rounds.layouts & ~burnable).any()
    assert np.array_equal(rounds.layouts[1], seeds.layouts[1])  # the plain layout: the same first pass


@pytest.mark.parametrize("strategy,proposal", [("first", "burned"), ("first", "uniform"), ("best", "burned"),
                                               ("first", "idle"), ("first", "segment")])
def test_improve_is_never_worse_exact_and_counts_its_fires(patchy, strategy, proposal):
    delta = DeltaEvaluator(patchy)
    burnable = np.asarray(patchy.tables.burnable, bool).reshape(patchy.shape)
    start = delta.record(random_layouts(3, patchy.shape, K, np.random.default_rng(3), allowed=burnable))
    res = improve(start, delta, np.random.default_rng(4), moves=40, strategy=strategy, proposal=proposal)
    assert len(res.records) == 3 and res.evaluations == 3 * 40 and res.improved >= 1
    assert 0 < res.fires <= res.evaluations * N_FIRES
    for before, after in zip(start, res.records):
        assert after.fitness >= before.fitness
        assert after.layout.sum() == K and not (after.layout & ~burnable).any()
        assert after.fitness == patchy.evaluate(after.layout)[0]  # delta evaluation is exact
    again = improve(start, delta, np.random.default_rng(4), moves=40, strategy=strategy, proposal=proposal)
    assert [r.fitness for r in again.records] == [r.fitness for r in res.records] and again.fires == res.fires


def test_improve_stops_within_its_fire_budget(sim):
    delta = DeltaEvaluator(sim)
    start = delta.record(random_layouts(2, sim.shape, K, np.random.default_rng(5)))
    res = improve(start, delta, np.random.default_rng(6), moves=10_000, budget=5 * N_FIRES)
    assert res.fires <= 5 * N_FIRES and res.evaluations < 2 * 10_000


RUN = ["name=m", f"firebreaks={K}", "ga.population=12", "ga.generations=4", "ga.elite=2",
       "operators.mate.name=cx_uniform", "operators.mutate.name=mut_flip", "operators.mutate.params.indpb=0.01",
       f"simulator.n_fires={N_FIRES}", "ga.seeding.dpv=greedy", "ga.seeding.sampled=4",
       "ga.memetic.individuals=2", "ga.memetic.moves=15"]


def logbook_rows(result):
    return [{k: v for k, v in e.items() if k != "time"} for e in result[1]]


@pytest.mark.parametrize("delta", [True, False])
def test_seeded_memetic_run_charges_everything_and_resumes_exactly(sim, tmp_path, kill_after, delta):
    config = load_config(None, RUN + [f"ga.delta_evaluation={str(delta).lower()}"])
    full = run_ga(config, firebreak_problem(config, sim), out_dir=tmp_path / "full", progress=False)
    greedy = dpv_layout(sim, K, greedy=True)
    first = full[1][0]
    # generation 0: the seeding's fires, 12 full evaluations, then the memetic moves
    assert first["cost"] > K * N_FIRES + 12 * N_FIRES and first["evaluations"] > 12
    assert first["best_so_far"] >= greedy.fitness
    assert full[2][0].fitness.values[0] == sim.evaluate(np.asarray(full[2][0]))[0]
    with kill_after(2):
        run_ga(config, firebreak_problem(config, sim), out_dir=tmp_path / "cut", progress=False)
    resumed = run_ga(config, firebreak_problem(config, sim), out_dir=tmp_path / "cut", resume=True, progress=False)
    assert logbook_rows(resumed) == logbook_rows(full)
    assert np.array_equal(np.stack(resumed[0]), np.stack(full[0]))


def test_switches_off_reproduce_the_plain_run(sim):
    plain = load_config(None, RUN[:-4])
    off = load_config(None, RUN[:-4] + ["ga.seeding.dpv=none", "ga.memetic.individuals=0", "ga.memetic.moves=7"])
    a = run_ga(plain, firebreak_problem(plain, sim), progress=False)
    b = run_ga(off, firebreak_problem(off, sim), progress=False)
    assert logbook_rows(a) == logbook_rows(b)
    assert ckpt.config_fingerprint(plain) == ckpt.config_fingerprint(load_config(None, RUN[:-4]))


@pytest.mark.parametrize("key,value,match", [("ga.seeding.dpv", "best", "none | plain | greedy"),
                                             ("ga.memetic.strategy", "all", "first | best"),
                                             ("ga.memetic.moves", "0", "out of range"), ("ga.memetic.z", "-1", "out of range")])
def test_bad_settings_are_one_clear_error(key, value, match):
    with pytest.raises(ConfigError, match=match):
        load_config(None, [f"{key}={value}"])


def test_the_idle_proposal_moves_only_breaks_no_fire_reaches_while_there_are_any(patchy):
    from latentga.search.memetic import _propose, _weights

    delta = DeltaEvaluator(patchy)
    burnable = np.asarray(patchy.tables.burnable, bool).reshape(patchy.shape)
    (rec,) = delta.record(random_layouts(1, patchy.shape, K, np.random.default_rng(5), allowed=burnable))
    counts, idle = _weights(rec, patchy.n_cells, "idle")
    grid = counts.reshape(patchy.shape)
    brute = [r * patchy.shape[1] + c for r, c in zip(*np.nonzero(rec.layout))
             if grid[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2].sum() == 0]
    assert list(idle) == brute
    children = _propose(rec, burnable.reshape(-1), "idle", (counts, idle), np.random.default_rng(6), 30)
    removed = {int(np.flatnonzero(rec.layout.reshape(-1) & ~child.reshape(-1))[0]) for child in children}
    assert removed <= set(idle) if idle.size else removed <= set(np.flatnonzero(rec.layout))
    with_idle = (counts, np.array(sorted(brute or [int(np.flatnonzero(rec.layout)[0])])))
    moved = {int(np.flatnonzero(rec.layout.reshape(-1) & ~c.reshape(-1))[0])
             for c in _propose(rec, burnable.reshape(-1), "idle", with_idle, np.random.default_rng(7), 30)}
    assert moved <= set(with_idle[1])


def test_a_significance_bar_only_takes_moves_that_clear_it(sim):
    delta = DeltaEvaluator(sim)
    start = delta.record(random_layouts(6, sim.shape, K, np.random.default_rng(7)))
    loose = improve(start, delta, np.random.default_rng(8), moves=40, strategy="best", z=0.0)
    strict = improve(start, delta, np.random.default_rng(8), moves=40, strategy="best", z=2.0)
    assert strict.improved < loose.improved  # the same moves are tried (same draws): fewer pass
    for before, after in zip(start, strict.records):  # "best" takes one move per individual
        gain = (before.counts - after.counts).astype(float)
        assert after is before or gain.mean() > 2.0 * gain.std(ddof=1) / np.sqrt(gain.size)


def test_compare_only_keeps_the_named_methods_and_names_an_unknown_one():
    from pathlib import Path

    from latentga.cli.compare import only_methods
    from latentga.comparison import load_compare_config

    config = load_compare_config(Path(__file__).resolve().parents[1] / "configs" / "compare.yaml")
    kept = only_methods(config, ["vanilla", "dpv_greedy"])
    assert list(kept["variants"]) == ["vanilla"]
    assert [k for k, on in kept["baselines"].items() if on] == ["dpv_greedy"]
    with pytest.raises(ConfigError, match="--only: nope is not a method"):
        only_methods(config, ["vanilla", "nope"])


def test_a_stuck_memetic_run_restarts_from_fresh_layouts_charges_them_and_resumes_exactly(sim, tmp_path, kill_after):
    base = RUN[:-4] + ["ga.memetic.individuals=1", "ga.memetic.moves=20", "ga.generations=8"]
    config = load_config(None, base + ["ga.memetic.restart=1"])
    plain = run_ga(load_config(None, base), firebreak_problem(load_config(None, base), sim), progress=False)
    full = run_ga(config, firebreak_problem(config, sim), out_dir=tmp_path / "full", progress=False)
    maxima = [row["max"] for row in full[1]]
    assert any(b < a for a, b in zip(maxima, maxima[1:]))  # a restart replaced the population by worse ones
    assert full[1][-1]["cost"] > plain[1][-1]["cost"]  # and its fresh layouts were simulated and charged
    assert [row["best_so_far"] for row in full[1]] == sorted(row["best_so_far"] for row in full[1])  # nothing lost
    with kill_after(3):
        run_ga(config, firebreak_problem(config, sim), out_dir=tmp_path / "cut", progress=False)
    resumed = run_ga(config, firebreak_problem(config, sim), out_dir=tmp_path / "cut", resume=True, progress=False)
    assert logbook_rows(resumed) == logbook_rows(full)
    assert np.array_equal(np.stack(resumed[0]), np.stack(full[0]))
