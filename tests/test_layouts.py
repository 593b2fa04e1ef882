"""Layout validation, random generation and packing: the format every part of latentga shares."""

import numpy as np
import pytest

from latentga.errors import LayoutError
from latentga.layouts import as_layout_batch, check_budget, layout_key, pack_layouts, random_layouts, unpack_layouts


def test_random_layouts_have_exactly_k_firebreaks_and_are_reproducible():
    a = random_layouts(200, (20, 20), 20, np.random.default_rng(7))
    b = random_layouts(200, (20, 20), 20, np.random.default_rng(7))
    assert a.shape == (200, 20, 20) and a.dtype == bool
    assert (a.sum(axis=(1, 2)) == 20).all()
    assert np.array_equal(a, b)
    assert len({layout_key(x) for x in a}) == 200  # distinct layouts


def test_random_layouts_cover_every_cell_roughly_uniformly():
    a = random_layouts(4000, (10, 10), 10, np.random.default_rng(0))
    freq = a.mean(axis=0)
    assert abs(freq.mean() - 0.1) < 1e-12
    assert freq.min() > 0.07 and freq.max() < 0.13


def test_random_layouts_respect_allowed_cells():
    allowed = np.zeros((6, 6), bool)
    allowed[2] = True
    a = random_layouts(50, (6, 6), 3, np.random.default_rng(1), allowed=allowed)
    assert not a[:, ~allowed].any()
    with pytest.raises(LayoutError, match="allowed cells"):
        random_layouts(1, (6, 6), 7, np.random.default_rng(1), allowed=allowed)


def test_pack_roundtrip_for_odd_sizes():
    a = random_layouts(9, (7, 5), 4, np.random.default_rng(3))
    packed = pack_layouts(a)
    assert packed.shape == (9, 5)
    assert np.array_equal(unpack_layouts(packed, (7, 5)), a)


def test_as_layout_batch_accepts_single_grid_and_rejects_wrong_shape():
    single = np.zeros((20, 20), int)
    single[3, 4] = 1
    batch = as_layout_batch(single, (20, 20))
    assert batch.shape == (1, 20, 20) and batch[0, 3, 4] and batch.sum() == 1
    for bad in (5, 0.5, np.nan, np.inf, -1):  # a cell is a firebreak or not: nothing is read as "nonzero"
        with pytest.raises(LayoutError, match="0 .no firebreak. or 1"):
            as_layout_batch(np.where(single == 1, bad, 0.0), (20, 20))
    with pytest.raises(LayoutError, match="20x20"):
        as_layout_batch(np.zeros((2, 20, 19)), (20, 20))
    with pytest.raises(LayoutError, match=r"\[H, W\]"):
        as_layout_batch(np.zeros(400), (20, 20))
    with pytest.raises(LayoutError, match="dtype"):
        as_layout_batch(np.array([["a"]]), (1, 1))


def test_check_budget_names_the_offending_layout():
    a = random_layouts(3, (5, 5), 4, np.random.default_rng(0))
    a[1, 0, 0] = not a[1, 0, 0]
    with pytest.raises(LayoutError, match="layout 1 has"):
        check_budget(a, 4)
    check_budget(a[[0, 2]], 4)
