"""Delta evaluation: score a layout that differs a little from one already scored by re-running
only the fires the difference can change, and reusing the parent's other fires.

Why: a mutation moves one or a few firebreaks, and most of the parent's N fires never come near
the moved cells. The built-in fire (``kernel.spread_events``) is a deterministic event-ordered
search: each cell burns at the first period fire reaches it from a burning neighbour, and the
record keeps, per fire, the burned cells, the period each started spreading and which of them
set another cell alight (the hubs of the spread tree). A fire of the child is the parent's
fire, exactly, unless one of these holds (checked per fire):

* its ignition cell changed (the child's ignitions are recomputed with Cell2Fire's rule, or
  with the simulator's own ``ignitions`` when a changed cell can matter to them, so
  ``ignition_mode="redraw"`` stays exact);
* a cell that became a firebreak set some other cell alight in the parent's fire (an added
  firebreak the fire only reached -- a leaf of the tree -- is just removed from the burned
  cells: no other cell's time depended on it);
* a cell that stopped being a firebreak would be set alight by one of its burned 8-neighbours
  (the kernel's own arrival computation, from that neighbour's recorded period).

Only those fires are re-run through the kernel. The result therefore EQUALS a full evaluation
bit for bit (fitness, burned cells, ignitions), whatever the ROS-CV; ``tests/test_delta.py``
checks it on many random 1-, 2- and 5-cell moves and on chains of delta records.

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
costs memory: N * (2 * ceil(H*W / 8) + 2 * H*W) bytes per layout (90 kB for 100 fires on 20x20).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from latentga.errors import ConfigError
from latentga.layouts import as_layout_batch
from latentga.simulator import kernel

__all__ = ["FireRecord", "DeltaEvaluator"]


@dataclass(frozen=True, eq=False)
class FireRecord:
    """One scored layout and its fires, enough to delta-evaluate its neighbours.

    ``bits`` holds each fire's burned cells bit-packed (``np.packbits`` over the row-major
    cells), ``hubs`` (same packing) the burned cells that set some other cell alight (a
    superset after leaf removals: only ever conservative), ``times`` the period each burned
    cell started spreading (-1: not burned), ``ignition`` each fire's ignition cell (-1: no
    fire), ``counts`` each fire's burned cells. A record is only valid with the simulator (same
    landscape and fires) that made it.
    """

    layout: np.ndarray  # bool [H, W]
    bits: np.ndarray  # uint8 [N, ceil(H*W/8)]
    hubs: np.ndarray  # uint8 [N, ceil(H*W/8)]
    times: np.ndarray  # int16 [N, H*W]
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
def _ignites(w, factor, i, t, d, target, rates, hros, nrows, dist):
    """Would burning cell ``i`` (spreading from period ``t``) set its neighbour ``target`` (in
    direction ``d``) alight? The relaxation step of ``kernel.spread_events``, for one edge."""
    nr = nrows[w]
    max_p = 60 * nr
    if t >= max_p:
        return False
    stop = max_p
    r0 = kernel.weather_row(t, nr)
    for r in range(r0, nr):
        if kernel.hros_spread(hros, w, i, r) * factor <= kernel.ROS_THRESHOLD:
            first = t if r == r0 else 60 * r + 1
            if first < stop:
                stop = first
            break
    if stop <= t:
        return False
    p = kernel._arrival(w, i, d, t, stop, factor, rates, nr, dist[d])
    if p >= stop:
        return False
    while p < stop and not kernel.hros_ignite(hros, w, target, kernel.weather_row(p, nr)) > kernel.ROS_THRESHOLD:
        p += 1
    return p < stop


@njit(cache=True)
def _needs_rerun(row_bits, row_hubs, row_times, added, n_add, freed, n_freed, w, factor, rates, hros, nrows,
                 nbr, dist):
    """Can the change alter this (ignition-unchanged) fire? Exact for the shortest-path fire:

    * an added firebreak the fire burned matters only if it set another cell alight (a hub
      of the spread tree): removing a leaf leaves every other cell's time unchanged;
    * a freed cell matters only if one of its burned neighbours would now set it alight.
    """
    for a in range(n_add):
        if _bit(row_hubs, added[a]):
            return True
    for q in range(n_freed):
        r = freed[q]
        for d in range(8):
            i = nbr[r, d]
            if i < 0 or not _bit(row_bits, i):
                continue
            back = (d + 4) % 8  # the direction from i to r (N<->S, NE<->SW, ...)
            if _ignites(w, factor, i, row_times[i], back, r, rates, hros, nrows, dist):
                return True
    return False


@njit(cache=True)
def _delta_batch(children, parents, parent_bits, parent_hubs, parent_times, parent_ign, parent_counts, child_ign,
                 drawn, force, weather, factor, fixed_blocked, rates, hros, nrows, nbr, dist,
                 out_bits, out_hubs, out_times, out_counts, out_rerun):
    """For each child b: copy the parent's fires, re-run the fires the change can affect.

    ``children``/``parents`` bool[B, n]; ``parent_bits``/``parent_hubs`` uint8[B, N, nb];
    ``parent_times`` int16[B, N, n]; ``parent_ign``, ``parent_counts`` [B, N]. ``child_ign``
    [B, N] are the children's ignitions, or, when ``drawn`` (int64[N]) is non-empty, are filled
    here with Cell2Fire's rule (the drawn cell, -1 where it is blocked). ``force``: re-run
    every fire (a full evaluation; the parent arrays are then not read). Fills the ``out_*``
    arrays (``out_rerun`` bool[B, N]: the fires re-run). Returns the number of fires re-run.
    """
    b_count, n = children.shape
    n_fires = weather.shape[0]
    nb = out_bits.shape[2]
    blocked, key, parent, order, heads, nxt, node_cell = kernel.kernel_scratch(n, weather, nrows)
    added = np.zeros((b_count, n), np.int64)
    freed = np.zeros((b_count, n), np.int64)
    n_add = np.zeros(b_count, np.int64)
    n_freed = np.zeros(b_count, np.int64)
    for b in range(b_count):
        for c in range(n):
            if children[b, c] and not parents[b, c]:
                added[b, n_add[b]] = c
                n_add[b] += 1
            elif parents[b, c] and not children[b, c]:
                freed[b, n_freed[b]] = c
                n_freed[b] += 1
        if drawn.shape[0] > 0:
            for f in range(n_fires):
                c = drawn[f]
                child_ign[b, f] = -1 if (fixed_blocked[c] or children[b, c]) else c
    total = 0
    # fires outer, children inner: one weather file's rates stay in cache across the children
    for f in range(n_fires):
        w = weather[f]
        for b in range(b_count):
            need = force or child_ign[b, f] != parent_ign[b, f]
            if not need and parent_counts[b, f] > 0:
                need = _needs_rerun(parent_bits[b, f], parent_hubs[b, f], parent_times[b, f], added[b], n_add[b],
                                    freed[b], n_freed[b], w, factor[f], rates, hros, nrows, nbr, dist)
            out_rerun[b, f] = need
            if not need:  # the parent's fire, less the added firebreaks it burned (leaves)
                cnt = parent_counts[b, f]
                for q in range(nb):
                    out_bits[b, f, q] = parent_bits[b, f, q]
                    out_hubs[b, f, q] = parent_hubs[b, f, q]
                for c in range(n):
                    out_times[b, f, c] = parent_times[b, f, c]
                for a in range(n_add[b]):
                    c = added[b, a]
                    if out_times[b, f, c] >= 0:
                        out_times[b, f, c] = -1
                        out_bits[b, f, c >> 3] &= np.uint8(255 - (1 << (7 - (c & 7))))
                        cnt -= 1
                out_counts[b, f] = cnt
                continue
            total += 1
            for c in range(n):
                blocked[c] = fixed_blocked[c] or children[b, c]
            cnt = kernel.spread_events(w, factor[f], child_ign[b, f], blocked, rates, hros, nrows, nbr, dist,
                                       key, parent, heads, nxt, node_cell, order)
            out_counts[b, f] = cnt
            for q in range(nb):
                out_bits[b, f, q] = 0
                out_hubs[b, f, q] = 0
            for c in range(n):
                out_times[b, f, c] = -1
            for k in range(cnt):
                c = order[k]
                out_times[b, f, c] = key[c]
                out_bits[b, f, c >> 3] |= np.uint8(1 << (7 - (c & 7)))
                j = parent[c]
                if j >= 0:
                    out_hubs[b, f, j >> 3] |= np.uint8(1 << (7 - (j & 7)))
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
        for attr in ("tables", "scenarios", "ignitions"):
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
        self._args = (sc.weather, sc.factor, ~t.burnable, simulator.edge_rates, t.hros, t.nrows, t.nbr, t.dist)
        # cells whose status can change some fire's ignition: the ignition block, or every cell
        # tried when the landscape has no Ignitions.csv
        relevant = np.zeros(self.n_cells, bool)
        relevant[sc.candidates if sc.tries is None else np.unique(sc.tries)] = True
        self._ignition_cells = relevant
        # spread times fit int16 unless weather files have more than 546 hourly rows
        self._time_dtype = np.int16 if 60 * int(t.nrows.max()) + 2 < np.iinfo(np.int16).max else np.int32
        # _needs_rerun takes (d + 4) % 8 as the direction opposite d (N, NE, E, ... order)
        cells, dirs = np.nonzero(t.nbr >= 0)
        if not np.array_equal(t.nbr[t.nbr[cells, dirs], (dirs + 4) % 8], cells):
            raise RuntimeError("neighbour table order changed: delta.py assumes direction d + 4 is opposite d")
        # Cell2Fire's rule (no redraw, an ignition block) is simple enough for the kernel
        simple = getattr(simulator, "ignition_mode", "cell2fire") == "cell2fire" and sc.tries is None
        self._drawn = np.ascontiguousarray(sc.candidate, np.int64) if simple else np.empty(0, np.int64)

    # Pickle only the simulator (it pickles cheaply); the tables are rebuilt on arrival.
    def __getstate__(self):
        return {"simulator": self.simulator, "max_changed": self.max_changed}

    def __setstate__(self, state):
        self.__init__(**state)

    # ------------------------------------------------------------------ running
    def _run(self, children: np.ndarray, records: list[FireRecord] | None):
        """Run flat bool ``children`` [B, n]: against ``records`` (delta) or fully (None).

        Returns ``(layout-shaped children, bits, hubs, times, ignition, counts, fires re-run)``.
        """
        b, n_f, nb = len(children), self.n_fires, (self.n_cells + 7) // 8
        if records is None:  # full evaluation: calloc'd parents are never read
            parents = children
            parent_bits = parent_hubs = np.zeros((b, n_f, nb), np.uint8)
            parent_times = np.zeros((b, n_f, self.n_cells), self._time_dtype)
            parent_ign = np.full((b, n_f), -2, np.int64)
            parent_counts = np.zeros((b, n_f), np.int64)
        elif any(r.bits.shape != (n_f, nb) for r in records):
            raise ConfigError(f"a parent record does not match this simulator ({n_f} fires on a {self.shape[0]}x"
                              f"{self.shape[1]} grid); make records with this DeltaEvaluator's record()")
        elif b == 1:  # the local-search path: views, no copies
            r = records[0]
            parents, parent_bits, parent_hubs = r.layout.reshape(1, -1), r.bits[None], r.hubs[None]
            parent_times, parent_ign, parent_counts = r.times[None], r.ignition[None], r.counts[None]
        else:
            parents = np.stack([r.layout.reshape(-1) for r in records])
            parent_bits = np.stack([r.bits for r in records])
            parent_hubs = np.stack([r.hubs for r in records])
            parent_times = np.stack([r.times for r in records])
            parent_ign = np.stack([r.ignition for r in records])
            parent_counts = np.stack([r.counts for r in records])
        if self._drawn.size:
            child_ign = np.empty((b, n_f), np.int64)
        elif records is None:
            child_ign = self.simulator.ignitions(children.reshape(-1, *self.shape))
        else:
            child_ign = self._child_ignitions(children, parents, parent_ign)
        out_bits = np.empty((b, n_f, nb), np.uint8)
        out_hubs = np.empty((b, n_f, nb), np.uint8)
        out_times = np.empty((b, n_f, self.n_cells), self._time_dtype)
        out_counts = np.empty((b, n_f), np.int64)
        rerun = np.empty((b, n_f), np.bool_)
        w, fac, fixed, rates, hros, nrows, nbr, dist = self._args
        fires = _delta_batch(children, parents, parent_bits, parent_hubs, parent_times, parent_ign, parent_counts,
                             child_ign, self._drawn, records is None, w, fac, fixed, rates, hros, nrows, nbr, dist,
                             out_bits, out_hubs, out_times, out_counts, rerun)
        return (children.reshape(-1, *self.shape), out_bits, out_hubs, out_times, child_ign, out_counts,
                int(fires))

    def _records(self, run) -> list[FireRecord]:
        layouts, bits, hubs, times, ign, counts, _ = run
        fitness = self._fitness(counts)
        return [FireRecord(layouts[i].copy(), bits[i], hubs[i], times[i], ign[i], counts[i], float(fitness[i]))
                for i in range(len(layouts))]

    def _fitness(self, counts: np.ndarray) -> np.ndarray:
        # the same arithmetic as FireSimulator.evaluate, so the numbers are identical
        return 1.0 - counts.mean(axis=1) / self.n_cells

    def _child_ignitions(self, children: np.ndarray, parents: np.ndarray, parent_ign: np.ndarray) -> np.ndarray:
        """Children's ignitions: the parent's unless a changed cell can matter to them."""
        changed = (children != parents)[:, self._ignition_cells].any(axis=1)
        ign = parent_ign.copy()
        if changed.any():
            ign[changed] = self.simulator.ignitions(children[changed].reshape(-1, *self.shape))
        return ign

    # ------------------------------------------------------------------ public
    def record(self, layouts) -> list[FireRecord]:
        """Fully evaluate ``layouts`` (N fires each) and keep their fires for later deltas."""
        batch = as_layout_batch(layouts, self.shape)
        return self._records(self._run(np.ascontiguousarray(batch.reshape(len(batch), -1)), None))

    def evaluate(self, child_layout, parent_record: FireRecord) -> tuple[float, FireRecord, int]:
        """Score one child from its parent's record: ``(fitness, child_record, fires_simulated)``."""
        child = np.asarray(child_layout)
        if child.dtype != np.bool_ or child.shape != self.shape:
            child = as_layout_batch(child_layout, self.shape, name="child layout")
            if len(child) != 1:
                raise ConfigError(f"evaluate takes one layout, got {len(child)}; use evaluate_children for a batch")
            child = child[0]
        layouts, bits, hubs, times, ign, counts, fires = self._run(child.reshape(1, -1), [parent_record])
        fit = 1.0 - (counts[0].sum() / self.n_fires) / self.n_cells
        return fit, FireRecord(child.copy(), bits[0], hubs[0], times[0], ign[0], counts[0], fit), fires

    def evaluate_children(self, children, parent_records, max_changed: int | None = -1,
                          ) -> tuple[np.ndarray, list[FireRecord], int]:
        """Score a batch: ``(fitness float64[B], records, fires_simulated)``.

        ``parent_records[i]`` is the record of child i's parent, a sequence of records (the
        nearest in Hamming distance is used: crossover children) or None (full evaluation).
        Children farther than ``max_changed`` cells (default: the evaluator's) from their nearest
        parent are fully evaluated, together in one batch.
        """
        if max_changed == -1:
            max_changed = self.max_changed
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
            far = max_changed is not None and dists[j] > max_changed
            chosen.append(None if far else recs[j])
        records: list[FireRecord | None] = [None] * len(batch)
        fires = 0
        near = [i for i, r in enumerate(chosen) if r is not None]
        if near:
            run = self._run(np.ascontiguousarray(flat[near]), [chosen[i] for i in near])
            fires = run[-1]
            for i, rec in zip(near, self._records(run)):
                records[i] = rec
        full = [i for i, r in enumerate(chosen) if r is None]
        if full:
            run = self._run(np.ascontiguousarray(flat[full]), None)
            fires += run[-1]
            for i, rec in zip(full, self._records(run)):
                records[i] = rec
        return np.array([r.fitness for r in records], dtype=np.float64), records, fires
