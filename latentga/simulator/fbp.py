"""Canadian FBP System rates of spread, vectorized, in Cell2Fire's (C2F-W ``--sim C``) form.

Equation numbers are those of Forestry Canada Fire Danger Group (1992), ST-X-3. Everything
takes NumPy arrays that broadcast together (cells x weather rows), so a landscape's whole
rate table is a handful of array operations.

Extending: a fuel type is a :class:`FuelType` in :data:`FUEL_TYPES`. Its ``rsi`` method is the
one place that turns an ISI into a rate of spread, so M1-M4 blends (percent conifer / dead
fir), grass curing or C6 crown fire can be added as subclasses that override ``rsi`` (and
``be`` / ``lb``) without touching the rest of the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "FuelType",
    "GrassFuel",
    "FUEL_TYPES",
    "SpreadRates",
    "fine_fuel_function",
    "wind_function",
    "length_to_breadth",
    "fbp_rates",
    "ellipse_rate",
    "NEIGHBOUR_BEARINGS",
]

#: Compass bearing (degrees, N = 0, clockwise) toward each of the 8 neighbours, in the order
#: N, NE, E, SE, S, SW, W, NW (the kernel's direction index).
NEIGHBOUR_BEARINGS = np.array([0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0])
_PI_CELL2FIRE = 3.1415926  # C2F-W converts slope/wind azimuths with this truncated pi


@dataclass(frozen=True)
class FuelType:
    """An FBP fuel type with the standard rate-of-spread curve RSI = a (1 - e^(-b ISI))^c (26)."""

    code: str
    a: float
    b: float
    c: float
    q: float
    bui0: float

    def rsi(self, isi):
        return self.a * (1.0 - np.exp(-self.b * isi)) ** self.c

    def be(self, bui):
        """Build-up effect (54); 1 where BUI <= 0."""
        bui = np.asarray(bui, dtype=np.float64)
        with np.errstate(divide="ignore"):
            out = np.exp(50.0 * np.log(self.q) * (1.0 / bui - 1.0 / self.bui0))
        return np.where(bui > 0, out, 1.0)

    def lb(self, ws):
        """Length-to-breadth ratio (79)."""
        return 1.0 + 8.729 * (1.0 - np.exp(-0.030 * ws)) ** 2.155


@dataclass(frozen=True)
class GrassFuel(FuelType):
    """O1a/O1b: no build-up effect, grass LB (80). Fully cured (curing factor 1) for now."""

    def be(self, bui):
        return np.ones_like(np.asarray(bui, dtype=np.float64))

    def lb(self, ws):
        ws = np.asarray(ws, dtype=np.float64)
        return np.where(ws < 1.0, 1.0, 1.1 * np.power(np.maximum(ws, 1.0), 0.464))


FUEL_TYPES: dict[str, FuelType] = {
    ft.code: ft
    for ft in (
        FuelType("C1", 90, 0.0649, 4.5, 0.90, 72),
        FuelType("C2", 110, 0.0282, 1.5, 0.70, 64),
        FuelType("C3", 110, 0.0444, 3.0, 0.75, 62),
        FuelType("C4", 110, 0.0293, 1.5, 0.80, 66),
        FuelType("C5", 30, 0.0697, 4.0, 0.80, 56),
        FuelType("C6", 30, 0.0800, 3.0, 0.80, 62),
        FuelType("C7", 45, 0.0305, 2.0, 0.85, 106),
        FuelType("D1", 30, 0.0232, 1.6, 0.90, 32),
        FuelType("S1", 75, 0.0297, 1.3, 0.75, 38),
        FuelType("S2", 40, 0.0438, 1.7, 0.75, 63),
        FuelType("S3", 55, 0.0829, 3.2, 0.75, 31),
        GrassFuel("O1a", 190, 0.0310, 1.4, 1.0, 1),
        GrassFuel("O1b", 250, 0.0350, 1.7, 1.0, 1),
    )
}


class SpreadRates(NamedTuple):
    """Head, flank and back rates of spread (m/min), LB and the net effective wind (km/h)."""

    hros: np.ndarray
    fros: np.ndarray
    bros: np.ndarray
    lb: np.ndarray
    wsv: np.ndarray
    isi: np.ndarray


def fine_fuel_function(ffmc):
    """f(F) (45) from the FFMC via the fine fuel moisture m (46)."""
    ffmc = np.asarray(ffmc, dtype=np.float64)
    m = 147.2 * (101.0 - ffmc) / (59.5 + ffmc)
    return 91.9 * np.exp(-0.1386 * m) * (1.0 + m**5.31 / 4.93e7)


def wind_function(ws):
    """f(W) (53, 53a): exponential below 40 km/h, saturating above."""
    ws = np.asarray(ws, dtype=np.float64)
    return np.where(ws > 40.0, 12.0 * (1.0 - np.exp(-0.0818 * (ws - 28.0))), np.exp(0.05039 * ws))


def length_to_breadth(fuel: FuelType, ws):
    return fuel.lb(ws)


def _slope_equivalent_wind(fuel: FuelType, ps, isz, ff):
    """WSE (39-44): the wind speed that would give the slope's spread factor."""
    ps = np.minimum(np.asarray(ps, dtype=np.float64), 70.0)
    sf = np.minimum(np.exp(3.533 * (ps / 100.0) ** 1.2), 10.0)
    rsf = fuel.rsi(isz) * sf
    check = np.maximum(1.0 - (rsf / fuel.a) ** (1.0 / fuel.c), 0.01)
    isf = -np.log(check) / fuel.b
    with np.errstate(divide="ignore", invalid="ignore"):
        wse = np.log(isf / isz) / 0.05039
        lim = 2.496 * ff
        wse_high = 28.0 - np.log(1.0 - np.minimum(isf, 0.999 * lim) / lim) / 0.0818
    return np.where(wse > 40.0, wse_high, wse)


def fbp_rates(fuel: FuelType, ws, wd, ffmc, bui, ps=0.0, saz=0.0) -> SpreadRates:
    """Rates of spread of one fuel type for broadcastable weather and terrain arrays.

    ``ws`` km/h, ``wd`` degrees (used as the spread bearing, as C2F-W does), ``ps`` slope in
    percent, ``saz`` the slope azimuth (degrees) from ``saz.asc``. Slope enters only through
    the net effective wind speed WSV, as in C2F-W's FBP code.
    """
    ws, wd, ffmc, bui, ps, saz = (np.asarray(v, dtype=np.float64) for v in (ws, wd, ffmc, bui, ps, saz))
    ff = fine_fuel_function(ffmc)
    isz = 0.208 * ff
    wse = _slope_equivalent_wind(fuel, np.where(ps > 0, ps, 0.0), isz, ff)
    rad = _PI_CELL2FIRE / 180.0
    wsx = ws * np.sin(wd * rad) + wse * np.sin(saz * rad)
    wsy = ws * np.cos(wd * rad) + wse * np.cos(saz * rad)
    wsv = np.where(ps > 0, np.sqrt(wsx * wsx + wsy * wsy), ws)
    isi = isz * wind_function(wsv)
    be = fuel.be(bui)
    hros = fuel.rsi(isi) * be
    bisi = isz * np.exp(-0.05039 * wsv)
    bros = fuel.rsi(bisi) * be
    lb = fuel.lb(wsv)
    fros = (hros + bros) / (2.0 * lb)
    return SpreadRates(hros, fros, bros, lb, wsv, isi)


def ellipse_rate(hros, fros, wd, bearing):
    """Rate toward ``bearing`` (degrees) from C2F-W's ellipse about a focus.

    C2F-W builds the ellipse from a = HROS and b = FROS (not the textbook semi-axes), so the
    rate straight ahead is about 2 x HROS: we match what Cell2Fire does. The offset between
    the neighbour's bearing and WD is wrapped to [0, 360] as C2F-W does before the cosine.
    """
    a = np.asarray(hros, dtype=np.float64)
    b = np.asarray(fros, dtype=np.float64)
    offset = np.asarray(bearing, dtype=np.float64) - np.asarray(wd, dtype=np.float64)
    offset = np.where(offset < 0, offset + 360.0, offset)
    offset = np.where(offset > 360, offset - 360.0, offset)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.sqrt(a * a - b * b) / a
        r = a * (1.0 - e * e) / (1.0 - e * np.cos(offset * 3.141592653589793 / 180.0))
    return r
