"""Plans in the formats other tools read: round trips, georeference kept, mismatches refused."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from latentga.errors import LandscapeError, LayoutError
from latentga.layouts import random_layouts
from latentga.plans import firebreak_csv_text, read_plans, write_plan, write_plan_files
from latentga.simulator import FireSimulator, load_landscape
from latentga.simulator.rasters import read_raster, write_raster

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_fidelity import SHARED, needs_shared  # noqa: E402

try:
    import rasterio  # noqa: F401
except ImportError:
    rasterio = None
needs_rasterio = pytest.mark.skipif(rasterio is None, reason="rasterio (the gis extra) is not installed")
WKT = ('PROJCS["ETRS89 / UTM zone 31N",GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",'
       'SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],'
       'PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",3],'
       'PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],'
       'UNIT["metre",1]]')


@pytest.fixture(scope="module")
def land():
    return load_landscape(None)


@pytest.fixture(scope="module")
def plan(land):
    return random_layouts(1, land.shape, 20, np.random.default_rng(3))[0]


@pytest.mark.parametrize("suffix", [".npy", ".csv", ".asc", pytest.param(".tif", marks=needs_rasterio)])
def test_round_trip(tmp_path, land, plan, suffix):
    write_plan(tmp_path / f"plan{suffix}", plan, land)
    back = read_plans(tmp_path / f"plan{suffix}", land)
    assert back.shape == (1, *land.shape) and (back[0] == plan).all()


def test_csv_is_cell2fires_format(tmp_path, land):
    layout = np.zeros(land.shape, bool)
    layout[0, 0] = layout[1, 2] = True  # ids 1 and 1*20+2+1 = 23
    write_plan(tmp_path / "p.csv", layout, land)
    assert (tmp_path / "p.csv").read_text() == "Year Number,Cell Numbers\n1,1,23\n"
    assert firebreak_csv_text(np.zeros(land.shape, bool)) == "Year Number,Cell Numbers\n1,\n"
    assert not read_plans(tmp_path / "p.csv", land)[0].sum() == 0


def test_asc_keeps_the_landscapes_header(tmp_path, land, plan):
    write_plan(tmp_path / "plan.asc", plan, land)
    head = (tmp_path / "plan.asc").read_text().splitlines()[:6]
    assert head == ["ncols 20", "nrows 20", "xllcorner 457900", "yllcorner 5716800", "cellsize 100",
                    "NODATA_value -9999"]
    files = write_plan_files(tmp_path / "out", plan, land)
    assert sorted(files) == ["plan.asc", "plan.csv"]  # no .prj: the built-in landscape has none


@needs_shared
def test_landscape_keeps_georeference_and_prj(tmp_path, plan):
    folder = tmp_path / "Sub20x20"
    shutil.copytree(SHARED / "reference" / "Sub20x20", folder)
    (folder / "fuels.prj").write_text(WKT + "\n")
    land = load_landscape(folder)
    g = land.georef
    assert (g.xllcorner, g.yllcorner, g.cellsize, g.prj) == (457900.0, 5716800.0, 100.0, WKT)
    assert land.fingerprint() == load_landscape(None).fingerprint()  # georeference is not fire input
    files = write_plan_files(tmp_path / "out", plan, land)
    assert (tmp_path / "out" / "plan.prj").read_text().strip() == WKT and "plan.prj" in files
    assert (read_plans(tmp_path / "out" / "plan.asc", land)[0] == plan).all()


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.replace("xllcorner 457900", "xllcorner 457000"), "lower-left corner"),
    (lambda t: t.replace("cellsize 100", "cellsize 50"), "cell size"),
])
def test_mismatched_raster_refused_in_one_line(tmp_path, land, plan, edit, words):
    write_plan(tmp_path / "plan.asc", plan, land)
    (tmp_path / "plan.asc").write_text(edit((tmp_path / "plan.asc").read_text()))
    with pytest.raises(LayoutError) as err:
        read_plans(tmp_path / "plan.asc", land)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_other_grid_and_bad_files_refused(tmp_path, land):
    other = random_layouts(1, (10, 10), 5, np.random.default_rng(0))[0]
    from latentga.simulator.rasters import Georeference

    write_raster(tmp_path / "small.asc", other.astype(np.uint8), Georeference(10, 10, 457900, 5716800, 100), integer=True)
    cases = {"small.asc": "grid is 10x10", "bad.csv": "off the 20x20", "dup.csv": "listed twice",
             "head.csv": "first line", "two.asc": "1 (firebreak) and 0", "plan.txt": "unknown format",
             "none.csv": "does not exist"}
    (tmp_path / "bad.csv").write_text("Year Number,Cell Numbers\n1,401\n")
    (tmp_path / "dup.csv").write_text("Year Number,Cell Numbers\n1,5,5\n")
    (tmp_path / "head.csv").write_text("1,2,3\n")
    (tmp_path / "plan.txt").write_text("")
    write_plan(tmp_path / "two.asc", np.zeros(land.shape, bool), land)
    (tmp_path / "two.asc").write_text((tmp_path / "two.asc").read_text().replace("\n0 ", "\n2 ", 1))
    for name, words in cases.items():
        with pytest.raises(LayoutError) as err:
            read_plans(tmp_path / name, land)
        assert words in str(err.value) and "\n" not in str(err.value), name


@needs_shared
@needs_rasterio
def test_geotiff_instance_loads_like_the_asc_one(tmp_path, plan):
    src = SHARED / "reference" / "Sub20x20"
    folder = tmp_path / "tif"
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("*.asc"))
    for stem in ("fuels", "elevation", "slope", "saz"):
        r = read_raster(src / f"{stem}.asc")
        g = r.georef.__class__(**{**r.georef.__dict__, "prj": WKT})
        write_raster(folder / f"{stem}.tif", r.values, g)
    land, ref = load_landscape(folder), load_landscape(src)
    assert land.fingerprint() == ref.fingerprint() and land.georef.format == "tif"
    assert land.georef.mismatch(ref.georef) is None
    files = write_plan_files(tmp_path / "out", plan, land)
    assert "plan.tif" in files and (read_plans(files["plan.tif"], land)[0] == plan).all()
    sim_a, sim_b = FireSimulator(land, n_fires=20), FireSimulator(ref, n_fires=20)
    assert sim_a.evaluate(plan[None])[0] == sim_b.evaluate(plan[None])[0]


def test_missing_rasterio_is_one_line(tmp_path, land, plan, monkeypatch):
    monkeypatch.setitem(sys.modules, "rasterio", None)
    with pytest.raises(LayoutError) as err:
        write_plan(tmp_path / "plan.tif", plan, land)
    assert "pip install" in str(err.value) and "\n" not in str(err.value)
    (tmp_path / "fuels.tif").write_bytes(b"II*\0")
    with pytest.raises(LandscapeError, match="rasterio"):
        read_raster(tmp_path / "fuels.tif")


def test_simulate_cli_reads_every_format(tmp_path, land, plan):
    want = FireSimulator(land, n_fires=10).evaluate(plan[None])[0]
    for suffix in (".npy", ".csv", ".asc"):
        write_plan(tmp_path / f"plan{suffix}", plan, land)
        out = subprocess.run([sys.executable, "-m", "latentga", "simulate", "--layouts", str(tmp_path / f"plan{suffix}"),
                              "--fires", "10"], capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert out.returncode == 0 and f"fitness {want:.6f}" in out.stdout, out.stderr


def test_exported_csv_gives_the_same_fitness_in_cell2fire(tmp_path, land, plan):
    """The exported plan.csv is the file the real Cell2Fire reads (the backend writes it with the
    same writer), and the binary's fitness on it equals latentga's on the same fires."""
    from test_cell2fire_backend import _real_binary

    from latentga.simulator.cell2fire_backend import Cell2FireBinarySimulator

    binary = _real_binary()
    files = write_plan_files(tmp_path, plan, land)
    layout = read_plans(files["plan.csv"], land)
    assert firebreak_csv_text(layout[0]) == files["plan.csv"].read_text()
    real = Cell2FireBinarySimulator(binary=binary, landscape=land, n_fires=20).evaluate(layout)
    assert real[0] == pytest.approx(FireSimulator(land, n_fires=20).evaluate(layout)[0], abs=1e-12)
