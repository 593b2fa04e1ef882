"""The one feasibility repair: every operator ends by restoring exactly ``k`` firebreaks."""

from __future__ import annotations

import numpy as np

__all__ = ["repair_budget"]


def repair_budget(layout: np.ndarray, k: int, rng: np.random.Generator,
                  allowed: np.ndarray | None = None) -> np.ndarray:
    """Make ``layout`` hold exactly ``k`` firebreaks, in place, and return it.

    Firebreaks outside ``allowed`` (bool, same shape; default everywhere) are removed first;
    then excess firebreaks are removed, or missing ones added on free allowed cells, chosen
    uniformly at random with ``rng``. A layout already on budget is left untouched (no draws).

    Args:
        layout: boolean (or 0/1) array of any shape, modified in place.
        k: the firebreak budget.
        rng: source of the random choices.
        allowed: cells where a firebreak may stand.
    """
    shape = layout.shape
    cells = np.asarray(layout).reshape(-1) != 0
    ok = np.ones(cells.size, bool) if allowed is None else np.asarray(allowed, bool).reshape(-1)
    if ok.size != cells.size:
        raise ValueError(f"allowed has {ok.size} cells but the layout has {cells.size}")
    if not 0 <= k <= int(ok.sum()):
        raise ValueError(f"cannot place {k} firebreaks on {int(ok.sum())} allowed cells")
    new = cells & ok
    on = np.flatnonzero(new)
    if on.size > k:
        new[rng.choice(on, size=on.size - k, replace=False)] = False
    elif on.size < k:
        free = np.flatnonzero(ok & ~new)
        new[rng.choice(free, size=k - on.size, replace=False)] = True
    if not np.array_equal(new, cells):
        layout[...] = new.reshape(shape)
    return layout
