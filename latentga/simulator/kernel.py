"""Numba kernels of the fire spread, in Cell2Fire's (C2F-W) exact bookkeeping.

Two kernels give the same burned cells:

* :func:`spread_periods` steps minute by minute exactly as C2F-W does (per-edge running
  totals, one weather row per hour with C2F-W's ``ceil(p/60) - 1`` schedule). It is the
  readable reference.
* :func:`spread_events` is the fast one. With the rates of every edge known per weather row,
  the period an edge's running total first reaches the centre distance can be computed
  directly (C2F-W adds float32 rates into a double: with ROS-CV = 0 the sums are exact, so
  ``total + k * rate`` is the running total after ``k`` more periods). The fire is then a
  shortest-path search over integer periods (a cell's key = the period it starts spreading),
  done with a bucket queue. Where ROS-CV rounding could matter (a total within 1e-9 m of the
  distance) it re-sums period by period as C2F-W does.

Tables (built by :mod:`latentga.simulator.tables`): ``rates[w, cell, dir, row]`` float32 edge
rates, ``hros[w, cell, row]`` float32 head rates, ``nrows[w]``, ``nbr[cell, dir]`` neighbour
ids (-1 off the grid), ``dist[dir]`` centre distances. Kitral and Scott & Burgan landscapes pass
a :class:`FactoredRates` as both ``rates`` and ``hros`` instead (rates per distinct weather row
and fuel class, times a per-edge slope factor): a 400,000-cell landscape with 1,000 weather files
would need hundreds of GB as dense tables. The kernels read both kinds through
:func:`edge_increment`, :func:`hros_spread` and :func:`hros_ignite`, compiled per kind; fires
without ROS-CV on them run a specialisation of the same search (:func:`spread_fire` picks it).

Without ROS-CV an edge's metres after k periods at one rate are exactly ``k x rate`` (a float
times an integer fits a double), so the factored specialisation looks up the fewest such k per
(distinct weather row, cell, direction) in ``FactoredRates.steps`` over the run of equal weather
rows (``FactoredRates.run_end``) instead of dividing per edge.

Both search an edge only as far as it can matter: an arrival at or after the period the target
cell is already reached by cannot change anything, so it is not computed (most edges a burning
cell tries are of that kind).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numba.core import types as nb_types
from numba.extending import overload

__all__ = ["edge_rate", "spread_periods", "spread_events", "spread_fire", "simulate_batch", "kernel_scratch", "weather_row",
           "ROS_THRESHOLD", "NO_KEY", "FactoredRates", "edge_increment", "hros_spread", "hros_ignite"]

# m/min: at or below it a cell neither spreads nor ignites (C2F-W's default, a float 0.1)
ROS_THRESHOLD = float(np.float32(0.1))
NO_KEY = np.int32(1 << 30)


@njit(cache=True, inline="always")
def weather_row(p, nrows):
    """C2F-W's weather row for period p: max(0, ceil(p/60) - 1), capped at the last row."""
    r = (p - 1) // 60 if p > 0 else 0
    return r if r < nrows else nrows - 1


@njit(cache=True, inline="always")
def edge_rate(factor, rate):
    """What C2F-W adds to an edge's progress per period: the float ``factor x rate``.

    ``rates`` tables are float32 when every factor is 1 (then this is the table value) and
    the double rates C2F-W scales otherwise (``FireSimulator`` passes ``tables.rates64``)."""
    if factor == 1.0:
        return np.float64(np.float32(rate))  # no multiply: the common case, kept cheap
    return np.float64(np.float32(factor * np.float64(rate)))


class FactoredRates(NamedTuple):
    """Edge and head rates of a Kitral / S&B landscape, factored (see the module docstring).

    The edge (cell i, direction d) in weather file w, row r adds, per period,
    ``float(float(factor x rho[u, k, d]) x se[i, d])`` metres with ``u = wrow[w, r]`` and
    ``k = cls[i]`` (a NaN rate counts as 1e-4 m/min, as in C2F-W); ``rate32`` holds
    ``float(rho)`` (NaN replaced) for the common factor 1. ``se`` has 0 rows where the model
    has no per-edge slope factor (Kitral).
    """

    wrow: np.ndarray  # int32 [W, R]: distinct weather row of each file's row
    cls: np.ndarray  # int32 [n]: rate class of each cell (S&B: its fuel code's index; Kitral: the cell)
    rho: np.ndarray  # float64 [U, K, 8]: C2F-W's double ellipse rate toward each neighbour
    rate32: np.ndarray  # float32 [U, K, 8]: float(rho), 1e-4 where rho is NaN
    se: np.ndarray  # float32 [n, 8] (or [0, 8]): per-edge slope factor
    hros: np.ndarray  # float32 [U, K]: head rate, the "keeps spreading" test
    hign: np.ndarray  # float32 [U, K]: head rate, the "can ignite" test (Kitral: another slope neighbour)
    fail: np.ndarray  # int16 [W, R, K] (or [0, 0, 0]): first row >= r whose head rate fails (nrows[w]: none)
    run_end: np.ndarray  # int32 [W, R]: last period of the run of rows from r on with row r's rates
    steps: np.ndarray  # int32 [U, n, 8] (or [0, 0, 8]): periods edge (i, d) takes at rate row u (factor 1)


_NAN_RATE = float(np.float32(1e-4))


def edge_increment(rates, factor, w, i, d, r):
    """Metres edge (i, d) adds in one period of row r of weather w (compiled per table kind)."""
    raise NotImplementedError("edge_increment is called from compiled kernels only")


def hros_spread(hros, w, i, r):
    """Head rate of burning cell i in row r of weather w, for the "keeps spreading" test."""
    raise NotImplementedError("hros_spread is called from compiled kernels only")


def hros_ignite(hros, w, i, r):
    """Head rate of cell i in row r of weather w, for the "can ignite" test."""
    raise NotImplementedError("hros_ignite is called from compiled kernels only")


@overload(edge_increment, inline="always")
def _edge_increment(rates, factor, w, i, d, r):
    if isinstance(rates, nb_types.Array):
        return lambda rates, factor, w, i, d, r: edge_rate(factor, rates[w, i, d, r])

    def factored(rates, factor, w, i, d, r):
        if factor == 1.0:
            v = np.float64(rates.rate32[rates.wrow[w, r], rates.cls[i], d])
        else:
            v = np.float64(np.float32(factor * rates.rho[rates.wrow[w, r], rates.cls[i], d]))
            if v != v:
                v = _NAN_RATE
        if rates.se.shape[0] == 0:
            return v
        return np.float64(np.float32(v * np.float64(rates.se[i, d])))
    return factored


def stop_period(hros, w, i, t, r0, nr, max_p, factor):
    """First period, from period t (in row r0), at which burning cell i stops spreading (max_p: never)."""
    raise NotImplementedError("stop_period is called from compiled kernels only")


@njit(cache=True, inline="always")
def _scan_stop(hros, w, i, t, r0, nr, max_p, factor):
    for r in range(r0, nr):
        if hros_spread(hros, w, i, r) * factor <= ROS_THRESHOLD:
            return t if r == r0 else 60 * r + 1
    return max_p


@overload(stop_period, inline="always")
def _stop_period(hros, w, i, t, r0, nr, max_p, factor):
    if isinstance(hros, nb_types.Array):
        return lambda hros, w, i, t, r0, nr, max_p, factor: _scan_stop(hros, w, i, t, r0, nr, max_p, factor)

    def table(hros, w, i, t, r0, nr, max_p, factor):
        if factor != 1.0 or hros.fail.shape[0] == 0:
            return _scan_stop(hros, w, i, t, r0, nr, max_p, factor)
        r = hros.fail[w, r0, hros.cls[i]]
        if r >= nr:
            return max_p
        return t if r == r0 else 60 * r + 1
    return table


@overload(hros_spread, inline="always")
def _hros_spread(hros, w, i, r):
    if isinstance(hros, nb_types.Array):
        return lambda hros, w, i, r: hros[w, i, r]
    return lambda hros, w, i, r: hros.hros[hros.wrow[w, r], hros.cls[i]]


@overload(hros_ignite, inline="always")
def _hros_ignite(hros, w, i, r):
    if isinstance(hros, nb_types.Array):
        return lambda hros, w, i, r: hros[w, i, r]
    return lambda hros, w, i, r: hros.hign[hros.wrow[w, r], hros.cls[i]]


@njit(cache=True)
def spread_periods(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, burned_out):
    """Reference kernel: minute-by-minute stepping. Fills ``burned_out`` (bool[n_cells])."""
    n = nbr.shape[0]
    nr = nrows[w]
    max_p = 60 * nr
    burned_out[:] = False
    if ign < 0 or blocked[ign]:
        return 0
    progress = np.zeros((n, 8))
    active = np.zeros(n, np.bool_)
    received = np.zeros(n, np.bool_)
    burned_out[ign] = True
    active[ign] = True
    act_list = np.empty(n, np.int64)
    new_list = np.empty(n, np.int64)
    recv_list = np.empty(n, np.int64)
    n_act = 1
    act_list[0] = ign
    count = 1
    for p in range(max_p):
        r = weather_row(p, nr)
        n_recv = 0
        n_keep = 0
        for a in range(n_act):
            i = act_list[a]
            if hros_spread(hros, w, i, r) * factor <= ROS_THRESHOLD:
                active[i] = False
                continue
            any_target = False
            for d in range(8):
                j = nbr[i, d]
                if j < 0 or blocked[j] or burned_out[j]:
                    continue
                any_target = True
                progress[i, d] += edge_increment(rates, factor, w, i, d, r)
                if progress[i, d] >= dist[d] and not received[j]:
                    received[j] = True
                    recv_list[n_recv] = j
                    n_recv += 1
            if any_target:
                act_list[n_keep] = i
                n_keep += 1
            else:
                active[i] = False
        n_act = n_keep
        n_new = 0
        for k in range(n_recv):
            j = recv_list[k]
            received[j] = False
            if hros_ignite(hros, w, j, r) > ROS_THRESHOLD:
                burned_out[j] = True
                new_list[n_new] = j
                n_new += 1
        for k in range(n_new):
            act_list[n_act] = new_list[k]
            active[new_list[k]] = True
            n_act += 1
        count += n_new
        if n_act == 0:
            break
    return count


@njit(cache=True, inline="always")
def _arrival(w, i, d, s, stop, factor, rates, nr, target):
    """First period p in [s, stop) at which edge (i, d), spreading from period s, has
    accumulated ``target`` metres; ``stop`` if never."""
    total = 0.0
    q = s
    while q < stop:
        r = weather_row(q, nr)
        seg_end = 60 * (r + 1) if r < nr - 1 else stop - 1
        if seg_end > stop - 1:
            seg_end = stop - 1
        n = seg_end - q + 1
        x = edge_increment(rates, factor, w, i, d, r)
        if x > 0.0:
            need = target - total
            if total + n * x >= target:
                k = int(np.ceil(need / x))
                if k < 1:
                    k = 1
                if k > n:
                    k = n
                while k > 1 and total + (k - 1) * x >= target:
                    k -= 1
                while k < n and total + k * x < target:
                    k += 1
                if factor != 1.0:
                    # Rounding of C2F-W's sequential double sums could decide a near tie:
                    # redo this edge exactly as C2F-W adds it.
                    e1 = total + k * x - target
                    e0 = total + (k - 1) * x - target
                    if abs(e1) < 1e-9 or abs(e0) < 1e-9:
                        return _arrival_sequential(w, i, d, s, stop, factor, rates, nr, target)
                return q + k - 1
            total += n * x
        q = seg_end + 1
    return stop


@njit(cache=True)
def _arrival_sequential(w, i, d, s, stop, factor, rates, nr, target):
    total = 0.0
    for q in range(s, stop):
        total += edge_increment(rates, factor, w, i, d, weather_row(q, nr))
        if total >= target:
            return q
    return stop


@njit(cache=True)
def spread_events(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, key, parent,
                  heads, nxt, node_cell, order):
    """Fast exact kernel. ``key[c]`` gets the period cell c starts spreading (burned iff
    < NO_KEY), ``parent[c]`` the cell that set it alight (-1 for the ignition), ``order``
    the burned cells in the order they were settled. Returns the number of burned cells.

    ``heads`` (int32[max_p + 2]), ``nxt`` and ``node_cell`` (int32[8 n + 2]) are scratch.
    """
    key[:] = NO_KEY
    return spread_fire(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, key, parent, heads, nxt, node_cell, order)


# No reference counting in the hot kernel (it allocates nothing): with it, every edge increfs and
# decrefs each array of a FactoredRates argument (atomic operations), which halves the speed.
@njit(cache=True, _nrt=False)
def _spread(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, key, parent, heads, nxt, node_cell, order):
    """:func:`spread_events` on a ``key`` that is already NO_KEY everywhere (on return it is
    NO_KEY except on the burned cells ``order[:count]``)."""
    nr = nrows[w]
    max_p = 60 * nr
    if ign < 0 or blocked[ign]:
        return 0
    heads[: max_p + 1] = -1
    n_nodes = 0
    key[ign] = 0
    parent[ign] = -1
    node_cell[0] = ign
    nxt[0] = -1
    heads[0] = 0
    n_nodes = 1
    count = 0
    for t in range(max_p + 1):
        node = heads[t]
        while node >= 0:
            i = node_cell[node]
            node = nxt[node]
            if key[i] != t or blocked[i]:  # stale entry, or already settled
                continue
            blocked[i] = True  # settled: no edge may enter it again (restored by the caller)
            order[count] = i
            count += 1
            if t >= max_p:
                continue
            # the cell stops spreading for good at the first period its head rate fails
            stop = stop_period(hros, w, i, t, weather_row(t, nr), nr, max_p, factor)
            if stop <= t:
                continue
            for d in range(8):
                j = nbr[i, d]
                if j < 0 or blocked[j]:
                    continue
                # only an arrival before period key[j] - 1 can improve j's key (the ignition
                # test below only delays it): search no further, and skip j when key[j] <= t + 1
                cap = key[j] - 1
                if cap > stop:
                    cap = stop
                if cap <= t:
                    continue
                p = _arrival(w, i, d, t, cap, factor, rates, nr, dist[d])
                if p >= cap:
                    continue
                # the target ignites at the first period (from arrival on, while the source
                # still spreads) in which its own head rate exceeds the threshold
                while p < cap and not hros_ignite(hros, w, j, weather_row(p, nr)) > ROS_THRESHOLD:
                    p += 1
                if p >= cap:
                    continue
                nk = p + 1  # < key[j], as p < cap <= key[j] - 1
                key[j] = nk
                parent[j] = i
                node_cell[n_nodes] = j
                nxt[n_nodes] = heads[nk]
                heads[nk] = n_nodes
                n_nodes += 1
    return count


def spread_fire(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, key, parent, heads, nxt, node_cell, order):
    """:func:`_spread`, or its factored-table specialisation when it applies (compiled per table kind)."""
    raise NotImplementedError("spread_fire is called from compiled kernels only")


@overload(spread_fire, inline="always")
def _spread_fire(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, key, parent, heads, nxt, node_cell, order):
    if isinstance(rates, nb_types.Array):
        def dense(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, key, parent, heads, nxt, node_cell, order):
            return _spread(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, key, parent, heads, nxt, node_cell,
                           order)
        return dense

    def factored(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, key, parent, heads, nxt, node_cell, order):
        if factor == 1.0 and rates.fail.shape[0] > 0:
            return _spread_factored(w, ign, blocked, rates, nrows, nbr, dist, key, parent, heads, nxt, node_cell, order)
        return _spread(w, factor, ign, blocked, rates, hros, nrows, nbr, dist, key, parent, heads, nxt, node_cell, order)
    return factored


@njit(cache=True, inline="always")
def _arrival_later(w, i, d, k, q, cap, total, target, nr, wrow, rate32, se, has_se):
    """_arrival's later segments (from period q, ``total`` metres so far) for _spread_factored, row
    by row as _arrival adds them; ``cap`` if the edge does not arrive before it."""
    while q < cap:
        r = weather_row(q, nr)
        e = 60 * (r + 1) if r < nr - 1 else cap - 1
        if e > cap - 1:
            e = cap - 1
        m = e - q + 1
        x = np.float64(rate32[wrow[w, r], k, d])
        if has_se:
            x = np.float64(np.float32(x * np.float64(se[i, d])))
        if x > 0.0:
            if total + m * x >= target:
                kk = int(np.ceil((target - total) / x))
                if kk < 1:
                    kk = 1
                if kk > m:
                    kk = m
                while kk > 1 and total + (kk - 1) * x >= target:
                    kk -= 1
                while kk < m and total + kk * x < target:
                    kk += 1
                return q + kk - 1
            total += m * x
        q = e + 1
    return cap


# _spread for Kitral / S&B tables without ROS-CV (the common case), with what is fixed per burning
# cell read once: its rate class, the weather row's index, the stop period; the first row's part
# of each edge's arrival inlined (most arrivals fall in it). The numbers are _spread's exactly:
# the same float operations in the same order (tests/test_golden*, check_golden.py).
@njit(cache=True, _nrt=False)
def _spread_factored(w, ign, blocked, rates, nrows, nbr, dist, key, parent, heads, nxt, node_cell, order):
    nr = nrows[w]
    max_p = 60 * nr
    if ign < 0 or blocked[ign]:
        return 0
    wrow, cls, rate32, se, hign, fail = rates.wrow, rates.cls, rates.rate32, rates.se, rates.hign, rates.fail
    run_end, steps = rates.run_end, rates.steps
    has_se = se.shape[0] > 0
    has_steps = steps.shape[0] > 0
    heads[: max_p + 1] = -1
    key[ign] = 0
    parent[ign] = -1
    node_cell[0] = ign
    nxt[0] = -1
    heads[0] = 0
    n_nodes = 1
    count = 0
    for t in range(max_p + 1):
        node = heads[t]
        while node >= 0:
            i = node_cell[node]
            node = nxt[node]
            if key[i] != t or blocked[i]:  # stale entry, or already settled
                continue
            blocked[i] = True
            order[count] = i
            count += 1
            if t >= max_p:
                continue
            r0 = weather_row(t, nr)
            k = cls[i]
            rf = fail[w, r0, k]
            if rf >= nr:
                stop = max_p
            elif rf == r0:
                continue
            else:
                stop = 60 * rf + 1
            u0 = wrow[w, r0]
            end0 = run_end[w, r0]  # last period with row r0's rates (or beyond the cap)
            for d in range(8):
                j = nbr[i, d]
                if j < 0 or blocked[j]:
                    continue
                cap = key[j] - 1  # as in _spread: only an arrival before it can improve key[j]
                if cap > stop:
                    cap = stop
                if cap <= t:
                    continue
                target = dist[d]
                seg_end = end0 if end0 < cap - 1 else cap - 1
                n = seg_end - t + 1
                p = cap
                # Over the first run of rows with equal rates, the metres after kk periods are kk x
                # (x a float, kk < 2**29: exact, as are _arrival's row-by-row sums of it), so the
                # arrival is the first kk with kk x >= target; later rows go row by row.
                if has_steps:
                    kk = steps[u0, i, d]
                    if kk <= n:
                        p = t + kk - 1
                    elif seg_end + 1 < cap:
                        x = np.float64(rate32[u0, k, d])
                        if has_se:
                            x = np.float64(np.float32(x * np.float64(se[i, d])))
                        p = _arrival_later(w, i, d, k, seg_end + 1, cap, n * x if x > 0.0 else 0.0, target,
                                           nr, wrow, rate32, se, has_se)
                else:
                    x = np.float64(rate32[u0, k, d])
                    if has_se:
                        x = np.float64(np.float32(x * np.float64(se[i, d])))
                    if x > 0.0 and n * x >= target:  # arrives within the run: _arrival's first segment
                        kk = int(np.ceil(target / x))
                        if kk < 1:
                            kk = 1
                        if kk > n:
                            kk = n
                        while kk > 1 and (kk - 1) * x >= target:
                            kk -= 1
                        while kk < n and kk * x < target:
                            kk += 1
                        p = t + kk - 1
                    elif seg_end + 1 < cap:
                        p = _arrival_later(w, i, d, k, seg_end + 1, cap, n * x if x > 0.0 else 0.0, target,
                                           nr, wrow, rate32, se, has_se)
                if p >= cap:
                    continue
                kj = cls[j]
                # the ignition test: within the run, p's weather row has rates u0
                if not (p <= end0 and hign[u0, kj] > ROS_THRESHOLD):
                    while p < cap and not hign[wrow[w, weather_row(p, nr)], kj] > ROS_THRESHOLD:
                        p += 1
                    if p >= cap:
                        continue
                nk = p + 1
                key[j] = nk
                parent[j] = i
                node_cell[n_nodes] = j
                nxt[n_nodes] = heads[nk]
                heads[nk] = n_nodes
                n_nodes += 1
    return count


@njit(cache=True)
def kernel_scratch(n, weather, nrows):
    """Work arrays of :func:`spread_events` for a batch of fires on ``n`` cells, allocated once
    per batch (the bucket queue is sized for the batch's longest weather)."""
    max_rows = 1
    for f in range(weather.shape[0]):
        if nrows[weather[f]] > max_rows:
            max_rows = nrows[weather[f]]
    blocked = np.empty(n, np.bool_)
    key = np.empty(n, np.int32)
    parent = np.empty(n, np.int32)
    order = np.empty(n, np.int32)
    heads = np.empty(60 * max_rows + 2, np.int32)
    nxt = np.empty(8 * n + 2, np.int32)
    node_cell = np.empty(8 * n + 2, np.int32)
    return blocked, key, parent, order, heads, nxt, node_cell


@njit(cache=True)
def simulate_batch(layouts, weather, factor, ignition, fixed_blocked, rates, hros, nrows, nbr, dist,
                   want_masks, out_counts, out_masks, out_parents, out_burn, out_subtree):
    """Run every fire on every layout. ``layouts`` bool[B, n]; per-fire ``weather``,
    ``factor``; ``ignition[B, N]`` (-1 = no fire). Fills ``out_counts[B, N]`` and, when
    ``want_masks``, ``out_masks[B, N, n]`` (and ``out_parents`` if it has that shape).

    Per-layout sums over the fires, without any per-fire array of every cell (what burn
    probability and DPV need on large grids), when the arrays have the shape ``[B, n]``
    (pass ``[0, 0]`` to skip): ``out_burn[b, c]`` += 1 for each fire that burns c, and
    ``out_subtree[b, c]`` += the size of c's subtree in each fire's spread tree (c plus every
    cell it set alight, directly or not). A cell settles strictly after the cell that set it
    alight, so one backward pass over the settling order gives every subtree size."""
    b_count = layouts.shape[0]
    n_fires = weather.shape[0]
    n = nbr.shape[0]
    blocked, key, parent, order, heads, nxt, node_cell = kernel_scratch(n, weather, nrows)
    keep_parents = out_parents.shape[0] == b_count
    add_burn = out_burn.shape[0] == b_count and out_burn.shape[1] == n
    add_subtree = out_subtree.shape[0] == b_count and out_subtree.shape[1] == n
    size = np.zeros(n if add_subtree else 0, np.int64)
    # Only what a fire touched is reset after it (its burned cells' keys and blocked flags; the
    # firebreaks when the layout changes): a fire on a large grid burns a small part of it.
    n_fb = np.zeros(b_count + 1, np.int64)
    for b in range(b_count):
        n_fb[b + 1] = n_fb[b]
        for c in range(n):
            if layouts[b, c] and not fixed_blocked[c]:
                n_fb[b + 1] += 1
    fb_cells = np.empty(n_fb[b_count], np.int64)
    for b in range(b_count):
        k = n_fb[b]
        for c in range(n):
            if layouts[b, c] and not fixed_blocked[c]:
                fb_cells[k] = c
                k += 1
    for c in range(n):
        blocked[c] = fixed_blocked[c]
        key[c] = NO_KEY
    current = -1
    # fires outer, layouts inner: one weather file's rates stay in cache across the layouts
    for f in range(n_fires):
        for b in range(b_count):
            if b != current:
                if current >= 0:
                    for k in range(n_fb[current], n_fb[current + 1]):
                        blocked[fb_cells[k]] = False
                for k in range(n_fb[b], n_fb[b + 1]):
                    blocked[fb_cells[k]] = True
                current = b
            cnt = spread_fire(weather[f], factor[f], ignition[b, f], blocked, rates, hros, nrows, nbr, dist,
                          key, parent, heads, nxt, node_cell, order)
            for k in range(cnt):  # settled cells were marked blocked; burned cells are never firebreaks
                blocked[order[k]] = False
                key[order[k]] = NO_KEY
            out_counts[b, f] = cnt
            if add_burn:
                for k in range(cnt):
                    out_burn[b, order[k]] += 1
            if add_subtree:
                for k in range(cnt - 1, -1, -1):
                    c = order[k]
                    size[c] += 1
                    out_subtree[b, c] += size[c]
                    if parent[c] >= 0:
                        size[parent[c]] += size[c]
                    size[c] = 0
            if want_masks:
                for c in range(n):
                    out_masks[b, f, c] = False
                for k in range(cnt):
                    out_masks[b, f, order[k]] = True
                if keep_parents:
                    for c in range(n):
                        out_parents[b, f, c] = -2
                    for k in range(cnt):
                        out_parents[b, f, order[k]] = parent[order[k]]
    return out_counts
