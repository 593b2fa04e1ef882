"""No stalls: a varied child that repeats a layout already scored is replaced before evaluation.

Why: a latent operator decodes through top-k, so many codes decode to one layout; a latent GA
then proposes layouts it has already scored, the fitness cache answers them at no cost, and the
run's generations end long before its fire budget (weighted retraining spent 1M of 5M fires).
A stale child is re-drawn with the run's own mutation (``redraws`` batched rounds), then, as a
last resort, moved by random swaps of firebreaks onto free allowed cells, one swap more every
few tries, until it is new. Only varied children are replaced: a clone no operator touched keeps
its parent's fitness, as in DEAP's varAnd.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from latentga.operators.base import is_batch_capable

__all__ = ["allowed_cells", "swap_move", "replace_stale"]

_PERTURB_TRIES = 64


def allowed_cells(problem) -> np.ndarray | None:
    """Cells a firebreak may stand on: the problem's ``allowed`` mask, else the simulator's
    burnable cells, else None (everywhere)."""
    mask = getattr(problem, "allowed", None)
    if mask is None:
        tables = getattr(getattr(problem, "simulator", None), "tables", None)
        mask = getattr(tables, "burnable", None)
    return None if mask is None else np.asarray(mask, bool).reshape(problem.shape)


def swap_move(layout: np.ndarray, swaps: int, allowed: np.ndarray | None, rng: np.random.Generator) -> None:
    """Move ``swaps`` firebreaks of ``layout`` (in place) to free allowed cells, chosen by ``rng``."""
    flat = np.asarray(layout, bool).reshape(-1).copy()
    ok = np.ones(flat.size, bool) if allowed is None else allowed.reshape(-1)
    on, free = np.flatnonzero(flat), np.flatnonzero(ok & ~flat)
    s = min(int(swaps), on.size, free.size)
    if s < 1:
        return
    flat[rng.choice(on, s, replace=False)] = False
    flat[rng.choice(free, s, replace=False)] = True
    layout[...] = flat.reshape(layout.shape)


def _mutate(mutate: Callable, children: list) -> None:
    if is_batch_capable(mutate):
        mutate(*children)
    else:
        for child in children:
            mutate(child)


def replace_stale(offspring: list, *, problem, mutate: Callable, known: set, redraws: int,
                  rng: np.random.Generator) -> int:
    """Make every varied child (invalid fitness) of ``offspring`` a layout not in ``known`` (the
    cache's keys) nor repeated within the batch; returns how many were replaced. ``known`` gains
    the batch's keys. A child that stays stale after every try (a search space used up) is left."""
    seen = set(known)
    stale = []
    for i, child in enumerate(offspring):
        key = problem.key(child)
        if child.fitness.valid or key not in seen:
            seen.add(key)
        else:
            stale.append(i)
    replaced = len(stale)
    for _ in range(int(redraws)):
        if not stale:
            break
        _mutate(mutate, [offspring[i] for i in stale])
        still = []
        for i in stale:
            problem.repair(offspring[i], rng)
            key = problem.key(offspring[i])
            (still.append(i) if key in seen else seen.add(key))
        stale = still
    allowed = allowed_cells(problem)
    for i in stale:
        child = offspring[i]
        base = np.array(child, copy=True)
        for t in range(_PERTURB_TRIES):
            child[...] = base
            swap_move(child, 1 + t // 8, allowed, rng)
            problem.repair(child, rng)
            key = problem.key(child)
            if key not in seen:
                seen.add(key)
                break
    known.update(seen)
    return replaced
