"""Downstream protection value (DPV): firebreaks where they cut off the most downstream fire.

Each simulated fire spreads along a tree: every burned cell was set alight by one parent
(``FireSimulator.simulate(..., record_parents=True).parents``). A firebreak on cell c stops,
at best, the whole subtree below c from burning along that path, so c's value in one fire is
the size of its subtree (c itself plus every cell downstream of it; 0 if c did not burn). DPV
averages that over the fires and puts the ``k`` firebreaks on the highest-valued cells.

With ``greedy=True`` the value is recomputed after every pick on the layout holding the picks
so far: fires then route around the chosen cells, so the next pick is not wasted downstream of
one already chosen. That costs one simulation per pick instead of one in total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from latentga.baselines.result import BaselineResult
from latentga.errors import LayoutError

__all__ = ["subtree_sizes", "downstream_protection_value", "dpv_layout"]


def subtree_sizes(parents: np.ndarray) -> np.ndarray:
    """Size of every cell's subtree in each spread tree: int64, same shape as ``parents``.

    Args:
        parents: int ``[..., n]``: for each tree, the cell that set each cell alight; -1 for
            an ignition (a root), -2 (any negative other than -1 works) for a cell that did
            not burn.

    A burned cell counts itself plus all its descendants; an unburned cell gets 0. Computed a
    depth level at a time, deepest first, so it is vectorised over all trees at once.
    """
    parents = np.asarray(parents)
    lead, n = parents.shape[:-1], parents.shape[-1]
    par = parents.reshape(-1, n).astype(np.int64)
    if par.size and (par.max() >= n or par.min() < -2):
        raise ValueError(f"parents must hold cell indices in [0, {n}) or -1/-2, got "
                         f"[{par.min()}, {par.max()}]")
    burned = par != -2
    has_parent = par >= 0
    if np.any(has_parent & ~np.take_along_axis(burned, np.where(has_parent, par, 0), 1)):
        raise ValueError("a cell's parent did not burn: parents is not a spread tree")
    rows = np.arange(len(par))[:, None]
    # depth by pointer following: depth[c] = depth[parent[c]] + 1, at most n rounds
    depth = np.where(burned, 0, -1)
    node = np.where(has_parent, par, -1)
    for _ in range(n + 1):
        live = node >= 0
        if not live.any():
            break
        depth = depth + live
        node = np.where(live, par[rows, np.where(live, node, 0)], -1)
    else:
        raise ValueError("parents contains a cycle: it is not a spread tree")
    size = burned.astype(np.int64)
    for level in range(int(depth.max(initial=0)), 0, -1):
        r, c = np.nonzero(depth == level)
        np.add.at(size, (r, par[r, c]), size[r, c])
    return size.reshape(*lead, n)


def downstream_protection_value(simulator, layout: np.ndarray | None = None) -> np.ndarray:
    """Mean subtree size of every cell over the simulator's fires on ``layout`` (default: none).

    Returns float64 ``[H, W]``; firebreak and non-fuel cells get 0 (they never burn).
    """
    shape = tuple(simulator.shape)
    grid = np.zeros(shape, bool) if layout is None else np.asarray(layout, bool)
    result = simulator.simulate(grid[None], record_parents=True)
    sizes = subtree_sizes(result.parents[0])  # [N, n]
    return sizes.mean(axis=0).reshape(shape)


def dpv_layout(simulator, k: int, greedy: bool = False) -> BaselineResult:
    """The DPV heuristic's layout of ``k`` firebreaks, scored on the simulator's fires.

    Args:
        simulator: a FireSimulator (needs ``simulate(..., record_parents=True)`` and ``evaluate``).
        k: firebreak budget.
        greedy: recompute the values after each pick (k simulations) instead of once.

    ``calls`` counts layouts simulated: 1 (the empty landscape) or k (greedy), plus 1 to score
    the result. Ties go to the lower cell index; when fewer than ``k`` cells have a positive
    value, the rest are filled in cell order among the remaining burnable cells.
    """
    shape = tuple(simulator.shape)
    n = shape[0] * shape[1]
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise LayoutError(f"firebreak budget k = {k!r} must be an integer between 1 and {n} for a "
                          f"{shape[0]}x{shape[1]} landscape; lower the budget")
    burnable = np.asarray(getattr(simulator.landscape, "burnable", np.ones(shape, bool)), bool).reshape(-1)
    layout = np.zeros(n, bool)
    calls = 0
    picks_left = k
    while picks_left > 0:
        value = downstream_protection_value(simulator, layout.reshape(shape)).reshape(-1)
        calls += 1
        # rank: value first, then burnable cells, then cell index (stable sort)
        key = np.where(layout, -np.inf, value + np.where(burnable, 0.0, -0.5))
        order = np.argsort(-key, kind="stable")
        take = 1 if greedy else picks_left
        layout[order[:take]] = True
        picks_left -= take
    grid = layout.reshape(shape)
    fitness = float(simulator.evaluate(grid[None])[0])
    calls += 1
    name = "DPV (greedy)" if greedy else "DPV"
    return BaselineResult(name, grid, fitness, calls, pd.DataFrame({"calls": [calls], "best": [fitness]}))
