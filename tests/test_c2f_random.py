"""Cell2Fire's random draws: the numbers a user relies on to match the real binary fire for fire."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from latentga.errors import ConfigError, LandscapeError
from latentga.simulator.c2f_random import (
    Mt19937Stream,
    boost_uniform_int,
    boost_unit_exponential,
    boost_unit_normal,
    draw_fire_scenarios,
    ignition_candidates,
    random_ignition_draws,
)

# --- literals read from the real binary ------------------------------------------------------
# Obtained by running shared/bin/Cell2Fire (C2F-W 20fcf6ca) with the reference command of
# shared/bin/README.md (--nsims 12 --seed S --weather random --nweathers 358 --ignitions
# --IgnitionRad 4, Ignitions.csv = cell 210) plus --ignitionsLog, and reading
# ignition_and_weather_log.csv (weather = the number in WeatherK.csv; ignition = 1-based cell id).
BINARY_LOG = {
    123: ([250, 172, 233, 163, 342, 124, 267, 81, 137, 100, 63, 184],
          [193, 251, 266, 246, 129, 209, 151, 286, 186, 266, 146, 272]),
    456: ([90, 252, 159, 184, 93, 242, 300, 220, 268, 313, 334, 321],
          [149, 249, 127, 209, 171, 153, 167, 289, 249, 171, 189, 131]),
}
# The normal draws of fires 1..6 for seed 123, printed with "%a" by a throwaway C++ program
# compiled against Boost 1.74 (Debian libboost-dev) doing exactly what C2F-W's main loop does.
BOOST_Z_SEED_123 = ["0x1.ef04f602f8c8ep-2", "-0x1.9894c175ab48ep-2", "-0x1.083899a7555d5p+1",
                    "-0x1.2b9daf3c7e79ap-2", "-0x1.df8d574b4b5f2p-3", "-0x1.9b5a4240fea86p+0"]
# Same program, one engine mt19937(5) drawing a long stream: index -> value. These exercise the
# rarer paths: a wedge test (3 outputs) and the normal tail (|z| > 3.44, through the exponential
# ziggurat); for the exponential stream, a value past the base layer (the "shift" loop).
BOOST_NORMAL_STREAM_SEED_5 = {17: "-0x1.9e7c224af82c1p-8", 73: "0x1.9255821533282p-4",
                              1424: "0x1.ba823ef314e1ap+1", 3847: "-0x1.c50c25a2d7001p+1"}
BOOST_EXPONENTIAL_STREAM_SEED_5 = {1281: "0x1.03bee31c19304p+3", 5116: "0x1.287f568f28acbp+3"}


def test_mt19937_stream_is_the_standard_engine():
    # The C++ standard fixes the 10000th output of a default-seeded (5489) mt19937.
    stream = Mt19937Stream(5489)
    for _ in range(9999):
        stream()
    assert stream() == 4123659995
    assert stream.consumed == 10000


def test_weather_and_ignition_match_binary_log():
    cells = ignition_candidates(209, 4, (20, 20))
    for seed, (weathers, ignitions) in BINARY_LOG.items():
        weather, _, cand = draw_fire_scenarios(seed, len(weathers), 358, len(cells))
        assert weather.tolist() == weathers
        assert (cells[cand] + 1).tolist() == ignitions


def test_normal_draws_bit_for_bit_with_boost():
    _, z, _ = draw_fire_scenarios(123, 6, 358, 81)
    assert z.dtype == np.float64
    assert [v.hex() for v in z.tolist()] == [float.fromhex(h).hex() for h in BOOST_Z_SEED_123]


@pytest.mark.parametrize("dist, expected", [(boost_unit_normal, BOOST_NORMAL_STREAM_SEED_5),
                                            (boost_unit_exponential,
                                             BOOST_EXPONENTIAL_STREAM_SEED_5)])
def test_rare_ziggurat_paths_match_boost(dist, expected):
    stream = Mt19937Stream(5)
    values = [dist(stream) for _ in range(max(expected) + 1)]
    for index, hexval in expected.items():
        assert values[index] == float.fromhex(hexval), index


def test_normal_is_standard_normal():
    stream = Mt19937Stream(2024)
    z = np.array([boost_unit_normal(stream) for _ in range(100_000)])
    assert abs(z.mean()) < 0.015
    assert abs(z.std() - 1.0) < 0.015
    assert abs((np.abs(z) > 1.959964).mean() - 0.05) < 0.005
    assert abs(z).max() > 3.5  # the tail is reached


def test_uniform_int_in_range_and_single_value_consumes_nothing():
    stream = Mt19937Stream(7)
    draws = [boost_uniform_int(stream, 1, 358) for _ in range(5000)]
    assert min(draws) == 1 and max(draws) == 358
    before = stream.consumed
    assert boost_uniform_int(stream, 4, 4) == 4
    assert stream.consumed == before
    # So with one weather and one candidate only the normal consumes outputs.
    w, z, c = draw_fire_scenarios(11, 3, 1, 1)
    assert w.tolist() == [1, 1, 1] and c.tolist() == [0, 0, 0]
    assert z[1] == boost_unit_normal(Mt19937Stream(22))


def test_same_seed_same_numbers_and_seeds_differ():
    a = draw_fire_scenarios(5, 50, 358, 81)
    b = draw_fire_scenarios(5, 50, 358, 81)
    c = draw_fire_scenarios(6, 50, 358, 81)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])
    # Fire k depends only on seed * k: the first fires do not change when more are drawn.
    np.testing.assert_array_equal(draw_fire_scenarios(5, 10, 358, 81)[0], a[0][:10])
    assert [arr.dtype for arr in a] == [np.int64, np.float64, np.int64]


def test_ignition_candidates_reference_block_in_ascending_order():
    cells = ignition_candidates(209, 4, (20, 20))
    rows, cols = np.divmod(cells, 20)
    assert len(cells) == 81 and np.all(np.diff(cells) > 0)
    assert rows.min() == 6 and rows.max() == 14 and cols.min() == 5 and cols.max() == 13


@pytest.mark.parametrize("cell, radius, shape, n_rows, n_cols", [
    (0, 4, (20, 20), 5, 5),        # corner: clipped to 5x5
    (19, 4, (20, 20), 5, 5),       # top-right corner: no wrap onto the next row
    (20, 4, (20, 20), 6, 5),       # left edge, second row: no wrap onto the previous row
    (399, 2, (20, 20), 3, 3),
    (4, 4, (20, 20), 5, 9),
    (209, 1, (20, 20), 3, 3),
    (7, 3, (3, 10), 3, 6),
])
def test_ignition_candidates_clip_at_edges(cell, radius, shape, n_rows, n_cols):
    cells = ignition_candidates(cell, radius, shape)
    r0, c0 = divmod(cell, shape[1])
    rr, cc = np.meshgrid(np.arange(max(0, r0 - radius), min(shape[0], r0 + radius + 1)),
                         np.arange(max(0, c0 - radius), min(shape[1], c0 + radius + 1)),
                         indexing="ij")
    np.testing.assert_array_equal(cells, np.sort((rr * shape[1] + cc).ravel()))
    assert rr.shape == (n_rows, n_cols)


def test_ignition_radius_zero_is_the_cell():
    assert ignition_candidates(209, 0, (20, 20)).tolist() == [209]


@pytest.mark.parametrize("call", [
    lambda: draw_fire_scenarios(1.5, 10, 358, 81),
    lambda: draw_fire_scenarios(1, -1, 358, 81),
    lambda: draw_fire_scenarios(1, 10, 0, 81),
    lambda: draw_fire_scenarios(1, 10, 358, 0),
    lambda: ignition_candidates(209, -1, (20, 20)),
])
def test_bad_arguments_raise_config_error(call):
    with pytest.raises(ConfigError, match="must be"):
        call()


def test_ignition_outside_grid_raises_landscape_error():
    with pytest.raises(LandscapeError, match="outside the 20x20 grid"):
        ignition_candidates(400, 4, (20, 20))


# --- live comparison with the real binary ------------------------------------------------------
def _shared_dir() -> Path | None:
    here = Path(__file__).resolve().parents[1]
    for cand in (os.environ.get("LATENTGA_SHARED"), here.parent / "shared"):
        if cand and (Path(cand) / "reference" / "Sub20x20").is_dir():
            return Path(cand)
    return None


def _run_binary(tmp_path: Path, seed: int, n: int, cell: int, radius: int, cv: float,
                n_weathers: int, ignitions: bool = True):
    shared = _shared_dir()
    binary = os.environ.get("CELL2FIRE_BINARY") or (shared / "bin" / "Cell2Fire" if shared else None)
    if shared is None or binary is None or not os.access(binary, os.X_OK):
        pytest.skip("real Cell2Fire binary not available (set $CELL2FIRE_BINARY or provide shared/bin/Cell2Fire)")
    inst = tmp_path / f"inst{seed}_{cell}"
    shutil.copytree(shared / "reference" / "Sub20x20", inst)
    os.chmod(inst, 0o755)
    (inst / "Ignitions.csv").write_text(f"Year,Ncell\n1,{cell + 1}\n")
    out = tmp_path / f"out{seed}_{cell}"
    out.mkdir()
    cmd = [str(binary), "--input-instance-folder", f"{inst}/", "--output-folder", f"{out}/",
           "--sim-years", "1", "--nsims", str(n), "--Fire-Period-Length", "1.0",
           "--ROS-CV", str(cv), "--seed", str(seed), "--weather", "random",
           "--nweathers", str(n_weathers), "--sim", "C", "--ignitionsLog"]
    if ignitions:
        cmd += ["--ignitions", "--IgnitionRad", str(radius)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except OSError as exc:
        pytest.skip(f"real Cell2Fire binary does not run here: {exc}")
    log = out / "ignition_and_weather_log.csv"
    if proc.returncode != 0 or not log.exists():
        pytest.skip(f"real Cell2Fire binary does not run here (exit {proc.returncode}): "
                    f"{proc.stderr[-300:]}")
    rows = sorted(csv.DictReader(log.open()), key=lambda r: int(r["simulation"]))
    assert [int(r["simulation"]) for r in rows] == list(range(1, n + 1))
    weather = [int(re.search(r"Weather(\d+)\.csv", r["weather"]).group(1)) for r in rows]
    return np.array(weather), np.array([int(r["ignition"]) - 1 for r in rows])


@pytest.mark.parametrize("seed, n, cell, radius, cv, n_weathers", [
    (123, 200, 209, 4, 0.0, 358),   # the reference setting
    (1, 150, 209, 4, 0.8, 358),     # ROS-CV > 0: the normal draw is used, order unchanged
    (456, 100, 0, 4, 0.3, 7),       # corner ignition (clipped list), few weathers
    (31, 100, 20, 3, 0.0, 2),       # left edge
])
def test_matches_real_binary(tmp_path, seed, n, cell, radius, cv, n_weathers):
    weather_bin, ignition_bin = _run_binary(tmp_path, seed, n, cell, radius, cv, n_weathers)
    cells = ignition_candidates(cell, radius, (20, 20))
    weather, _, cand = draw_fire_scenarios(seed, n, n_weathers, len(cells))
    np.testing.assert_array_equal(weather, weather_bin)
    np.testing.assert_array_equal(cells[cand], ignition_bin)


def test_random_ignition_matches_real_binary(tmp_path):
    # Without --ignitions every Sub20x20 cell ignites, so the first draw is the ignition.
    _, ignition_bin = _run_binary(tmp_path, 77, 100, 209, 0, 0.0, 358, ignitions=False)
    mine = [random_ignition_draws(77, ep, 400, 1)[0] for ep in range(1, 101)]
    np.testing.assert_array_equal(mine, ignition_bin)


# --- ignition candidates: O(radius^2), identical to C2F-W's list for every radius -------------
def _c2f_candidates_as_the_binary_grows_them(cell: int, radius: int, shape) -> np.ndarray:
    """C2F-W's own loop (re-expanding a list with duplicates): the reference, for small radii."""
    from latentga.simulator.c2f_random import _c2f_adjacent

    rows, cols = shape
    cid = cell + 1
    if radius == 0:
        return np.array([cell])
    ring = [nb for nb in _c2f_adjacent(cid, rows, cols) if nb != -1]
    if radius == 1:
        found = ring + [cid]
    else:
        found, current = [cid], ring
        for _ in range(1, radius):
            for c in current:
                found.extend(nb for nb in _c2f_adjacent(c, rows, cols) if nb != -1)
            current = list(found)
    return np.array(sorted(set(found))) - 1


@pytest.mark.parametrize("shape", [(20, 20), (1, 9), (2, 7), (9, 2), (5, 13)])
def test_candidates_match_the_binarys_loop_for_every_radius_it_handles(shape):
    n = shape[0] * shape[1]
    for cell in sorted({0, n - 1, shape[1] - 1, n // 2, min(n - 1, shape[1] + 1)}):
        for radius in range(0, 6):
            got = ignition_candidates(cell, radius, shape)
            want = _c2f_candidates_as_the_binary_grows_them(cell, radius, shape)
            assert np.array_equal(got, want), (shape, cell, radius)


def test_huge_radius_is_fast_small_and_covers_the_grid():
    import time

    t0 = time.perf_counter()
    got = ignition_candidates(209, 10**6, (20, 20))
    assert time.perf_counter() - t0 < 1.0
    assert np.array_equal(got, np.arange(400))
    assert np.array_equal(ignition_candidates(209, 19, (20, 20)), np.arange(400))
    assert len(ignition_candidates(209, 8, (20, 20))) == 17 * 17
