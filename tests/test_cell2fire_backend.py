"""The real-binary backend: finding the binary, writing a landscape, reference numbers."""

from __future__ import annotations

import os
import pickle
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from latentga.errors import ConfigError, LatentGAError
from latentga.simulator import default_landscape, load_landscape
from latentga.simulator.cell2fire_backend import (
    CELL2FIRE_BINARY_ENV,
    Cell2FireBinarySimulator,
    find_cell2fire_binary,
    write_cell2fire_folder,
)

REPO = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path | None:
    for cand in (os.environ.get("LATENTGA_SHARED"), REPO.parent / "shared"):
        if cand and (Path(cand) / "bin").is_dir():
            return Path(cand)
    return None


def _real_binary() -> Path:
    """The real Cell2Fire, or skip (with the reason) when it is absent or does not run."""
    cands = [os.environ.get(CELL2FIRE_BINARY_ENV)]
    shared = _shared_dir()
    if shared is not None:
        cands.append(shared / "bin" / "Cell2Fire")
    for cand in cands:
        if cand and os.access(cand, os.X_OK):
            try:
                proc = subprocess.run([str(cand), "--help"], capture_output=True, timeout=30)
            except OSError as exc:
                pytest.skip(f"Cell2Fire binary {cand} does not run here: {exc}")
            if b"version" not in proc.stdout:
                pytest.skip(f"{cand} does not look like C2F-W (no version line)")
            return Path(cand)
    pytest.skip(f"real Cell2Fire binary not available (set ${CELL2FIRE_BINARY_ENV} or provide "
                "shared/bin/Cell2Fire)")


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# --- finding the binary (no binary needed) --------------------------------------------------
def test_missing_binary_says_how_to_point_at_it(tmp_path, monkeypatch):
    with pytest.raises(ConfigError) as info:
        find_cell2fire_binary(tmp_path / "nope" / "Cell2Fire")
    msg = str(info.value)
    assert "does not exist" in msg and "simulator.cell2fire_binary" in msg
    assert CELL2FIRE_BINARY_ENV in msg
    monkeypatch.delenv(CELL2FIRE_BINARY_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="not found.*simulator.cell2fire_binary"):
        Cell2FireBinarySimulator()


def test_non_executable_binary_is_refused(tmp_path):
    fake = tmp_path / "Cell2Fire"
    fake.write_text("not a program")
    fake.chmod(0o644)
    with pytest.raises(ConfigError, match="not executable.*chmod"):
        find_cell2fire_binary(fake)


def test_binary_from_env_then_path(tmp_path, monkeypatch):
    env_bin = _script(tmp_path / "from_env", "exit 0")
    monkeypatch.setenv(CELL2FIRE_BINARY_ENV, str(env_bin))
    assert find_cell2fire_binary() == env_bin.resolve()
    monkeypatch.delenv(CELL2FIRE_BINARY_ENV)
    on_path = tmp_path / "bin"
    on_path.mkdir()
    _script(on_path / "Cell2Fire", "exit 0")
    monkeypatch.setenv("PATH", str(on_path))
    assert find_cell2fire_binary() == on_path / "Cell2Fire"


def test_failing_binary_gives_clear_error(tmp_path):
    bad = _script(tmp_path / "Cell2Fire", "echo 'boom: cannot read fuels'; exit 3")
    sim = Cell2FireBinarySimulator(bad, n_fires=2)
    with pytest.raises(LatentGAError, match="exit status 3(.|\n)*boom"):
        sim.evaluate(np.zeros((20, 20)))


def test_bad_settings_raise_config_error(tmp_path):
    fake = _script(tmp_path / "Cell2Fire", "exit 0")
    for kwargs in ({"n_fires": 0}, {"seed": 2 ** 40}, {"n_weathers": 360}, {"ros_cv": -1},
                   {"ignition_radius": 1.5}, {"ignition_mode": "redraw"}):
        with pytest.raises(ConfigError, match="simulator: "):
            Cell2FireBinarySimulator(fake, **kwargs)


# --- writing a landscape (no binary needed) ----------------------------------------------------
def test_written_folder_reads_back_as_the_same_landscape(tmp_path):
    land = default_landscape()
    write_cell2fire_folder(land, tmp_path / "sub")
    back = load_landscape(tmp_path / "sub")
    assert back.fingerprint() == land.fingerprint()
    np.testing.assert_array_equal(back.elevation, land.elevation)
    assert len(back.weathers) == 360 and back.ignition_cell == 209
    header = (tmp_path / "sub" / "fuels.asc").read_text().splitlines()[:6]
    assert header[4].split() == ["cellsize", "100"]  # Cell2Fire reads cellsize from line 5


def test_settings_and_pickle(tmp_path):
    fake = _script(tmp_path / "Cell2Fire", "exit 0")
    sim = Cell2FireBinarySimulator(fake, n_fires=7, seed=5)
    s = sim.settings
    assert s["backend"] == "cell2fire" and s["n_weathers"] == 358 and s["n_fires"] == 7
    blob = pickle.dumps(sim)
    assert len(blob) < 2000  # the built-in landscape is not shipped to workers
    assert pickle.loads(blob).settings == s
    assert sim.shape == (20, 20)


# --- the real binary -----------------------------------------------------------------------
def test_reference_figures_with_real_binary():
    # shared/reference/Sub20x20/cell2fire-figures.md: 100 fires, seed 123.
    sim = Cell2FireBinarySimulator(_real_binary())
    empty = np.zeros((20, 20), bool)
    column = empty.copy()
    column[:, 10] = True
    fitness = sim.evaluate(np.stack([empty, column]))
    assert fitness.dtype == np.float64
    np.testing.assert_allclose(fitness, [0.6875, 0.8616], atol=5e-5)


def test_two_backends_run_concurrently(tmp_path):
    binary = _real_binary()
    shared = _shared_dir()
    folder = shared / "reference" / "Sub20x20" if shared else None
    layouts = np.zeros((2, 20, 20), bool)
    layouts[1, 7, :] = True
    sims = [Cell2FireBinarySimulator(binary, n_fires=25, seed=9, ros_cv=0.3, workers=2),
            Cell2FireBinarySimulator(binary, landscape=folder, n_fires=25, seed=9, ros_cv=0.3)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        burned = list(pool.map(lambda s: s.burned(layouts), sims))
    assert burned[0].shape == (2, 25, 20, 20)
    np.testing.assert_array_equal(burned[0], burned[1])  # same landscape, same fires
    assert not burned[0][1][:, 7, :].any()  # firebreaks never burn
    assert burned[0][1].sum() < burned[0][0].sum()
    prob = sims[0].burn_probability(layouts[:1])
    np.testing.assert_allclose(prob[0], burned[0][0].mean(axis=0))
