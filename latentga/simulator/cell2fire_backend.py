"""Score layouts with the real Cell2Fire (C2F-W) binary, behind the FireSimulator interface.

Why: the built-in simulator claims to burn exactly what Cell2Fire burns. This backend runs the
binary itself, so a GA (``simulator.backend: cell2fire``) or a check can use the reference
numbers directly. It is slow (about 130 fires per second on a 20x20 grid) and needs the
binary, so it is an option, never a requirement.

Each layout is one binary run on a private temporary copy of the instance folder (Cell2Fire
writes ``Data.csv`` into it), with the layout's firebreaks passed through ``--FirebreakCells``
and the final grid of every fire read back from ``Grids/Grids<k>/ForestGrid*.csv``.
Several simulators (or threads) can therefore run at once.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from latentga.errors import ConfigError, LandscapeError, LatentGAError
from latentga.io import write_text_atomic
from latentga.layouts import as_layout_batch

__all__ = ["Cell2FireBinarySimulator", "find_cell2fire_binary", "write_cell2fire_folder",
           "CELL2FIRE_BINARY_ENV"]

#: Environment variable naming the Cell2Fire binary when no path is given.
CELL2FIRE_BINARY_ENV = "CELL2FIRE_BINARY"
_HOW_TO_POINT = (f"set the config key simulator.cell2fire_binary to its path, or the environment "
                 f"variable {CELL2FIRE_BINARY_ENV}, or put a 'Cell2Fire' executable on PATH "
                 "(build it from https://github.com/fire2a/C2F-W)")
_WEATHER_HEADER = "Scenario,datetime,APCP,TMP,RH,WS,WD,FFMC,DMC,DC,ISI,BUI,FWI"
_GRID_FILE = re.compile(r"ForestGrid(\d+)\.csv")


# --------------------------------------------------------------------------------------------
# Locating the binary
# --------------------------------------------------------------------------------------------
def find_cell2fire_binary(path=None) -> Path:
    """The Cell2Fire executable: ``path``, else ``$CELL2FIRE_BINARY``, else ``Cell2Fire`` on PATH.

    Raises a :class:`ConfigError` that says how to point latentga at the binary.
    """
    if path is not None:
        source, candidate = "simulator.cell2fire_binary", Path(os.path.expanduser(str(path)))
    elif os.environ.get(CELL2FIRE_BINARY_ENV):
        source = f"${CELL2FIRE_BINARY_ENV}"
        candidate = Path(os.path.expanduser(os.environ[CELL2FIRE_BINARY_ENV]))
    else:
        found = shutil.which("Cell2Fire")
        if found is None:
            raise ConfigError(f"the Cell2Fire binary was not found (backend: cell2fire): "
                              f"{_HOW_TO_POINT}; or use simulator.backend: builtin.")
        return Path(found)
    if not candidate.is_file():
        raise ConfigError(f"the Cell2Fire binary {candidate} (from {source}) does not exist: "
                          f"{_HOW_TO_POINT}.")
    if not os.access(candidate, os.X_OK):
        raise ConfigError(f"the Cell2Fire binary {candidate} (from {source}) is not executable: "
                          f"run 'chmod +x {candidate}', or {_HOW_TO_POINT}.")
    return candidate.resolve()


# --------------------------------------------------------------------------------------------
# Writing a Landscape as a Cell2Fire instance folder
# --------------------------------------------------------------------------------------------
def _num(value: float) -> str:
    """Shortest text that reads back as the same double (integers without a fraction)."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2 ** 53 else repr(value)


def _asc_text(values: np.ndarray, cell_size: float, nodata: float = -9999, integer=False) -> str:
    # Cell2Fire reads 'cellsize' from line 5 and data from line 7: the header is exactly 6 lines.
    rows, cols = values.shape
    head = (f"ncols {cols}\nnrows {rows}\nxllcorner 0\nyllcorner 0\ncellsize {_num(cell_size)}\n"
            f"NODATA_value {_num(nodata)}\n")
    fmt = (lambda v: str(int(v))) if integer else _num
    return head + "".join(" ".join(fmt(v) for v in row) + "\n" for row in values)


def _c2f_fuel_name(name: str) -> str:
    """'C2' -> 'C-2', 'M1/M2 (05 PC)' -> 'M-1/M-2 (05 PC)': the lookup table's spelling."""
    return re.sub(r"\b([A-Z])(\d)", r"\1-\2", name)


def _weather_text(table: np.ndarray) -> str:
    # The FBP mode reads WS, WD, FFMC and BUI; the other columns are placeholders (a Landscape
    # keeps only those four). Cell2Fire parses WD as an integer (fractions are truncated).
    start = _dt.datetime(2000, 1, 1, 0, 0)
    lines = [_WEATHER_HEADER]
    for t, (ws, wd, ffmc, bui) in enumerate(np.asarray(table, dtype=np.float64)):
        stamp = (start + _dt.timedelta(hours=t)).strftime("%Y-%m-%d %H:%M")
        lines.append(f"latentga,{stamp},0.0,20,30,{_num(ws)},{_num(wd)},{_num(ffmc)},0,0,0,"
                     f"{_num(bui)},0")
    return "\n".join(lines) + "\n"


def write_cell2fire_folder(landscape, folder) -> Path:
    """Write a :class:`~latentga.simulator.Landscape` as a Cell2Fire instance folder.

    Files: ``fuels.asc``, ``fbp_lookup_table.csv``, ``elevation.asc``, ``slope.asc``,
    ``saz.asc``, ``Weather.csv`` (the first weather), ``Weathers/Weather{k}.csv`` (every
    weather, when there are several) and ``Ignitions.csv`` (when the landscape has an
    ignition cell). Each file is written atomically. Returns the folder.
    """
    folder = Path(folder)
    grid = np.asarray(landscape.fuel_grid).astype(np.int64)
    types = np.asarray(landscape.fuel_types).astype(str)
    burnable = np.asarray(landscape.burnable, dtype=bool)
    lookup: dict[int, str] = {}
    for code, name, burns in zip(grid.ravel().tolist(), types.ravel().tolist(),
                                 burnable.ravel().tolist()):
        name = name if burns else "Non-fuel"
        if lookup.setdefault(code, name) != name:
            raise LandscapeError(f"landscape {landscape.name}: fuel code {code} is used for both "
                                 f"{lookup[code]!r} and {name!r}; give each fuel type its own "
                                 "grid code before writing it as a Cell2Fire folder")
    nodata = -9999
    negative_nf = [c for c, n in lookup.items() if c < 0 and n == "Non-fuel"]
    if any(c < 0 for c, n in lookup.items() if n != "Non-fuel"):
        raise LandscapeError(f"landscape {landscape.name}: burnable cells have negative fuel "
                             "codes; Cell2Fire needs non-negative grid codes for fuels")
    if negative_nf:
        grid = np.where(np.isin(grid, negative_nf), nodata, grid)
    folder.mkdir(parents=True, exist_ok=True)
    size = float(landscape.cell_size)
    write_text_atomic(folder / "fuels.asc", _asc_text(grid, size, nodata, integer=True))
    rows = ["grid_value,export_value,descriptive_name,fuel_type,r,g,b,h,s,l"]
    for code in sorted(c for c in lookup if c >= 0):
        name = _c2f_fuel_name(lookup[code])
        rows.append(f"{code},{code},{name},{name},0,0,0,0,0,0")
    write_text_atomic(folder / "fbp_lookup_table.csv", "\n".join(rows) + "\n")
    for attr, fname in (("elevation", "elevation.asc"), ("slope", "slope.asc"),
                        ("aspect", "saz.asc")):
        write_text_atomic(folder / fname, _asc_text(np.asarray(getattr(landscape, attr),
                                                               dtype=np.float64), size, nodata))
    curing = getattr(landscape, "curing", None)
    if curing is not None:  # the binary reads it its own way (Landscape.curing_input, mode cell2fire)
        if landscape.curing_mode != "cell2fire":
            raise LandscapeError(f"landscape {landscape.name}: curing mode {landscape.curing_mode!r} has no "
                                 "Cell2Fire equivalent (the binary ignores cur.asc's values); use curing "
                                 "'cell2fire' with the cell2fire backend, or the builtin backend")
        write_text_atomic(folder / "cur.asc", _asc_text(np.asarray(curing, dtype=np.float64), size, nodata))
    weathers = list(landscape.weathers)
    write_text_atomic(folder / "Weather.csv", _weather_text(weathers[0]))
    if len(weathers) > 1:
        for k, table in enumerate(weathers):
            write_text_atomic(folder / "Weathers" / f"Weather{k}.csv", _weather_text(table))
    if landscape.ignition_cell is not None:
        write_text_atomic(folder / "Ignitions.csv", f"Year,Ncell\n1,{int(landscape.ignition_cell) + 1}\n")
    return folder


# --------------------------------------------------------------------------------------------
# The simulator
# --------------------------------------------------------------------------------------------
class Cell2FireBinarySimulator:
    """The real Cell2Fire binary with :class:`~latentga.simulator.FireSimulator`'s interface.

    Args:
        binary: path to the Cell2Fire executable (None: ``$CELL2FIRE_BINARY``, then PATH).
        landscape: a ``Landscape``, a Cell2Fire instance folder, or None (built-in Sub20x20).
            A folder is run as it is (its top-level files and ``Weathers/``), a ``Landscape``
            is first written with :func:`write_cell2fire_folder`.
        n_fires, seed, ignition_radius, n_weathers, ros_cv: Cell2Fire's ``--nsims``,
            ``--seed``, ``--IgnitionRad``, ``--nweathers`` (None: all weather files but the
            first and last) and ``--ROS-CV``.
        workers: layouts run at the same time (one binary process each).
        ignition_mode: only ``"cell2fire"`` (accepted so configs can pass it through).
    """

    def __init__(self, binary=None, landscape=None, n_fires: int = 100, seed: int = 123,
                 ignition_radius: int = 4, n_weathers: int | None = None, ros_cv: float = 0.0,
                 workers: int = 1, ignition_mode: str = "cell2fire"):
        from latentga.simulator.landscape import Landscape, default_landscape, load_landscape

        if ignition_mode != "cell2fire":
            raise ConfigError(f"simulator: ignition_mode {ignition_mode!r} is not available with "
                              "backend: cell2fire (the binary never redraws an ignition that "
                              "lands on a firebreak); use ignition_mode: cell2fire or "
                              "backend: builtin.")

        self.binary = find_cell2fire_binary(binary)
        # Remembered for pickling; the built-in landscape travels as None (rebuilt from the package).
        self._landscape_arg = None if landscape is default_landscape() else landscape
        if landscape is None or isinstance(landscape, Landscape):
            self._folder = None
        else:
            self._folder = Path(landscape).resolve()
        self.landscape = load_landscape(landscape)
        if self.landscape.fuel_model != "fbp":
            raise LandscapeError(f"landscape {self.landscape.name} burns in the {self.landscape.fuel_model} fuel model; "
                                 "the Cell2Fire binary backend runs FBP only (--sim C): use backend builtin, which "
                                 "burns it as C2F-W does")
        n_avail = len(self.landscape.weathers)
        if n_weathers is None:
            n_weathers = n_avail - 2 if n_avail >= 3 else max(n_avail - 1, 1)
        checks = [
            (_is_int(n_fires) and n_fires >= 1, f"n_fires must be an integer >= 1, got {n_fires!r}"),
            (_is_int(seed) and -2 ** 31 <= seed < 2 ** 31,
             f"seed must be an integer in [-2**31, 2**31) for the Cell2Fire binary, got {seed!r}"),
            (_is_int(ignition_radius) and ignition_radius >= 0,
             f"ignition_radius must be an integer >= 0, got {ignition_radius!r}"),
            (_is_int(n_weathers) and 1 <= n_weathers <= max(n_avail - 1, 1),
             f"n_weathers must be between 1 and {max(n_avail - 1, 1)} for landscape "
             f"{self.landscape.name} (it has {n_avail} weather files), got {n_weathers!r}"),
            (isinstance(ros_cv, (int, float, np.floating)) and not isinstance(ros_cv, bool)
             and ros_cv >= 0, f"ros_cv must be a number >= 0, got {ros_cv!r}"),
            (_is_int(workers) and workers >= 1, f"workers must be an integer >= 1, got {workers!r}"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(f"simulator: {msg}")
        self.n_fires, self.seed = int(n_fires), int(seed)
        self.ignition_radius, self.n_weathers = int(ignition_radius), int(n_weathers)
        self.ros_cv, self.workers = float(ros_cv), int(workers)
        self._written: tempfile.TemporaryDirectory | None = None

    # ------------------------------------------------------------------ plain properties
    @property
    def shape(self) -> tuple[int, int]:
        return self.landscape.shape

    @property
    def n_cells(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def settings(self) -> dict:
        """Everything that determines the numbers (plain types: usable as a cache key)."""
        return {"backend": "cell2fire", "binary": str(self.binary),
                "landscape": self.landscape.name, "landscape_hash": self.landscape.fingerprint(),
                "n_fires": self.n_fires, "seed": self.seed,
                "ignition_radius": self.ignition_radius, "n_weathers": self.n_weathers,
                "ros_cv": self.ros_cv, "ignition_mode": "cell2fire"}

    def __repr__(self) -> str:
        s = self.settings
        return "Cell2FireBinarySimulator(" + ", ".join(f"{k}={v!r}" for k, v in s.items()
                                                       if k != "backend") + ")"

    # Pickle the constructor arguments only; the written folder is rebuilt per process.
    def __getstate__(self):
        return {"binary": str(self.binary), "landscape": self._landscape_arg,
                "n_fires": self.n_fires, "seed": self.seed,
                "ignition_radius": self.ignition_radius, "n_weathers": self.n_weathers,
                "ros_cv": self.ros_cv, "workers": self.workers}

    def __setstate__(self, state):
        self.__init__(**state)

    # ------------------------------------------------------------------ running the binary
    def _source_folder(self) -> Path:
        if self._folder is not None:
            return self._folder
        if self._written is None:
            self._written = tempfile.TemporaryDirectory(prefix="latentga-c2f-landscape-")
            write_cell2fire_folder(self.landscape, self._written.name)
        return Path(self._written.name)

    def _command(self, inst: Path, out: Path, firebreaks: Path | None) -> list[str]:
        cmd = [str(self.binary), "--input-instance-folder", f"{inst}{os.sep}",
               "--output-folder", f"{out}{os.sep}", "--sim-years", "1",
               "--nsims", str(self.n_fires), "--Fire-Period-Length", "1.0",
               "--ROS-CV", repr(self.ros_cv), "--seed", str(self.seed),
               "--weather", "random" if len(self.landscape.weathers) > 1 else "rows",
               "--nweathers", str(self.n_weathers), "--sim", "C", "--final-grid"]
        if self.landscape.ignition_cell is not None:
            cmd += ["--ignitions", "--IgnitionRad", str(self.ignition_radius)]
        if firebreaks is not None:
            cmd += ["--FirebreakCells", str(firebreaks)]
        return cmd

    def _run_one(self, layout: np.ndarray) -> np.ndarray:
        """Burned cells of every fire for one layout: bool [N, H, W]."""
        source = self._source_folder()
        with tempfile.TemporaryDirectory(prefix="latentga-c2f-run-") as tmp:
            tmp = Path(tmp)
            inst, out = tmp / "instance", tmp / "out"
            inst.mkdir()
            out.mkdir()
            for entry in source.iterdir():  # the inputs only: top-level files and Weathers/
                if entry.is_file() and entry.name != "Data.csv":
                    shutil.copy2(entry, inst / entry.name)
                elif entry.is_dir() and entry.name == "Weathers":
                    shutil.copytree(entry, inst / entry.name)
            ids = np.flatnonzero(layout.ravel()) + 1
            firebreaks = None
            if ids.size:
                from latentga.simulator.firebreak_csv import firebreak_csv_text

                firebreaks = write_text_atomic(tmp / "firebreaks.csv", firebreak_csv_text(layout))
            proc = subprocess.run(self._command(inst, out, firebreaks), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, cwd=tmp)
            if proc.returncode != 0:
                tail = proc.stdout.decode(errors="replace")[-600:]
                raise LatentGAError(f"Cell2Fire ({self.binary}) failed with exit status "
                                    f"{proc.returncode} on landscape {self.landscape.name}; its "
                                    f"output ends with:\n{tail}\nCheck the landscape folder and "
                                    "that the binary is C2F-W (fire2a) built for this machine.")
            return self._read_grids(out / "Grids")

    def _read_grids(self, grids: Path) -> np.ndarray:
        burned = np.zeros((self.n_fires, *self.shape), dtype=bool)
        for k in range(1, self.n_fires + 1):
            folder = grids / f"Grids{k}"
            files = sorted(((int(m.group(1)), p) for p in folder.glob("ForestGrid*.csv")
                            if (m := _GRID_FILE.fullmatch(p.name))), key=lambda t: t[0]) \
                if folder.is_dir() else []
            if not files:
                raise LatentGAError(f"Cell2Fire wrote no final grid for fire {k} (expected "
                                    f"{folder}/ForestGrid*.csv); use a C2F-W binary that "
                                    "supports --final-grid.")
            grid = np.loadtxt(files[-1][1], delimiter=",", dtype=np.int64, ndmin=2)
            if grid.shape != self.shape:
                raise LatentGAError(f"Cell2Fire's grid {files[-1][1]} is {grid.shape}, the "
                                    f"landscape is {self.shape}; the binary read another landscape.")
            burned[k - 1] = grid == 1
        return burned

    def _burned_batch(self, layouts) -> np.ndarray:
        batch = as_layout_batch(layouts, self.shape)
        if self.workers == 1 or len(batch) == 1:
            results = [self._run_one(layout) for layout in batch]
        else:
            self._source_folder()  # write the landscape once, before the threads start
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                results = list(pool.map(self._run_one, batch))
        return np.stack(results) if results else np.zeros((0, self.n_fires, *self.shape), bool)

    # ------------------------------------------------------------------ public API
    def evaluate(self, layouts) -> np.ndarray:
        """Fitness of each layout: mean over the fires of the fraction of cells not burned."""
        burned = self._burned_batch(layouts)
        return 1.0 - burned.reshape(len(burned), self.n_fires, -1).mean(axis=2).mean(axis=1)

    def burned(self, layouts) -> np.ndarray:
        """Burned cells per layout and fire: bool [B, N, H, W] (firebreaks never burn)."""
        return self._burned_batch(layouts)

    def burn_probability(self, layouts) -> np.ndarray:
        """Fraction of the fires that burn each cell: float [B, H, W]."""
        return self._burned_batch(layouts).mean(axis=1)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
