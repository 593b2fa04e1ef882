"""Delta evaluation in the GA: keep the fire records of the current population and score each
child from its parent's record, re-running only the fires its change can alter.

Why: most GA children differ from a parent in a few cells, and most of the parent's fires
never reach them. :class:`~latentga.simulator.delta.DeltaEvaluator` gives the SAME fitness as a
full evaluation, so the search is unchanged; only the fires actually simulated (the logbook's
``fires`` column, the fair cost of a run) drop.

How the engine uses it: :func:`make_tracker` (via ``FirebreakProblem.delta_tracker``) gives a
:class:`DeltaTracker` or None (``ga.delta_evaluation: false``, or a simulator that cannot run
single fires such as the Cell2Fire binary backend: delta evaluation is then silently off). The
tracker keeps one :class:`FireRecord` per layout of the current population (keyed by
:func:`latentga.layouts.layout_key`). Records are sparse, 7 bytes per burned cell per fire: about
80 kB each at 100 fires on 20x20, ~1 MB on Dogrib with fires anywhere (a dense record there was
~18 MB, which kept delta evaluation off on Dogrib). Children whose parents have records are delta-evaluated in the main process
(records are big to ship); children without one (the initial population, children of a parent
that came from the fitness cache without a record) are fully evaluated through
``toolbox.map``, in chunks, so SCOOP still parallelises the full path, and their records are
kept too. A latent child that changed a lot is still delta-evaluated: delta evaluation never
runs more fires than a full one, so falling back to full evaluation would only cost fires.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterable, Sequence

import numpy as np

from latentga.errors import CheckpointError, ConfigError
from latentga.layouts import layout_key
from latentga.simulator.delta import DeltaEvaluator, FireRecord

__all__ = ["DeltaTracker", "make_tracker", "record_chunk", "pack_records", "unpack_records"]


def record_chunk(evaluator: DeltaEvaluator, layouts: np.ndarray) -> list[FireRecord]:
    """Full evaluation of a chunk, with records (module level, so SCOOP can send it to workers)."""
    return evaluator.record(np.asarray(layouts, dtype=bool))


class DeltaTracker:
    """The fire records of the current population, and delta evaluation of children from them."""

    def __init__(self, evaluator: DeltaEvaluator):
        self.evaluator = evaluator
        self.n_fires = int(evaluator.n_fires)
        self.records: dict[bytes, FireRecord] = {}

    def score(self, layouts: dict[bytes, np.ndarray], sources: dict[bytes, Sequence[bytes]],
              mapper: Callable = map, chunk_size: int | None = None) -> tuple[dict[bytes, float], int]:
        """Fitness of every layout in ``layouts`` (key -> bool[H, W]) and the fires simulated.

        ``sources[key]`` are the layout keys of that layout's parents (missing: none). Parents
        with a record give a delta evaluation (the nearest parent is used), the others a full
        one through ``mapper``. Every scored layout's record is added to :attr:`records`.
        """
        near, parent_recs, far = [], [], []
        for key in layouts:
            recs = [self.records[p] for p in sources.get(key, ()) if p in self.records]
            if recs:
                near.append(key)
                parent_recs.append(recs)
            else:
                far.append(key)
        scores: dict[bytes, float] = {}
        fires = 0
        if near:
            fit, recs, n = self.evaluator.evaluate_children(np.stack([layouts[k] for k in near]), parent_recs,
                                                            max_changed=None)
            fires += int(n)
            for key, value, rec in zip(near, fit.tolist(), recs):
                scores[key] = value
                self.records[key] = rec
        if far:
            batch = np.stack([layouts[k] for k in far])
            size = max(1, int(chunk_size or len(batch)))
            chunks = [batch[i:i + size] for i in range(0, len(batch), size)]
            recs = [r for part in mapper(partial(record_chunk, self.evaluator), chunks) for r in part]
            fires += len(far) * self.n_fires  # a full evaluation runs every fire
            for key, rec in zip(far, recs):
                scores[key] = float(rec.fitness)
                self.records[key] = rec
        return scores, fires

    def keep(self, population: Iterable) -> None:
        """Forget the records of layouts no longer in ``population`` (bounded memory)."""
        keys = {layout_key(ind) for ind in population}
        self.records = {k: r for k, r in self.records.items() if k in keys}

    def state(self) -> dict | None:
        """The records as plain arrays (what a checkpoint stores)."""
        return pack_records(self.records)

    def restore(self, state: dict | None) -> None:
        """Take back :meth:`state`'s records (checked against this simulator)."""
        self.records = unpack_records(state, self.evaluator)


def make_tracker(simulator, enabled: bool = True) -> DeltaTracker | None:
    """A tracker for ``simulator``, or None when disabled or the simulator cannot run single fires."""
    if not enabled:
        return None
    try:
        return DeltaTracker(DeltaEvaluator(simulator))
    except ConfigError:  # e.g. the Cell2Fire binary backend: full evaluation, silently
        return None


_STACKED = ("layout", "offsets", "ignition")  # one row per record
_BYTES = {"cells": np.int32, "hubs": np.bool_}  # variable length: one byte string per record


def pack_records(records: dict[bytes, FireRecord]) -> dict | None:
    """Records as plain arrays and byte strings, one entry per record (for checkpoints: no class
    needed to load them); the burned cells, of varying length, as one byte string each."""
    if not records:
        return None
    recs = list(records.values())
    out = {name: np.stack([getattr(r, name) for r in recs]) for name in _STACKED}
    for name in (*_BYTES, "times"):
        out[name] = [np.ascontiguousarray(getattr(r, name)).tobytes() for r in recs]
    out["time_width"] = np.array([r.times.dtype.itemsize for r in recs], dtype=np.int64)
    out["keys"] = list(records.keys())
    out["fitness"] = np.array([r.fitness for r in recs], dtype=np.float64)
    return out


def unpack_records(packed: dict | None, evaluator: DeltaEvaluator | None = None) -> dict[bytes, FireRecord]:
    """The inverse of :func:`pack_records`; checks the records fit ``evaluator``'s simulator."""
    if not packed:
        return {}
    if "bits" in packed:
        raise CheckpointError("the checkpoint's fire records are in the older dense format; resume with the "
                              "latentga version that wrote it, or run without --resume to start over")
    widths = {2: np.int16, 4: np.int32}
    try:
        out = {}
        for i, key in enumerate(packed["keys"]):
            flat = {name: np.frombuffer(packed[name][i], dtype=dtype) for name, dtype in _BYTES.items()}
            times = np.frombuffer(packed["times"][i], dtype=widths[int(packed["time_width"][i])])
            offsets = np.asarray(packed["offsets"][i])
            if offsets[0] != 0 or offsets[-1] != len(flat["cells"]) or np.any(np.diff(offsets) < 0) \
                    or not len(times) == len(flat["hubs"]) == len(flat["cells"]):
                raise ValueError("fire offsets do not fit the burned cells")
            out[key] = FireRecord(packed["layout"][i], offsets, flat["cells"], times, flat["hubs"],
                                  packed["ignition"][i], float(packed["fitness"][i]))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint's fire records are corrupt ({exc}); delete the checkpoint and "
                              "run without --resume to start over") from None
    if evaluator is not None:
        want = (evaluator.n_fires + 1,)
        if any(r.offsets.shape != want or r.layout.shape != evaluator.shape for r in out.values()):
            raise CheckpointError(f"the checkpoint's fire records were made with other fires or another grid "
                                  f"than this simulator's ({evaluator.n_fires} fires on "
                                  f"{evaluator.shape[0]}x{evaluator.shape[1]}); resume with the simulator the run "
                                  "was made with, or run without --resume")
    return out
