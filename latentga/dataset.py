"""The fitness dataset: random firebreak layouts with their simulated fitness.

Layouts are drawn uniformly among grids with exactly ``k`` firebreaks and scored by a
simulator (all on the same fires: common random numbers). The dataset is stored in one
compressed ``.npz`` file: bit-packed layouts, fitness, and the settings that produced them,
so a cached file is reused only when it was built with the same settings.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from latentga.errors import DatasetError
from latentga.io import atomic_path, build_lock
from latentga.layouts import burnable_cells, off_fuel, pack_layouts, random_layouts, unpack_layouts
from latentga.workers import worker_pool

__all__ = ["Dataset", "build_dataset", "load_or_build_dataset", "score_layouts"]

FORMAT_VERSION = 1


@dataclass
class Dataset:
    """Layouts ``bool[N, H, W]`` with their fitness ``float64[N]`` and the settings used."""

    layouts: np.ndarray
    fitness: np.ndarray
    settings: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.fitness)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.layouts.shape[1:])

    def summary(self) -> str:
        f = self.fitness
        return (f"{len(self)} layouts {self.shape[0]}x{self.shape[1]}, fitness mean {f.mean():.4f} "
                f"std {f.std():.4f} min {f.min():.4f} max {f.max():.4f}")

    def save(self, path: str | os.PathLike) -> Path:
        """Write the dataset atomically (bit-packed layouts; ~8x smaller than bools)."""
        path = Path(path)
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez_compressed(
                tmp,
                layouts=pack_layouts(self.layouts),
                shape=np.asarray(self.shape, np.int64),
                fitness=np.asarray(self.fitness, np.float64),
                settings=np.asarray(json.dumps(self.settings, sort_keys=True)),
                format_version=np.asarray(FORMAT_VERSION),
            )
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Dataset":
        path = Path(path)
        if not path.is_file():
            raise DatasetError(f"dataset file {path} does not exist; build it with "
                               "`python -m latentga dataset --out PATH`")
        if not zipfile.is_zipfile(path):
            with open(path, "rb") as fh:
                npy = fh.read(6) == b"\x93NUMPY"
            raise DatasetError(f"dataset file {path} is corrupt or not a latentga dataset (an .npz archive)"
                               + ("; it is a plain .npy array" if npy else "")
                               + "; give a file made by `python -m latentga dataset --out PATH.npz`")
        try:
            with np.load(path, allow_pickle=False) as data:
                version = int(data["format_version"])
                shape = tuple(int(s) for s in data["shape"])
                layouts = unpack_layouts(data["layouts"], shape)
                fitness = np.asarray(data["fitness"], np.float64)
                settings = json.loads(str(data["settings"]))
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile, EOFError) as exc:
            raise DatasetError(f"dataset file {path} is corrupt or not a latentga dataset ({exc}); "
                               "delete it and build it again with `python -m latentga dataset`") from None
        if version != FORMAT_VERSION:
            raise DatasetError(f"dataset file {path} has format version {version}, this latentga "
                               f"reads {FORMAT_VERSION}; rebuild it with `python -m latentga dataset`")
        if len(layouts) != len(fitness):
            raise DatasetError(f"dataset file {path} holds {len(layouts)} layouts but {len(fitness)} "
                               "fitness values; delete it and build it again")
        return cls(layouts, fitness, settings)


_JOB: tuple = ()  # (simulator, layouts) in a pool worker, given once when the worker starts


def _set_job(simulator, layouts) -> None:
    global _JOB
    _JOB = (simulator, layouts)


def _score_span(span: tuple[int, int]):
    simulator, layouts = _JOB
    return simulator.evaluate(layouts[span[0]:span[1]])


def score_layouts(simulator, layouts: np.ndarray, workers: int | None = None, chunk_size: int = 256,
                  progress: bool = True, desc: str = "simulating") -> np.ndarray:
    """Score ``layouts`` with ``simulator``, in chunks over ``workers`` processes.

    The simulator is deterministic and every chunk is scored on the same fires, so the result
    does not depend on ``workers`` or ``chunk_size``. Workers get the simulator and the layouts
    once, when they start, and then only index ranges: small tasks, and a pool that can be shut
    down at once (no task stuck half-sent in a pipe).
    """
    from tqdm.auto import tqdm

    chunks = [layouts[i:i + chunk_size] for i in range(0, len(layouts), chunk_size)]
    workers = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    bar = tqdm(total=len(layouts), desc=desc, unit="layout", disable=not progress)
    out = []
    try:
        if workers == 1 or len(chunks) == 1:
            for chunk in chunks:
                out.append(simulator.evaluate(chunk))
                bar.update(len(chunk))
        else:
            spans = [(i, min(i + chunk_size, len(layouts))) for i in range(0, len(layouts), chunk_size)]
            with worker_pool(workers, initializer=_set_job, initargs=(simulator, layouts)) as pool:
                futures = [pool.submit(_score_span, span) for span in spans]  # not map: see worker_pool
                for chunk, fit in zip(chunks, (f.result() for f in futures)):
                    out.append(fit)
                    bar.update(len(chunk))
    finally:
        bar.close()
    return np.concatenate(out) if out else np.empty(0)


def build_dataset(simulator, n: int, k: int, seed: int, workers: int | None = None,
                  progress: bool = True, allowed: np.ndarray | None = None) -> Dataset:
    """Draw ``n`` random layouts with exactly ``k`` firebreaks (from ``seed``) and score them.

    Breaks go on ``allowed`` cells only (default: the landscape's burnable ones, as every search
    method places them), so the model learns the layouts a search can actually produce.
    """
    if n < 1:
        raise DatasetError(f"a dataset needs at least 1 layout, got n={n}")
    if allowed is None:
        allowed = burnable_cells(simulator)
    rng = np.random.default_rng(seed)
    layouts = random_layouts(n, simulator.shape, k, rng, allowed=allowed)
    fitness = score_layouts(simulator, layouts, workers=workers, progress=progress, desc="dataset")
    settings = {"n": int(n), "k": int(k), "seed": int(seed), "shape": list(simulator.shape),
                "simulator": simulator.settings}
    return Dataset(layouts, fitness, _jsonable(settings))


def load_or_build_dataset(path: str | os.PathLike, simulator, n: int, k: int, seed: int,
                          workers: int | None = None, progress: bool = True, user_named: bool = False) -> Dataset:
    """Reuse the dataset at ``path`` when it was built with these settings, else build and save it.
    ``user_named``: ``path`` is the user's own file (no lock file is left beside it)."""
    path = Path(path)
    wanted = _jsonable({"n": int(n), "k": int(k), "seed": int(seed), "shape": list(simulator.shape),
                        "simulator": simulator.settings})
    if not path.exists():
        with build_lock(path, "dataset", beside=not user_named):  # two runs sharing a cache: one builds, the other waits
            if not path.exists():
                dataset = build_dataset(simulator, n, k, seed, workers=workers, progress=progress)
                dataset.save(path)
                return dataset
    dataset = Dataset.load(path)
    if dataset.settings == wanted:
        _check_on_fuel(dataset, simulator, path)
        return dataset
    raise DatasetError(
        f"dataset file {path} was built with other settings ({_diff(dataset.settings, wanted)}); "
        "choose another output path or delete the file to rebuild it")


def _check_on_fuel(dataset: Dataset, simulator, path) -> None:
    """Refuse a cached dataset whose layouts put breaks on non-fuel cells (built before breaks
    were restricted to burnable cells): training on it would teach the model wasted breaks."""
    bad = np.flatnonzero(off_fuel(dataset.layouts, burnable_cells(simulator)))
    if bad.size:
        raise DatasetError(f"dataset file {path}: {bad.size} of its {len(dataset.layouts)} layouts put firebreaks "
                           "on non-fuel cells (it was built before breaks were kept to burnable cells); "
                           "delete the file to rebuild it")


def _jsonable(obj):
    """Round-trip through JSON so settings compare equal to what a saved file gives back."""
    return json.loads(json.dumps(obj, sort_keys=True, default=str))


def _diff(have: dict, want: dict, prefix: str = "") -> str:
    keys = sorted(set(have) | set(want))
    for key in keys:
        a, b = have.get(key), want.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            if a != b:
                return _diff(a, b, f"{prefix}{key}.")
        elif a != b:
            return f"{prefix}{key}: file has {a!r}, asked for {b!r}"
    return "no difference"
