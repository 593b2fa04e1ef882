"""Kitral and Scott & Burgan surface rates, step by step in C2F-W's 32-bit floats.

Why 32-bit: as for FBP (:mod:`latentga.simulator.fbp32`), the binary stores every intermediate
in a C ``float``; a float times a float is rounded to float, a float times a ``double`` literal
is a double until stored. ``_f`` marks each store. Math functions on a float argument are C++'s
float overloads (``expf``); we compute them in double and round (the correctly rounded result).

Both models give, per burning cell and weather row, a head rate HROS and the ellipse C2F-W
spreads with: ``a = (HROS + BROS) / 2`` and ``b = (HROS + BROS) / (2 LB)`` about a focus
(:func:`latentga.simulator.fbp32.rho_theta`), BROS = HROS / HB with
HB = (LB + sqrt(LB^2 - 1)) / (LB - sqrt(LB^2 - 1)). Only the rate and LB differ:

* Kitral (``FuelModelKitral.cpp``): HROS = FMC x 60 x f(CH) x (f(V) + SE) with the moisture
  content CH from RH and TMP, f(V) = -12.86 exp(-0.04316 WS) + 13.8, and SE the slope factor
  1 + 0.023322 P + 0.00013585 P^2 of the elevation rise P (m per m of cell side) toward one
  neighbour of the burning cell (see :func:`kitral_head_key`); LB = 1 + (2.233 exp(0.01031 WS) - 2.233)^2.
* Scott & Burgan (``FuelModelSpain.cpp``): HROS = 1 / (p1 exp(-p2 WS) + p3) per fuel code,
  LB = (0.936 exp(0.2566 WS / 3.6) + 0.461 exp(-0.1548 WS / 3.6) - 0.397)^0.45; the slope
  factor multiplies each edge's rate instead (:func:`slope_factor_sb`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["kitral_rates", "sb_rates", "ellipse_ab", "slope_factor_kitral", "slope_factor_sb", "kitral_head_key"]


@njit(cache=True, inline="always", error_model="numpy")
def _f(x):
    """Store in a C float."""
    return np.float64(np.float32(x))


@njit(cache=True, inline="always", error_model="numpy")
def _nonneg(x):
    """C2F-W's ``x * (x >= 0)`` on a float: negatives become -0.0, NaN stays NaN."""
    return x if x >= 0 else x * 0.0


@njit(cache=True, error_model="numpy")
def ellipse_ab(hros, lb):
    """``(a, b)`` of C2F-W's spread ellipse (floats) from HROS and LB (floats)."""
    root = math.sqrt(lb * lb - 1.0)  # pow(lb, 2) of a float is exact in double
    hb = _f((lb + root) / (lb - root))
    bros = _nonneg(_f(hros / hb))
    s = _f(hros + bros)
    return _f(s / 2.0), _f(s / (2.0 * lb))


@njit(cache=True, error_model="numpy")
def slope_factor_kitral(elev_i, elev_j, cell_side):
    """Kitral's slope factor from cell i's to neighbour j's elevation (floats), C2F-W's
    ``(elev_j - elev_i) / (4 * side / 4.)`` with its integer perimeter."""
    ps = _f(_f(elev_j - elev_i) / (np.float64(4 * cell_side) / 4.0))
    return _f(1.0 + 0.023322 * ps + 0.00013585 * (ps * ps))


@njit(cache=True, error_model="numpy")
def slope_factor_sb(elev_i, elev_j, cell_side):
    """S&B's per-edge slope factor (``Cells::slope_effect``: float rise over the integer side)."""
    ps = _f(_f(elev_j - elev_i) / np.float64(np.float32(cell_side)))
    return _f(1.0 + 0.023322 * ps + 0.00013585 * (ps * ps))


@njit(cache=True, error_model="numpy")
def kitral_weather(ws, tmp, rh):
    """The weather-only factors of Kitral: ``(f(CH), f(V), LB)`` as C2F-W's floats."""
    steep, mid = _f(0.081), _f(57.09)
    sig = _f(1.0 / (1.0 + _f(math.exp(_f(-steep * _f(rh - mid))))))
    ch = _f(_f(4.0 + _f(16.0 * sig)) - 0.00982 * tmp)
    fch = _f(min(51.43, 52.3342 * math.pow(ch, -1.3035)))
    p1, p2, p3 = _f(-12.86), _f(0.04316), _f(13.8)
    fv = _f(_f(p1 * _f(math.exp(_f(-p2 * ws)))) + p3)
    l1, l2 = _f(2.233), _f(-0.01031)
    d = _f(_f(l1 * _f(math.exp(_f(-l2 * ws)))) - l1)
    lb = _f(1.0 + d * d)
    return fch, fv, lb


@njit(cache=True, error_model="numpy")
def kitral_rates(fmc, fch, fv, se):
    """Kitral HROS (float) of a cell with coefficient ``fmc`` and slope factor ``se``."""
    f = _f(fmc * 60.0)
    if se == 0.0:
        return _nonneg(_f(_f(f * fch) * fv))
    return _nonneg(_f(_f(f * fch) * _f(fv + se)))


@njit(cache=True, error_model="numpy")
def sb_rates(p1, p2, p3, ws):
    """Scott & Burgan ``(HROS, LB)`` (floats) of a fuel code's (p1, p2, p3) in wind WS."""
    rss = _nonneg(_f(1.0 / _f(_f(p1 * _f(math.exp(_f(-p2 * ws)))) + p3)))
    factor = _f(1000.0 / 3600.0)
    e1 = _f(math.exp(_f(_f(_f(0.2566) * factor) * ws)))
    e2 = _f(math.exp(_f(_f(_f(-0.1548) * factor) * ws)))
    lb = _f(math.pow(0.936 * e1 + 0.461 * e2 - 0.397, 0.45))
    return rss, lb


def kitral_head_key(waz: float, spreading: bool) -> int:
    """The angle key (math degrees) of the neighbour whose elevation Kitral's slope uses.

    C2F-W looks it up in the cell's angle -> neighbour map (0 = east, 90 = north, ...; a key
    with no neighbour means the cell itself, so no slope). A spreading cell uses
    round((WD' - 90) / 45) x 45 (360 when it rounds up there: no neighbour); a cell deciding
    whether it ignites uses int(WD') itself (a neighbour only when it is a multiple of 45).
    WD' is the weather's WD + 180, as C2F-W reads Kitral/S&B weather.
    """
    if not spreading:
        return int(waz)  # float -> int key: truncation
    head = int(waz - 90.0)
    if head < 0:
        head += 360
    q = head / 45.0
    return int(math.floor(q + 0.5) if q >= 0 else -math.floor(-q + 0.5)) * 45  # std::round: half away from zero
