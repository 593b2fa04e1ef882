"""Every FBP fuel type: the published equations, C2F-W's defaults, and the real binary.

The equation tests restate ST-X-3 (and the 2009 FBP update for M3/M4 and grass curing) by
hand, so a change in :mod:`latentga.simulator.fbp` that drifts from the equations fails here.
The live tests build small mixed-fuel landscapes in a temporary folder and require the
built-in simulator to burn exactly the cells the real Cell2Fire binary burns, fire for fire.
"""

from __future__ import annotations

import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from latentga.errors import LandscapeError
from latentga.simulator import FireSimulator, default_landscape, load_landscape
from latentga.simulator.fbp import (
    C2F_DEFAULTS,
    FUEL_TYPES,
    fbp_rates,
    foliar_moisture,
    resolve_fuel_type,
)
from latentga.simulator.landscape import NON_FUEL, Landscape

REPO = Path(__file__).resolve().parents[1]

# ST-X-3 table 6 (a, b, c, q, BUI0); M1/M2 use C2's curve, M3/M4 the 2009 update; D2 = 0.2 x D1.
COEFS = {
    "C1": (90, 0.0649, 4.5, 0.90, 72), "C2": (110, 0.0282, 1.5, 0.70, 64),
    "C3": (110, 0.0444, 3.0, 0.75, 62), "C4": (110, 0.0293, 1.5, 0.80, 66),
    "C5": (30, 0.0697, 4.0, 0.80, 56), "C6": (30, 0.0800, 3.0, 0.80, 62),
    "C7": (45, 0.0305, 2.0, 0.85, 106), "D1": (30, 0.0232, 1.6, 0.90, 32),
    "D2": (6, 0.0232, 1.6, 0.90, 32), "S1": (75, 0.0297, 1.3, 0.75, 38),
    "S2": (40, 0.0438, 1.7, 0.75, 63), "S3": (55, 0.0829, 3.2, 0.75, 31),
    "O1a": (190, 0.0310, 1.4, 1.0, 1), "O1b": (250, 0.0350, 1.7, 1.0, 1),
    "M1": (110, 0.0282, 1.5, 0.80, 50), "M2": (110, 0.0282, 1.5, 0.80, 50),
    "M3": (120, 0.0572, 1.4, 0.80, 50), "M4": (100, 0.0404, 1.48, 0.80, 50),
}
ALL_TYPES = sorted(COEFS)


# ------------------------------------------------------------------------------ by hand
def _isz(ffmc):
    m = 147.2 * (101 - ffmc) / (59.5 + ffmc)  # (46)
    return 0.208 * 91.9 * math.exp(-0.1386 * m) * (1 + m ** 5.31 / 4.93e7)  # (45), (52) at zero wind


def _rsi(code, isi):
    a, b, c, _, _ = COEFS[code]
    return a * (1 - math.exp(-b * isi)) ** c  # (26)


def _be(code, bui):
    _, _, _, q, bui0 = COEFS[code]
    return math.exp(50 * math.log(q) * (1 / bui - 1 / bui0))  # (54)


def _curing(cur):
    return 0.005 * (math.exp(0.061 * cur) - 1) if cur < 58.8 else 0.176 + 0.02 * (cur - 58.8)  # (35a, 35b)


def _surface(code, isi, bui, pc=0.0, pdf=0.0, cur=60.0):
    """Surface rate (m/min) by the FBP equations, in C2F-W's reading of M1-M4 and D2."""
    if code in ("O1a", "O1b"):
        return _curing(cur) * _rsi(code, isi)  # no build-up effect for grass
    if code in ("M1", "M2"):  # (27, 28)
        green = 1.0 if code == "M1" else 0.2
        rsi = pc / 100 * _rsi(code, isi) + green * (100 - pc) / 100 * _rsi("D1", isi)
    elif code in ("M3", "M4"):  # (29-32, 2009 update)
        green = 1.0 if code == "M3" else 0.2
        rsi = pdf / 100 * _rsi(code, isi) + green * (100 - pdf) / 100 * _rsi("D1", isi)
    elif code == "D2":
        rsi = _rsi("D2", isi) if bui >= 80 else 0.0
    else:
        rsi = _rsi(code, isi)
    return rsi * _be(code, bui)


def _c6_final(rss, isi, bui, fmc=120.0):
    """C6 crown fire (56-58, 60-65): the rate the head (or back) fire ends up with."""
    sfc = 5 * (1 - math.exp(-0.0149 * bui)) ** 2.48
    csi = 0.001 * 7 ** 1.5 * (460 + 25.9 * fmc) ** 1.5
    if 300 * sfc * rss <= csi:
        return rss
    cfb = 1 - math.exp(-0.23 * (rss - csi / (300 * sfc)))
    fme = 1000 * (1.5 - 0.00275 * fmc) ** 4 / (460 + 25.9 * fmc)
    rsc = 60 * (1 - math.exp(-0.0497 * isi)) * fme / 0.778
    return rss + cfb * (rsc - rss)


def _expected(code, ws, ffmc, bui, **inputs):
    isz = _isz(ffmc)
    isi = isz * math.exp(0.05039 * ws)  # (53), ws < 40
    bisi = isz * math.exp(-0.05039 * ws)  # (75)
    hros, bros = _surface(code, isi, bui, **inputs), _surface(code, bisi, bui, **inputs)
    if code == "C6":
        hros, bros = _c6_final(hros, isi, bui), _c6_final(bros, bisi, bui)
    lb = 1.1 * ws ** 0.464 if code.startswith("O1") else 1 + 8.729 * (1 - math.exp(-0.030 * ws)) ** 2.155
    return hros, bros, (hros + bros) / (2 * lb)  # (79, 80, 89)


@pytest.mark.parametrize("code", ALL_TYPES)
@pytest.mark.parametrize("ws, ffmc, bui", [(20.0, 90.0, 60.0), (35.0, 93.0, 95.0), (8.0, 86.0, 30.0)])
def test_every_fuel_type_follows_the_fbp_equations(code, ws, ffmc, bui):
    got = fbp_rates(FUEL_TYPES[code], ws, 0.0, ffmc, bui)
    hros, bros, fros = _expected(code, ws, ffmc, bui)
    assert float(got.hros) == pytest.approx(hros, rel=1e-9, abs=1e-12)
    assert float(got.bros) == pytest.approx(bros, rel=1e-9, abs=1e-12)
    assert float(got.fros) == pytest.approx(fros, rel=1e-9, abs=1e-12)


def test_the_table_covers_every_fbp_type():
    assert set(FUEL_TYPES) == set(COEFS)


@pytest.mark.parametrize("code, key", [("M1", "pc"), ("M2", "pc"), ("M3", "pdf"), ("M4", "pdf")])
@pytest.mark.parametrize("share", [0.0, 35.0, 100.0])
def test_mixedwood_blends_by_percent_conifer_or_dead_fir(code, key, share):
    got = fbp_rates(FUEL_TYPES[code], 25.0, 0.0, 91.0, 70.0, **{key: share})
    hros, _, fros = _expected(code, 25.0, 91.0, 70.0, **{key: share})
    assert float(got.hros) == pytest.approx(hros, rel=1e-9)
    assert float(got.fros) == pytest.approx(fros, rel=1e-9)


def test_mixedwood_defaults_are_cell2fire_s_no_conifer_no_dead_fir():
    # C2F-W has no PC/PDF raster and cuts '(05 PC)' from the table: M1 = D1 leafless, M2 = 0.2 D1.
    d1 = fbp_rates(FUEL_TYPES["D1"], 25.0, 0.0, 91.0, 70.0).hros / FUEL_TYPES["D1"].be(70.0)
    for code, green in (("M1", 1.0), ("M2", 0.2), ("M3", 1.0), ("M4", 0.2)):
        got = fbp_rates(FUEL_TYPES[code], 25.0, 0.0, 91.0, 70.0).hros / FUEL_TYPES[code].be(70.0)
        assert float(got) == pytest.approx(green * float(d1), rel=1e-12), code


@pytest.mark.parametrize("cur", [0.0, 30.0, 58.8, 60.0, 95.0])
def test_grass_scales_with_degree_of_curing(cur):
    for code in ("O1a", "O1b"):
        got = fbp_rates(FUEL_TYPES[code], 18.0, 0.0, 92.0, 50.0, cur=cur)
        assert float(got.hros) == pytest.approx(_expected(code, 18.0, 92.0, 50.0, cur=cur)[0], rel=1e-9, abs=1e-12)
    assert C2F_DEFAULTS.cur == 60.0  # Cell2Fire writes 60 % into Data.csv for grass


def test_d2_spreads_only_from_bui_80():
    d2, d1 = FUEL_TYPES["D2"], FUEL_TYPES["D1"]
    assert float(fbp_rates(d2, 30.0, 0.0, 93.0, 79.9).hros) == 0.0
    at80 = fbp_rates(d2, 30.0, 0.0, 93.0, 80.0).hros
    assert float(at80) == pytest.approx(0.2 * float(fbp_rates(d1, 30.0, 0.0, 93.0, 80.0).hros), rel=1e-12)


def test_c6_crowns_only_above_the_critical_surface_intensity():
    c6, c5 = FUEL_TYPES["C6"], FUEL_TYPES["C5"]
    calm = fbp_rates(c6, 20.0, 0.0, 90.0, 60.0)  # surface fire: the C6 surface curve only
    assert float(calm.hros) == pytest.approx(_rsi("C6", _isz(90.0) * math.exp(0.05039 * 20)) * _be("C6", 60.0))
    windy = fbp_rates(c6, 35.0, 0.0, 90.0, 60.0)
    surface = _rsi("C6", _isz(90.0) * math.exp(0.05039 * 35)) * _be("C6", 60.0)
    assert float(windy.hros) > surface  # crowning adds to the rate
    # Other conifers' rates never change with crowning (C2F-W changes the rate for C6 only).
    assert float(fbp_rates(c5, 35.0, 0.0, 90.0, 60.0).hros) == pytest.approx(
        _rsi("C5", _isz(90.0) * math.exp(0.05039 * 35)) * _be("C5", 60.0))


def test_foliar_moisture_is_120_percent_at_cell2fire_s_date_and_place():
    # C2F-W passes Julian day 0 at latitude 51.6: more than 50 days from the FMC minimum.
    assert np.all(foliar_moisture(np.array([-50.0, 0.0, 500.0, 2500.0])) == 120.0)
    assert C2F_DEFAULTS.fmc == 120.0
    # Near the minimum the date model gives the FBP curve (eqs 6-8): 85 % at the minimum.
    assert float(foliar_moisture(0.0, jd=170, jd_min=170)) == pytest.approx(85.0)
    assert float(foliar_moisture(0.0, jd=210, jd_min=170)) == pytest.approx(32.9 + 3.17 * 40 - 0.0288 * 1600)


def test_mixedwood_slope_blends_the_slope_isi_of_both_parts():
    ffmc, ps, pc = 90.0, 40.0, 40.0
    isz = _isz(ffmc)
    sf = math.exp(3.533 * (ps / 100) ** 1.2)

    def isf(code):
        a, b, c, _, _ = COEFS[code]
        return -math.log(1 - (sf * _rsi(code, isz) / a) ** (1 / c)) / b  # (41a)

    want_isf = pc / 100 * isf("M1") + (1 - pc / 100) * isf("D1")
    wse = math.log(want_isf / isz) / 0.05039
    got = fbp_rates(FUEL_TYPES["M1"], 0.0, 0.0, ffmc, 60.0, ps, 0.0, pc=pc)
    assert float(got.wsv) == pytest.approx(wse, rel=1e-9)


# ------------------------------------------------------------------------------ names
@pytest.mark.parametrize("name, code", [
    ("C-1", "C1"), ("C7", "C7"), ("D-1", "D1"), ("D-2", "D2"), ("S-3", "S3"), ("O-1a", "O1a"),
    ("O1b", "O1b"), ("M-1", "M1"), ("M-2 (45 PC)", "M2"), ("M3 (05 PDF)", "M3"), ("M-4 (95 PDF)", "M4"),
])
def test_lookup_names_resolve_as_cell2fire_reads_them(name, code):
    assert resolve_fuel_type(name) is FUEL_TYPES[code]


@pytest.mark.parametrize("name", ["D-1/D-2", "D1/D-2", "M-1/M-2", "M1/M-2 (30 PC)", "M-3/M-4 (50 PDF)"])
def test_seasonal_pairs_are_refused_with_the_fix(name):
    with pytest.raises(LandscapeError, match="one season"):
        resolve_fuel_type(name)


def test_unknown_type_is_refused():
    with pytest.raises(LandscapeError, match="not an FBP fuel type"):
        resolve_fuel_type("X9")


# ------------------------------------------------------------------------------ folders
def _write_folder(folder: Path, grid: np.ndarray, lookup: dict[int, str], extra: dict[str, str] | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    h, w = grid.shape
    head = f"ncols {w}\nnrows {h}\nxllcorner 0\nyllcorner 0\ncellsize 100\nNODATA_value -9999\n"
    (folder / "fuels.asc").write_text(head + "".join(" ".join(map(str, r)) + "\n" for r in grid))
    rows = "".join(f"{k},{k},x,{v},0,0,0,0,0,0\n" for k, v in lookup.items())
    (folder / "fbp_lookup_table.csv").write_text("grid_value,export_value,descriptive_name,fuel_type,r,g,b,h,s,l\n"
                                                 + rows)
    (folder / "Weather.csv").write_text("Scenario,datetime,APCP,TMP,RH,WS,WD,FFMC,DMC,DC,ISI,BUI,FWI\n"
                                        "x,2000-01-01 00:00,0,20,30,20,90,92,0,0,0,70,0\n")
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    return folder


def test_a_seasonal_pair_in_a_landscape_is_refused_by_the_simulator(tmp_path):
    folder = _write_folder(tmp_path / "pair", np.array([[2, 13], [2, 2]]), {2: "C-2", 13: "D-1/D-2"})
    land = load_landscape(folder)
    with pytest.raises(LandscapeError, match="D1/D2.*one season"):
        FireSimulator(land, n_fires=2).evaluate(np.zeros((2, 2)))


def test_curing_raster_beside_grass_loads_as_cell2fire_reads_it(tmp_path):
    cur = "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 100\nNODATA_value -9999\n90 nan\n90 90\n"
    grass = _write_folder(tmp_path / "grass", np.array([[31, 31], [2, 2]]), {2: "C-2", 31: "O-1a"}, {"cur.asc": cur})
    land = load_landscape(grass)  # C2F-W: 0 % where cur.asc has a value, its 60 % default where it is NaN
    assert land.curing_input().tolist() == [[0.0, 60.0], [0.0, 0.0]]
    assert load_landscape(grass, curing="raster").curing_input().tolist() == [[90.0, 60.0], [90.0, 90.0]]
    plain = _write_folder(tmp_path / "plain", np.array([[2, 2], [2, 2]]), {2: "C-2"}, {"cur.asc": cur})
    assert load_landscape(plain).burnable.all()


# ------------------------------------------------------------------------------ the binary
CODE_OF = {"C1": 1, "C2": 2, "C3": 3, "C4": 4, "C5": 5, "C6": 6, "C7": 7, "D1": 11, "D2": 12, "S1": 21,
           "S2": 22, "S3": 23, "O1a": 31, "O1b": 32, "M1": 40, "M2": 50, "M3": 70, "M4": 80, NON_FUEL: 101,
           # Cell2Fire's table also lists M types with a share; the binary ignores it (PC = PDF = 0).
           "M1 (75 PC)": 475, "M2 (30 PC)": 530, "M3 (60 PDF)": 760, "M4 (90 PDF)": 890}


def _real_binary() -> Path:
    """The real Cell2Fire, or skip (with the reason) when it is absent or does not run."""
    cands = [os.environ.get("CELL2FIRE_BINARY"), os.environ.get("LATENTGA_SHARED") and
             str(Path(os.environ["LATENTGA_SHARED"]) / "bin" / "Cell2Fire"),
             str(REPO.parent / "shared" / "bin" / "Cell2Fire")]
    for cand in filter(None, cands):
        if os.access(cand, os.X_OK):
            try:
                proc = subprocess.run([cand, "--help"], capture_output=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired) as exc:
                pytest.skip(f"Cell2Fire binary {cand} does not run here: {exc}")
            if b"version" not in proc.stdout:
                pytest.skip(f"{cand} does not look like C2F-W (no version line)")
            return Path(cand)
    pytest.skip("real Cell2Fire binary not available (set $CELL2FIRE_BINARY or provide shared/bin/Cell2Fire)")


def _weathers(rng, n, rows, ws, bui):
    out = []
    for _ in range(n):
        wd = int(rng.integers(0, 360))
        out.append(np.column_stack([
            rng.uniform(*ws, rows).round(1),
            (wd + rng.integers(-25, 26, rows)) % 360,  # Cell2Fire reads WD as an integer
            rng.uniform(88.0, 96.0, rows).round(1),
            rng.uniform(*bui, rows).round(0),
        ]).astype(float))
    return out


def _mixed(name, types, weathers, terrain):
    h, w = types.shape
    z = np.zeros((h, w))
    return Landscape(name=name, fuel_grid=np.vectorize(CODE_OF.get)(types), fuel_types=types.astype(str),
                     elevation=terrain.elevation[:h, :w] if terrain else z,
                     slope=terrain.slope[:h, :w] if terrain else z, aspect=terrain.aspect[:h, :w] if terrain else z,
                     cell_size=100.0, weathers=weathers, ignition_cell=(h // 2) * w + w // 2)


def _instances():
    rng = np.random.default_rng(2026)
    names = np.array(ALL_TYPES + [NON_FUEL])
    # 20x20 of 2x2 blocks of every type (and non-fuel) on Sub20x20's slopes; moderate winds.
    blocks = np.kron(rng.permutation(np.resize(np.arange(len(names)), 100)).reshape(10, 10), np.ones((2, 2), int))
    yield (_mixed("blocks", names[blocks], _weathers(rng, 8, 4, (8.0, 30.0), (30.0, 130.0)), default_landscape()),
           0.0)
    # 12x12 flat, diagonal stripes; strong winds (the saturating wind function above 40 km/h), ROS noise.
    stripes = (np.add.outer(np.arange(12), np.arange(12)) // 2) % len(ALL_TYPES)
    yield (_mixed("stripes", np.array(ALL_TYPES)[stripes], _weathers(rng, 8, 3, (15.0, 60.0), (50.0, 150.0)), None),
           0.4)
    # 10x10 of the lookup table's 'M-1 (75 PC)'-style names beside C2 and grass.
    named = np.array(["M1 (75 PC)", "M2 (30 PC)", "M3 (60 PDF)", "M4 (90 PDF)", "C2", "O1b"])
    yield (_mixed("shares", named[rng.integers(0, len(named), (10, 10))],
                  _weathers(rng, 6, 4, (10.0, 35.0), (40.0, 120.0)), default_landscape()), 0.0)


def test_mixed_fuel_landscapes_burn_exactly_as_the_real_binary():
    from latentga.simulator.cell2fire_backend import Cell2FireBinarySimulator

    binary = _real_binary()
    burned_types: set[str] = set()
    for land, cv in _instances():
        h, w = land.shape
        layouts = np.zeros((2, h, w), bool)
        layouts[1, :, w // 2 - 3] = True  # a firebreak line beside the ignition block
        kw = dict(n_fires=60, seed=17, ros_cv=cv)
        theirs = Cell2FireBinarySimulator(binary, land, **kw).burned(layouts)
        ours = FireSimulator(land, **kw).burned(layouts)
        same = (ours == theirs).all(axis=(2, 3))
        assert same.all(), f"{land.name}: (layout, fire) {np.argwhere(~same).tolist()} differ from Cell2Fire"
        spread = ours.sum(axis=(2, 3)) > 1  # fires that spread beyond their ignition cell
        burned_types |= set(land.fuel_types[ours[spread].any(axis=0)].tolist())
    # The comparison means something only if every fuel type took part in it.
    assert burned_types >= set(ALL_TYPES), f"never burned: {sorted(set(ALL_TYPES) - burned_types)}"
