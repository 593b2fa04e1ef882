"""The fuel-type table and the DOUBLE-PRECISION REFERENCE of the FBP rates, in Cell2Fire's
(C2F-W ``--sim C``) form. The simulator's model is :mod:`latentga.simulator.fbp32` (the same
chain with C2F-W's float roundings, bit for bit); it takes its fuel types from here. This module
is the readable statement of the equations: ``tests/test_fuels.py`` checks it against
hand-derived values and ``tests/test_fbp_parity.py`` checks fbp32 against it for every fuel type.

Equation numbers are those of Forestry Canada Fire Danger Group (1992), ST-X-3. Everything
takes NumPy arrays that broadcast together (cells x weather rows), so a landscape's whole
rate table is a handful of array operations.

Every fuel type of Cell2Fire's ``fbp_lookup_table.csv`` is here: C1-C7, D1, D2, M1-M4,
O1a/O1b, S1-S3 (and non-fuel, handled by the caller). Where C2F-W departs from the textbook
we follow C2F-W, because the built-in simulator must burn what the binary burns:

* Inputs C2F-W has no raster for take the values its ``Data.csv`` gets: percent conifer
  ``pc`` = 0 and percent dead fir ``pdf`` = 0 (the ``(05 PC)`` / ``(05 PDF)`` suffixes of the
  lookup table are cut off when C2F-W reads the table), grass curing ``cur`` = 60 %, and the
  foliar moisture of C6 from FBP's date model at C2F-W's fixed latitude/longitude with
  Julian day 0, which is always 120 %. So by default M1 = leafless D1 and M2 = 0.2 x D1,
  M3 = D1 and M4 = 0.2 x D1, each with the M-types' build-up curve (q = 0.8, BUI0 = 50).
* D2 (green aspen, not official FBP) spreads at 0.2 x D1 when BUI >= 80, otherwise not at all.
* The slope's equivalent wind of M1-M4 blends the conifer/dead-fir and D1 slope ISIs.
* C6 adds crown fire (eqs 56-64): head and back rates grow towards the crown rate when the
  surface intensity exceeds the critical one; the other conifers' rates never change.
* The combined codes D1/D2, M1/M2 and M3/M4 are not types C2F-W knows (the binary exits or
  reads past its coefficient table), so :func:`resolve_fuel_type` refuses them.

Extending: a fuel type is a :class:`FuelType` (or subclass) in :data:`FUEL_TYPES`; ``ros``
turns an ISI into a surface rate, ``slope_isi`` gives the ISI the slope alone would give,
``crown`` adjusts for crowning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from latentga.errors import LandscapeError

__all__ = [
    "FuelType",
    "GrassFuel",
    "D2Fuel",
    "MixedwoodFuel",
    "DeadFirFuel",
    "C6Fuel",
    "FUEL_TYPES",
    "FuelInputs",
    "C2F_DEFAULTS",
    "SpreadRates",
    "fine_fuel_function",
    "wind_function",
    "length_to_breadth",
    "foliar_moisture",
    "fbp_rates",
    "ellipse_rate",
    "resolve_fuel_type",
    "NEIGHBOUR_BEARINGS",
]

#: Compass bearing (degrees, N = 0, clockwise) toward each of the 8 neighbours, in the order
#: N, NE, E, SE, S, SW, W, NW (the kernel's direction index).
NEIGHBOUR_BEARINGS = np.array([0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0])
_PI_CELL2FIRE = 3.1415926  # C2F-W converts slope/wind azimuths with this truncated pi
_SLOPE_LIMIT_ISI = 0.01  # C2F-W's floor on 1 - (RSF/a)^(1/c) (keeps the log finite)

#: Latitude and longitude C2F-W writes into every row of its Data.csv.
C2F_LATITUDE, C2F_LONGITUDE = 51.621244, -115.608378


class FuelInputs(NamedTuple):
    """Per-cell inputs beyond weather and terrain (broadcastable arrays or scalars)."""

    pc: object = 0.0  # percent conifer (M1/M2)
    pdf: object = 0.0  # percent dead balsam fir (M3/M4)
    cur: object = 60.0  # degree of curing, % (O1a/O1b)
    fmc: object = 120.0  # foliar moisture content, % (C6 crown fire)


#: What C2F-W uses when the instance has no such raster (see the module docstring).
C2F_DEFAULTS = FuelInputs()


# ----------------------------------------------------------------------------- helpers
def _curve(a, b, c, isi):
    """The standard rate-of-spread curve RSI = a (1 - e^(-b ISI))^c (26)."""
    return a * (1.0 - np.exp(-b * isi)) ** c


def _isf_from(rsf, a_mu, b, c):
    """ISI that gives the sloped rate ``rsf`` on the curve (a_mu, b, c) (41, 41a)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(rsf > 0, rsf / np.where(a_mu > 0, a_mu, 1.0), 0.0)
        check = np.where(rsf > 0, 1.0 - ratio ** (1.0 / c), 1.0)
    check = np.maximum(check, _SLOPE_LIMIT_ISI)
    return -np.log(check) / b


@dataclass(frozen=True)
class FuelType:
    """An FBP fuel type with the standard rate-of-spread curve (26) and build-up effect (54)."""

    code: str
    a: float
    b: float
    c: float
    q: float
    bui0: float

    def rsi(self, isi):
        """The fuel's own curve a (1 - e^(-b ISI))^c."""
        return _curve(self.a, self.b, self.c, isi)

    def ros(self, isi, bui, inputs: FuelInputs):
        """Surface rate of spread before the build-up effect."""
        return self.rsi(isi)

    def _mu(self, inputs: FuelInputs):
        """Scale of the curve used when inverting it for the slope (grass curing)."""
        return 1.0

    def slope_isi(self, isz, sf, bui, inputs: FuelInputs):
        """ISF (41): the ISI at zero wind that gives the slope's rate RSZ x SF."""
        rsf = self.ros(isz, bui, inputs) * sf
        return _isf_from(rsf, self._mu(inputs) * self.a, self.b, self.c)

    def be(self, bui):
        """Build-up effect (54); C2F-W reads a BUI of exactly 0 as 1."""
        bui = np.asarray(bui, dtype=np.float64)
        bui = np.where(bui == 0, 1.0, bui)
        return np.exp(50.0 * np.log(self.q) * (1.0 / bui - 1.0 / self.bui0))

    def lb(self, ws):
        """Length-to-breadth ratio (79)."""
        return 1.0 + 8.729 * (1.0 - np.exp(-0.030 * ws)) ** 2.155

    def crown(self, rss, isi, bui, inputs: FuelInputs):
        """Final rate from the surface rate ``rss`` (no crown-fire effect on the rate)."""
        return rss


@dataclass(frozen=True)
class GrassFuel(FuelType):
    """O1a/O1b: the curve scaled by the curing factor (35a/35b), no BUI effect, grass LB (80)."""

    @staticmethod
    def curing_factor(cur):
        cur = np.asarray(cur, dtype=np.float64)
        return np.where(cur >= 58.8, 0.176 + 0.02 * (cur - 58.8), 0.005 * (np.exp(0.061 * cur) - 1.0))

    def ros(self, isi, bui, inputs: FuelInputs):
        return self.curing_factor(inputs.cur) * self.rsi(isi)

    def _mu(self, inputs: FuelInputs):
        return np.maximum(self.curing_factor(inputs.cur), 0.001)

    def be(self, bui):
        return np.ones_like(np.asarray(bui, dtype=np.float64))

    def lb(self, ws):
        ws = np.asarray(ws, dtype=np.float64)
        return np.where(ws < 1.0, 1.0, 1.1 * np.power(np.maximum(ws, 1.0), 0.464))


@dataclass(frozen=True)
class D2Fuel(FuelType):
    """D2 green aspen: the curve (a = 0.2 x D1's) only where BUI >= 80, else no spread."""

    def ros(self, isi, bui, inputs: FuelInputs):
        return np.where(np.asarray(bui) >= 80.0, self.rsi(isi), 0.0)


_D1 = FuelType("D1", 30, 0.0232, 1.6, 0.90, 32)


@dataclass(frozen=True)
class MixedwoodFuel(FuelType):
    """M1/M2: PC % of the C2 curve plus (100 - PC) % of D1 (x ``green`` = 0.2 for M2) (27-30)."""

    green: float = 1.0

    def _share(self, inputs: FuelInputs):
        return np.asarray(inputs.pc, dtype=np.float64) / 100.0

    def ros(self, isi, bui, inputs: FuelInputs):
        s = self._share(inputs)
        return s * self.rsi(isi) + (1.0 - s) * self.green * _D1.rsi(isi)

    def slope_isi(self, isz, sf, bui, inputs: FuelInputs):
        # C2F-W blends the two slope ISIs; the green factor cancels in D1's inversion.
        s = self._share(inputs)
        isf_own = _isf_from(sf * self.rsi(isz), self.a, self.b, self.c)
        isf_d1 = _isf_from(sf * _D1.rsi(isz), _D1.a, _D1.b, _D1.c)
        return s * isf_own + (1.0 - s) * isf_d1


@dataclass(frozen=True)
class DeadFirFuel(MixedwoodFuel):
    """M3/M4: PDF % of the dead-fir curve plus (100 - PDF) % of D1 (x 0.2 for M4) (31-33)."""

    def _share(self, inputs: FuelInputs):
        return np.asarray(inputs.pdf, dtype=np.float64) / 100.0


@dataclass(frozen=True)
class C6Fuel(FuelType):
    """C6 conifer plantation: crown fire raises the rate toward RSC (56-64, 60-64 for C6)."""

    cbh: float = 7.0  # crown base height (m), FBP's default for C6

    def sfc(self, bui):
        """Surface fuel consumption (kg/m^2) of C5/C6 (eq 12)."""
        return 5.0 * (1.0 - np.exp(-0.0149 * np.asarray(bui, dtype=np.float64))) ** 2.48

    def crown(self, rss, isi, bui, inputs: FuelInputs):
        fmc = np.asarray(inputs.fmc, dtype=np.float64)
        sfc = self.sfc(bui)
        csi = 0.001 * (self.cbh * (460.0 + 25.9 * fmc)) ** 1.5  # critical intensity (56)
        with np.errstate(divide="ignore", invalid="ignore"):
            rso = np.where(sfc > 0, csi / (300.0 * sfc), 0.0)  # critical rate (57)
        crowning = 300.0 * sfc * rss > csi  # surface intensity (69) above critical
        cfb = np.maximum(1.0 - np.exp(-0.230 * (rss - rso)), 0.0)  # crown fraction burned (58)
        fme = 1000.0 * (1.5 - 0.00275 * fmc) ** 4.0 / (460.0 + 25.9 * fmc)  # (61)
        rsc = 60.0 * (1.0 - np.exp(-0.0497 * isi)) * fme / 0.778  # crown rate (64)
        return np.where(crowning, rss + cfb * (rsc - rss), rss)  # (65)


FUEL_TYPES: dict[str, FuelType] = {
    ft.code: ft
    for ft in (
        FuelType("C1", 90, 0.0649, 4.5, 0.90, 72),
        FuelType("C2", 110, 0.0282, 1.5, 0.70, 64),
        FuelType("C3", 110, 0.0444, 3.0, 0.75, 62),
        FuelType("C4", 110, 0.0293, 1.5, 0.80, 66),
        FuelType("C5", 30, 0.0697, 4.0, 0.80, 56),
        C6Fuel("C6", 30, 0.0800, 3.0, 0.80, 62),
        FuelType("C7", 45, 0.0305, 2.0, 0.85, 106),
        _D1,
        D2Fuel("D2", 6, 0.0232, 1.6, 0.90, 32),
        MixedwoodFuel("M1", 110, 0.0282, 1.5, 0.80, 50, green=1.0),
        MixedwoodFuel("M2", 110, 0.0282, 1.5, 0.80, 50, green=0.2),
        DeadFirFuel("M3", 120, 0.0572, 1.4, 0.80, 50, green=1.0),
        DeadFirFuel("M4", 100, 0.0404, 1.48, 0.80, 50, green=0.2),
        FuelType("S1", 75, 0.0297, 1.3, 0.75, 38),
        FuelType("S2", 40, 0.0438, 1.7, 0.75, 63),
        FuelType("S3", 55, 0.0829, 3.2, 0.75, 31),
        GrassFuel("O1a", 190, 0.0310, 1.4, 1.0, 1),
        GrassFuel("O1b", 250, 0.0350, 1.7, 1.0, 1),
    )
}


def resolve_fuel_type(name: str) -> FuelType:
    """The :class:`FuelType` of a lookup-table fuel name, read the way C2F-W reads it.

    C2F-W drops every '-' and keeps the first three characters, so 'C-2' -> C2, 'O-1a' ->
    O1a and 'M-1 (05 PC)' -> M1 (the PC suffix is ignored: PC = 0). Combined seasonal codes
    ('D-1/D-2', 'M-1/M-2', 'M-3/M-4') are not fuel types C2F-W can run: refused.
    """
    raw = str(name).strip()
    key = raw.replace("-", "")[:3].strip()
    if len(key) == 3 and key[:2].upper() == "O1":
        key = "O1" + key[2].lower()
    else:
        key = key[:1].upper() + key[1:]
    fuel = FUEL_TYPES.get(key)
    if fuel is not None:
        return fuel
    if "/" in key:
        raise LandscapeError(
            f"fuel type {raw.replace('-', '')!r} is a seasonal pair that Cell2Fire (C2F-W) cannot simulate (its FBP "
            "code does not recognise it and the binary stops or reads garbage); map that grid code "
            "to one season (e.g. D1 or D2, M1 or M2, M3 or M4) in fbp_lookup_table.csv")
    raise LandscapeError(
        f"fuel type {raw!r} is not an FBP fuel type (known: {', '.join(FUEL_TYPES)} and non-fuel); "
        "fix its fuel_type in fbp_lookup_table.csv")


# ----------------------------------------------------------------------------- FBP pieces
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
    """f(W) (53, 53a): exponential below 40 km/h, saturating from 40 on (C2F-W's split)."""
    ws = np.asarray(ws, dtype=np.float64)
    return np.where(ws < 40.0, np.exp(0.05039 * ws), 12.0 * (1.0 - np.exp(-0.0818 * (ws - 28.0))))


def length_to_breadth(fuel: FuelType, ws):
    return fuel.lb(ws)


def foliar_moisture(elev, jd=0, jd_min=0, lat=C2F_LATITUDE, lon=C2F_LONGITUDE):
    """Foliar moisture content (%) from FBP's date model (eqs 1-8), as C2F-W evaluates it.

    C2F-W passes Julian day 0 and its fixed latitude/longitude, so the day is always 50 or
    more days from the FMC minimum and the result is 120 %; the general form is kept for
    callers with real dates.
    """
    elev = np.asarray(elev, dtype=np.float64)
    latn = np.where(elev < 0, 23.4 * np.exp(-0.0360 * (150 - lon)) + 46.0,
                    33.7 * np.exp(-0.0351 * (150 - lon)) + 43.0)
    d0 = np.where(elev < 0, np.floor(0.5 + 151.0 * lat / latn),
                  np.floor(0.5 + 142.1 * lat / latn + 0.0172 * elev))
    d0 = np.where(np.asarray(jd_min) > 0, jd_min, d0)
    nd = np.abs(np.asarray(jd) - d0)
    return np.where(nd >= 50, 120.0, np.where(nd >= 30, 32.9 + 3.17 * nd - 0.0288 * nd * nd,
                                              85.0 + 0.0189 * nd * nd))


def _slope_equivalent_wind(fuel: FuelType, ps, isz, ff, bui, inputs: FuelInputs):
    """WSE (39-44): the wind speed that would give the slope's spread factor."""
    ps = np.minimum(np.asarray(ps, dtype=np.float64), 70.0)
    sf = np.minimum(np.exp(3.533 * (ps / 100.0) ** 1.2), 10.0)
    isf = fuel.slope_isi(isz, sf, bui, inputs)
    isf = np.where(isf == 0.0, isz, isf)
    with np.errstate(divide="ignore", invalid="ignore"):
        wse = np.log(isf / isz) / 0.05039
        lim = 2.496 * ff
        wse_high = 28.0 - np.log(1.0 - np.minimum(isf, 0.999 * lim) / lim) / 0.0818
    return np.where(wse <= 40.0, wse, wse_high)


def fbp_rates(fuel: FuelType, ws, wd, ffmc, bui, ps=0.0, saz=0.0, *, pc=C2F_DEFAULTS.pc,
              pdf=C2F_DEFAULTS.pdf, cur=C2F_DEFAULTS.cur, fmc=C2F_DEFAULTS.fmc) -> SpreadRates:
    """Rates of spread of one fuel type for broadcastable weather, terrain and fuel inputs.

    ``ws`` km/h, ``wd`` degrees (used as the spread bearing, as C2F-W does), ``ps`` slope in
    percent, ``saz`` the slope azimuth (degrees) from ``saz.asc``; ``pc``/``pdf`` percent
    conifer / dead fir (M1-M4), ``cur`` degree of curing (O1), ``fmc`` foliar moisture (C6),
    defaulting to what C2F-W uses without rasters. Slope enters only through the net
    effective wind speed WSV, as in C2F-W's FBP code.
    """
    ws, wd, ffmc, bui, ps, saz = (np.asarray(v, dtype=np.float64) for v in (ws, wd, ffmc, bui, ps, saz))
    inputs = FuelInputs(pc, pdf, cur, fmc)
    ff = fine_fuel_function(ffmc)
    isz = 0.208 * ff
    wse = _slope_equivalent_wind(fuel, np.where(ps > 0, ps, 0.0), isz, ff, bui, inputs)
    rad = _PI_CELL2FIRE / 180.0
    wsx = ws * np.sin(wd * rad) + wse * np.sin(saz * rad)
    wsy = ws * np.cos(wd * rad) + wse * np.cos(saz * rad)
    wsv = np.where(ps > 0, np.sqrt(wsx * wsx + wsy * wsy), ws)
    isi = isz * wind_function(wsv)
    be = fuel.be(bui)
    rss = fuel.ros(isi, bui, inputs) * be
    bisi = isz * np.exp(-0.05039 * wsv)
    brss = fuel.ros(bisi, bui, inputs) * be
    hros = fuel.crown(rss, isi, bui, inputs)
    bros = fuel.crown(brss, bisi, bui, inputs)
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
