"""The parallel fuel-break lines heuristic: full rows or columns within the budget, non-fuel cells
free, the best set on the search fires, its cost counted, and usable as a GA seed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from latentga.baselines.lines import Barriers, line_sets, parallel_lines
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


def _splits(grid_open: np.ndarray) -> bool:
    """Whether no 8-connected region of open cells touches both the left and the right edge."""
    from scipy.ndimage import label

    labels, _ = label(grid_open, structure=np.ones((3, 3)))
    return not (set(labels[:, 0][labels[:, 0] > 0]) & set(labels[:, -1][labels[:, -1] > 0]))


def test_a_line_is_a_chain_that_stops_fire_and_uses_non_fuel_cells_for_free():
    burnable = np.ones((10, 12), bool)
    burnable[:, 7] = False
    burnable[5, 7] = True  # a non-fuel strip down column 7 with one gap at row 5
    barriers = Barriers(burnable)
    straight = barriers.line(1, 6, 0)
    assert straight.sum() == 10 and straight[:, 6].all()
    chain = barriers.line(1, 6, 2)  # within 2 columns of column 6: through the strip, one break
    assert chain.sum() == 1 and chain[5, 7]
    for line in (straight, chain, barriers.line(1, 2, 3)):
        assert not (line & ~burnable).any() and _splits(burnable & ~line)
    rows = Barriers(burnable.T)  # the same along rows (axis 0)
    assert np.array_equal(rows.line(0, 6, 2), chain.T)


def test_line_sets_fit_the_budget_with_every_band():
    burnable = np.ones((10, 12), bool)
    burnable[4, :8] = False  # row 4 needs 4 breaks, the other rows 12, every column 9 or 10
    barriers = Barriers(burnable)
    sets = line_sets(barriers, 20, offsets=4, bands=(0, 2))
    assert sets and len(sets) == len(set(sets)) and {b for _, _, b in sets} == {0, 2}
    for axis, centres, band in sets:
        assert list(centres) == sorted(set(centres))
        assert barriers.layout(axis, centres, band).sum() <= 20
    assert max(len(c) for a, c, b in sets if a == 1 and b == 0) == 2  # two straight columns (<= 20), not three
    assert line_sets(barriers, 3) == []  # no line is that short


def test_parallel_lines_returns_full_lines_on_burnable_cells_scored_on_the_search_fires(patchy):
    burnable = np.asarray(patchy.tables.burnable, bool).reshape(patchy.shape)
    k = 30
    found = parallel_lines(patchy, k)
    assert found.layout.sum() == k and not (found.layout & ~burnable).any()
    assert found.fitness == pytest.approx(float(patchy.evaluate(found.layout[None])[0]))
    # its lines stop fire from one edge to the other
    assert _splits(burnable & ~found.layout) or _splits((burnable & ~found.layout).T)
    assert found.calls >= len(line_sets(Barriers(burnable), k)) and found.trace["best"].is_monotonic_increasing
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


def test_parallel_lines_run_on_the_cell2fire_binary_and_agree_with_the_builtin_simulator():
    """A backend without spread trees fills the leftover budget by burn probability."""
    from latentga.simulator.cell2fire_backend import Cell2FireBinarySimulator, find_cell2fire_binary

    try:  # $CELL2FIRE_BINARY, else Cell2Fire on PATH
        binary = find_cell2fire_binary()
    except ConfigError as exc:
        pytest.skip(f"no Cell2Fire binary: {exc}")
    c2f = Cell2FireBinarySimulator(binary=str(binary), n_fires=2)
    found = parallel_lines(c2f, 25, offsets=2, bands=(0, 3))
    assert found.layout.sum() == 25
    assert found.fitness == pytest.approx(float(FireSimulator(n_fires=2, seed=c2f.seed).evaluate(found.layout[None])[0]))
