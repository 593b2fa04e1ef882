"""Kitral and Scott & Burgan: the lookup table chooses the model, bad input is one clear error,
and the 32-bit rate chain agrees with the published equations (fire-for-fire checks against
Cell2Fire are in test_fidelity.py)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from latentga.config import load_config
from latentga.errors import ConfigError, LandscapeError
from latentga.simulator import FireSimulator, load_landscape
from latentga.simulator.fuel_models import kitral_fmc, scott_burgan_coefficients
from latentga.simulator.surface32 import ellipse_ab, kitral_rates, kitral_weather, sb_rates

INSTANCES = Path(__file__).resolve().parent / "data" / "golden" / "instances"


@pytest.fixture
def copy(tmp_path):
    def _copy(name):
        dst = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(INSTANCES / name, dst)
        for p in dst.rglob("*"):
            p.chmod(0o644 if p.is_file() else 0o755)
        return dst
    return _copy


@pytest.mark.parametrize("name, model", [("Portezuelo", "kitral"), ("vilo100", "scott_burgan"), ("Sub40x40", "fbp")])
def test_each_lookup_table_chooses_its_model(name, model):
    land = load_landscape(INSTANCES / name)
    assert land.fuel_model == model
    sim = FireSimulator(land, n_fires=3, seed=1)
    assert sim.burned_counts(np.zeros(land.shape, bool)).max() > 1  # it burns
    assert (model == "fbp") == ("fuel_model" not in sim.settings)  # FBP cache keys unchanged


def test_fuel_model_override_picks_among_tables(copy):
    f = copy("vilo100")
    shutil.copy(INSTANCES / "Portezuelo" / "kitral_lookup_table.csv", f)
    with pytest.raises(LandscapeError, match="set simulator.fuel_model"):
        load_landscape(f)
    assert load_landscape(f, fuel_model="scott_burgan").fuel_model == "scott_burgan"
    with pytest.raises(LandscapeError, match="no fbp_lookup_table.csv"):
        load_landscape(f, fuel_model="fbp")
    with pytest.raises(LandscapeError, match="is not one of"):
        load_landscape(f, fuel_model="portugal")
    with pytest.raises(LandscapeError, match="not kitral"):
        FireSimulator(load_landscape(INSTANCES / "vilo100"), fuel_model="kitral")


def _one_line(exc) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def test_missing_table_unknown_code_and_size_mismatch_are_one_line_errors(copy):
    f = copy("vilo100")
    (f / "spain_lookup_table.csv").unlink()
    with pytest.raises(LandscapeError, match="no fuel lookup table") as exc:
        load_landscape(f)
    _one_line(exc)
    f = copy("Portezuelo")
    with open(f / "kitral_lookup_table.csv", "a") as fh:
        fh.write("\n34,34,Made up,XX99,0,0,0,0,0,0\n")  # Portezuelo's raster has 11 cells of code 34
    with pytest.raises(LandscapeError, match="no rates for code 34") as exc:
        load_landscape(f)
    assert "kitral" in _one_line(exc)
    f2 = copy("vilo100")
    text = (f2 / "elevation.asc").read_text().splitlines()
    (f2 / "elevation.asc").write_text("\n".join([text[0], text[1].replace("100", "99")] + text[2:-1]) + "\n")
    with pytest.raises(LandscapeError, match="same size") as exc:
        load_landscape(f2)
    _one_line(exc)


def test_codes_the_table_does_not_list_are_non_fuel_as_in_cell2fire():
    land = load_landscape(INSTANCES / "Portezuelo")
    grid = np.asarray(land.fuel_grid)
    assert (grid == 34).sum() == 11 and not land.burnable[grid == 34].any() and not land.burnable[grid == 0].any()


def test_weather_columns_follow_the_model(copy):
    f = copy("Portezuelo")
    (f / "Weather.csv").write_text("Instance,datetime,WS,WD,TMP\nA,x,10,225,27\n")
    with pytest.raises(LandscapeError, match="lacks column.*RH"):
        load_landscape(f)
    land = load_landscape(INSTANCES / "vilo100")
    assert land.weather_columns == ("WS", "WD") and land.weathers[0].shape[1] == 2


def test_config_and_binary_backend_refusals(tmp_path):
    with pytest.raises(ConfigError, match="fuel_model"):
        load_config(overrides={"simulator": {"fuel_model": "portugal"}})
    from latentga.simulator.cell2fire_backend import Cell2FireBinarySimulator

    fake = tmp_path / "Cell2Fire"  # never run: the landscape is refused first
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(LandscapeError, match="FBP only"):
        Cell2FireBinarySimulator(binary=str(fake), landscape=INSTANCES / "vilo100")


def _sb_by_hand(p1, p2, p3, ws):
    ros = 1.0 / (p1 * math.exp(-p2 * ws) + p3)
    lb = (0.936 * math.exp(0.2566 * ws / 3.6) + 0.461 * math.exp(-0.1548 * ws / 3.6) - 0.397) ** 0.45
    return ros, lb


@pytest.mark.parametrize("code", [101, 122, 145, 165, 189])
@pytest.mark.parametrize("ws", [0.0, 7.0, 18.0, 40.0])
def test_scott_burgan_chain_follows_the_equations(code, ws):
    p1, p2, p3 = scott_burgan_coefficients()[code]
    ros, lb = sb_rates(p1, p2, p3, float(np.float32(ws)))
    want_ros, want_lb = _sb_by_hand(p1, p2, p3, ws)
    assert ros == pytest.approx(want_ros, rel=1e-5) and lb == pytest.approx(want_lb, rel=1e-5)
    assert np.float32(ros) == ros  # a C float, as C2F-W stores it
    if lb > 1:
        hb = (lb + math.sqrt(lb * lb - 1)) / (lb - math.sqrt(lb * lb - 1))
        a, b = ellipse_ab(ros, lb)
        assert a == pytest.approx((ros + ros / hb) / 2, rel=1e-5) and b == pytest.approx(a / lb, rel=1e-5)


@pytest.mark.parametrize("ws, tmp, rh", [(10, 27, 40), (0, 15, 90), (35, 35, 10)])
def test_kitral_chain_follows_the_equations(ws, tmp, rh):
    fch, fv, lb = kitral_weather(float(ws), float(tmp), float(rh))
    ch = 4 + 16 / (1 + math.exp(-0.081 * (rh - 57.09))) - 0.00982 * tmp
    assert fch == pytest.approx(min(51.43, 52.3342 * ch ** -1.3035), rel=1e-5)
    assert fv == pytest.approx(-12.86 * math.exp(-0.04316 * ws) + 13.8, rel=1e-5)
    assert lb == pytest.approx(1 + (2.233 * math.exp(0.01031 * ws) - 2.233) ** 2, rel=1e-5)
    fmc = kitral_fmc()[6]  # MT01
    se = 1 + 0.023322 * 0.2 + 0.00013585 * 0.04  # 20 m rise over a 100 m cell
    assert kitral_rates(fmc, fch, fv, se) == pytest.approx(fmc * 60 * fch * (fv + se), rel=1e-5)



@pytest.mark.parametrize("name, ros_cv", [("Portezuelo", 0.0), ("vilo100", 0.5)])
def test_delta_evaluation_is_exact_on_kitral_and_scott_burgan(name, ros_cv):
    """The GA scores children by delta evaluation: it must read the factored tables exactly too."""
    from latentga.layouts import random_layouts
    from latentga.simulator.delta import DeltaEvaluator

    sim = FireSimulator(load_landscape(INSTANCES / name), n_fires=6, seed=3, ros_cv=ros_cv)
    rng = np.random.default_rng(5)
    parents = random_layouts(4, sim.shape, 60, rng) & sim.tables.burnable.reshape(sim.shape)
    delta = DeltaEvaluator(sim)
    records = delta.record(parents)
    children = parents.copy()
    for c in children:
        on = np.flatnonzero(c.ravel())
        c.ravel()[rng.choice(on, 3, replace=False)] = False
    fitness, child_records, fires = delta.evaluate_children(children, records)
    np.testing.assert_array_equal(fitness, sim.evaluate(children))
    full = sim.burned(children)
    for i, rec in enumerate(child_records):
        np.testing.assert_array_equal(rec.burned, full[i])
