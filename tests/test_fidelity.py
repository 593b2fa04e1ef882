"""The built-in simulator against the real Cell2Fire: its golden fires, published numbers, live runs.

The golden cases (what the unmodified C2F-W binary burned fire by fire) are checked cell for cell
without needing the binary. The small ones, with the instance files they need, are in the repository
(``tests/data/golden``: FBP, Kitral and Scott & Burgan), so a fresh clone checks every fuel model;
the team folder's ``reference/cell2fire-golden`` adds the large ones (Zona_60) when present.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest

from latentga.simulator import FireSimulator, load_landscape

ROOT = Path(__file__).resolve().parents[1]
LOCAL_GOLDEN = ROOT / "tests" / "data" / "golden"


def _shared() -> Path | None:
    for cand in (os.environ.get("LATENTGA_SHARED"), ROOT.parent / "shared"):
        if cand and (Path(cand) / "reference" / "Sub20x20").is_dir():
            return Path(cand)
    return None


SHARED = _shared()
needs_shared = pytest.mark.skipif(SHARED is None, reason="team folder shared/ (reference figures) is absent")
GOLDEN = SHARED / "reference" / "cell2fire-golden" if SHARED is not None else None
# case file -> its path: the repository's copies first, the team folder's other cases after
GOLDEN_FILES = {p.name: p for p in GOLDEN.glob("*.npz")} if GOLDEN is not None and GOLDEN.is_dir() else {}
GOLDEN_FILES.update({p.name: p for p in LOCAL_GOLDEN.glob("*.npz")})
GOLDEN_CASES = sorted(GOLDEN_FILES)
# golden meta "instance" -> instance folder (tests/data/golden/instances, else shared/reference)
_INSTANCES = {"sub20x20": "Sub20x20", "sub40x40": "Sub40x40", "sub40x40fix": "Sub40x40", "sub40noign": "Sub40x40", "dogrib": "dogrib",
              "dogrib_nocur": "dogrib", "portezuelo-asc": "Portezuelo", "vilo100": "vilo100", "zona_60": "Zona_60"}
_QUICK_CASES = {"sub40x40_ties_seed123_cv0.npz", "sub20x20_seed7_cv05.npz"}  # the rest are marked slow
# Kitral and S&B cases whose first fires run in the quick set too (all their fires run in the slow set)
_QUICK_FIRST_FIRES = {"portezuelo_kitral_seed123_cv0.npz": 12, "portezuelo_kitral_anywhere_seed7_cv05.npz": 12,
                      "vilo100_sb_seed123_cv0.npz": 8, "vilo100_sb_anywhere_seed7_cv05.npz": 8}


def _instance(folder: str):
    """The instance folder (None for the built-in Sub20x20); skips when neither copy exists."""
    local = LOCAL_GOLDEN / "instances" / folder
    if local.is_dir():
        return local
    if folder == "Sub20x20":
        return None
    if SHARED is None or not (SHARED / "reference" / folder).is_dir():
        pytest.skip(f"instance {folder} is neither in tests/data/golden nor in shared/reference")
    return SHARED / "reference" / folder


def _golden_simulator(meta: dict, n_fires: int) -> FireSimulator:
    """The simulator configured as the golden case's Cell2Fire flags say."""
    flags = shlex.split(meta["flags"].split("[")[0])
    opts = {flags[i]: (flags[i + 1] if i + 1 < len(flags) and not flags[i + 1].startswith("--") else True)
            for i in range(len(flags)) if flags[i].startswith("--")}
    assert int(opts["--nsims"]) >= n_fires
    folder = _INSTANCES.get(meta["instance"].lower())
    assert folder is not None, f"golden case of an instance this test does not know: {meta['instance']!r}"
    kw = dict(n_fires=n_fires, seed=int(opts["--seed"]), ros_cv=float(opts.get("--ROS-CV", 0.0)),
              ignitions="file" if "--ignitions" in opts else "anywhere")
    if "--IgnitionRad" in opts:
        kw["ignition_radius"] = int(opts["--IgnitionRad"])
    if opts.get("--weather") == "random":
        kw["n_weathers"] = int(opts["--nweathers"])
    model = {"C": "fbp", "K": "kitral", "S": "scott_burgan"}[opts.get("--sim", "C")]
    return FireSimulator(load_landscape(_instance(folder), fuel_model=model), **kw)


def _check_golden(case: str, first: int | None = None):
    with np.load(GOLDEN_FILES[case]) as z:
        layouts, packed, counts, meta = z["layouts"], z["burned"], z["counts"], json.loads(str(z["meta"]))
    n_lay, n_fires = counts.shape
    n_fires = min(n_fires, first or n_fires)
    h, w = layouts.shape[1:]
    sim = _golden_simulator(meta, n_fires)
    ours = sim.burned(layouts).reshape(n_lay, n_fires, h * w)
    theirs = np.unpackbits(packed, axis=2)[:, :n_fires, : h * w].astype(bool)
    assert np.array_equal(theirs.sum(axis=2), counts[:, :n_fires])  # the file is self-consistent
    assert theirs.sum() > n_lay * n_fires  # fires that spread, not only ignitions
    same = (ours == theirs).all(axis=2)
    assert same.all(), f"{case}: (layout, fire) {np.argwhere(~same)[:10].tolist()} differ from Cell2Fire"


@pytest.mark.skipif(not GOLDEN_CASES, reason="no golden Cell2Fire fires (tests/data/golden, shared/reference/cell2fire-golden)")
@pytest.mark.parametrize("case", [pytest.param(c, marks=() if c in _QUICK_CASES else pytest.mark.slow)
                                  for c in GOLDEN_CASES] or ["none"])
def test_every_golden_fire_is_identical_cell_for_cell(case):
    _check_golden(case)


@pytest.mark.parametrize("case", sorted(_QUICK_FIRST_FIRES))
def test_kitral_and_scott_burgan_golden_fires_quick(case):
    """The first fires of each Kitral / S&B case, every layout: the fuel models checked in the quick set."""
    _check_golden(case, first=_QUICK_FIRST_FIRES[case])


def test_the_repository_carries_golden_cases_of_every_fuel_model():
    metas = [json.loads(str(np.load(p)["meta"])) for p in LOCAL_GOLDEN.glob("*.npz")]
    sims = {re.search(r"--sim (\w)", m["flags"]).group(1) if "--sim" in m["flags"] else "?" for m in metas}
    assert {"C", "K", "S"} <= sims


def _figures() -> tuple[float, dict[int, float], dict[int, float]]:
    """No-firebreak fitness and the full-line table of cell2fire-figures.md."""
    text = (SHARED / "reference" / "Sub20x20" / "cell2fire-figures.md").read_text()
    cols, rows = {}, {}
    for i, c, r in re.findall(r"^\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|", text, flags=re.M):
        cols[int(i)], rows[int(i)] = float(c), float(r)
    none = float(re.search(r"no firebreaks:\s*([\d.]+)", text).group(1))
    return none, cols, rows


@needs_shared
def test_reproduces_cell2fire_figures_exactly():
    none, cols, rows = _figures()
    assert len(cols) == len(rows) == 20
    lays = np.zeros((41, 20, 20), bool)
    for i in range(20):
        lays[1 + i, :, i] = True
        lays[21 + i, i, :] = True
    fit = FireSimulator(n_fires=100, seed=123).evaluate(lays)  # the embedded default landscape
    want = np.array([none] + [cols[i] for i in range(20)] + [rows[i] for i in range(20)])
    # the figures are rounded to 4 decimals; 100 fires x 400 cells make fitness a multiple of 1/40000
    assert np.all(np.abs(fit - want) <= 0.5e-4 + 1e-12), np.c_[fit, want][np.abs(fit - want) > 0.5e-4]


def test_reproduces_a_few_cell2fire_numbers_without_the_team_folder():
    # From shared/reference/Sub20x20/cell2fire-figures.md (real C2F-W 20fcf6ca, 100 fires, seed 123):
    # no firebreaks 0.6875, full column 10 0.8616, full row 7 0.8828 (rounded to 4 decimals).
    lays = np.zeros((3, 20, 20), bool)
    lays[1, :, 10] = True
    lays[2, 7, :] = True
    fit = FireSimulator(n_fires=100, seed=123).evaluate(lays)
    assert [f"{v:.4f}" for v in fit] == ["0.6875", "0.8616", "0.8828"]


@needs_shared
def test_embedded_default_equals_the_reference_folder():
    folder = load_landscape(SHARED / "reference" / "Sub20x20")
    assert folder.fingerprint() == load_landscape(None).fingerprint()


def test_matches_the_real_binary_fire_for_fire():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from fidelity import find_binary, run_cell2fire, shared_dir, standard_layouts
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    binary, why = find_binary()
    if binary is None or shared_dir() is None:
        pytest.skip(why or "shared/reference/Sub20x20 not found")
    inst = shared_dir() / "reference" / "Sub20x20"
    lays = standard_layouts((20, 20), n_random=1)
    for names, cv in ((["none", "random20 #0"], 0.0), (["column 10"], 0.5)):
        stack = np.stack([lays[k] for k in names])
        try:
            theirs = run_cell2fire(binary, inst, stack, 60, seed=7, ros_cv=cv)
        except Exception as exc:  # the binary exists but cannot run on this machine
            pytest.skip(f"the Cell2Fire binary does not run here: {exc}")
        ours = FireSimulator(n_fires=60, seed=7, ros_cv=cv).burned(stack)
        same = (ours == theirs).all(axis=(2, 3))
        assert same.all(), f"{names}, ROS-CV {cv}: (layout, fire) {np.argwhere(~same)} differ"
