"""Per-landscape rate tables: every edge's float32 rate for every weather row, built once.

The kernel only looks numbers up; all the FBP arithmetic happens here, vectorized over
(weather file, row, cell). Tables are cached per landscape fingerprint so that building a
second :class:`~latentga.simulator.FireSimulator` on the same landscape (or unpickling one in
a worker) costs a dictionary lookup.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from latentga.errors import LandscapeError
from latentga.simulator.fbp import NEIGHBOUR_BEARINGS, ellipse_rate, fbp_rates, resolve_fuel_type
from latentga.simulator.landscape import NON_FUEL, Landscape

__all__ = ["RateTables", "rate_tables", "neighbours"]

# (d_row, d_col) toward N, NE, E, SE, S, SW, W, NW: the order of fbp.NEIGHBOUR_BEARINGS.
_OFFSETS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


class RateTables(NamedTuple):
    rates: np.ndarray  # float32 [n_weathers, n_cells, 8, max_rows]
    hros: np.ndarray  # float32 [n_weathers, n_cells, max_rows]
    nrows: np.ndarray  # int64 [n_weathers]
    nbr: np.ndarray  # int64 [n_cells, 8] (-1 = off the grid)
    dist: np.ndarray  # float64 [8] centre distances (m)
    burnable: np.ndarray  # bool [n_cells]


def neighbours(shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    rows, cols = np.divmod(np.arange(h * w), w)
    out = np.full((h * w, 8), -1, dtype=np.int64)
    for d, (dr, dc) in enumerate(_OFFSETS):
        r, c = rows + dr, cols + dc
        ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        out[ok, d] = r[ok] * w + c[ok]
    return out


def _build(landscape: Landscape) -> RateTables:
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
    ws, wd, ffmc, bui = (wx[..., i][:, :, None] for i in range(4))  # [W, R, 1]
    ps = np.asarray(landscape.slope, dtype=np.float64).ravel()[None, None, :]
    saz = np.asarray(landscape.aspect, dtype=np.float64).ravel()[None, None, :]
    hros = np.zeros((len(wx), max_rows, n), dtype=np.float32)
    fros = np.zeros_like(hros)
    for name, fuel in fuels.items():
        cells = np.flatnonzero(types == name)
        # Inputs without a raster (PC, PDF, curing, FMC) take C2F-W's defaults (see fbp).
        r = fbp_rates(fuel, ws, wd, ffmc, bui, ps[..., cells], saz[..., cells])
        # C2F-W's FBP code works in float: its head and flank rates are float32 values.
        hros[..., cells] = r.hros.astype(np.float32)
        fros[..., cells] = r.fros.astype(np.float32)
    rates = np.zeros((len(wx), n, 8, max_rows), dtype=np.float32)
    wd_b = wx[..., 1][:, :, None]
    for d, bearing in enumerate(NEIGHBOUR_BEARINGS):
        rd = ellipse_rate(hros.astype(np.float64), fros.astype(np.float64), wd_b, bearing)
        rd = np.where(np.isnan(rd), 1e-4, rd)  # C2F-W's guard against a NaN rate
        rates[:, :, d, :] = np.transpose(rd, (0, 2, 1)).astype(np.float32)
    burnable = types != NON_FUEL
    rates[:, ~burnable] = 0.0
    cs = float(landscape.cell_size)
    dist = np.array([cs * (np.sqrt(2.0) if d % 2 else 1.0) for d in range(8)])
    return RateTables(rates=np.ascontiguousarray(rates),
                      hros=np.ascontiguousarray(np.transpose(hros, (0, 2, 1))),
                      nrows=nrows, nbr=neighbours((h, w)), dist=dist, burnable=burnable)


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
