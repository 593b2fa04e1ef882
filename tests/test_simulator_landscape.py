"""Reading Cell2Fire instance folders: what is read, and one clear error per kind of bad input."""

from __future__ import annotations

import numpy as np
import pytest

from latentga.errors import LandscapeError
from latentga.simulator import FireSimulator, load_landscape
from test_simulator import uniform_weather, write_instance


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
