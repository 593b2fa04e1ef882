"""The model learns from good layouts: heuristic-seeded layouts, labelled on the search fires.

Why: a VAE/CCVAE trained on random layouts (0.70-0.77 on Sub20x20) has never seen a layout as
good as the ones a search needs to produce; its decoder maps every code to something random-
like and its head cannot tell good layouts apart. Generative models make latent search work when
they are trained on solutions that already satisfy the heuristics, so before the search the model
is fine-tuned (rank-weighted, :func:`latentga.models.retraining.fine_tune`) on:

- greedy DPV's layout (and the empty landscape's DPV, its first step),
- layouts drawn with probability proportional to DPV (burnable cells with positive value),
- the improving layouts of short local-search descents from those samples,
- random 1-3-swap perturbations of all of them,

every one scored on the run's SEARCH fires. The fires this costs are charged to the run.
"""

from __future__ import annotations

import numpy as np

__all__ = ["heuristic_layouts", "dpv_samples", "learn_from_layouts"]


def dpv_samples(value: np.ndarray, n: int, k: int, allowed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` layouts of ``k`` distinct allowed cells drawn with probability proportional to
    ``value`` (cells without value get a small floor, so every draw has k cells)."""
    v = np.where(allowed.reshape(-1), np.maximum(value.reshape(-1), 0.0), 0.0)
    pos = v[v > 0]
    floor = (pos.min() if pos.size else 1.0) * 1e-3
    p = np.where(allowed.reshape(-1), v + floor, 0.0)
    p /= p.sum()
    out = np.zeros((n, v.size), bool)
    for i in range(n):
        out[i, rng.choice(v.size, size=k, replace=False, p=p)] = True
    return out.reshape(n, *value.shape)


def heuristic_layouts(simulator, k: int, rng: np.random.Generator, *, samples: int, perturbed: int,
                      descent_fires: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The labelled good layouts: ``(layouts bool[N, H, W], fitness [N], fires simulated)``.

    ``samples`` DPV-proportional layouts; ``descent_fires`` fires of local search split over
    descents from the first few samples (0 = none); ``perturbed`` perturbations of random picks.
    Each distinct layout is scored once on ``simulator`` (the search fires).
    """
    from latentga.baselines.dpv import downstream_protection_value, dpv_layout
    from latentga.baselines.local_search import local_search
    from latentga.search.fresh import swap_move

    n_fires = int(simulator.n_fires)
    allowed = np.asarray(simulator.tables.burnable, bool).reshape(simulator.shape)
    greedy = dpv_layout(simulator, k, greedy=True)
    fires = greedy.calls * n_fires
    value = downstream_protection_value(simulator)
    fires += n_fires
    pool = [np.asarray(greedy.layout, bool)[None], dpv_samples(value, int(samples), k, allowed, rng)]
    if descent_fires > 0 and samples > 0:
        starts = min(4, int(samples), max(1, int(descent_fires) // (20 * n_fires)))
        for s in range(starts):
            res = local_search(simulator, k, int(descent_fires) // starts, rng, start=pool[1][s])
            fires += int(res.fires)
            pool.append(np.stack([np.asarray(b, bool) for b in res.bests]))
    base = np.concatenate(pool)
    if perturbed > 0:
        extra = base[rng.integers(0, len(base), int(perturbed))].copy()
        for x in extra:
            swap_move(x, int(rng.integers(1, 4)), allowed, rng)
        base = np.concatenate([base, extra])
    _, first = np.unique(np.packbits(base.reshape(len(base), -1), axis=1), axis=0, return_index=True)
    layouts = base[np.sort(first)]
    fitness = np.asarray(simulator.evaluate(layouts), np.float64)
    return layouts, fitness, int(fires + len(layouts) * n_fires)


def learn_from_layouts(model, dataset, layouts: np.ndarray, fitness: np.ndarray, *, k: float, epochs: int,
                       top: int, seed: int) -> dict:
    """Fine-tune ``model`` in place on the dataset plus the good layouts, rank-weighted over the
    ``top`` best of them together (the good layouts rank first where they are better)."""
    from latentga.models.retraining import fine_tune

    x = np.concatenate([np.asarray(dataset.layouts, bool), layouts])
    y = np.concatenate([np.asarray(dataset.fitness, np.float64), fitness])
    order = np.argsort(-np.nan_to_num(y, nan=-np.inf), kind="stable")[: int(top)]
    return fine_tune(model, x[order], y[order], k=k, epochs=epochs, seed=seed)
