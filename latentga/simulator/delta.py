"""Delta evaluation: score a layout that differs a little from one already scored by re-running
only the fires the difference can change, and reusing the parent's other fires.

Why: a mutation moves one or a few firebreaks, and most of the parent's N fires never come near
the moved cells. The built-in fire is a deterministic function of (fire's draws, blocked cells),
so a fire is unchanged unless one of these holds (checked per fire, exactly):

* its ignition cell changed (it is recomputed with the simulator's own ``ignitions`` whenever a
  changed cell can matter to it, so ``ignition_mode="redraw"`` stays exact);
* it burned a cell that became a firebreak;
* it burned a cell 8-adjacent to a cell that stopped being a firebreak (fire spreads only to
  the 8 neighbours of a burning cell, so it could now enter the freed cell).

A blocked cell the fire never reached, or a freed cell none of whose neighbours burned, cannot
change a shortest-path fire: cells that do not burn never pass fire on. The result therefore
EQUALS a full evaluation bit for bit (fitness, burned cells, ignitions), whatever the ROS-CV;
``tests/test_delta.py`` checks it on many random moves.

How a GA engine should use it::

    delta = DeltaEvaluator(simulator)
    records = delta.record(population_layouts)         # full evaluation, N fires per layout
    # each generation, for every child give the record of the parent it came from (a mutated
    # copy: that parent; a crossover child: both parents, the nearest one is used; None: full):
    fitness, child_records, fires = delta.evaluate_children(children, parent_records)
    # keep child_records beside the individuals (e.g. an attribute) for the next generation.

Counting fires (keep comparisons fair): ``fires_simulated`` counts every fire the kernel is run
for -- N per fully evaluated layout, and for a delta-evaluated one each re-run fire (including
fires that no longer ignite). Reused fires are not counted. A method's budget should be charged
``fires_simulated``; the "full-evaluation equivalent" is ``layouts scored * N``. A delta record
costs memory: N * ceil(H*W / 8) bytes per layout (5 kB for 100 fires on 20x20).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from latentga.errors import ConfigError
from latentga.layouts import as_layout_batch
from latentga.simulator import kernel

__all__ = ["FireRecord", "DeltaEvaluator"]


@dataclass(frozen=True)
class FireRecord:
    """One scored layout and its fires, enough to delta-evaluate its neighbours.

    ``bits`` holds each fire's burned cells bit-packed (``np.packbits`` over the row-major cells),
    ``ignition`` each fire's ignition cell (-1: no fire), ``counts`` each fire's burned cells.
    """

    layout: np.ndarray  # bool [H, W]
    bits: np.ndarray  # uint8 [N, ceil(H*W/8)]
    ignition: np.ndarray  # int64 [N]
    counts: np.ndarray  # int64 [N]
    fitness: float

    @property
    def burned(self) -> np.ndarray:
        """Burned cells of every fire: bool [N, H, W]."""
        h, w = self.layout.shape
        return np.unpackbits(self.bits, axis=1, count=h * w).astype(bool).reshape(-1, h, w)


@njit(cache=True, inline="always")
def _bit(row, c):
    return (row[c >> 3] >> (7 - (c & 7))) & 1


@njit(cache=True)
def _delta_batch(children, parents, parent_bits, parent_ign, parent_counts, child_ign, drawn, weather, factor,
                 fixed_blocked, rates, hros, nrows, nbr, dist, out_bits, out_counts, out_rerun):
    """For each child b: copy the parent's fires, re-run the fires the change can affect.

    ``children``/``parents`` bool[B, n]; ``parent_bits`` uint8[B, N, nb]; ``parent_ign``,
    ``parent_counts`` [B, N]. ``child_ign`` [B, N] are the children's ignitions, or, when
    ``drawn`` (int64[N]) is non-empty, are filled here with Cell2Fire's rule (the drawn cell,
    -1 where it is blocked). Fills ``out_bits``, ``out_counts`` and ``out_rerun`` (bool[B, N],
    the fires re-run). Returns the number of fires re-run.
    """
    b_count, n = children.shape
    n_fires = weather.shape[0]
    nb = parent_bits.shape[2]
    blocked = np.empty(n, np.bool_)
    key = np.empty(n, np.int32)
    parent = np.empty(n, np.int32)
    order = np.empty(n, np.int32)
    max_rows = 1
    for f in range(n_fires):
        if nrows[weather[f]] > max_rows:
            max_rows = nrows[weather[f]]
    heads = np.empty(60 * max_rows + 2, np.int32)
    nxt = np.empty(8 * n + 2, np.int32)
    node_cell = np.empty(8 * n + 2, np.int32)
    added = np.empty(n, np.int64)
    watch = np.empty(9 * n, np.int64)  # burned neighbours of freed cells that trigger a re-run
    total = 0
    for b in range(b_count):
        n_add = 0
        n_watch = 0
        for c in range(n):
            blocked[c] = fixed_blocked[c] or children[b, c]
            if children[b, c] and not parents[b, c]:
                added[n_add] = c
                n_add += 1
            elif parents[b, c] and not children[b, c]:
                for d in range(8):
                    j = nbr[c, d]
                    if j >= 0:
                        watch[n_watch] = j
                        n_watch += 1
        if drawn.shape[0] > 0:
            for f in range(n_fires):
                child_ign[b, f] = -1 if blocked[drawn[f]] else drawn[f]
        for f in range(n_fires):
            row = parent_bits[b, f]
            need = child_ign[b, f] != parent_ign[b, f]
            if not need and parent_counts[b, f] > 0:
                for a in range(n_add):
                    if _bit(row, added[a]):
                        need = True
                        break
                if not need:
                    for a in range(n_watch):
                        if _bit(row, watch[a]):
                            need = True
                            break
            out_rerun[b, f] = need
            if not need:
                for q in range(nb):
                    out_bits[b, f, q] = row[q]
                out_counts[b, f] = parent_counts[b, f]
                continue
            total += 1
            cnt = kernel.spread_events(weather[f], factor[f], child_ign[b, f], blocked, rates, hros, nrows, nbr,
                                       dist, key, parent, heads, nxt, node_cell, order)
            out_counts[b, f] = cnt
            for q in range(nb):
                out_bits[b, f, q] = 0
            for k in range(cnt):
                c = order[k]
                blocked[c] = False  # the kernel marks settled cells blocked; they were free before
                out_bits[b, f, c >> 3] |= np.uint8(1 << (7 - (c & 7)))
    return total


class DeltaEvaluator:
    """Scores layouts near already-scored ones, re-running only the fires that can change.

    Args:
        simulator: a built-in :class:`~latentga.simulator.FireSimulator` (the Cell2Fire binary
            backend cannot run single fires, so it cannot be delta-evaluated).
        max_changed: children differing from their parent in more cells than this are fully
            evaluated by :meth:`evaluate_children` (``None``: never; delta evaluation never runs
            more fires than a full one, the threshold only saves its bookkeeping).
    """

    def __init__(self, simulator, max_changed: int | None = None):
        for attr in ("tables", "scenarios", "simulate", "ignitions"):
            if not hasattr(simulator, attr):
                raise ConfigError(
                    f"delta evaluation needs the built-in simulator (it re-runs single fires), got "
                    f"{type(simulator).__name__}; use simulator.backend: builtin, or score with "
                    "simulator.evaluate instead")
        if max_changed is not None and (not isinstance(max_changed, (int, np.integer)) or max_changed < 0):
            raise ConfigError(f"max_changed must be None or an integer >= 0, got {max_changed!r}")
        self.simulator = simulator
        self.max_changed = max_changed
        self.shape = tuple(simulator.shape)
        self.n_cells = self.shape[0] * self.shape[1]
        self.n_fires = simulator.n_fires
        t, sc = simulator.tables, simulator.scenarios
        self._args = (sc.weather, sc.factor, ~t.burnable, t.rates, t.hros, t.nrows, t.nbr, t.dist)
        # cells whose status can change some fire's ignition: the ignition block, or every cell
        # tried when the landscape has no Ignitions.csv
        relevant = np.zeros(self.n_cells, bool)
        relevant[sc.candidates if sc.tries is None else np.unique(sc.tries)] = True
        self._ignition_cells = relevant
        # Cell2Fire's rule (no redraw, an ignition block) is simple enough for the kernel
        simple = getattr(simulator, "ignition_mode", "cell2fire") == "cell2fire" and sc.tries is None
        self._drawn = np.ascontiguousarray(sc.candidate, np.int64) if simple else np.empty(0, np.int64)

    # ------------------------------------------------------------------ full evaluation
    def record(self, layouts) -> list[FireRecord]:
        """Fully evaluate ``layouts`` (N fires each) and keep their fires for later deltas."""
        batch = as_layout_batch(layouts, self.shape)
        res = self.simulator.simulate(batch)
        flat = res.burned.reshape(len(batch), self.n_fires, self.n_cells)
        bits = np.packbits(flat, axis=2)
        counts = flat.sum(axis=2, dtype=np.int64)
        fitness = self._fitness(counts)
        return [FireRecord(batch[i].copy(), bits[i], res.ignition[i].astype(np.int64), counts[i], float(fitness[i]))
                for i in range(len(batch))]

    def _fitness(self, counts: np.ndarray) -> np.ndarray:
        # the same arithmetic as FireSimulator.evaluate, so the numbers are identical
        return 1.0 - counts.mean(axis=1) / self.n_cells

    # ------------------------------------------------------------------ delta evaluation
    def _child_ignitions(self, children: np.ndarray, parents: np.ndarray, parent_ign: np.ndarray) -> np.ndarray:
        """Children's ignitions: the parent's unless a changed cell can matter to them."""
        changed = (children != parents)[:, self._ignition_cells].any(axis=1)
        ign = parent_ign.copy()
        if changed.any():
            ign[changed] = self.simulator.ignitions(children[changed].reshape(-1, *self.shape))
        return ign

    def _delta(self, children: np.ndarray, records: list[FireRecord]):
        """Delta-evaluate flat bool children [B, n] against ``records``: (counts, bits, ign, fires)."""
        b = len(children)
        if b == 1:  # the local-search path: views, no copies
            r = records[0]
            parents, parent_bits = r.layout.reshape(1, -1), r.bits[None]
            parent_ign, parent_counts = r.ignition[None], r.counts[None]
        else:
            parents = np.stack([r.layout.reshape(-1) for r in records])
            parent_bits = np.stack([r.bits for r in records])
            parent_ign = np.stack([r.ignition for r in records])
            parent_counts = np.stack([r.counts for r in records])
        if self._drawn.size:
            child_ign = np.empty((b, self.n_fires), np.int64)
        else:
            child_ign = self._child_ignitions(children, parents, parent_ign)
        out_bits = np.empty((b, *parent_bits.shape[1:]), np.uint8)
        out_counts = np.empty((b, self.n_fires), np.int64)
        rerun = np.empty((b, self.n_fires), np.bool_)
        w, fac, fixed, rates, hros, nrows, nbr, dist = self._args
        fires = _delta_batch(children, parents, parent_bits, parent_ign, parent_counts, child_ign, self._drawn, w,
                             fac, fixed, rates, hros, nrows, nbr, dist, out_bits, out_counts, rerun)
        return out_counts, out_bits, child_ign, int(fires)

    def evaluate(self, child_layout, parent_record: FireRecord) -> tuple[float, FireRecord, int]:
        """Score one child from its parent's record: ``(fitness, child_record, fires_simulated)``."""
        child = np.asarray(child_layout)
        if child.dtype != np.bool_ or child.shape != self.shape:
            child = as_layout_batch(child_layout, self.shape, name="child layout")
            if len(child) != 1:
                raise ConfigError(f"evaluate takes one layout, got {len(child)}; use evaluate_children for a batch")
            child = child[0]
        counts, bits, ign, fires = self._delta(child.reshape(1, -1), [parent_record])
        fit = 1.0 - (counts[0].sum() / self.n_fires) / self.n_cells
        return fit, FireRecord(child.copy(), bits[0], ign[0], counts[0], fit), fires

    def evaluate_children(self, children, parent_records) -> tuple[np.ndarray, list[FireRecord], int]:
        """Score a batch: ``(fitness float64[B], records, fires_simulated)``.

        ``parent_records[i]`` is the record of child i's parent, a sequence of records (the
        nearest in Hamming distance is used: crossover children) or None (full evaluation).
        Children farther than ``max_changed`` cells from their nearest parent are fully
        evaluated, together in one batch.
        """
        batch = as_layout_batch(children, self.shape, name="children")
        if len(parent_records) != len(batch):
            raise ConfigError(f"got {len(batch)} children but {len(parent_records)} parent records; "
                              "give one record (or list of records, or None) per child")
        flat = batch.reshape(len(batch), -1)
        chosen: list[FireRecord | None] = []
        for i, recs in enumerate(parent_records):
            if recs is not None and isinstance(recs, FireRecord):
                recs = [recs]
            if not recs:
                chosen.append(None)
                continue
            dists = [int(np.count_nonzero(r.layout.reshape(-1) != flat[i])) for r in recs]
            j = int(np.argmin(dists))
            far = self.max_changed is not None and dists[j] > self.max_changed
            chosen.append(None if far else recs[j])
        records: list[FireRecord | None] = [None] * len(batch)
        fires = 0
        near = [i for i, r in enumerate(chosen) if r is not None]
        if near:
            counts, bits, ign, fires = self._delta(flat[near], [chosen[i] for i in near])
            fit = self._fitness(counts)
            for j, i in enumerate(near):
                records[i] = FireRecord(batch[i].copy(), bits[j], ign[j], counts[j], float(fit[j]))
        full = [i for i, r in enumerate(chosen) if r is None]
        if full:
            for i, rec in zip(full, self.record(batch[full])):
                records[i] = rec
            fires += len(full) * self.n_fires
        return np.array([r.fitness for r in records], dtype=np.float64), records, fires
