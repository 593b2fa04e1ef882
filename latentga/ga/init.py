"""Generation 0's individuals: known layouts (``ga.init_layouts``), then ``ga.init``'s way
(the problem's random ones, or drawn from a dataset of evaluated individuals)."""

from __future__ import annotations

import numpy as np

from latentga.config import GAConfig
from latentga.errors import ConfigError

__all__ = ["initial_individuals"]


def initial_individuals(ga: GAConfig, problem, n: int, rng: np.random.Generator, dataset=None) -> np.ndarray:
    """Generation 0: the individuals of ``ga.init_layouts`` first (a known plan, a heuristic's
    layout), then as ``ga.init`` says: ``random`` (the problem's own), or drawn from a pool of
    known individuals (``dataset.layouts`` with ``dataset.fitness``): ``dataset`` at random,
    ``dataset_best`` its best first. ``ga`` is the run config's ``ga`` section."""
    path = ga.init_layouts
    if not path:
        return _initial_by_init(ga.init, problem, n, rng, dataset)
    seeds = _seed_individuals(path, problem)[:n]
    if len(seeds) == n:
        return seeds
    rest = _initial_by_init(ga.init, problem, n - len(seeds), rng, dataset)
    return np.concatenate([seeds, rest.astype(bool, copy=False)])


def _seed_individuals(path: str, problem) -> np.ndarray:
    """The individuals a ``ga.init_layouts`` file holds, as bool ``[B, *shape]``; one ConfigError
    naming the file and the fix when they cannot start this run (never unpickles)."""
    fix = ("give a .npy (np.save) of [H, W] or [B, H, W] 0/1 layouts the run's problem accepts (or a plan "
           ".csv/.asc/.tif of this landscape)")
    reader = getattr(problem, "read_plans", None)  # a problem that knows other plan formats
    if reader is not None and not str(path).lower().endswith(".npy"):
        from latentga.errors import LatentGAError

        try:
            arr = reader(path)
        except LatentGAError as exc:
            raise ConfigError(f"ga.init_layouts: {exc}") from None
    else:
        try:
            arr = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise ConfigError(f"ga.init_layouts: {path} does not exist; {fix}, or remove the key") from None
        except (OSError, ValueError, EOFError) as exc:
            raise ConfigError(f"ga.init_layouts: cannot read {path} ({exc}); {fix}") from None
    shape = tuple(problem.shape)
    if not isinstance(arr, np.ndarray) or arr.shape[-len(shape):] != shape or arr.ndim not in (len(shape),
                                                                                              len(shape) + 1):
        got = getattr(arr, "shape", type(arr).__name__)
        raise ConfigError(f"ga.init_layouts: {path} holds {got}, but this problem's individuals are {shape}; {fix}")
    arr = arr.reshape(-1, *shape)
    if arr.dtype != bool:
        if not np.issubdtype(arr.dtype, np.number) or not np.isin(arr, (0, 1)).all():
            raise ConfigError(f"ga.init_layouts: {path} holds values other than 0 and 1; {fix}")
        arr = arr.astype(bool)
    for i, x in enumerate(arr):
        if not problem.is_feasible(x):
            raise ConfigError(f"ga.init_layouts: individual {i} of {path} is infeasible for this problem "
                              f"({problem.describe()}): {problem.infeasibility(x)}; {fix}")
    return arr


def _initial_by_init(init: str, problem, n: int, rng: np.random.Generator, dataset=None) -> np.ndarray:
    if init == "random":
        return problem.random_individuals(n, rng)
    if dataset is None:
        raise ConfigError(f"ga.init = {init} needs the run's dataset; pass it, or set ga.init: random")
    pool = np.asarray(dataset.layouts)
    if tuple(pool.shape[1:]) != tuple(problem.shape):
        raise ConfigError(f"ga.init = {init}: the dataset's individuals are {pool.shape[1:]} but the problem's "
                          f"are {tuple(problem.shape)}; rebuild the dataset for this landscape")
    if init == "dataset_best":
        idx = np.resize(np.argsort(-np.asarray(dataset.fitness), kind="stable"), n)
    else:
        idx = rng.choice(len(pool), size=n, replace=n > len(pool))
    chosen = pool[idx]
    bad = next((x for x in chosen if not problem.is_feasible(x)), None)
    if bad is not None:
        raise ConfigError(f"ga.init = {init}: a dataset individual is infeasible for this problem "
                          f"({problem.infeasibility(bad)}); rebuild the dataset with the run's settings")
    return chosen
