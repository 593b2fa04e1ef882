"""Plans as files other tools read: ``.npy``, Cell2Fire's firebreak ``.csv``, ``.asc``, ``.tif``.

Why: a firebreak plan is only useful outside latentga in the forms planners already use:
Cell2Fire's ``--FirebreakCells`` CSV (``Year Number,Cell Numbers`` then ``1,<1-based row-major
cell ids>``), and rasters with the landscape's georeference (ESRI ASCII grid, GeoTIFF; 1 =
firebreak) that a GIS overlays on the map. Every writer and reader of plans goes through here
(the Cell2Fire backend writes its CSV with :func:`firebreak_csv_text`), and a plan whose grid
or georeference does not match the landscape is refused in one line.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from latentga.errors import LayoutError
from latentga.layouts import as_layout_batch
from latentga.simulator.firebreak_csv import CSV_HEADER, firebreak_csv_text
from latentga.simulator.rasters import read_raster, write_raster

__all__ = ["PLAN_SUFFIXES", "CSV_HEADER", "firebreak_csv_text", "read_plans", "write_plan", "write_plan_files",
           "write_burn_probability"]

PLAN_SUFFIXES = (".npy", ".csv", ".asc", ".tif", ".tiff")
_FIX = "give a .npy (np.save, [H,W] or [B,H,W]), a Cell2Fire firebreak .csv, an .asc or a .tif plan"


def _read_csv(path: Path, shape) -> np.ndarray:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LayoutError(f"{path} is not UTF-8 text; a Cell2Fire firebreak CSV is plain text "
                          f"('{CSV_HEADER}' then '1,<cell ids>')") from None
    rows = [r for r in csv.reader(text.splitlines()) if r and "".join(r).strip()]
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["year number", "cell numbers"]:
        raise LayoutError(f"{path}: the first line must be '{CSV_HEADER}' (Cell2Fire's firebreak CSV); {_FIX}")
    if len(rows) != 2:
        raise LayoutError(f"{path} has {len(rows) - 1} year rows; a plan is one row '1,<cell ids>' "
                          "(firebreaks that change by year are not supported)")
    n = shape[0] * shape[1]
    layout = np.zeros(n, bool)
    for tok in rows[1][1:]:
        tok = tok.strip()
        if not tok:
            continue
        try:
            cell = int(tok)
        except ValueError:
            raise LayoutError(f"{path}, line 2: cell id {tok!r} is not a whole number; give 1-based "
                              "row-major Cell2Fire cell ids") from None
        if not 1 <= cell <= n:
            raise LayoutError(f"{path}, line 2: cell id {cell} is off the {shape[0]}x{shape[1]} landscape; "
                              f"ids run from 1 to {n} (is the plan for another landscape?)")
        if layout[cell - 1]:
            raise LayoutError(f"{path}, line 2: cell id {cell} is listed twice; list each firebreak once")
        layout[cell - 1] = True
    return layout.reshape(1, *shape)


def _read_raster_plan(path: Path, landscape) -> np.ndarray:
    raster = read_raster(path, error=LayoutError)
    problem = landscape.georeference().mismatch(raster.georef)
    if problem:
        raise LayoutError(f"plan {path} does not fit landscape {landscape.name}: its {problem}; export the plan "
                          "from this landscape's grid (or give the landscape it was made for)")
    values = raster.values
    if raster.nodata is not None:
        values = np.where(values == raster.nodata, 0.0, values)
    if not np.isin(values, (0.0, 1.0)).all():
        bad = np.argwhere(~np.isin(values, (0.0, 1.0)))[0]
        raise LayoutError(f"plan {path}: cell (row {bad[0]}, col {bad[1]}) is {values[tuple(bad)]:g}; a plan "
                          "raster holds 1 (firebreak) and 0 (none) only")
    return values[None] != 0


def read_plans(path, landscape, name: str | None = None) -> np.ndarray:
    """The plan(s) in ``path`` as bool ``[B, H, W]`` for ``landscape``; the format is the suffix.

    ``.npy`` may hold a batch; the others hold one plan. Grids and georeferences are checked
    against the landscape (:class:`~latentga.errors.LayoutError`, one line, on any mismatch).
    """
    path = Path(path)
    shape = tuple(landscape.shape)
    suffix = path.suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise LayoutError(f"plan {path}: unknown format {path.suffix or '(no suffix)'!r}; {_FIX}")
    if not path.is_file():
        raise LayoutError(f"cannot read {name or f'plan {path}'}: the file {path.name} does not exist; {_FIX}")
    if suffix == ".npy":
        from latentga.validation import load_npy  # header checked first: no pickle, no oversized allocation

        batch = as_layout_batch(load_npy(path, LayoutError, _FIX), shape, name=name or f"plan {path}")
        if not len(batch):
            raise LayoutError(f"{path} holds no layouts (shape {list(batch.shape)}); {_FIX}")
        return batch
    if suffix == ".csv":
        return _read_csv(path, shape)
    return _read_raster_plan(path, landscape)


def write_plan(path, layout, landscape) -> list[Path]:
    """Write one plan in the format its suffix names (``.prj`` beside an ``.asc`` when the
    landscape has one); returns the files written."""
    from latentga.io import save_npy_atomic, write_text_atomic

    path = Path(path)
    layout = as_layout_batch(layout, landscape.shape, name="plan")[0]
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return [save_npy_atomic(path, layout)]
    if suffix == ".csv":
        return [write_text_atomic(path, firebreak_csv_text(layout))]
    if suffix in (".asc", ".tif", ".tiff"):
        return write_raster(path, layout.astype(np.uint8), landscape.georeference(), integer=True,
                            error=LayoutError)
    raise LayoutError(f"cannot write plan {path}: unknown format {path.suffix!r}; use .npy, .csv, .asc or .tif")


def write_plan_files(folder, layout, landscape, stem: str = "plan", npy: bool = False) -> dict[str, Path]:
    """``<stem>.csv`` and ``<stem>.asc`` (+ ``.prj``), ``<stem>.tif`` when the landscape's rasters are
    GeoTIFF, ``<stem>.npy`` when asked: the formats a results folder hands to other tools."""
    folder = Path(folder)
    suffixes = [".npy"] if npy else []
    suffixes += [".csv", ".asc"] + ([".tif"] if landscape.georeference().format == "tif" else [])
    out = {}
    for suffix in suffixes:
        for p in write_plan(folder / f"{stem}{suffix}", layout, landscape):
            out[p.name] = p
    return out


def write_burn_probability(path, probability, landscape) -> list[Path]:
    """A burn-probability map (fraction of fires that burned each cell) as a georeferenced raster."""
    return write_raster(path, np.asarray(probability, float), landscape.georeference(), error=LayoutError)
