"""Line-aware moves: shift a stretch of a fuel-break line sideways, keeping the line closed.

Why: on a layout of lines (``latentga.baselines.lines``) a single-break move opens a gap that
fires pass, so the memetic step's usual moves cannot improve it; what can is bending a line:
moving a stretch of it a few cells across, so that it follows the terrain or leaves a
compartment smaller where the fires that start there burn most. :func:`shift_segment` takes a
break some search fire reaches, the 4-connected run of breaks it belongs to (its line, up to
where the line crosses non-fuel cells), the stretch of that run within ``h`` rows (a line running
top to bottom; columns for one running left to right) of the break, and moves the stretch ``d``
cells across. Connector breaks at the stretch's two ends join it to the rest of the line, and the
move is only proposed when the line still separates what it separated: the barrier (breaks and
non-fuel cells) joins the stretch to the line on both sides, 4-connected, so no 8-connected
spread path crosses where it could not before. The break count is kept: extra breaks come from
loose breaks (not part of a line) and idle ones (no search fire burns next to them), least
reached first; breaks saved go to the free cells fires burn most. Breaks go on burnable cells only.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["shift_segment", "burned_nearby", "HALF_LENGTHS", "SHIFTS"]

#: half-lengths of the stretch moved (cells along the line) and how far it moves (cells across)
HALF_LENGTHS = (2, 4, 8, 16, 32)
SHIFTS = (1, 2, 4)
_FOUR = ndimage.generate_binary_structure(2, 1)


def burned_nearby(counts: np.ndarray) -> np.ndarray:
    """Fires burning a cell's 8 neighbours and itself, summed (int [H, W]); 0 = an idle cell."""
    h, w = counts.shape
    grid = np.pad(counts, 1)
    return sum(grid[1 + dr:1 + dr + h, 1 + dc:1 + dc + w] for dr in (-1, 0, 1) for dc in (-1, 0, 1))


def shift_segment(layout: np.ndarray, burnable: np.ndarray, counts: np.ndarray, rng: np.random.Generator,
                  tries: int = 20) -> np.ndarray | None:
    """A copy of ``layout`` with one stretch of one line moved across (see the module docstring),
    or None when ``tries`` draws found no move that keeps its line closed.

    Args:
        layout: bool [H, W], the breaks.
        burnable: bool [H, W], where breaks may go (non-fuel cells block fire without one).
        counts: int [H, W], how many search fires burn each cell (where to pick and balance).
        rng: every draw comes from it.
    """
    layout, burnable = np.asarray(layout, bool), np.asarray(burnable, bool)
    near = burned_nearby(np.asarray(counts, np.int64))
    labels, _ = ndimage.label(layout, structure=_FOUR)
    in_line = np.bincount(labels.reshape(-1))[labels] >= 3  # 4-connected runs of 3 or more breaks
    reached = np.flatnonzero((layout & (near > 0) & in_line).reshape(-1))
    if reached.size == 0:
        return None
    for _ in range(tries):
        r, c = divmod(int(reached[rng.integers(reached.size)]), layout.shape[1])
        run = labels == labels[r, c]
        rows, cols = np.nonzero(run)
        vertical = np.ptp(rows) >= np.ptp(cols)
        h = int(HALF_LENGTHS[rng.integers(len(HALF_LENGTHS))])
        d = int(SHIFTS[rng.integers(len(SHIFTS))]) * (1 if rng.random() < 0.5 else -1)
        child = _moved(layout, burnable, run, (r, c) if vertical else (c, r), h, d, vertical)
        if child is not None:
            child = _balance(child, layout, burnable, near, ~in_line | (near == 0), rng)
        if child is not None:
            return child
    return None


def _moved(layout, burnable, run, centre, h, d, vertical):
    """``layout`` with the stretch of ``run`` within ``h`` of ``centre`` along the line moved ``d``
    across, joined at both ends; None if it leaves or lets go of the map's side, or if the moved
    stretch is not joined (4-connected, through the barrier) to every barrier cell the stretch
    touched: the rest of its line, the non-fuel cells it was anchored to."""
    if not vertical:  # work on the transposed map: the line runs top to bottom there
        out = _moved(layout.T, burnable.T, run.T, centre, h, d, True)
        return None if out is None else out.T
    r, _ = centre
    height, width = layout.shape
    top, bottom = max(0, r - h), min(height - 1, r + h)
    stretch = run.copy()
    stretch[:top] = stretch[bottom + 1:] = False
    srows, scols = np.nonzero(stretch)
    if scols.min() == 0 or scols.max() == width - 1 or scols.min() + d < 0 or scols.max() + d >= width:
        return None
    before = layout | ~burnable
    touched = ndimage.binary_dilation(stretch, _FOUR) & before & ~stretch
    barrier = before & ~stretch
    barrier[srows, scols + d] = True
    for edge, beyond in ((top, top - 1), (bottom, bottom + 1)):
        if 0 <= beyond < height and run[beyond].any():  # the line goes on past this end: join it
            for col in scols[srows == edge]:
                lo, hi = sorted((col, col + d))
                barrier[edge, lo:hi + 1] = True
    labels, _ = ndimage.label(barrier, structure=_FOUR)
    joined = set(labels[touched].tolist()) | set(labels[srows, scols + d].tolist())
    if len(joined) != 1:
        return None
    return barrier & burnable


def _balance(child, layout, burnable, near, spare_ok, rng):
    """``child`` with as many breaks as ``layout``, or None. Breaks the move needs extra come from
    ``spare_ok`` breaks of ``layout`` (loose ones, not part of a line, and idle ones, no search fire
    burning next to them), least reached first, ties at random; None if those are too few. Breaks
    the move saved go to the free burnable cells fires reach most."""
    child = child.copy()
    extra = int(child.sum()) - int(layout.sum())
    if extra > 0:
        spare = np.flatnonzero((child & layout & spare_ok).reshape(-1))
        if spare.size < extra:
            return None
        order = np.lexsort((rng.random(spare.size), near.reshape(-1)[spare]))
        child.reshape(-1)[spare[order[:extra]]] = False
    elif extra < 0:
        free = np.flatnonzero((burnable & ~child & ~layout).reshape(-1))
        weight = near.reshape(-1)[free].astype(np.float64)
        order = np.lexsort((rng.random(free.size), -weight))
        child.reshape(-1)[free[order[:-extra]]] = True
    return child
