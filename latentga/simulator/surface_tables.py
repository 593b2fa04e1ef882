"""Rate tables of Kitral and Scott & Burgan landscapes, factored so that they stay small.

Why factored: an S&B rate depends only on the fuel code and the weather row's WS and WD, times
a slope factor of the edge's two elevations; so the table is rates per (distinct weather row,
fuel code, direction) plus one factor per edge, a few MB even for Zona_60 (393k cells, 1,000
weather files). Kitral's slope enters the head rate through one neighbour picked by the wind,
so its classes are the cells themselves, per distinct weather row (Kitral instances ship one
weather stream). The kernels read them through :class:`~latentga.simulator.kernel.FactoredRates`.

Bookkeeping that C2F-W does and that the numbers depend on: the weather's WD is read as an
integer plus 180 degrees (``stoi``, then ``fmod(WD + 180, 360)``); the cell side is the raster
header's integer part (``stoi`` of ``cellsize``); elevations go through Data.csv (a float printed
with 6 decimals); a NaN edge rate counts as 1e-4 m/min.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from latentga.simulator.fbp32 import cartesian_head, rho_theta
from latentga.simulator.fuel_models import kitral_fmc, scott_burgan_coefficients
from latentga.simulator.kernel import FactoredRates
from latentga.simulator.landscape import NON_FUEL, Landscape
from latentga.simulator.surface32 import (
    ellipse_ab,
    kitral_head_key,
    kitral_rates,
    kitral_weather,
    sb_rates,
    slope_factor_kitral,
    slope_factor_sb,
)

__all__ = ["build_surface_tables", "c2f_cell_side", "centre_distances"]

# math angle (east 0, counter-clockwise) of each neighbour N, NE, E, SE, S, SW, W, NW
_MATH_ANGLES = np.array([90.0, 45.0, 0.0, 315.0, 270.0, 225.0, 180.0, 135.0])
_DIR_OF_KEY = {int(a): d for d, a in enumerate(_MATH_ANGLES)}


def c2f_cell_side(cell_size: float) -> int:
    """The cell side C2F-W spreads with: ``stoi`` of the header's cellsize (100.02 -> 100)."""
    return int(math.trunc(float(cell_size)))


def centre_distances(side: int) -> np.ndarray:
    """Metres between a cell's centre and each neighbour's (N, NE, E, ... NW) for a cell side."""
    cs = float(side)
    return np.array([cs * (np.sqrt(2.0) if d % 2 else 1.0) for d in range(8)])


def _weather_rows(landscape: Landscape):
    """Per (file, row): C2F-W's float inputs; distinct rows and each row's index among them."""
    nrows = np.array([len(wx) for wx in landscape.weathers], dtype=np.int64)
    max_rows = int(nrows.max())
    cols = len(landscape.weather_columns)
    wx = np.zeros((len(landscape.weathers), max_rows, cols))
    for k, arr in enumerate(landscape.weathers):
        wx[k, : len(arr)] = arr
        wx[k, len(arr):] = arr[-1]  # padding, never read by the kernels
    ws = wx[..., 0].astype(np.float32).astype(np.float64)
    waz = np.fmod(np.trunc(wx[..., 1]) + 180.0, 360.0).astype(np.float32).astype(np.float64)
    extra = [wx[..., c].astype(np.float32).astype(np.float64) for c in range(2, cols)]  # Kitral: TMP, RH
    flat = np.stack([ws, waz, *extra], axis=-1).reshape(-1, 2 + len(extra))
    uniq, inv = np.unique(flat, axis=0, return_inverse=True)
    return nrows, uniq, inv.reshape(ws.shape).astype(np.int32)


def _c2f_elevation(landscape: Landscape) -> np.ndarray:
    """Elevations as C2F-W reads them back from its Data.csv (float printed with 6 decimals)."""
    v = np.asarray(landscape.elevation, dtype=np.float32).ravel()
    if np.all(v == np.round(v)):
        return v.astype(np.float64)
    return np.array([float(np.float32(float("%f" % float(x)))) for x in v])


@njit(cache=True, error_model="numpy")
def _edge_rates(heads, hros, lb, out):
    """``out[u, k, d]``: C2F-W's double rate toward each neighbour from floats HROS and LB [U, K]."""
    for u in range(hros.shape[0]):
        for k in range(hros.shape[1]):
            a, b = ellipse_ab(hros[u, k], lb[u, k])
            for d in range(8):
                out[u, k, d] = rho_theta(_MATH_ANGLES[d], heads[u], a, b)


@njit(cache=True, error_model="numpy")
def _sb_slopes(elev, nbr, side, out):
    for i in range(nbr.shape[0]):
        for d in range(8):
            j = nbr[i, d]
            out[i, d] = 1.0 if j < 0 else slope_factor_sb(elev[i], elev[j], side)


@njit(cache=True, error_model="numpy")
def _kitral_hros(fmc, elev, nbr, d_head, side, fch, fv, out):
    """Kitral HROS of every cell, the slope taken toward direction ``d_head`` (-1: the cell itself)."""
    for i in range(fmc.shape[0]):
        j = nbr[i, d_head] if d_head >= 0 else -1
        se = slope_factor_kitral(elev[i], elev[j] if j >= 0 else elev[i], side)
        out[i] = kitral_rates(fmc[i], fch, fv, se)


def build_surface_tables(landscape: Landscape, nbr: np.ndarray) -> FactoredRates:
    """The factored tables of a Kitral or S&B landscape (``nbr``: neighbour ids [n, 8])."""
    n = nbr.shape[0]
    codes = np.asarray(landscape.fuel_grid, dtype=np.int64).ravel()
    burnable = np.asarray(landscape.fuel_types).ravel() != NON_FUEL
    side = c2f_cell_side(landscape.cell_size)
    elev = _c2f_elevation(landscape)
    nrows, uw, wrow = _weather_rows(landscape)
    heads = np.array([cartesian_head(float(w)) for w in uw[:, 1]])
    if landscape.fuel_model == "scott_burgan":
        coefs = scott_burgan_coefficients()
        used = sorted(set(codes[burnable].tolist()))
        cls = np.zeros(n, np.int32)
        cls[burnable] = np.searchsorted(used, codes[burnable])
        hros = np.zeros((len(uw), max(len(used), 1)), np.float32)
        lb = np.ones_like(hros, dtype=np.float64)
        for u, ws in enumerate(uw[:, 0]):
            for k, code in enumerate(used):
                hros[u, k], lb[u, k] = sb_rates(*coefs[code], ws)
        se = np.ones((n, 8), np.float32)
        _sb_slopes(elev, nbr, side, se)
        hign = hros
    else:  # kitral
        fmc_of = kitral_fmc()
        fmc = np.array([fmc_of.get(int(c), 0.0) if b else 0.0 for c, b in zip(codes, burnable)])
        cls = np.arange(n, dtype=np.int32)
        hros = np.zeros((len(uw), n), np.float32)
        hign = np.zeros_like(hros)
        lb = np.ones((len(uw), n))
        tmp_h = np.zeros(n)
        for u, (ws, waz, tmp, rh) in enumerate(uw):
            fch, fv, lbu = kitral_weather(ws, tmp, rh)
            lb[u] = lbu
            for spreading, out in ((True, hros), (False, hign)):
                d = _DIR_OF_KEY.get(kitral_head_key(waz, spreading), -1)
                _kitral_hros(fmc, elev, nbr, d, side, fch, fv, tmp_h)
                out[u] = tmp_h
        se = np.ones((0, 8), np.float32)  # Kitral's slope is in the head rate
    rho = np.zeros((len(uw), hros.shape[1], 8))
    _edge_rates(heads, hros.astype(np.float64), lb, rho)
    rate32 = np.where(np.isnan(rho), np.float32(1e-4), rho).astype(np.float32)
    fail = np.zeros((0, 0, 0), np.int16)
    if wrow.size * hros.shape[1] * 2 <= FAIL_TABLE_LIMIT_BYTES:
        fail = np.zeros(wrow.shape + (hros.shape[1],), np.int16)
        _fail_rows(wrow, nrows, hros, fail)
    run_end = np.zeros(wrow.shape, np.int32)
    _run_ends(wrow, nrows, run_end)
    steps = np.zeros((0, 0, 8), np.int32)
    if len(uw) * n * 8 * 4 <= STEPS_TABLE_LIMIT_BYTES:
        steps = np.zeros((len(uw), n, 8), np.int32)
        _edge_steps(rate32, cls, se, centre_distances(side), steps)
    return FactoredRates(wrow=wrow, cls=cls, rho=rho, rate32=rate32, se=se, hros=hros, hign=hign, fail=fail,
                         run_end=run_end, steps=steps), nrows


FAIL_TABLE_LIMIT_BYTES = 64 * 2**20  # above it the kernels scan the rows instead
STEPS_TABLE_LIMIT_BYTES = 64 * 2**20  # above it the kernels divide per edge instead (Zona_60)


@njit(cache=True)
def _run_ends(wrow, nrows, out):
    """``out[w, r]``: last period of the run of rows from r on with row r's rates (60 * nrows[w] if
    it reaches the last row): an edge's metres are ``k x rate`` over the whole run."""
    for w in range(wrow.shape[0]):
        nr = nrows[w]
        last = 60 * nr
        for r in range(nr - 1, -1, -1):
            if r < nr - 1 and wrow[w, r + 1] != wrow[w, r]:
                last = 60 * (r + 1)
            out[w, r] = last


@njit(cache=True)
def _edge_steps(rate32, cls, se, dist, out):
    """``out[u, i, d]``: the fewest periods k >= 1 with ``k x rate >= dist[d]`` (in doubles, as the
    kernels test it) for edge (i, d) at distinct weather row u; 1 << 30 when the rate is not > 0.
    The rate is a float, so ``k x rate`` is exact and this is also the count over several rows
    with the same rate."""
    has_se = se.shape[0] > 0
    for u in range(out.shape[0]):
        for i in range(out.shape[1]):
            for d in range(8):
                x = np.float64(rate32[u, cls[i], d])
                if has_se:
                    x = np.float64(np.float32(x * np.float64(se[i, d])))
                target = dist[d]
                if not x > 0.0 or target / x >= 1 << 29:
                    out[u, i, d] = 1 << 30
                    continue
                k = max(int(np.ceil(target / x)), 1)
                while k > 1 and (k - 1) * x >= target:
                    k -= 1
                while k * x < target:
                    k += 1
                out[u, i, d] = k


@njit(cache=True)
def _fail_rows(wrow, nrows, hros, fail):
    """``fail[w, r, k]``: first row >= r of weather w in which class k's head rate is <= 0.1 m/min."""
    thr = np.float32(0.1)
    for w in range(wrow.shape[0]):
        for k in range(hros.shape[1]):
            nxt = nrows[w]
            for r in range(nrows[w] - 1, -1, -1):
                if hros[wrow[w, r], k] <= thr:
                    nxt = r
                fail[w, r, k] = nxt
