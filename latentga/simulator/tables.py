"""Per-landscape rate tables: every edge's rate for every weather row, built once.

The kernel only looks numbers up; all the FBP arithmetic happens here, in C2F-W's own float
precision (:mod:`latentga.simulator.fbp32`), once per distinct (weather row, cell inputs).
Tables are cached per landscape fingerprint so that building a second :class:`~latentga.simulator.FireSimulator` on the same landscape (or unpickling one in
a worker) costs a dictionary lookup.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from latentga.errors import LandscapeError
from latentga.simulator.fbp import resolve_fuel_type
from latentga.simulator.fbp32 import cartesian_head, fuel_kind, head_flank, rho_theta
from latentga.simulator.landscape import NON_FUEL, Landscape

__all__ = ["RateTables", "rate_tables", "neighbours"]

# (d_row, d_col) toward N, NE, E, SE, S, SW, W, NW: the order of fbp.NEIGHBOUR_BEARINGS.
_OFFSETS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


class RateTables(NamedTuple):
    rates: np.ndarray  # float32 [n_weathers, n_cells, 8, max_rows]: C2F-W's edge rates, stored as float
    # (Kitral / S&B landscapes: rates, hros and rates64 are one kernel.FactoredRates)
    hros: np.ndarray  # float32 [n_weathers, n_cells, max_rows]
    nrows: np.ndarray  # int64 [n_weathers]
    nbr: np.ndarray  # int32 [n_cells, 8] (-1 = off the grid)
    dist: np.ndarray  # float64 [8] centre distances (m)
    burnable: np.ndarray  # bool [n_cells]
    rates64: np.ndarray  # float64, like ``rates``: the double rates C2F-W scales by its ROS-CV factor


def neighbours(shape: tuple[int, int]) -> np.ndarray:
    """Neighbour ids ``[n, 8]`` (-1 off the grid), int32: half the cache lines of int64 in the kernels."""
    h, w = shape
    rows, cols = np.divmod(np.arange(h * w), w)
    out = np.full((h * w, 8), -1, dtype=np.int32)
    for d, (dr, dc) in enumerate(_OFFSETS):
        r, c = rows + dr, cols + dc
        ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        out[ok, d] = r[ok] * w + c[ok]
    return out


def _as_c2f_data_csv(values) -> np.ndarray:
    """A raster as C2F-W reads it back from its Data.csv: float, printed with 6 decimals, float."""
    v = np.asarray(values, dtype=np.float32).ravel()
    if np.all(v == np.round(v)):
        return v.astype(np.float64)
    return np.array([float(np.float32(float("%f" % float(x)))) for x in v])


def _weather_inputs(wx: np.ndarray):
    """WS, FFMC, BUI as C2F-W's floats and WD as its integer (``stoi``, 360 folded to 0)."""
    ws, ffmc, bui = (wx[..., i].astype(np.float32).astype(np.float64) for i in (0, 2, 3))
    waz = np.trunc(wx[..., 1]).astype(np.int64)
    waz = np.where(waz >= 360, waz - 360, waz)
    return ws, waz, ffmc, bui


@njit(cache=True, error_model="numpy")
def _rates_kernel(cell_par, cell_int, w_par, w_int, hros_out, fros_out):
    """HROS/FROS for every (unique weather row, unique cell) pair."""
    for i in range(w_par.shape[0]):
        for j in range(cell_par.shape[0]):
            h, f = head_flank(cell_int[j, 0], cell_par[j, 0], cell_par[j, 1], cell_par[j, 2], cell_par[j, 3],
                              cell_par[j, 4], cell_par[j, 5], cell_par[j, 6], cell_par[j, 7], cell_int[j, 1],
                              cell_int[j, 2], cell_par[j, 8], cell_par[j, 9], cell_par[j, 10],
                              w_par[i, 0], w_int[i], w_par[i, 1], w_par[i, 2])
            hros_out[i, j] = h
            fros_out[i, j] = f


@njit(cache=True, error_model="numpy")
def _edge_kernel(hros, fros, waz, out):
    """Double edge rates ``out[w, cell, dir, row]`` from float HROS/FROS ``[w, row, cell]``."""
    for w in range(hros.shape[0]):
        for r in range(hros.shape[1]):
            head = cartesian_head(np.float64(waz[w, r]))
            for c in range(hros.shape[2]):
                a = np.float64(hros[w, r, c])
                b = np.float64(fros[w, r, c])
                for d in range(8):
                    x = rho_theta(_MATH_ANGLES[d], head, a, b)
                    out[w, c, d, r] = 1e-4 if np.isnan(x) else x  # C2F-W's guard against a NaN rate


# math angle (east 0, counter-clockwise) of each neighbour N, NE, E, SE, S, SW, W, NW
_MATH_ANGLES = np.array([90.0, 45.0, 0.0, 315.0, 270.0, 225.0, 180.0, 135.0])


def _cell_inputs(landscape: Landscape, types: np.ndarray, fuels: dict):
    """Per-cell float and integer inputs of :func:`~latentga.simulator.fbp32.head_flank`."""
    n = types.size
    par = np.zeros((n, 11))
    ints = np.zeros((n, 3), np.int64)
    for name, fuel in fuels.items():
        cells = types == name
        kind, green = fuel_kind(fuel)
        coefs = [float(np.float32(v)) for v in (fuel.a, fuel.b, fuel.c, fuel.q, fuel.bui0, getattr(fuel, "cbh", 0.0),
                                               green)]
        par[cells, :7] = coefs
        ints[cells, 0] = kind
    par[:, 7] = np.asarray(landscape.curing_input(), dtype=np.float32).ravel()
    par[:, 8] = _as_c2f_data_csv(landscape.elevation)
    par[:, 9] = _as_c2f_data_csv(landscape.slope)
    par[:, 10] = _as_c2f_data_csv(landscape.aspect)
    return par, ints  # ints[:, 1:] = PC, PDF: 0, as C2F-W's Data.csv leaves them


def _build(landscape: Landscape) -> RateTables:
    if landscape.fuel_model != "fbp":
        return _build_surface(landscape)
    h, w = landscape.shape
    n = h * w
    types = np.asarray(landscape.fuel_types).ravel()
    fuels = {}
    for name in sorted(set(types.tolist()) - {NON_FUEL}):
        try:
            fuels[name] = resolve_fuel_type(name)
        except LandscapeError as exc:
            raise LandscapeError(f"landscape {landscape.name}: {exc}") from None
    nrows = np.array([len(wx) for wx in landscape.weathers], dtype=np.int64)
    if nrows.min() < 1:
        raise LandscapeError(f"landscape {landscape.name}: a weather file has no rows")
    max_rows = int(nrows.max())
    wx = np.zeros((len(landscape.weathers), max_rows, 4))
    for k, arr in enumerate(landscape.weathers):
        wx[k, : len(arr)] = arr
        wx[k, len(arr):] = arr[-1]  # padding, never read by the kernels
    ws, waz, ffmc, bui = _weather_inputs(wx)  # [W, R]
    par, ints = _cell_inputs(landscape, types, fuels)
    burnable = types != NON_FUEL
    # Many cells share their inputs and many weather rows repeat: compute each distinct pair once.
    ucell, cell_inv = np.unique(np.c_[par, ints][burnable], axis=0, return_inverse=True)
    wrows = np.c_[ws.ravel(), ffmc.ravel(), bui.ravel(), waz.ravel()]
    uw, w_inv = np.unique(wrows, axis=0, return_inverse=True)
    hu = np.zeros((len(uw), len(ucell)), np.float32)
    fu = np.zeros_like(hu)
    if len(ucell):
        _rates_kernel(np.ascontiguousarray(ucell[:, :11]), np.ascontiguousarray(ucell[:, 11:]).astype(np.int64),
                      np.ascontiguousarray(uw[:, :3]), uw[:, 3].astype(np.int64), hu, fu)
    hros = np.zeros((len(wx), max_rows, n), np.float32)
    fros = np.zeros_like(hros)
    idx = np.flatnonzero(burnable)
    hros[:, :, idx] = hu[w_inv.ravel()][:, cell_inv.ravel()].reshape(len(wx), max_rows, -1)
    fros[:, :, idx] = fu[w_inv.ravel()][:, cell_inv.ravel()].reshape(len(wx), max_rows, -1)
    rates64 = np.zeros((len(wx), n, 8, max_rows))
    _edge_kernel(hros, fros, waz, rates64)
    rates64[:, ~burnable] = 0.0
    cs = float(landscape.cell_size)
    dist = np.array([cs * (np.sqrt(2.0) if d % 2 else 1.0) for d in range(8)])
    return RateTables(rates=rates64.astype(np.float32), hros=np.ascontiguousarray(np.transpose(hros, (0, 2, 1))),
                      nrows=nrows, nbr=neighbours((h, w)), dist=dist, burnable=burnable, rates64=rates64)


def _build_surface(landscape: Landscape) -> RateTables:
    """Kitral / Scott & Burgan: factored tables (:mod:`latentga.simulator.surface_tables`)."""
    from latentga.simulator.surface_tables import build_surface_tables, c2f_cell_side, centre_distances

    nbr = neighbours(landscape.shape)
    factored, nrows = build_surface_tables(landscape, nbr)
    dist = centre_distances(c2f_cell_side(landscape.cell_size))
    burnable = np.asarray(landscape.fuel_types).ravel() != NON_FUEL
    return RateTables(rates=factored, hros=factored, nrows=nrows, nbr=nbr, dist=dist, burnable=burnable,
                      rates64=factored)


_CACHE: dict[str, RateTables] = {}


def rate_tables(landscape: Landscape) -> RateTables:
    """The landscape's tables, built on first use and cached by fingerprint."""
    key = landscape.fingerprint()
    tables = _CACHE.get(key)
    if tables is None:
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        tables = _CACHE[key] = _build(landscape)
    return tables
