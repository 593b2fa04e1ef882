"""Landscapes: a Cell2Fire instance folder (or the built-in Sub20x20) as plain arrays.

A :class:`Landscape` holds what the fire model needs and nothing else: its fuel model (FBP,
Kitral or Scott & Burgan, chosen by the folder's lookup table), per-cell fuel types, slope and
aspect, elevation (FBP keeps it for plots and for writing the folder back; Kitral and S&B
spread with it), and the weather scenarios. Reading is strict: every problem a user can fix becomes one
:class:`~latentga.errors.LandscapeError` that names the file (and line or cell) and the fix.
"""

from __future__ import annotations

import csv
import math
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from latentga.errors import LandscapeError
from latentga.simulator.fuel_models import (
    FUEL_MODELS,
    LOOKUP_TABLES,
    MODEL_WEATHER_COLUMNS,
    check_codes,
    choose_fuel_model,
)
from latentga.simulator.rasters import Georeference, asc_georeference, asc_header_lines, asc_values, read_raster

__all__ = [
    "Landscape",
    "NON_FUEL",
    "default_landscape",
    "load_landscape",
    "read_asc",
    "read_weather_csv",
    "build_default_npz",
    "DEFAULT_NPZ",
    "CURING_MODES",
    "FUEL_MODELS",
]

#: Fuel-type name of cells that never burn (non-fuel, water, unknown, NODATA).
NON_FUEL = "NF"
DEFAULT_NPZ = Path(__file__).with_name("data") / "sub20x20.npz"
#: The built-in Sub20x20's place, as its instance folder's fuels.asc gives it (no .prj).
_SUB20X20_CORNER = (457900.0, 5716800.0)
#: How a curing raster (cur.asc) is used. ``cell2fire``: as C2F-W does (0 % curing wherever the
#: raster has a value, see :meth:`Landscape.curing_input`); ``raster``: each cell's own value (FBP).
CURING_MODES = ("cell2fire", "raster")
WEATHER_COLUMNS = ("WS", "WD", "FFMC", "BUI")


@dataclass(frozen=True, eq=False)
class Landscape:
    """A gridded landscape in Cell2Fire's conventions (row 0 = north, row-major cell ids).

    ``weathers[k]`` is ``Weathers/Weather{k}.csv`` as a float array ``[T, C]`` whose columns are
    ``weather_columns``: for FBP WS (km/h), WD (degrees, the bearing the head fire spreads toward
    in Cell2Fire's FBP mode), FFMC, BUI; for Kitral WS, WD, TMP (C), RH (%); for S&B WS, WD.
    ``ignition_cell`` is a 0-based row-major flat index (Cell2Fire's id minus one) or None.
    ``fuel_model`` is one of :data:`FUEL_MODELS`. For Kitral and S&B, ``elevation`` holds the
    raster's values as C2F-W reads them (its NODATA value included: C2F-W spreads with it).
    """

    name: str
    fuel_grid: np.ndarray  # int [H, W]: the raster's grid codes
    fuel_types: np.ndarray  # str [H, W]: FBP type per cell ("C2", "O1a", ...; NON_FUEL)
    elevation: np.ndarray  # float [H, W] m
    slope: np.ndarray  # float [H, W] percent
    aspect: np.ndarray  # float [H, W] degrees (Cell2Fire's saz)
    cell_size: float
    weathers: list = field(repr=False)
    ignition_cell: int | None = None
    fuel_lookup: dict = field(default_factory=dict, repr=False)  # grid code -> FBP type
    curing: np.ndarray | None = field(default=None, repr=False)  # float [H, W]: cur.asc, if the folder has one
    curing_mode: str = "cell2fire"  # how cur.asc is used: see CURING_MODES
    fuel_model: str = "fbp"  # see FUEL_MODELS
    weather_columns: tuple = WEATHER_COLUMNS
    georef: Georeference | None = field(default=None, repr=False)  # where the grid lies (not in the fingerprint)

    def __post_init__(self):
        h, w = np.shape(self.fuel_grid)
        if self.curing_mode not in CURING_MODES:
            raise LandscapeError(f"landscape {self.name}: curing mode {self.curing_mode!r} is not one of "
                                 f"{', '.join(CURING_MODES)}; use 'cell2fire' (Cell2Fire's behaviour) or 'raster'")
        if self.curing is not None and np.shape(self.curing) != (h, w):
            raise LandscapeError(f"landscape {self.name}: cur.asc is {np.shape(self.curing)}, fuel grid is {(h, w)}; "
                                 "give every raster the same size")
        for name in ("fuel_types", "elevation", "slope", "aspect"):
            if np.shape(getattr(self, name)) != (h, w):
                raise LandscapeError(f"landscape {self.name}: {name} is {np.shape(getattr(self, name))}, "
                                     f"fuel grid is {(h, w)}; give every raster the same size")
        if not self.weathers:
            raise LandscapeError(f"landscape {self.name} has no weather; add Weather.csv or Weathers/")
        if self.fuel_model not in FUEL_MODELS:
            raise LandscapeError(f"landscape {self.name}: fuel model {self.fuel_model!r} is not one of "
                                 f"{', '.join(FUEL_MODELS)}")
        if tuple(self.weather_columns) != MODEL_WEATHER_COLUMNS[self.fuel_model]:
            raise LandscapeError(f"landscape {self.name}: the {self.fuel_model} fuel model reads weather columns "
                                 f"{', '.join(MODEL_WEATHER_COLUMNS[self.fuel_model])}, not "
                                 f"{', '.join(self.weather_columns)}")
        if self.ignition_cell is not None and not 0 <= int(self.ignition_cell) < h * w:
            raise LandscapeError(f"landscape {self.name}: ignition cell {self.ignition_cell} (0-based) is off the "
                                 f"{h}x{w} grid; use a cell id between 1 and {h * w} in Ignitions.csv")

    def __repr__(self) -> str:
        h, w = self.shape
        model = "" if self.fuel_model == "fbp" else f", fuel model {self.fuel_model}"
        return (f"Landscape({self.name!r}, {h}x{w} cells of {self.cell_size:g} m{model}, "
                f"{int(self.burnable.sum())} burnable, {len(self.weathers)} weather files, "
                f"ignition_cell={self.ignition_cell})")

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(int(s) for s in np.shape(self.fuel_grid))

    @property
    def burnable(self) -> np.ndarray:
        return np.asarray(self.fuel_types) != NON_FUEL

    def georeference(self) -> Georeference:
        """The grid's georeference: the instance's own, else (built in memory) corner (0, 0)."""
        if self.georef is not None:
            return self.georef
        h, w = self.shape
        return Georeference(h, w, 0.0, 0.0, float(self.cell_size))

    def curing_input(self) -> np.ndarray:
        """Degree of curing (%) each cell's FBP rates use (it matters for grass, O1a/O1b only).

        Without cur.asc every cell gets 60 %, what Cell2Fire writes for grass. With cur.asc,
        ``curing_mode="cell2fire"`` does what C2F-W does: its Data.csv generator writes 60 only
        where the raster value is NaN and leaves the column empty elsewhere, which it reads as
        0 % (grass at 0 % curing never spreads). ``curing_mode="raster"`` gives FBP's meaning:
        each cell's own value from cur.asc (60 where it is NaN or NODATA).
        """
        if self.curing is None:
            return np.full(self.shape, 60.0)
        cur = np.asarray(self.curing, dtype=np.float64)
        if self.curing_mode == "cell2fire":
            return np.where(np.isnan(cur), 60.0, 0.0)
        return np.where(np.isfinite(cur), cur, 60.0)

    def with_curing(self, mode: str) -> "Landscape":
        """The same landscape with another :data:`CURING_MODES` entry."""
        import dataclasses

        return self if mode == self.curing_mode else dataclasses.replace(self, curing_mode=mode)

    def fingerprint(self) -> str:
        """A short hash of everything the fire model reads (for cache keys and settings)."""
        import hashlib

        h = hashlib.sha1()
        for arr in (self.fuel_grid, self.slope, self.aspect):
            h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
        h.update("|".join(np.asarray(self.fuel_types).ravel().tolist()).encode())
        h.update(repr(float(self.cell_size)).encode())
        for wx in self.weathers:
            h.update(np.ascontiguousarray(wx, dtype=np.float64).tobytes())
        h.update(repr(self.ignition_cell).encode())
        if self.curing is not None:  # (landscapes without cur.asc keep their fingerprint)
            h.update(np.ascontiguousarray(self.curing_input(), dtype=np.float64).tobytes())
        if self.fuel_model != "fbp":  # (FBP landscapes keep their fingerprint; the others spread with elevation)
            h.update(self.fuel_model.encode())
            h.update(np.ascontiguousarray(self.elevation, dtype=np.float64).tobytes())
        return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- readers
def _not_text(path, exc: UnicodeDecodeError) -> LandscapeError:
    """One line for a landscape file that is not UTF-8 text (a binary file, another encoding)."""
    return LandscapeError(f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                          "Cell2Fire instance files are plain text: save it as UTF-8 or ASCII")


#: Largest landscape text file read (a 5,000 x 5,000 raster at 8 bytes a value is 200 MB).
MAX_TEXT_BYTES = 1 << 30


def _read_text(path) -> str:
    """The file's text; a device, pipe or file over :data:`MAX_TEXT_BYTES` is refused before
    reading (a "file" that never ends would otherwise fill the memory)."""
    path = Path(path)
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise LandscapeError(f"{path} is not a regular file (a device, pipe or socket); give a Cell2Fire "
                             "instance file")
    if info.st_size > MAX_TEXT_BYTES:
        raise LandscapeError(f"{path} is {info.st_size / 2**30:.1f} GiB, more than a landscape file can be "
                             f"({MAX_TEXT_BYTES / 2**30:.0f} GiB); check that it is the right file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _not_text(path, exc) from None


def _csv_rows(path, what: str) -> list[list[str]]:
    """The non-empty rows of a CSV landscape file, or one clear error."""
    try:
        text = _read_text(path)
    except OSError as exc:
        raise LandscapeError(f"cannot read {what} {path}: {exc.strerror}; check the file") from None
    return [r for r in csv.reader(text.splitlines()) if r and "".join(r).strip()]


#: Weather values a fire model can use: (column, lowest, highest, what to fix).
_WEATHER_RANGES = {"WS": (0.0, 200.0, "wind speed in km/h, 0-200"), "WD": (-360.0, 720.0, "wind direction in degrees"),
                   "FFMC": (0.0, 101.0, "FFMC, 0-101"), "BUI": (0.0, 1000.0, "BUI, 0-1000"),
                   "TMP": (-90.0, 70.0, "temperature in degrees C, -90-70"), "RH": (0.0, 100.0, "relative humidity, 0-100 %")}


def read_asc(path: Path) -> tuple[np.ndarray, float, float | None]:
    """Read an ESRI ASCII grid: ``(values float[H, W], cellsize, nodata)``."""
    try:
        text = _read_text(path)
    except OSError as exc:
        raise LandscapeError(f"cannot read raster {path}: {exc.strerror}; check the file") from None
    lines = text.splitlines()
    header, i = asc_header_lines(lines, path)
    try:
        ncols, nrows = int(float(header["ncols"])), int(float(header["nrows"]))
        cellsize = float(header.get("cellsize", 100.0))
        nodata = float(header["nodata_value"]) if "nodata_value" in header else None
    except (KeyError, ValueError, OverflowError):
        raise LandscapeError(f"{path}: missing or bad 'ncols'/'nrows'/'cellsize'/'NODATA_value' header; an ESRI "
                             "ASCII grid starts with ncols, nrows, xllcorner, yllcorner, cellsize, NODATA_value") from None
    if ncols < 1 or nrows < 1:
        raise LandscapeError(f"{path}: the header says {nrows} rows x {ncols} columns; a raster needs at least one "
                             "row and one column: fix 'nrows'/'ncols'")
    if nrows * ncols > (len(text) + 1) // 2:  # each value takes a digit and a separator at least
        raise LandscapeError(f"{path}: the header says {nrows}x{ncols} = {nrows * ncols:,} values, more than the "
                             f"file's {len(text):,} characters can hold; fix the header or the data")
    if not (math.isfinite(cellsize) and cellsize > 0):
        raise LandscapeError(f"{path}: cellsize {header.get('cellsize')} must be a positive number of metres; "
                             "fix the header (Cell2Fire's examples use 100)")
    return asc_values(lines, i, nrows, ncols, path), cellsize, nodata


def _normalize_fuel_type(name: str) -> str:
    """'C-2' -> 'C2', 'O-1a' -> 'O1a', 'Non-fuel' -> 'NF', 'M-1 (05 PC)' -> 'M1 (05 PC)'."""
    name = name.strip()
    if name.lower().startswith("non") or name.upper() in ("NF", "WA", ""):
        return NON_FUEL
    return name.replace("-", "", 1) if re.match(r"^[A-Za-z]-", name) else name


def read_lookup_table(path: Path) -> dict[int, str]:
    """A Cell2Fire lookup table (fbp, kitral or spain): grid code -> fuel type (NON_FUEL for non-fuel codes)."""
    rows = _csv_rows(path, "lookup table")
    if not rows:
        raise LandscapeError(f"{path} is empty; it needs a header and 'grid_value,...,fuel_type' rows")
    head = [c.strip().lower() for c in rows[0]]
    try:
        code_col, type_col = head.index("grid_value"), head.index("fuel_type")
    except ValueError:
        raise LandscapeError(f"{path}: header must name 'grid_value' and 'fuel_type' columns "
                             "(Cell2Fire's fbp_lookup_table.csv format)") from None
    table: dict[int, str] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        try:
            table[int(float(row[code_col]))] = _normalize_fuel_type(row[type_col])
        except (ValueError, IndexError):
            raise LandscapeError(f"{path}, line {n}: bad row {row!r}; expected a numeric grid_value "
                                 "and a fuel_type") from None
    return table


def read_weather_csv(path: Path, columns: tuple = WEATHER_COLUMNS) -> np.ndarray:
    """A Cell2Fire weather file -> float ``[T, len(columns)]`` (FBP: WS, WD, FFMC, BUI), one row per hour."""
    rows = _csv_rows(path, "weather file")
    if len(rows) < 2:
        raise LandscapeError(f"weather file {path} has no data rows; it needs a header and hourly rows")
    head = [c.strip().upper() for c in rows[0]]
    missing = [c for c in columns if c not in head]
    if missing:
        model = next((m for m, c in MODEL_WEATHER_COLUMNS.items() if tuple(c) == tuple(columns)), "this")
        raise LandscapeError(f"weather file {path} lacks column(s) {', '.join(missing)}; Cell2Fire's {model} "
                             f"fuel model needs {', '.join(columns)} in the header")
    cols = [head.index(c) for c in columns]
    out = np.empty((len(rows) - 1, len(columns)))
    for n, row in enumerate(rows[1:], start=2):
        for k, c in enumerate(cols):
            try:
                out[n - 2, k] = float(row[c])
            except (ValueError, IndexError):
                raise LandscapeError(f"weather file {path}, line {n}: {columns[k]} is "
                                     f"{row[c] if c < len(row) else 'missing'!r}, not a number") from None
            lo, hi, what = _WEATHER_RANGES[columns[k]]
            if not lo <= out[n - 2, k] <= hi:  # NaN and infinities fail this too
                raise LandscapeError(f"weather file {path}, line {n}: {columns[k]} is {row[c].strip()!r}; "
                                     f"give a finite {what}")
    return out


def _read_ignition(path: Path, n_cells: int, shape) -> int:
    rows = _csv_rows(path, "ignition file")
    if len(rows) < 2 or len(rows[1]) < 2:
        raise LandscapeError(f"{path}: expected a header 'Year,Ncell' and a row '1,<cell id>'")
    try:
        cell = int(float(rows[1][1]))
    except (ValueError, OverflowError):
        raise LandscapeError(f"{path}, line 2: cell id {rows[1][1]!r} is not a number") from None
    if not 1 <= cell <= n_cells:
        raise LandscapeError(f"{path}, line 2: ignition cell {cell} is off the {shape[0]}x{shape[1]} grid; "
                             f"use a 1-based cell id between 1 and {n_cells}")
    return cell - 1


def _read_weathers(folder: Path, columns: tuple = WEATHER_COLUMNS) -> list[np.ndarray]:
    main = folder / "Weather.csv"
    wdir = folder / "Weathers"
    files = {}
    if wdir.is_dir():
        for p in wdir.iterdir():
            m = re.fullmatch(r"Weather(\d+)\.csv", p.name)
            if m:
                files[int(m.group(1))] = p
    if not files:
        if not main.exists():
            raise LandscapeError(f"{folder} has no weather: add Weather.csv or Weathers/Weather<k>.csv")
        return [read_weather_csv(main, columns)]
    weathers = []
    for k in range(max(files) + 1):
        if k in files:
            weathers.append(read_weather_csv(files[k], columns))
        elif k == 0 and main.exists():
            weathers.append(read_weather_csv(main, columns))
        else:
            raise LandscapeError(f"{wdir} has Weather{max(files)}.csv but no Weather{k}.csv; number the "
                                 "weather files without gaps (Cell2Fire draws Weather1..Weather<n>)")
    return weathers


def load_landscape(path=None, curing: str | None = None, fuel_model: str | None = None) -> Landscape:
    """``None`` -> the built-in Sub20x20; a folder -> that Cell2Fire instance; a Landscape -> itself.

    ``curing`` (a :data:`CURING_MODES` entry) says how a cur.asc in the folder is used; None keeps
    the landscape's own (``cell2fire`` for a folder: what the binary does with the same files).
    ``fuel_model`` (a :data:`FUEL_MODELS` entry) picks the folder's lookup table; None = the one
    the folder has.
    """
    if path is None or isinstance(path, Landscape):
        land = default_landscape() if path is None else path
        if fuel_model is not None and fuel_model != land.fuel_model:
            raise LandscapeError(f"landscape {land.name} is a {land.fuel_model} landscape, not {fuel_model}; "
                                 "load the instance folder with that fuel model's lookup table instead")
    else:
        land = _load_folder(str(Path(path).resolve()), fuel_model)
    if curing is not None:
        if curing not in CURING_MODES:
            raise LandscapeError(f"curing mode {curing!r} is not one of {', '.join(CURING_MODES)}; use 'cell2fire' "
                                 "(Cell2Fire's behaviour) or 'raster' (each cell's cur.asc value)")
        land = land.with_curing(curing)
    return land


def _read_curing(folder: Path, shape) -> np.ndarray | None:
    """cur.asc's values as C2F-W reads them (NODATA is a value, only NaN means none), or None."""
    path = _find_raster(folder, "cur")
    if path is None:
        return None
    arr = _read_grid(path)[0]
    if arr.shape != tuple(shape):
        raise LandscapeError(f"{path} is {arr.shape[0]}x{arr.shape[1]} but the fuel raster is {shape[0]}x{shape[1]}; "
                             "every raster must have the same size")
    return arr


#: Largest elevation (m), slope (%) or aspect (degrees) magnitude taken: past it a value is no
#: terrain, and the fire model's arithmetic overflows (a slope of 1e308 became inf).
_MAX_TERRAIN = 1e6


def _find_raster(folder: Path, *stems: str) -> Path | None:
    """The first of ``<stem>.asc``, ``<stem>.tif``, ``<stem>.tiff`` (per stem, in order) that exists."""
    for stem in stems:
        for suffix in (".asc", ".tif", ".tiff"):
            if (folder / f"{stem}{suffix}").exists():
                return folder / f"{stem}{suffix}"
    return None


def _read_grid(path: Path) -> tuple[np.ndarray, float, float | None, Georeference]:
    """An ``.asc`` (:func:`read_asc`'s checks) or GeoTIFF raster: values, cell size, NODATA and
    where it lies (corner, cell size, the ``.prj`` beside it or the GeoTIFF's CRS)."""
    if path.suffix.lower() in (".tif", ".tiff"):
        raster = read_raster(path)
        return raster.values, raster.georef.cellsize, raster.nodata, raster.georef
    values, cell_size, nodata = read_asc(path)
    return values, cell_size, nodata, asc_georeference(path, values.shape)


def _load_folder(folder_str: str, fuel_model: str | None = None) -> Landscape:
    folder = Path(folder_str)
    if not folder.is_dir():
        raise LandscapeError(f"landscape folder {folder} does not exist; give a Cell2Fire instance folder "
                             "(or leave landscape empty for the built-in Sub20x20)")
    fuel_path = _find_raster(folder, "fuels", "Forest")
    if fuel_path is None:
        raise LandscapeError(f"{folder} has no fuel raster; add fuels.asc (or Forest.asc, or fuels.tif) with FBP "
                             "grid codes")
    model = choose_fuel_model(folder, fuel_model)
    fuels, cell_size, nodata, georef = _read_grid(fuel_path)
    bad = ~np.isfinite(fuels) & (fuels != nodata if nodata is not None else True)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise LandscapeError(f"{fuel_path}: cell (row {r}, col {c}) is {fuels[r, c]}; every fuel code must be a "
                             "finite number (mark gaps with the NODATA_value)")
    lookup_path = folder / LOOKUP_TABLES[model]
    lookup = read_lookup_table(lookup_path)
    shape = fuels.shape
    codes = fuels.astype(np.int64)
    if model == "fbp":
        types = np.full(shape, NON_FUEL, dtype=object)
        for (r, c), code in np.ndenumerate(codes):
            if nodata is not None and fuels[r, c] == nodata:
                continue
            if int(code) not in lookup:
                raise LandscapeError(f"{fuel_path}: cell (row {r}, col {c}, id {r * shape[1] + c + 1}) has fuel code "
                                     f"{int(code)}, which {lookup_path.name} does not list; add it to the table "
                                     "or fix the raster")
            types[r, c] = lookup[int(code)]
    else:
        types = _surface_types(fuels, codes, lookup, nodata)
        check_codes(model, lookup, set(np.unique(codes[types != NON_FUEL]).tolist()), lookup_path.name)
    rasters = {}
    for key, stem in (("elevation", "elevation"), ("slope", "slope"), ("aspect", "saz")):
        p = _find_raster(folder, stem)
        if p is not None:
            arr, _, nd, _ = _read_grid(p)
            if arr.shape != shape:
                raise LandscapeError(f"{p} is {arr.shape[0]}x{arr.shape[1]} but {fuel_path.name} is "
                                     f"{shape[0]}x{shape[1]}; every raster must have the same size")
            if nd is not None and (model == "fbp" or key != "elevation"):  # C2F-W's K/S spread reads NODATA as a value
                arr = np.where(arr == nd, 0.0, arr)
            bad = ~(np.abs(arr) <= _MAX_TERRAIN)  # NaN and inf too
            if bad.any():
                r, c = np.argwhere(bad)[0]
                raise LandscapeError(f"{p}: cell (row {r}, col {c}) is {arr[r, c]}; every {key} value must be a "
                                     f"finite number of magnitude at most {_MAX_TERRAIN:g} (mark gaps with the "
                                     "NODATA_value)")
            rasters[key] = arr
        else:  # Cell2Fire treats an absent raster as zero
            rasters[key] = np.zeros(shape)
    weathers = _read_weathers(folder, MODEL_WEATHER_COLUMNS[model])
    ign = folder / "Ignitions.csv"
    ignition = _read_ignition(ign, codes.size, shape) if ign.exists() else None
    return Landscape(name=folder.name, fuel_grid=codes, fuel_types=types.astype(str),
                     elevation=rasters["elevation"], slope=rasters["slope"], aspect=rasters["aspect"],
                     cell_size=float(cell_size), weathers=weathers, ignition_cell=ignition,
                     curing=_read_curing(folder, shape) if model == "fbp" else None,
                     fuel_lookup={k: v for k, v in lookup.items() if k in set(codes.ravel().tolist())},
                     fuel_model=model, weather_columns=MODEL_WEATHER_COLUMNS[model], georef=georef)


def _surface_types(fuels: np.ndarray, codes: np.ndarray, lookup: dict, nodata) -> np.ndarray:
    """Kitral / S&B fuel types per cell. As in C2F-W, a code the lookup table does not list (and
    NODATA) is non-fuel: C2F-W's own Kitral data relies on it (Portezuelo has cells of code 34)."""
    types = np.full(codes.shape, NON_FUEL, dtype=object)
    listed = np.isin(codes, list(lookup)) & (fuels == codes)
    if nodata is not None:
        listed &= fuels != nodata
    for code in np.unique(codes[listed]).tolist():
        types[codes == code] = lookup[code]
    return types


# ----------------------------------------------------------------------------- built-in default
def build_default_npz(folder, out=DEFAULT_NPZ) -> Path:
    """Store a Cell2Fire folder compactly (the package's ``data/sub20x20.npz`` came from this).

    Usage: ``python -c "from latentga.simulator.landscape import build_default_npz as b;
    b('../shared/reference/Sub20x20')"`` (from the repository root).
    """
    from latentga.io import atomic_path

    land = _load_folder(str(Path(folder).resolve()))
    lengths = {len(w) for w in land.weathers}
    if len(lengths) != 1:
        raise LandscapeError("the compact format needs weather files of equal length")
    codes = sorted(land.fuel_lookup)
    with atomic_path(out, suffix=".npz") as tmp:
        np.savez_compressed(
            tmp, name=np.array(land.name), fuel_grid=land.fuel_grid.astype(np.int16),
            elevation=land.elevation, slope=land.slope, aspect=land.aspect, cell_size=np.float64(land.cell_size),
            weathers=np.stack(land.weathers).astype(np.float64),
            ignition_cell=np.int64(-1 if land.ignition_cell is None else land.ignition_cell),
            lookup_codes=np.array(codes, np.int64), lookup_types=np.array([land.fuel_lookup[c] for c in codes]))
    return Path(out)


@lru_cache(maxsize=1)
def default_landscape() -> Landscape:
    """The reference report's Sub20x20 (20x20 C2, 100 m cells, 360 weathers), from the package."""
    with np.load(DEFAULT_NPZ) as z:
        lookup = dict(zip(z["lookup_codes"].tolist(), z["lookup_types"].tolist()))
        grid = z["fuel_grid"].astype(np.int64)
        types = np.vectorize(lambda c: lookup.get(int(c), NON_FUEL), otypes=[object])(grid).astype(str)
        ign = int(z["ignition_cell"])
        return Landscape(name=str(z["name"]), fuel_grid=grid, fuel_types=types,
                         elevation=z["elevation"].astype(np.float64), slope=z["slope"].astype(np.float64),
                         aspect=z["aspect"].astype(np.float64), cell_size=float(z["cell_size"]),
                         weathers=list(z["weathers"]), ignition_cell=None if ign < 0 else ign,
                         fuel_lookup=lookup,
                         georef=Georeference(*grid.shape, *_SUB20X20_CORNER, float(z["cell_size"])))
