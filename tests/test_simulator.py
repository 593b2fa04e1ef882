"""The built-in fire simulator: physics a fire scientist would check, and the API contract."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest

from latentga.errors import ConfigError, LayoutError
from latentga.simulator import FireSimulator, default_landscape, kernel, load_landscape
from latentga.simulator.fbp import FUEL_TYPES, fbp_rates
from latentga.simulator.tables import rate_tables

LOOKUP = ("grid_value,export_value,descriptive_name,fuel_type,r,g,b,h,s,l\n"
          "2,2,Boreal Spruce,C-2,0,0,0,0,0,0\n"
          "31,31,Matted Grass,O-1a,0,0,0,0,0,0\n"
          "101,101,Non-fuel,Non-fuel,0,0,0,0,0,0\n")


def _asc(path: Path, grid, cell_size=100):
    grid = np.asarray(grid)
    head = (f"ncols {grid.shape[1]}\nnrows {grid.shape[0]}\nxllcorner 0\nyllcorner 0\n"
            f"cellsize {cell_size}\nNODATA_value -9999\n")
    path.write_text(head + "\n".join(" ".join(str(v) for v in row) for row in grid) + "\n")


def write_instance(folder: Path, fuels, weathers, ignition=None, slope=None, saz=None, elevation=None,
                   lookup=LOOKUP) -> Path:
    """Write a Cell2Fire instance folder; ``weathers`` is a list of [(WS, WD, FFMC, BUI), ...] tables
    (file k = Weathers/Weather{k}.csv), ``ignition`` a 0-based cell or None."""
    folder.mkdir(parents=True, exist_ok=True)
    _asc(folder / "fuels.asc", fuels)
    for name, grid in (("slope.asc", slope), ("saz.asc", saz), ("elevation.asc", elevation)):
        if grid is not None:
            _asc(folder / name, grid)
    (folder / "fbp_lookup_table.csv").write_text(lookup)
    (folder / "Weathers").mkdir(exist_ok=True)
    for k, rows in enumerate(weathers):
        text = "Scenario,datetime,WS,WD,FFMC,BUI\n" + "".join(
            f"S,2001-01-01 {10 + i}:00,{ws},{wd},{ffmc},{bui}\n" for i, (ws, wd, ffmc, bui) in enumerate(rows))
        (folder / "Weathers" / f"Weather{k}.csv").write_text(text)
    if ignition is not None:
        (folder / "Ignitions.csv").write_text(f"Year,Ncell\n1,{ignition + 1}\n")
    return folder


def uniform_weather(ws=20.0, wd=90.0, ffmc=90.0, bui=60.0, rows=2, files=3):
    return [[(ws, wd, ffmc, bui)] * rows for _ in range(files)]


def flat_forest(tmp_path, name="flat", shape=(15, 15), weather=None, fuel=2, **kw) -> FireSimulator:
    ign = (shape[0] // 2) * shape[1] + shape[1] // 2
    folder = write_instance(tmp_path / name, np.full(shape, fuel), weather or uniform_weather(), ignition=ign)
    kw.setdefault("n_fires", 8)
    kw.setdefault("ignition_radius", 0)
    return FireSimulator(load_landscape(folder), **kw)


# ------------------------------------------------------------------------------------ FBP
def test_head_back_flank_rates_match_the_fbp_equations():
    ws, ffmc, bui = 20.0, 90.0, 60.0
    m = 147.2 * (101 - ffmc) / (59.5 + ffmc)
    ff = 91.9 * math.exp(-0.1386 * m) * (1 + m ** 5.31 / 4.93e7)
    isi = 0.208 * ff * math.exp(0.05039 * ws)
    bisi = 0.208 * ff * math.exp(-0.05039 * ws)
    a, b, c, q, bui0 = 110, 0.0282, 1.5, 0.70, 64  # C2, ST-X-3 table 6
    be = math.exp(50 * math.log(q) * (1 / bui - 1 / bui0))
    hros = a * (1 - math.exp(-b * isi)) ** c * be
    bros = a * (1 - math.exp(-b * bisi)) ** c * be
    lb = 1 + 8.729 * (1 - math.exp(-0.030 * ws)) ** 2.155
    fros = (hros + bros) / (2 * lb)
    got = fbp_rates(FUEL_TYPES["C2"], ws, 0.0, ffmc, bui)
    for name, want in (("hros", hros), ("bros", bros), ("lb", lb), ("fros", fros), ("isi", isi)):
        assert float(getattr(got, name)) == pytest.approx(want, rel=1e-6, abs=1e-9), name


def test_slope_adds_an_equivalent_wind_along_the_slope_azimuth():
    ws, wd, ffmc, bui, ps, saz = 10.0, 0.0, 90.0, 60.0, 30.0, 90.0
    fuel = FUEL_TYPES["C2"]
    m = 147.2 * (101 - ffmc) / (59.5 + ffmc)
    ff = 91.9 * math.exp(-0.1386 * m) * (1 + m ** 5.31 / 4.93e7)
    isz = 0.208 * ff
    sf = math.exp(3.533 * (ps / 100) ** 1.2)
    rsf = fuel.a * (1 - math.exp(-fuel.b * isz)) ** fuel.c * sf
    isf = -math.log(1 - (rsf / fuel.a) ** (1 / fuel.c)) / fuel.b
    wse = math.log(isf / isz) / 0.05039
    wsv = math.hypot(ws + wse * math.cos(math.radians(saz)), wse * math.sin(math.radians(saz)))
    got = fbp_rates(fuel, ws, wd, ffmc, bui, ps, saz)
    assert float(got.wsv) == pytest.approx(wsv, rel=1e-6)
    assert float(got.hros) > float(fbp_rates(fuel, ws, wd, ffmc, bui).hros)  # upslope runs faster


# ------------------------------------------------------------------------------------ physics
def test_non_fuel_never_burns_and_an_all_non_fuel_landscape_scores_one(tmp_path):
    fuels = np.full((12, 12), 2)
    fuels[:, 8:] = 101
    folder = write_instance(tmp_path / "half", fuels, uniform_weather(ws=30), ignition=5 * 12 + 5)
    sim = FireSimulator(load_landscape(folder), n_fires=6, ignition_radius=1)
    burned = sim.burned(np.zeros((12, 12)))
    assert burned[..., :8].any() and not burned[..., 8:].any()
    folder = write_instance(tmp_path / "none", np.full((6, 6), 101), uniform_weather(), ignition=14)
    sim = FireSimulator(load_landscape(folder), n_fires=5)
    assert sim.evaluate(np.zeros((6, 6))).tolist() == [1.0]
    assert not sim.burned(np.zeros((6, 6))).any()


def test_an_unbroken_firebreak_line_stops_the_fire(tmp_path):
    sim = flat_forest(tmp_path, weather=uniform_weather(ws=35, wd=90))  # spreads east
    line = np.zeros(sim.shape, bool)
    line[:, 10] = True
    open_grid = sim.burned(np.zeros(sim.shape))
    assert open_grid[..., 11:].any()  # without the line the fire does cross column 10
    stopped = sim.burned(line)
    assert stopped[..., 9].any() and not stopped[..., 10:].any()  # it reached the line, never beyond


def test_more_fire_travels_downwind_than_upwind(tmp_path):
    for wd, (down, up) in ((90.0, (slice(8, None), slice(0, 7))), (270.0, (slice(0, 7), slice(8, None)))):
        sim = flat_forest(tmp_path, name=f"wd{int(wd)}", weather=uniform_weather(ws=25, wd=wd))
        burned = sim.burned(np.zeros(sim.shape))[0]
        assert burned[..., down].sum() > 2 * burned[..., up].sum()


def test_stronger_wind_and_drier_fuel_burn_more(tmp_path):
    def fire(name, ws=20.0, ffmc=90.0):
        folder = write_instance(tmp_path / name, np.full((21, 101), 2), uniform_weather(ws=ws, ffmc=ffmc),
                                ignition=10 * 101 + 5)
        burned = FireSimulator(load_landscape(folder), n_fires=2, ignition_radius=0).burned(np.zeros((21, 101)))
        return burned[0, 0].sum(), np.flatnonzero(burned[0, 0].any(axis=0)).max()

    (a5, reach5), (_, reach20), (a45, reach45) = fire("w5", ws=5), fire("w20", ws=20), fire("w45", ws=45)
    # C2F-W's ellipse (a = HROS, b = FROS) has very slow flanks in strong wind, so what wind
    # buys is mainly distance downwind (east here); over a long enough run the area grows too.
    assert reach5 < reach20 < reach45 and a45 > 1.5 * a5
    areas = [fire(f"f{v}", ffmc=v)[0] for v in (84, 88, 93)]
    assert areas[0] < areas[1] < areas[2]


# ------------------------------------------------------------------------------------ kernels
def test_event_kernel_matches_per_period_stepping_on_a_rough_landscape(tmp_path):
    rng = np.random.default_rng(7)
    shape = (14, 16)
    fuels = rng.choice([2, 2, 2, 31, 101], size=shape)
    weathers = [[(rng.uniform(0, 45), rng.uniform(0, 360), rng.uniform(84, 95), rng.uniform(20, 90))
                 for _ in range(int(rng.integers(1, 4)))] for _ in range(12)]
    folder = write_instance(tmp_path / "rough", fuels, weathers, ignition=7 * 16 + 8,
                            slope=rng.integers(0, 90, shape), saz=rng.integers(0, 360, shape))
    land = load_landscape(folder)
    t = rate_tables(land)
    n = shape[0] * shape[1]
    heads, nxt, cells = np.empty(300, np.int32), np.empty(8 * n + 2, np.int32), np.empty(8 * n + 2, np.int32)
    key, parent, order = (np.empty(n, np.int32) for _ in range(3))
    ref = np.empty(n, bool)
    checked = 0
    for f in range(150):
        w = int(rng.integers(0, 12))
        factor = 1.0 + (0.0 if f % 2 else 0.6 * abs(rng.normal()))
        ign = int(rng.integers(0, n))
        layout = rng.random(n) < 0.08
        blocked = ~t.burnable | layout
        rates = t.rates if factor == 1.0 else t.rates64  # C2F-W scales the double rates by the factor
        kernel.spread_periods(w, factor, ign, blocked, rates, t.hros, t.nrows, t.nbr, t.dist, ref)
        cnt = kernel.spread_events(w, factor, ign, blocked.copy(), rates, t.hros, t.nrows, t.nbr, t.dist,
                                   key, parent, heads, nxt, cells, order)
        fast = np.zeros(n, bool)
        fast[order[:cnt]] = True
        assert np.array_equal(fast, ref), f"fire {f}: weather {w}, factor {factor}, ignition {ign}"
        checked += ref.sum() > 1
    assert checked > 50  # most of these fires spread


# ------------------------------------------------------------------------------------ API
def test_same_seed_same_numbers_and_fitness_is_the_unburned_share():
    lays = np.zeros((3, 20, 20), bool)
    lays[1, :, 10] = True
    lays[2, 7, :] = True
    a = FireSimulator(n_fires=40, seed=5, ros_cv=0.3)
    b = FireSimulator(n_fires=40, seed=5, ros_cv=0.3)
    fa = a.evaluate(lays)
    assert np.array_equal(fa, b.evaluate(lays))
    assert not np.array_equal(fa, FireSimulator(n_fires=40, seed=6, ros_cv=0.3).evaluate(lays))
    burned = a.burned(lays)
    assert burned.shape == (3, 40, 20, 20) and burned.dtype == bool
    assert np.allclose(fa, 1.0 - burned.mean(axis=(1, 2, 3)))
    assert not burned[1][:, :, 10].any() and not burned[2][:, 7, :].any()  # firebreaks never burn
    assert np.all((fa >= 0) & (fa <= 1))
    prob = a.burn_probability(lays)
    assert prob.shape == (3, 20, 20) and np.allclose(prob, burned.mean(axis=1))
    # scoring one layout alone gives the same number as inside a batch (common random numbers)
    assert a.evaluate(lays[2])[0] == fa[2]


def test_pickles_small_and_rebuilds_the_same_simulator():
    sim = FireSimulator(n_fires=30, seed=9)
    blob = pickle.dumps(sim)
    assert len(blob) < 2000
    clone = pickle.loads(blob)
    assert clone.settings == sim.settings
    lay = np.zeros((20, 20))
    lay[5, :] = 1
    assert clone.evaluate(lay)[0] == sim.evaluate(lay)[0]


def test_cell2fire_ignition_mode_skips_fires_drawn_on_firebreaks_and_redraw_does_not():
    col = np.zeros((20, 20), bool)
    col[:, 9] = True
    sim = FireSimulator(n_fires=200)
    ign = sim.ignitions(col)[0]
    assert 5 < (ign == -1).sum() < 60  # about 1 in 9 candidates lies on the column
    redraw = FireSimulator(n_fires=200, ignition_mode="redraw")
    ign2 = redraw.ignitions(col)[0]
    assert (ign2 >= 0).all() and not col.ravel()[ign2].any()
    assert np.array_equal(ign2[ign >= 0], ign[ign >= 0])  # only the skipped fires change
    assert redraw.evaluate(col)[0] < sim.evaluate(col)[0]


def test_spread_tree_links_every_burned_cell_to_a_burning_neighbour():
    res = FireSimulator(n_fires=20).simulate(np.zeros((20, 20)), record_parents=True)
    burned, parents, ign = res.burned[0].reshape(20, -1), res.parents[0], res.ignition[0]
    for k in range(20):
        cells = np.flatnonzero(burned[k])
        assert parents[k, ign[k]] == -1
        assert (parents[k][~burned[k]] == -2).all()
        for c in cells[cells != ign[k]]:
            p = parents[k, c]
            assert burned[k, p] and max(abs(p // 20 - c // 20), abs(p % 20 - c % 20)) == 1


def test_bad_settings_and_layouts_are_clear_errors():
    with pytest.raises(ConfigError, match="ignition_mode"):
        FireSimulator(ignition_mode="anywhere")
    with pytest.raises(ConfigError, match="n_weathers"):
        FireSimulator(n_weathers=400)
    with pytest.raises(ConfigError, match="n_fires"):
        FireSimulator(n_fires=0)
    with pytest.raises(LayoutError, match="20x20"):
        FireSimulator(n_fires=2).evaluate(np.zeros((10, 10)))


def test_default_landscape_is_the_embedded_sub20x20():
    land = default_landscape()
    assert land.shape == (20, 20) and land.cell_size == 100.0 and land.ignition_cell == 209
    assert len(land.weathers) == 360 and land.weathers[1].shape == (4, 4)
    assert (np.asarray(land.fuel_types) == "C2").all()
    assert FireSimulator().n_weathers == 358


@pytest.mark.slow
def test_cli_simulate_writes_fitness_and_burn_map(tmp_path, capsys):
    from latentga.cli import main

    lays = np.zeros((2, 20, 20))
    lays[1, :, 10] = 1
    np.save(tmp_path / "lays.npy", lays)
    out = tmp_path / "fit.csv"
    args = ["simulate", "--layouts", str(tmp_path / "lays.npy"), "--fires", "30", "--ros-cv", "0.2"]
    assert main(args + ["--out", str(out), "--burn-map", str(tmp_path / "burn.png")]) == 0
    import pandas as pd

    table = pd.read_csv(out)
    assert list(table.columns) == ["index", "fitness", "mean_burned"]
    sim = FireSimulator(n_fires=30, ros_cv=0.2)
    assert np.allclose(table["fitness"], sim.evaluate(lays))
    assert (tmp_path / "burn.png").stat().st_size > 1000
    assert main(args + ["--workers", "2", "--out", str(tmp_path / "fit2.csv")]) == 0
    assert pd.read_csv(tmp_path / "fit2.csv").equals(table)
    assert main(["simulate", "--layouts", str(tmp_path / "missing.npy")]) == 2
    assert "missing.npy does not exist" in capsys.readouterr().err
