"""The parallel fuel-break lines heuristic: full rows or columns within the budget, non-fuel cells
free, the best set on the search fires, its cost counted, and usable as a GA seed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from latentga.baselines.lines import line_sets, parallel_lines
from latentga.config import config_hash, load_config
from latentga.errors import ConfigError, LayoutError
from latentga.ga import checkpoint as ckpt
from latentga.search import dpv_seeds
from latentga.simulator import FireSimulator, default_landscape
from latentga.simulator.landscape import NON_FUEL

N_FIRES = 12


@pytest.fixture(scope="module")
def patchy():
    """Sub20x20 with non-fuel cells on rows 14-17 (columns 2-15): those rows need fewer breaks."""
    land = default_landscape()
    types = np.array(land.fuel_types, dtype=object)
    types[14:18, 2:16] = NON_FUEL
    return FireSimulator(dataclasses.replace(land, name="patchy", fuel_types=types.astype(str)), n_fires=N_FIRES,
                         seed=123)


def test_line_sets_fit_the_budget_and_count_only_burnable_cells():
    burnable = np.ones((10, 12), bool)
    burnable[4, :8] = False  # row 4 needs 4 breaks, the other rows 12, every column 9 or 10
    sets = line_sets(burnable, 20, offsets=4)
    assert sets and len(sets) == len(set(sets))
    for axis, positions in sets:
        assert list(positions) == sorted(set(positions))
        assert burnable.sum(axis=1 - axis)[list(positions)].sum() <= 20
    assert max(len(p) for a, p in sets if a == 1) == 2  # two columns (<= 20), not three
    assert line_sets(burnable, 3) == []  # no line is that short


def test_parallel_lines_returns_full_lines_on_burnable_cells_scored_on_the_search_fires(patchy):
    burnable = np.asarray(patchy.tables.burnable, bool).reshape(patchy.shape)
    k = 30
    found = parallel_lines(patchy, k)
    assert found.layout.sum() == k and not (found.layout & ~burnable).any()
    assert found.fitness == pytest.approx(float(patchy.evaluate(found.layout[None])[0]))
    # at least one full line: a row or column whose every burnable cell is a break
    full_rows = [(found.layout[r] == burnable[r]).all() and burnable[r].any() for r in range(20)]
    full_cols = [(found.layout[:, c] == burnable[:, c]).all() for c in range(20)]
    assert any(full_rows) or any(full_cols)
    assert found.calls >= len(line_sets(burnable, k)) and found.trace["best"].is_monotonic_increasing
    # at least as good as every evenly spaced set it started from, on the same fires
    assert found.fitness >= parallel_lines(patchy, k, max_passes=0, fill=False).fitness - 1e-12
    assert np.array_equal(parallel_lines(patchy, k).layout, found.layout)  # deterministic


def test_no_line_fits_is_one_clear_error(patchy):
    with pytest.raises(LayoutError, match="no full row or column"):
        parallel_lines(patchy, 3)


def test_seeding_with_lines_puts_that_layout_first_and_charges_its_fires(patchy):
    found = parallel_lines(patchy, 30)
    seeds = dpv_seeds(patchy, 30, np.random.default_rng(0), dpv="none", lines=True)
    assert len(seeds.layouts) == 1 and np.array_equal(seeds.layouts[0], found.layout)
    assert seeds.fires == found.calls * N_FIRES


def test_the_lines_switch_off_keeps_old_fingerprints():
    seeded = ["ga.seeding.dpv=greedy", "ga.seeding.sampled=3"]
    old = load_config(None, seeded)
    old_style = old.to_dict()  # what a checkpoint written before ga.seeding.lines stored
    del old_style["ga"]["seeding"]["lines"]
    assert ckpt.config_fingerprint(old) == config_hash(ckpt._identity(old_style))
    assert ckpt.config_fingerprint(load_config(None, seeded + ["ga.seeding.lines=true"])) != ckpt.config_fingerprint(old)


def test_a_comparison_naming_parallel_lines_fails_at_load_when_no_line_fits(tmp_path):
    from latentga.comparison import load_compare_config

    path = tmp_path / "c.yaml"
    path.write_text("seeds: [0]\nrun: {firebreaks: 5}\nvariants: {}\nbaselines: {parallel_lines: true, random_search: "
                    "false, local_search: false, burn_probability: false, dpv: false, dpv_greedy: false}\n")
    with pytest.raises(ConfigError, match="parallel_lines: no full row or column .* fits 5 firebreaks"):
        load_compare_config(path)
