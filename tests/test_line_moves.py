"""Line-aware memetic moves: a stretch of a line moves across and the line still stops every fire."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from latentga.search.line_moves import shift_segment

H, W = 40, 30


def _sides_joined(layout: np.ndarray, burnable: np.ndarray, axis: int) -> bool:
    """Can an 8-connected spread path run from one side of the map to the opposite one?"""
    free = burnable & ~layout
    labels, _ = ndimage.label(free, structure=np.ones((3, 3), bool))
    a, b = (labels[:, 0], labels[:, -1]) if axis == 1 else (labels[0], labels[-1])
    return bool((set(a.tolist()) - {0}) & (set(b.tolist()) - {0}))


@pytest.fixture
def lined():
    """Two top-to-bottom lines, one of them anchored to a pond it runs into, plus two loose breaks."""
    burnable = np.ones((H, W), bool)
    burnable[18:22, 4:8] = False      # a pond away from the lines
    burnable[30:33, 18:21] = False    # a pond the second line crosses: no breaks needed there
    layout = np.zeros((H, W), bool)
    layout[:, 10] = layout[:, 20] = True
    layout[30:33, 20] = False
    layout[5, 3] = layout[8, 25] = True
    return layout, burnable


@pytest.mark.parametrize("transpose", [False, True])
def test_a_moved_stretch_keeps_the_count_the_burnable_cells_and_every_fire_stopped(lined, transpose):
    layout, burnable = lined
    if transpose:  # the same map turned: lines running left to right
        layout, burnable = layout.T.copy(), burnable.T.copy()
    axis = 0 if transpose else 1
    assert not _sides_joined(layout, burnable, axis)
    counts = np.ones(layout.shape, np.int64)
    rng = np.random.default_rng(0)
    moved = [shift_segment(layout, burnable, counts, rng) for _ in range(200)]
    moved = [m for m in moved if m is not None]
    assert len(moved) > 100
    shapes = set()
    for child in moved:
        assert child.sum() == layout.sum()
        assert not (child & ~burnable).any()
        assert not _sides_joined(child, burnable, axis)
        shapes.add(child.tobytes())
    assert len(shapes) > 50  # many different bends, not one


def test_breaks_a_move_needs_come_from_loose_and_idle_breaks_never_from_a_reached_line(lined):
    layout, burnable = lined
    counts = np.ones(layout.shape, np.int64)  # every cell reached: no idle break
    rng = np.random.default_rng(1)
    lines = layout.copy()
    lines[5, 3] = lines[8, 25] = False
    taken = 0
    for _ in range(200):
        child = shift_segment(layout, burnable, counts, rng)
        if child is None:
            continue
        taken += 1
        # a line break the move removed was moved across: its row keeps a break (or non-fuel) within 4 cells
        for r, c in zip(*np.nonzero(layout & lines & ~child)):
            assert (child | ~burnable)[r, max(0, c - 4):c + 5].any()
    assert taken > 100


def test_no_line_no_move():
    burnable = np.ones((H, W), bool)
    layout = np.zeros((H, W), bool)
    layout[::7, ::5] = True  # scattered breaks: no run of 3
    assert shift_segment(layout, burnable, np.ones((H, W), np.int64), np.random.default_rng(0)) is None


def test_same_draws_same_move(lined):
    layout, burnable = lined
    counts = np.arange(H * W).reshape(H, W) % 7
    a = shift_segment(layout, burnable, counts, np.random.default_rng(3))
    b = shift_segment(layout, burnable, counts, np.random.default_rng(3))
    assert a is not None and np.array_equal(a, b)
