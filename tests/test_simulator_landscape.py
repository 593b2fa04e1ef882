"""Reading Cell2Fire instance folders: what is read, and one clear error per kind of bad input."""

from __future__ import annotations

import numpy as np
import pytest
from test_simulator import uniform_weather, write_instance

from latentga.errors import LandscapeError
from latentga.simulator import FireSimulator, load_landscape


@pytest.fixture
def folder(tmp_path):
    return write_instance(tmp_path / "inst", np.full((4, 5), 2), uniform_weather(rows=3, files=4), ignition=7,
                          slope=np.full((4, 5), 10), saz=np.full((4, 5), 45), elevation=np.full((4, 5), 300))


def test_reads_rasters_weathers_and_the_ignition_cell(folder):
    land = load_landscape(folder)
    assert land.shape == (4, 5) and land.cell_size == 100.0 and land.ignition_cell == 7
    assert (land.slope == 10).all() and (land.aspect == 45).all() and (land.elevation == 300).all()
    assert len(land.weathers) == 4 and land.weathers[2].tolist() == [[20.0, 90.0, 90.0, 60.0]] * 3
    assert land.burnable.all() and land.fuel_lookup == {2: "C2"}


def test_absent_terrain_rasters_default_to_zero_and_forest_asc_is_read(tmp_path):
    f = write_instance(tmp_path / "old", np.full((3, 3), 2), uniform_weather())
    (f / "fuels.asc").rename(f / "Forest.asc")
    land = load_landscape(f)
    assert (land.slope == 0).all() and (land.aspect == 0).all() and land.ignition_cell is None
    # no Ignitions.csv: every fire still starts somewhere burnable
    assert (FireSimulator(land, n_fires=5).ignitions(np.zeros((3, 3)))[0] >= 0).all()


@pytest.mark.parametrize("breakage, message", [
    (lambda f: (f / "fuels.asc").unlink(), "no fuel raster"),
    (lambda f: (f / "slope.asc").write_text((f / "slope.asc").read_text().replace("nrows 4", "nrows 3")
                                           .rsplit("\n", 2)[0] + "\n"), "same size"),
    (lambda f: (f / "fuels.asc").write_text((f / "fuels.asc").read_text().replace("2 2 2 2 2\n", "2 7 2 2 2\n", 1)),
     "fuel code 7"),
    (lambda f: (f / "Weathers" / "Weather2.csv").write_text("Scenario,WD,FFMC,BUI\nS,90,90,60\n"), "WS"),
    (lambda f: (f / "Ignitions.csv").write_text("Year,Ncell\n1,21\n"), "off the 4x5 grid"),
    (lambda f: (f / "saz.asc").write_text((f / "saz.asc").read_text().replace("45", "abc", 1)), "not a number"),
    (lambda f: (f / "Weathers" / "Weather1.csv").unlink(), "Weather1.csv"),
])
def test_bad_input_is_one_clear_landscape_error(folder, breakage, message):
    breakage(folder)
    with pytest.raises(LandscapeError, match=message):
        load_landscape(folder)


def test_missing_folder_and_unsupported_fuel_type(tmp_path):
    with pytest.raises(LandscapeError, match="does not exist"):
        load_landscape(tmp_path / "nowhere")
    lookup = "grid_value,fuel_type\n2,C-2\n40,X-9\n"  # a type no FBP table has
    f = write_instance(tmp_path / "m1", np.array([[2, 40], [2, 2]]), uniform_weather(), ignition=0, lookup=lookup)
    land = load_landscape(f)  # the folder reads fine...
    with pytest.raises(LandscapeError, match="X9"):  # ...but the simulator says what it cannot model
        FireSimulator(land, n_fires=2).evaluate(np.zeros((2, 2)))


# --- bad data: one line naming the file, the value and the fix ------------------------------------
def _weather_value(folder, column, value):
    p = folder / "Weathers" / "Weather2.csv"
    head, *rows = p.read_text().splitlines()
    cols = head.split(",")
    cells = rows[0].split(",")
    cells[cols.index(column)] = value
    p.write_text("\n".join([head, ",".join(cells), *rows[1:]]) + "\n")
    return p


@pytest.mark.parametrize("column, value", [("WS", "nan"), ("WS", "-5"), ("WS", "inf"), ("WS", "5000"),
                                           ("FFMC", "nan"), ("BUI", "-1"), ("WD", "nan")])
def test_bad_weather_values_are_refused_naming_file_value_and_fix(folder, column, value):
    _weather_value(folder, column, value)
    with pytest.raises(LandscapeError, match=rf"Weather2\.csv, line 2: {column} is '{value}'; give a finite") as exc:
        load_landscape(folder)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_slope_is_refused(folder, value):
    p = folder / "slope.asc"
    p.write_text(p.read_text().replace("\n10 ", f"\n{value} ", 1))
    with pytest.raises(LandscapeError, match=rf"slope\.asc: cell \(row 0, col 0\) is {value}; every slope value"):
        load_landscape(folder)


@pytest.mark.parametrize("name", ["fuels.asc", "slope.asc", "fbp_lookup_table.csv", "Weathers/Weather1.csv",
                                  "Ignitions.csv"])
def test_non_utf8_bytes_name_the_file(folder, name):
    p = folder / name
    p.write_bytes(p.read_bytes()[:12] + b"\xff\xfe" + p.read_bytes()[12:])
    with pytest.raises(LandscapeError, match=rf"{p.name} is not UTF-8 text \(byte 0xff") as exc:
        load_landscape(folder)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("value", [0.5, np.nan, np.inf, 2, -1])
def test_layout_values_other_than_0_and_1_are_refused(folder, value):
    from latentga.errors import LayoutError

    sim = FireSimulator(load_landscape(folder), n_fires=2)
    lay = np.zeros((4, 5))
    lay[1, 2] = value
    for call in (sim.evaluate, sim.burned, sim.burn_probability, sim.ignitions):
        with pytest.raises(LayoutError, match=r"at index \(1, 2\): a layout holds 0 \(no firebreak\) or 1"):
            call(lay)
    lay[1, 2] = 1
    assert sim.evaluate(lay).shape == (1,) and sim.evaluate(lay.astype(bool))[0] == sim.evaluate(lay)[0]


@pytest.mark.parametrize("cv", [float("inf"), float("nan"), -0.1, 11.0, True])
def test_bad_ros_cv_is_refused(folder, cv):
    from latentga.errors import ConfigError

    with pytest.raises(ConfigError, match="ros_cv must be a number from 0 to 10"):
        FireSimulator(load_landscape(folder), n_fires=2, ros_cv=cv)


# --- curing raster (cur.asc): Cell2Fire's behaviour by default, FBP's meaning as an option ---------
def _grass_folder(tmp_path, cur=None):
    from test_simulator import _asc

    fuels = np.full((9, 9), 31)  # O1a grass
    f = write_instance(tmp_path / "grass", fuels, uniform_weather(ws=25.0, rows=2, files=3), ignition=40)
    if cur is not None:
        _asc(f / "cur.asc", cur)
    return f


def test_curing_raster_loads_and_does_what_cell2fire_does(tmp_path):
    cur = np.full((9, 9), 90.0)
    cur[0, 0] = np.nan  # C2F-W writes its 60 % default only where the raster value is NaN
    without = FireSimulator(load_landscape(_grass_folder(tmp_path / "a")), n_fires=5, ignition_radius=1)
    f = _grass_folder(tmp_path / "b", cur)
    land = load_landscape(f)
    assert land.curing_mode == "cell2fire"
    expect = np.zeros((9, 9))
    expect[0, 0] = 60.0
    assert np.array_equal(land.curing_input(), expect)
    # grass at 0 % curing never spreads: only the ignition cell burns
    assert (FireSimulator(land, n_fires=5, ignition_radius=1).burned(np.zeros((9, 9))).sum(axis=(2, 3)) == 1).all()
    assert (without.burned(np.zeros((9, 9))).sum(axis=(2, 3)) > 1).all()  # at the default 60 % it does
    assert land.fingerprint() != without.landscape.fingerprint()


def test_curing_raster_option_uses_each_cells_value(tmp_path):
    cur = np.full((9, 9), 90.0)
    f = _grass_folder(tmp_path, cur)
    raster = load_landscape(f, curing="raster")
    assert np.array_equal(raster.curing_input(), cur)
    sim = FireSimulator(f, n_fires=5, ignition_radius=1, curing="raster")
    assert sim.landscape.curing_mode == "raster"
    default = FireSimulator(load_landscape(f), n_fires=5, ignition_radius=1)
    assert sim.evaluate(np.zeros((9, 9)))[0] < default.evaluate(np.zeros((9, 9)))[0]  # 90 % burns more than 0 %
    assert raster.fingerprint() != load_landscape(f).fingerprint()
    with pytest.raises(LandscapeError, match="curing mode 'fbp' is not one of cell2fire, raster"):
        load_landscape(f, curing="fbp")


@pytest.mark.slow
def test_dogrib_with_its_curing_raster_runs_unmodified(tmp_path):
    import shutil

    from test_fidelity import SHARED

    if SHARED is None or not (SHARED / "reference" / "dogrib").is_dir():
        pytest.skip("shared/reference/dogrib is absent")
    f = tmp_path / "dogrib"
    shutil.copytree(SHARED / "reference" / "dogrib", f)
    land0 = load_landscape(f)
    from test_simulator import _asc

    _asc(f / "cur.asc", np.full(land0.shape, 80))  # as C2F-W's own Dogrib folder has one
    land = load_landscape(f)
    grass = np.asarray(land.fuel_types) == "O1a"
    assert grass.any() and (land.curing_input()[grass] == 0).all()
    assert FireSimulator(land, n_fires=3).evaluate(np.zeros(land.shape, bool)).shape == (1,)


# --- where fires start -------------------------------------------------------------------------
def test_ignitions_anywhere_ignores_the_ignition_file(folder):
    land = load_landscape(folder)
    block = FireSimulator(land, n_fires=60, ignition_radius=0).ignitions(np.zeros((4, 5)))[0]
    assert (block == 7).all()
    anywhere = FireSimulator(land, n_fires=60, ignition_radius=0, ignitions="anywhere")
    cells = anywhere.ignitions(np.zeros((4, 5)))[0]
    assert len(set(cells.tolist())) > 5 and anywhere.settings["ignitions"] == "anywhere"
    assert "ignitions" not in FireSimulator(land, n_fires=2).settings  # default keeps existing cache keys
    import pickle

    assert np.array_equal(pickle.loads(pickle.dumps(anywhere)).ignitions(np.zeros((4, 5)))[0], cells)
    from latentga.errors import ConfigError

    with pytest.raises(ConfigError, match="ignitions must be one of"):
        FireSimulator(land, n_fires=2, ignitions="random")
