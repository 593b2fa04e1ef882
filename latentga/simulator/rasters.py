"""Rasters with their place on the ground: ESRI ASCII grids (no dependency) and GeoTIFF (rasterio).

Why: a plan or a burn-probability map is only usable in a GIS (or by Cell2Fire's C2F-W, which
reads instance folders of either format) when it carries the landscape's georeference: the
lower-left corner, the cell size and the coordinate system (the ``.prj`` beside an ``.asc``,
the CRS inside a ``.tif``). :class:`Georeference` is that information; :func:`read_raster`
and :func:`write_raster` read and write both formats with it. GeoTIFF needs the optional
``rasterio`` (``pip install 'latentga[gis]'``); without it a ``.tif`` is refused in one line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentga.errors import LandscapeError

__all__ = ["Georeference", "Raster", "RASTER_SUFFIXES", "read_raster", "write_raster", "asc_text",
           "require_rasterio", "parse_asc", "asc_georeference",
           "asc_header_lines", "asc_values"]

RASTER_SUFFIXES = (".asc", ".tif", ".tiff")
_ASC_HEADER_KEYS = {"ncols", "nrows", "xllcorner", "yllcorner", "xllcenter", "yllcenter", "cellsize",
                    "nodata_value", "dx", "dy"}


@dataclass(frozen=True)
class Georeference:
    """Where a grid lies: ``nrows`` x ``ncols`` cells of ``cellsize`` from the lower-left corner
    (``xllcorner``, ``yllcorner``), in the coordinate system ``prj`` (WKT; None = not given).
    ``format`` is the instance's raster format (``asc`` or ``tif``)."""

    nrows: int
    ncols: int
    xllcorner: float = 0.0
    yllcorner: float = 0.0
    cellsize: float = 100.0
    prj: str | None = None
    format: str = "asc"

    @property
    def shape(self) -> tuple[int, int]:
        return (self.nrows, self.ncols)

    def asc_header(self, nodata: float = -9999) -> str:
        return (f"ncols {self.ncols}\nnrows {self.nrows}\nxllcorner {_num(self.xllcorner)}\n"
                f"yllcorner {_num(self.yllcorner)}\ncellsize {_num(self.cellsize)}\nNODATA_value {_num(nodata)}\n")

    def transform(self):
        """The rasterio (affine) transform of the grid's top-left corner, row 0 = north."""
        from affine import Affine

        top = self.yllcorner + self.nrows * self.cellsize
        return Affine(self.cellsize, 0.0, self.xllcorner, 0.0, -self.cellsize, top)

    def mismatch(self, other: "Georeference") -> str | None:
        """What differs between two grids, in words (None: the same place and cells).

        Corners and cell size agree within a thousandth of a cell; the coordinate systems are
        compared only when both are known (a file without a ``.prj`` is taken as the landscape's).
        """
        if self.shape != other.shape:
            return f"grid is {other.nrows}x{other.ncols} but the landscape is {self.nrows}x{self.ncols}"
        tol = 1e-3 * self.cellsize
        if abs(self.cellsize - other.cellsize) > tol:
            return f"cell size is {_num(other.cellsize)} but the landscape's is {_num(self.cellsize)}"
        if abs(self.xllcorner - other.xllcorner) > tol or abs(self.yllcorner - other.yllcorner) > tol:
            return (f"lower-left corner is ({_num(other.xllcorner)}, {_num(other.yllcorner)}) but the landscape's "
                    f"is ({_num(self.xllcorner)}, {_num(self.yllcorner)})")
        if self.prj and other.prj and not _same_crs(self.prj, other.prj):
            return "coordinate system (.prj / CRS) differs from the landscape's"
        return None


@dataclass(frozen=True, eq=False)
class Raster:
    """A grid's values (float ``[H, W]``, row 0 = north), its georeference and NODATA value."""

    values: np.ndarray
    georef: Georeference
    nodata: float | None


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _same_crs(a: str, b: str) -> bool:
    if " ".join(a.split()) == " ".join(b.split()):
        return True
    try:
        from rasterio.crs import CRS

        return CRS.from_wkt(a) == CRS.from_wkt(b)
    except Exception:  # rasterio absent, or a WKT it cannot parse: the texts decide
        return False


def require_rasterio(path, error=LandscapeError):
    """The rasterio module, or one ``error`` saying how to get it (GeoTIFF only)."""
    try:
        import rasterio
    except ImportError:
        raise error(f"{path} is a GeoTIFF, which needs rasterio: pip install 'latentga[gis]' "
                    "(or pip install rasterio), or use the .asc form of the file") from None
    return rasterio


def _read_text(path, error) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                    "an ESRI ASCII grid is plain text: save it as UTF-8 or ASCII") from None
    except OSError as exc:
        raise error(f"cannot read raster {path}: {exc.strerror}; check the file") from None


def asc_header_lines(lines: list[str], path, error=LandscapeError) -> tuple[dict[str, str], int]:
    """An ESRI ASCII grid's header (lower-case keys, string values) and the index of its first
    data line; shared by every reader of ``.asc`` files."""
    header: dict[str, str] = {}
    i = 0
    while i < len(lines):
        parts = lines[i].split()
        if parts and parts[0].lower() in _ASC_HEADER_KEYS:
            if len(parts) < 2:
                raise error(f"{path}, line {i + 1}: header '{parts[0]}' has no value")
            header[parts[0].lower()] = parts[1]
            i += 1
        elif not parts:
            i += 1
        else:
            break
    return header, i


def asc_values(lines: list[str], start: int, nrows: int, ncols: int, path, error=LandscapeError) -> np.ndarray:
    """The ``nrows x ncols`` values from line ``start`` on, as float64; one error naming the line
    of a non-number, or the count when it does not match the header."""
    values = []
    for j in range(start, len(lines)):
        for tok in lines[j].split():
            try:
                values.append(float(tok))
            except ValueError:
                row = len(values) // max(ncols, 1)
                raise error(f"{path}, line {j + 1}: '{tok}' is not a number (grid row {row}); "
                            "every raster value must be numeric (use NODATA_value for gaps)") from None
    if len(values) != nrows * ncols:
        raise error(f"{path}: {len(values)} values but the header says {nrows}x{ncols}="
                    f"{nrows * ncols}; fix the header or the data")
    return np.array(values, dtype=np.float64).reshape(nrows, ncols)


def parse_asc(path, error=LandscapeError) -> tuple[np.ndarray, dict]:
    """An ESRI ASCII grid's values (float ``[H, W]``) and its header (lower-case keys, strings)."""
    text = _read_text(path, error)
    lines = text.splitlines()
    header, i = asc_header_lines(lines, path, error)
    try:
        ncols, nrows = int(float(header["ncols"])), int(float(header["nrows"]))
    except (KeyError, ValueError, OverflowError):
        raise error(f"{path}: missing or bad 'ncols'/'nrows' header; an ESRI ASCII grid "
                    "starts with ncols, nrows, xllcorner, yllcorner, cellsize, NODATA_value") from None
    if ncols < 1 or nrows < 1 or nrows * ncols > (len(text) + 1) // 2:  # a value takes 2 characters at least
        raise error(f"{path}: the header says {nrows} rows x {ncols} columns, which this file cannot hold; "
                    "fix 'nrows'/'ncols' or the data")
    return asc_values(lines, i, nrows, ncols, path, error), header


def _header_float(header: dict, key: str, path, error, default=None):
    if key not in header:
        return default
    try:
        value = float(header[key])
    except ValueError:
        raise error(f"{path}: header {key} is {header[key]!r}, not a number; fix the header") from None
    if not math.isfinite(value):
        raise error(f"{path}: header {key} is {header[key]!r}; give a finite number")
    return value


def _asc_header(path: Path, error) -> dict:
    """The header lines of an ESRI ASCII grid only (lower-case keys), without reading its values."""
    header: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if not parts:
                    continue
                if parts[0].lower() not in _ASC_HEADER_KEYS or len(parts) < 2:
                    break
                header[parts[0].lower()] = parts[1]
    except UnicodeDecodeError:
        raise error(f"{path} is not UTF-8 text; an ESRI ASCII grid is plain text: save it as UTF-8 or ASCII") from None
    except OSError as exc:
        raise error(f"cannot read raster {path}: {exc.strerror}; check the file") from None
    return header


def _georeference(path: Path, header: dict, shape, error) -> Georeference:
    cellsize = _header_float(header, "cellsize", path, error, 100.0)
    x = _header_float(header, "xllcorner", path, error)
    y = _header_float(header, "yllcorner", path, error)
    if x is None:
        x = _header_float(header, "xllcenter", path, error, cellsize / 2) - cellsize / 2
    if y is None:
        y = _header_float(header, "yllcenter", path, error, cellsize / 2) - cellsize / 2
    prj_path = path.with_suffix(".prj")
    prj = (_read_text(prj_path, error).strip() or None) if prj_path.is_file() else None
    return Georeference(int(shape[0]), int(shape[1]), x, y, cellsize, prj, "asc")


def asc_georeference(path, shape, error=LandscapeError) -> Georeference:
    """Where an ``.asc`` of ``shape`` (already read and checked) lies: its header's corner and
    cell size, and the ``.prj`` beside it."""
    path = Path(path)
    return _georeference(path, _asc_header(path, error), shape, error)


def _read_asc_raster(path: Path, error) -> Raster:
    values, header = parse_asc(path, error)
    nodata = _header_float(header, "nodata_value", path, error)
    return Raster(values, _georeference(path, header, values.shape, error), nodata)


def _read_tif_raster(path: Path, error) -> Raster:
    rasterio = require_rasterio(path, error)
    try:
        with rasterio.open(path) as src:
            values = src.read(1).astype(np.float64)
            t, nodata, crs = src.transform, src.nodata, src.crs
    except rasterio.errors.RasterioError as exc:
        raise error(f"cannot read GeoTIFF {path} ({exc}); check the file") from None
    if t.b != 0 or t.d != 0 or abs(abs(t.e) - t.a) > 1e-9 * abs(t.a) or t.e >= 0:
        raise error(f"{path}: cells are not square and north-up (transform {tuple(t)[:6]}); "
                    "Cell2Fire grids need square cells with row 0 at the north: warp the raster first")
    nrows, ncols = values.shape
    georef = Georeference(nrows, ncols, float(t.c), float(t.f + t.e * nrows), float(t.a),
                          crs.to_wkt() if crs else None, "tif")
    return Raster(values, georef, None if nodata is None else float(nodata))


def read_raster(path, error=LandscapeError) -> Raster:
    """An ``.asc`` (with the ``.prj`` beside it, if any) or a ``.tif`` raster; one ``error`` line
    for anything unreadable."""
    path = Path(path)
    if path.suffix.lower() in (".tif", ".tiff"):
        return _read_tif_raster(path, error)
    return _read_asc_raster(path, error)


def asc_text(values: np.ndarray, georef: Georeference, nodata: float = -9999, integer: bool = False) -> str:
    """An ESRI ASCII grid with the georeference's header (``integer``: values as whole numbers)."""
    values = np.asarray(values)
    if integer:
        rows = [" ".join(str(int(v)) for v in row) for row in values]
    else:
        rows = [" ".join(_num(v) if float(v).is_integer() else f"{float(v):.6g}" for v in row) for row in values]
    return georef.asc_header(nodata) + "\n".join(rows) + "\n"


def write_raster(path, values: np.ndarray, georef: Georeference, nodata: float = -9999,
                 integer: bool = False, error=LandscapeError) -> list[Path]:
    """Write ``values`` as ``.asc`` (plus ``.prj`` when the georeference has one) or ``.tif``,
    atomically; returns the files written."""
    from latentga.io import atomic_path, write_text_atomic

    path = Path(path)
    values = np.asarray(values)
    if values.shape != georef.shape:
        raise error(f"cannot write {path}: values are {values.shape}, the grid is {georef.shape}")
    if path.suffix.lower() in (".tif", ".tiff"):
        rasterio = require_rasterio(path, error)
        dtype = "uint8" if integer else "float32"
        with atomic_path(path) as tmp:
            with rasterio.open(tmp, "w", driver="GTiff", height=georef.nrows, width=georef.ncols, count=1,
                               dtype=dtype, crs=georef.prj or None, transform=georef.transform(),
                               nodata=None if integer else nodata) as dst:
                dst.write(values.astype(dtype), 1)
        return [path]
    written = [write_text_atomic(path, asc_text(values, georef, nodata, integer))]
    if georef.prj:
        written.append(write_text_atomic(path.with_suffix(".prj"), georef.prj + "\n"))
    return written
