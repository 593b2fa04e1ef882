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
``fires_simulated``; the "full-evaluation equivalent" is ``layouts scored * N``.

Records are sparse: per fire only the cells it reached (cell id, period, hub flag: 7 bytes a
burned cell with int16 periods), so memory grows with the burned area, not with the grid
(Dogrib, fires anywhere: ~1,700 burned cells a fire out of 79,611; a dense record was ~18 MB a
layout at 100 fires). Copying an unchanged fire costs its burned cells, not the grid.
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
    """One scored layout and its fires, enough to delta-evaluate its neighbours (sparse).

    Fire ``f`` reached the cells ``cells[offsets[f]:offsets[f + 1]]`` (ascending cell ids);
    ``times`` holds the period each of them started spreading, ``hubs`` whether it set some
    other cell alight (a superset after leaf removals: only ever conservative), ``ignition``
    each fire's ignition cell (-1: no fire). A record is only valid with the simulator (same
    landscape and fires) that made it.
    """

    layout: np.ndarray  # bool [H, W]
    offsets: np.ndarray  # int64 [N + 1]
    cells: np.ndarray  # int32 [M]: burned cells of every fire, fire by fire
    times: np.ndarray  # int16 (int32 for very long weather) [M]
    hubs: np.ndarray  # bool [M]
    ignition: np.ndarray  # int64 [N]
    fitness: float

    @property
    def counts(self) -> np.ndarray:
        """Burned cells of each fire: int64 [N]."""
        return np.diff(self.offsets)

    @property
    def burned(self) -> np.ndarray:
        """Burned cells of every fire: bool [N, H, W] (dense; for checks and plots)."""
        h, w = self.layout.shape
        out = np.zeros((len(self.ignition), h * w), bool)
        out[np.repeat(np.arange(len(self.ignition)), self.counts), self.cells] = True
        return out.reshape(-1, h, w)

    @property
    def nbytes(self) -> int:
        """Memory of the record's arrays."""
        return int(sum(a.nbytes for a in (self.layout, self.offsets, self.cells, self.times, self.hubs,
                                          self.ignition)))


def _debruijn_table(mul: int) -> np.ndarray:
    """Bit index of a 64-bit word's lowest set bit, looked up by ``((w ^ (w - 1)) * mul) >> 58``."""
    table = np.full(64, -1, np.int64)
    for i in range(64):
        table[((((1 << (i + 1)) - 1) * mul) & (2 ** 64 - 1)) >> 58] = i
    if (table < 0).any():
        raise RuntimeError("the de Bruijn multiplier does not give a perfect hash")
    return table


_DEBRUIJN_MUL = np.uint64(0x03F79D71B4CB0A89)
_DEBRUIJN = _debruijn_table(int(_DEBRUIJN_MUL))


@njit(cache=True, inline="always")
def _find(cells, lo, hi, c):
    """Index of cell ``c`` in the ascending ``cells[lo:hi]``, or -1."""
    while lo < hi:
        mid = (lo + hi) >> 1
        v = cells[mid]
        if v < c:
            lo = mid + 1
        elif v > c:
            hi = mid
        else:
            return mid
    return -1


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


@njit(cache=True, inline="always")
def _lookup(p_cells, lo, hi, c, where, dense):
    """Index of cell ``c`` in the fire ``p_cells[lo:hi]`` or -1: from the dense scratch ``where``
    (``where[c] = index + 1``, filled for this fire) when ``dense``, else by binary search."""
    if dense:
        return where[c] - 1
    return _find(p_cells, lo, hi, c)


@njit(cache=True)
def _needs_rerun(p_cells, p_times, p_hubs, lo, hi, added, n_add, freed, n_freed, w, factor, rates, hros, nrows,
                 nbr, dist, where, dense):
    """Can the change alter this (ignition-unchanged) fire, whose cells are ``p_cells[lo:hi]``?
    Exact for the shortest-path fire:

    * an added firebreak the fire burned matters only if it set another cell alight (a hub
      of the spread tree): removing a leaf leaves every other cell's time unchanged;
    * a freed cell matters only if one of its burned neighbours would now set it alight.
    """
    for a in range(n_add):
        j = _lookup(p_cells, lo, hi, added[a], where, dense)
        if j >= 0 and p_hubs[j]:
            return True
    for q in range(n_freed):
        r = freed[q]
        for d in range(8):
            i = nbr[r, d]
            if i < 0:
                continue
            j = _lookup(p_cells, lo, hi, i, where, dense)
            if j < 0:
                continue
            back = (d + 4) % 8  # the direction from i to r (N<->S, NE<->SW, ...)
            if _ignites(w, factor, i, p_times[j], back, r, rates, hros, nrows, dist):
                return True
    return False


@njit(cache=True)
def _grow(buf, size, need):
    """``buf`` with room for ``need`` elements (doubled when short), its first ``size`` kept."""
    if need <= buf.shape[0]:
        return buf
    cap = buf.shape[0] * 2
    while cap < need:
        cap *= 2
    out = np.empty(cap, buf.dtype)
    out[:size] = buf[:size]
    return out


@njit(cache=True)
def _delta_batch(children, parents, p_off, p_cells, p_times, p_hubs, parent_ign, child_ign,
                 drawn, force, weather, factor, fixed_blocked, rates, hros, nrows, nbr, dist, out_rerun):
    """For each child b: keep the parent's fires, re-run the fires the change can affect.

    ``children``/``parents`` bool[B, n]; the parent of child b has fire f's burned cells at
    ``p_cells[p_off[b, f]:p_off[b, f + 1]]`` (ascending), with ``p_times`` and ``p_hubs``;
    ``parent_ign`` [B, N]. ``child_ign`` [B, N] are the children's ignitions, or, when
    ``drawn`` (int64[N]) is non-empty, are filled here with Cell2Fire's rule (the drawn cell,
    -1 where it is blocked). ``force``: re-run every fire (a full evaluation; the parent
    arrays are then not read). Fills ``out_rerun`` bool[B, N] (the fires re-run).

    Returns ``(offsets int64[B, N + 1], cells int32[T], times int32[T], hubs bool[T], fires
    re-run)``: child b's fire f reached ``cells[offsets[b, f]:offsets[b, f + 1]]``.
    """
    b_count, n = children.shape
    n_fires = weather.shape[0]
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
    counts = np.zeros((b_count, n_fires), np.int64)
    rr_start = np.zeros((b_count, n_fires), np.int64)  # where a re-run fire's cells are in rr_*
    trimmed = np.zeros((b_count, n_fires), np.bool_)  # a kept fire that lost added (leaf) cells
    rr_cells = np.empty(max(1024, n), np.int32)
    rr_times = np.empty(max(1024, n), np.int32)
    rr_hubs = np.empty(max(1024, n), np.bool_)
    rr_size = 0
    hub = np.zeros(n, np.bool_)
    bitmap = np.zeros((n + 63) // 64, np.uint64)
    where = np.zeros(n, np.int64)  # a fire's cell -> its index + 1, while that fire is indexed
    total = 0
    # pass 1, fires outer, children inner: one weather file's rates stay in cache across the children
    for f in range(n_fires):
        w = weather[f]
        for b in range(b_count):
            lo, hi = p_off[b, f], p_off[b, f + 1]
            need = force or child_ign[b, f] != parent_ign[b, f]
            # many changed cells against a small fire: index the fire once instead of searching it
            dense = not need and (n_add[b] + 8 * n_freed[b]) * 8 > hi - lo
            if dense:
                for j in range(lo, hi):
                    where[p_cells[j]] = j + 1
            if not need and hi > lo:
                need = _needs_rerun(p_cells, p_times, p_hubs, lo, hi, added[b], n_add[b], freed[b], n_freed[b],
                                    w, factor[f], rates, hros, nrows, nbr, dist, where, dense)
            out_rerun[b, f] = need
            if not need:  # the parent's fire, less the added firebreaks it burned (leaves)
                cnt = hi - lo
                for a in range(n_add[b]):
                    if _lookup(p_cells, lo, hi, added[b, a], where, dense) >= 0:
                        cnt -= 1
                counts[b, f] = cnt
                trimmed[b, f] = cnt < hi - lo
            if dense:
                for j in range(lo, hi):
                    where[p_cells[j]] = 0
            if not need:
                continue
            total += 1
            for c in range(n):
                blocked[c] = fixed_blocked[c] or children[b, c]
            cnt = kernel.spread_events(w, factor[f], child_ign[b, f], blocked, rates, hros, nrows, nbr, dist,
                                       key, parent, heads, nxt, node_cell, order)
            counts[b, f] = cnt
            rr_start[b, f] = rr_size
            room = rr_size + cnt + 1
            if room > rr_cells.shape[0]:
                rr_cells = _grow(rr_cells, rr_size, room)
                rr_times = _grow(rr_times, rr_size, room)
                rr_hubs = _grow(rr_hubs, rr_size, room)
            for k in range(cnt):  # the hubs: cells that set another alight
                j = parent[order[k]]
                if j >= 0:
                    hub[j] = True
            for k in range(cnt):  # the burned cells into a bitmap, read back in ascending order
                c = order[k]
                bitmap[c >> 6] |= np.uint64(1) << np.uint64(c & 63)
            k = rr_size
            for q in range(bitmap.shape[0] if cnt else 0):
                word = bitmap[q]
                bitmap[q] = 0
                while word:  # lowest set bit first (de Bruijn index), then clear it
                    c = (q << 6) + _DEBRUIJN[((word ^ (word - np.uint64(1))) * _DEBRUIJN_MUL) >> np.uint64(58)]
                    word &= word - np.uint64(1)
                    rr_cells[k] = c
                    rr_times[k] = key[c]
                    rr_hubs[k] = hub[c]
                    hub[c] = False
                    k += 1
            rr_size += cnt
    # pass 2, child by child: lay every fire out, copied from the parent or from its re-run
    offsets = np.zeros((b_count, n_fires + 1), np.int64)
    pos = 0
    for b in range(b_count):
        for f in range(n_fires):
            offsets[b, f] = pos
            pos += counts[b, f]
        offsets[b, n_fires] = pos
    out_cells = np.empty(pos, np.int32)
    out_times = np.empty(pos, np.int32)
    out_hubs = np.empty(pos, np.bool_)
    is_added = np.zeros(n, np.bool_)
    for b in range(b_count):
        for a in range(n_add[b]):
            is_added[added[b, a]] = True
        for f in range(n_fires):
            o, cnt = offsets[b, f], counts[b, f]
            if out_rerun[b, f]:
                s0 = rr_start[b, f]
                out_cells[o:o + cnt] = rr_cells[s0:s0 + cnt]
                out_times[o:o + cnt] = rr_times[s0:s0 + cnt]
                out_hubs[o:o + cnt] = rr_hubs[s0:s0 + cnt]
            elif not trimmed[b, f]:
                lo = p_off[b, f]
                out_cells[o:o + cnt] = p_cells[lo:lo + cnt]
                out_times[o:o + cnt] = p_times[lo:lo + cnt]
                out_hubs[o:o + cnt] = p_hubs[lo:lo + cnt]
            else:
                for j in range(p_off[b, f], p_off[b, f + 1]):
                    c = p_cells[j]
                    if is_added[c]:
                        continue
                    out_cells[o] = c
                    out_times[o] = p_times[j]
                    out_hubs[o] = p_hubs[j]
                    o += 1
        for a in range(n_add[b]):
            is_added[added[b, a]] = False
    return offsets, out_cells, out_times, out_hubs, total


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

        Returns ``(layout-shaped children, offsets [B, N+1], cells, times, hubs, ignition [B, N],
        fires re-run)``; child b's fire f is ``cells[offsets[b, f]:offsets[b, f + 1]]``.
        """
        b, n_f = len(children), self.n_fires
        if records is None:  # full evaluation: the parents are never read
            parents = children
            p_off = np.zeros((b, n_f + 1), np.int64)
            p_cells = np.zeros(0, np.int32)
            p_times = np.zeros(0, self._time_dtype)
            p_hubs = np.zeros(0, np.bool_)
            parent_ign = np.full((b, n_f), -2, np.int64)
        elif any(r.offsets.shape != (n_f + 1,) or r.layout.shape != self.shape for r in records):
            raise ConfigError(f"a parent record does not match this simulator ({n_f} fires on a {self.shape[0]}x"
                              f"{self.shape[1]} grid); make records with this DeltaEvaluator's record()")
        elif b == 1:  # the local-search path: views, no copies
            r = records[0]
            parents, p_off, parent_ign = r.layout.reshape(1, -1), r.offsets[None], r.ignition[None]
            p_cells, p_times, p_hubs = r.cells, r.times, r.hubs
        else:
            parents = np.stack([r.layout.reshape(-1) for r in records])
            base = np.cumsum([0] + [len(r.cells) for r in records[:-1]])
            p_off = np.stack([r.offsets + start for r, start in zip(records, base)])
            p_cells = np.concatenate([r.cells for r in records])
            p_times = np.concatenate([r.times for r in records])
            p_hubs = np.concatenate([r.hubs for r in records])
            parent_ign = np.stack([r.ignition for r in records])
        if self._drawn.size:
            child_ign = np.empty((b, n_f), np.int64)
        elif records is None:
            child_ign = self.simulator.ignitions(children.reshape(-1, *self.shape))
        else:
            child_ign = self._child_ignitions(children, parents, parent_ign)
        rerun = np.empty((b, n_f), np.bool_)
        w, fac, fixed, rates, hros, nrows, nbr, dist = self._args
        offsets, cells, times, hubs, fires = _delta_batch(children, parents, p_off, p_cells, p_times, p_hubs,
                                                          parent_ign, child_ign, self._drawn, records is None, w,
                                                          fac, fixed, rates, hros, nrows, nbr, dist, rerun)
        return (children.reshape(-1, *self.shape), offsets, cells, times.astype(self._time_dtype), hubs, child_ign,
                int(fires))

    def _records(self, run) -> list[FireRecord]:
        layouts, offsets, cells, times, hubs, ign, _ = run
        fitness = self._fitness(np.diff(offsets, axis=1))
        out = []
        for i in range(len(layouts)):  # each record owns its arrays (no view keeps the batch alive)
            lo, hi = offsets[i, 0], offsets[i, -1]
            out.append(FireRecord(layouts[i].copy(), offsets[i] - lo, cells[lo:hi].copy(), times[lo:hi].copy(),
                                  hubs[lo:hi].copy(), ign[i].copy(), float(fitness[i])))
        return out

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
        run = self._run(child.reshape(1, -1), [parent_record])
        counts = np.diff(run[1][0])
        fit = 1.0 - (counts.sum() / self.n_fires) / self.n_cells
        _, offsets, cells, times, hubs, ign, fires = run
        return fit, FireRecord(child.copy(), offsets[0], cells, times, hubs, ign[0], fit), fires

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
