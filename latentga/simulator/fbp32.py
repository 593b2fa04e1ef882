"""The simulator's FBP model: C2F-W's fire-behaviour chain, bit for bit, 32-bit floats stored
step by step (:mod:`latentga.simulator.tables` builds the rate tables with it).

Why: the C2F-W binary computes the FBP chain in C++ with ``float`` variables and ``double``
arithmetic in between (a ``float`` times a ``double`` literal is a double, and it is rounded to
float when stored). Computing everything in double and rounding only the end result differs by
1e-7..2e-6 relative, enough to move an edge's arrival by one period when its running total lands
within 1e-4 m of the cell's centre (``sub40x40_ties`` in the golden data). So each function
here mirrors one step of the binary: ``_f`` marks where it stores a float, everything else is
double. Where the binary calls a math function on a float argument, C++ picks the float overload
(``logf``); we compute it in double and round, which is the correctly rounded float result.

Inputs are what C2F-W reads: weather WS, FFMC, BUI as float and WD as an integer (``stoi``);
slope, aspect and curing as float; percent conifer / dead fir as integers; fuel coefficients
as float. :mod:`latentga.simulator.fbp` is the named double-precision reference of the same
equations (fuel types, textbook checks); ``tests/test_fbp_parity.py`` holds the two within 1e-5.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["KIND_STANDARD", "KIND_C6", "KIND_GRASS", "KIND_MIXEDWOOD", "KIND_DEADFIR", "KIND_D2",
           "fuel_kind", "head_flank", "rho_theta", "cartesian_head", "C2F_PI", "ROS_THRESHOLD_F32"]

KIND_STANDARD, KIND_C6, KIND_GRASS, KIND_MIXEDWOOD, KIND_DEADFIR, KIND_D2 = 0, 1, 2, 3, 4, 5
C2F_PI = 3.1415926  # the truncated pi of C2F-W's slope code
ROS_THRESHOLD_F32 = float(np.float32(0.1))  # C2F-W's ROSThreshold is a float 0.1

# D1's coefficients (the hardwood part of M1-M4), as floats
_D1 = (np.float32(30.0), np.float32(0.0232), np.float32(1.6))
_SLOPE_LIMIT = float(np.float32(0.01))  # C2F-W's float slopelimit_isi
_FME_AVG = float(np.float32(0.778))
_LAT, _LON = float(np.float32(51.621244)), float(np.float32(-115.608378))  # its Data.csv's fixed values


def fuel_kind(fuel) -> tuple[int, float]:
    """``(kind, green)`` of an :class:`~latentga.simulator.fbp.FuelType` for :func:`head_flank`."""
    from latentga.simulator import fbp

    if isinstance(fuel, fbp.GrassFuel):
        return KIND_GRASS, 1.0
    if isinstance(fuel, fbp.C6Fuel):
        return KIND_C6, 1.0
    if isinstance(fuel, fbp.DeadFirFuel):
        return KIND_DEADFIR, float(fuel.green)
    if isinstance(fuel, fbp.MixedwoodFuel):
        return KIND_MIXEDWOOD, float(fuel.green)
    if isinstance(fuel, fbp.D2Fuel):
        return KIND_D2, 1.0
    return KIND_STANDARD, 1.0


@njit(cache=True, inline="always", error_model="numpy")
def _f(x):
    """Store in a C float."""
    return np.float64(np.float32(x))


@njit(cache=True, error_model="numpy")
def _curve(p1, p2, p3, isi):
    """``p1 * pow(1 - exp(-1.0 * p2 * isi), p3)`` in double (the caller stores it)."""
    return p1 * math.pow(1.0 - math.exp(-1.0 * p2 * isi), p3)


@njit(cache=True, error_model="numpy")
def _ros_calc(kind, p1, p2, p3, green, cur, pc, pdf, bui, isi):
    """Surface rate from an ISI (float) and the slope-inversion scale mu: ``(ros, mu)``."""
    if kind == KIND_GRASS:
        if cur >= 58.8:
            mu = _f(0.176 + 0.02 * (cur - 58.8))
        else:
            mu = _f(0.005 * (math.exp(0.061 * cur) - 1.0))
        ros = _f(mu * _curve(p1, p2, p3, isi))
        if mu < 0.001:
            mu = _f(0.001)
        return ros, mu
    if kind == KIND_MIXEDWOOD:
        ros_c2 = _f(_curve(p1, p2, p3, isi))
        ros_d1 = _f(_curve(_D1[0], _D1[1], _D1[2], isi))
        ros = _f((pc / 100.0) * ros_c2 + _f(green * np.float64(np.float32(100 - pc))) / 100.0 * ros_d1)
        return ros, _f(pc / 100.0)
    if kind == KIND_DEADFIR:
        rmax = _f(_curve(p1, p2, p3, isi))
        ros_d1 = _f(_curve(_D1[0], _D1[1], _D1[2], isi))
        fp = np.float64(np.float32(pdf))
        ros = _f(fp / 100.0 * rmax + (100.0 - fp) / 100.0 * green * ros_d1)
        return ros, _f(fp / 100.0)
    if kind == KIND_D2:
        if bui >= 80:
            return _f(_curve(p1, p2, p3, isi)), 1.0
        return 0.0, 1.0
    return _f(_curve(p1, p2, p3, isi)), 1.0


@njit(cache=True, error_model="numpy")
def _isf_blend(p1, p2, p3, green, share, isz, sf):
    """M1-M4's slope ISI: the own-curve and D1 inversions blended by ``share`` (PC or PDF)."""
    rsf = _f(_f(sf * p1) * math.pow(1.0 - math.exp(-1.0 * p2 * isz), p3))
    check = _f(1.0 - math.pow(_f(rsf / p1), 1.0 / p3)) if rsf > 0.0 else 1.0
    if check < _SLOPE_LIMIT:
        check = _SLOPE_LIMIT
    isf_own = _f((1.0 / (-1.0 * p2)) * _f(math.log(check)))
    a_d1 = _f(green * _D1[0])
    rsf = _f(_f(sf * a_d1) * math.pow(1.0 - math.exp(-1.0 * _D1[1] * isz), _D1[2]))
    check = _f(1.0 - math.pow(_f(rsf / a_d1), 1.0 / _D1[2])) if rsf > 0.0 else 1.0
    if check < _SLOPE_LIMIT:
        check = _SLOPE_LIMIT
    isf_d1 = _f((1.0 / (-1.0 * _D1[1])) * _f(math.log(check)))
    s = np.float64(np.float32(share))
    return _f((s / 100.0) * isf_own + (100.0 - s) / 100.0 * isf_d1)


@njit(cache=True, error_model="numpy")
def _slope_wsv(kind, p1, p2, p3, green, cur, pc, pdf, bui, ws, waz, ps, saz, ff, isz):
    """Net effective wind speed WSV (float) with the slope's equivalent wind (eqs 39-44)."""
    psd = ps
    if psd > 70.0:
        psd = 70.0
    sf = _f(math.exp(3.533 * math.pow(psd / 100.0, 1.2)))
    if sf > 10.0:
        sf = 10.0
    if kind == KIND_MIXEDWOOD:
        isf = _isf_blend(p1, p2, p3, green, pc, isz, sf)
    elif kind == KIND_DEADFIR:
        isf = _isf_blend(p1, p2, p3, green, pdf, isz, sf)
    else:
        rsz, mu = _ros_calc(kind, p1, p2, p3, green, cur, pc, pdf, bui, isz)
        rsf = rsz * sf
        check = 1.0 - math.pow(rsf / _f(mu * p1), 1.0 / p3) if rsf > 0.0 else 1.0
        if check < _SLOPE_LIMIT:
            check = _SLOPE_LIMIT
        isf = (1.0 / (-1.0 * p2)) * math.log(check)
    if isf == 0.0:
        isf = isz
    wse = math.log(isf / (0.208 * ff)) / 0.05039
    if not wse <= 40.0:
        lim = 0.999 * 2.496 * ff
        if isf > lim:
            isf = lim
        wse = 28.0 - math.log(1.0 - isf / (2.496 * ff)) / 0.0818
    wrad = waz / 180.0 * C2F_PI
    srad = saz / 180.0 * C2F_PI
    wsvx = ws * math.sin(wrad) + wse * math.sin(srad)
    wsvy = ws * math.cos(wrad) + wse * math.cos(srad)
    return _f(math.sqrt(wsvx * wsvx + wsvy * wsvy))


@njit(cache=True, error_model="numpy")
def _c6_final(rss, isi, sfc, csi, rso, fmc):
    """C6's rate with crowning (eqs 56-65), as C2F-W's fire_behaviour/final_ros store it."""
    sfi = _f(300.0 * sfc * rss)
    if not sfi > csi:
        return rss
    cfb = _f(1.0 - math.exp(-0.230 * _f(rss - rso)))
    if not cfb > 0.0:
        cfb = 0.0
    fme = _f(1000.0 * math.pow(1.5 - 0.00275 * fmc, 4.0) / (460.0 + 25.9 * fmc))
    rsc = _f(60.0 * (1.0 - math.exp(-0.0497 * isi)) * fme / _FME_AVG)
    return _f(rss + _f(cfb * _f(rsc - rss)))


@njit(cache=True, error_model="numpy")
def _foliar_moisture(elev):
    """FBP's foliar moisture at C2F-W's fixed latitude/longitude and Julian day 0 (float)."""
    if elev < 0:
        latn = _f(23.4 * math.exp(-0.0360 * _f(150 - _LON)) + 46.0)
        jd_min = int(0.5 + 151.0 * _LAT / latn)
    else:
        latn = _f(33.7 * math.exp(-0.0351 * _f(150 - _LON)) + 43.0)
        jd_min = int(0.5 + 142.1 * _LAT / latn + (0.0172 * elev))
    nd = abs(0 - jd_min)
    if nd >= 50:
        return 120.0
    if nd >= 30:
        return _f(32.9 + 3.17 * nd - 0.0288 * nd * nd)
    return _f(85.0 + 0.0189 * nd * nd)


@njit(cache=True, error_model="numpy")
def head_flank(kind, p1, p2, p3, q, bui0, cbh, green, cur, pc, pdf, elev, ps, saz, ws, waz, ffmc, bui):
    """Head and flank rates ``(HROS, FROS)`` (floats, m/min) of one cell in one weather row.

    Every argument must already hold the value C2F-W holds (floats rounded to float32, ``waz``,
    ``pc`` and ``pdf`` integers).
    """
    mc = _f(147.2 * (101.0 - ffmc) / (59.5 + ffmc))
    ff = _f(91.9 * math.exp(-0.1386 * mc) * (1 + math.pow(mc, 5.31) / 49300000.0))
    isz = _f(0.208 * ff)
    wsv = _slope_wsv(kind, p1, p2, p3, green, cur, pc, pdf, bui, ws, waz, ps, saz, ff, isz) if ps > 0 else ws
    if wsv < 40.0:
        fw = _f(math.exp(0.05039 * wsv))
    else:
        fw = _f(12.0 * (1.0 - math.exp(-0.0818 * _f(wsv - 28))))
    isi = _f(isz * fw)
    b = bui if bui != 0 else 1.0
    be = _f(math.exp(_f(50.0 * _f(math.log(q))) * ((1.0 / b) - (1.0 / bui0))))
    rsi, _mu = _ros_calc(kind, p1, p2, p3, green, cur, pc, pdf, bui, isi)
    rss = _f(rsi * be)
    bfw = _f(math.exp(-0.05039 * wsv))
    bisi = _f(0.208 * ff * bfw)
    brs, _mu = _ros_calc(kind, p1, p2, p3, green, cur, pc, pdf, bui, bisi)
    brss = _f(brs * be)
    hros, bros = rss, brss
    if kind == KIND_C6:
        sfc = _f(5.0 * math.pow(1.0 - math.exp(-0.0149 * bui), 2.48))
        fmc = _foliar_moisture(elev)
        csi = _f(0.001 * math.pow(cbh * (460.0 + 25.9 * fmc), 1.5))
        rso = _f(csi / (300.0 * sfc)) if sfc > 0 else 0.0
        hros = _c6_final(rss, isi, sfc, csi, rso, fmc)
        bros = _c6_final(brss, bisi, sfc, csi, rso, fmc)
    if kind == KIND_GRASS:
        lb = 1.0 if wsv < 1.0 else _f(1.1 * math.pow(wsv, 0.464))
    else:
        lb = _f(1.0 + 8.729 * math.pow(1.0 - math.exp(-0.030 * wsv), 2.155))
    fros = _f(_f(hros + bros) / (lb * 2.0))
    return hros, fros


@njit(cache=True, inline="always", error_model="numpy")
def cartesian_head(waz):
    """C2F-W's head direction (math degrees, east 0, counter-clockwise) from the weather's WD."""
    offset = waz + 270.0
    if offset >= 360:
        cart = 360.0 - (waz - 90.0)
    else:
        cart = 360.0 - offset
    if cart == 360:
        cart = 0.0
    if cart < 0:
        cart += 360.0
    return cart


@njit(cache=True, error_model="numpy")
def rho_theta(angle, head, a, b):
    """Rate toward neighbour ``angle`` (math degrees) on C2F-W's ellipse about a focus (double).

    C2F-W builds the ellipse from a = HROS and b = FROS (not the textbook semi-axes), so the
    rate straight ahead is about 2 x HROS: we match what Cell2Fire does.
    """
    offset = angle - head
    if offset < 0:
        offset += 360.0
    if offset > 360:
        offset -= 360.0
    e = math.sqrt(a * a - b * b) / a
    return a * (1 - e * e) / (1 - e * math.cos(offset * 3.141592653589793 / 180.0))
