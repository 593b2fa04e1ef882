"""improve: never more than M moves, never below its input on its own fires, exact, reported."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from latentga.errors import ConfigError
from latentga.improve import improve_plan
from latentga.layouts import random_layouts
from latentga.plans import read_plans, write_plan
from latentga.simulator import FireSimulator

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sims():
    return FireSimulator(n_fires=20, seed=5), FireSimulator(n_fires=40, seed=2024)


@pytest.mark.parametrize("start_seed, m", [(0, 0), (1, 2), (2, 4)])
def test_never_more_than_m_moves_and_never_worse(sims, start_seed, m):
    sim, fresh = sims
    plan = random_layouts(1, sim.shape, 8, np.random.default_rng(start_seed))[0]
    res = improve_plan(sim, plan, m, fresh=fresh, shortlist=10)
    start = sim.evaluate(plan[None])[0]
    assert len(res.moves) <= m and len(res.plans) == len(res.moves) + 1
    assert int(np.count_nonzero(res.plan != plan)) <= 2 * m  # each move changes two cells
    # exact: the search fitness it reports is a full evaluation's, and it only ever rises
    full = sim.evaluate(np.stack(res.plans))
    assert np.array_equal(res.curve["search_fitness"].to_numpy()[:len(full)], full)
    assert (np.diff(full) > 0).all() and full[-1] >= start
    assert list(res.curve["moves"]) == list(range(m + 1))
    assert np.allclose(res.curve["fresh_fitness"].to_numpy()[:len(full)], fresh.evaluate(np.stack(res.plans)))
    assert (res.plan.sum() == 8) and (res.moves["kind"] == "move").all()


def test_moves_name_their_cells(sims):
    sim, fresh = sims
    plan = random_layouts(1, sim.shape, 8, np.random.default_rng(7))[0]
    res = improve_plan(sim, plan, 2, fresh=fresh, shortlist=10)
    cur = plan.copy()
    for row, nxt in zip(res.moves.itertuples(), res.plans[1:]):
        assert cur[row.from_row, row.from_col] and not nxt[row.from_row, row.from_col]
        assert nxt[row.to_row, row.to_col] and not cur[row.to_row, row.to_col]
        assert row.from_id == row.from_row * sim.shape[1] + row.from_col + 1
        assert row.to_id == row.to_row * sim.shape[1] + row.to_col + 1
        cur = nxt


def test_adds_breaks_up_to_the_budget_and_is_deterministic(sims):
    sim, fresh = sims
    plan = random_layouts(1, sim.shape, 5, np.random.default_rng(1))[0]
    a = improve_plan(sim, plan, 3, firebreaks=7, fresh=fresh, shortlist=5)
    b = improve_plan(sim, plan, 3, firebreaks=7, fresh=fresh, shortlist=5)
    assert a.plan.sum() <= 7 and (a.moves["kind"] == "add").sum() <= 2
    pd.testing.assert_frame_equal(a.moves, b.moves)
    with pytest.raises(ConfigError, match="below the plan"):
        improve_plan(sim, plan, 1, firebreaks=4)
    with pytest.raises(ConfigError, match="max-moves"):
        improve_plan(sim, plan, -1)


def test_improve_cli_writes_its_folder(tmp_path):
    sim = FireSimulator(n_fires=10)
    plan = random_layouts(1, sim.shape, 20, np.random.default_rng(0))[0]
    write_plan(tmp_path / "plan.asc", plan, sim.landscape)
    out = subprocess.run([sys.executable, "-m", "latentga", "improve", "--plan", str(tmp_path / "plan.asc"),
                          "--max-moves", "1", "--fires", "10", "--fresh-fires", "20", "--shortlist", "5",
                          "--out", str(tmp_path / "res")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    res = tmp_path / "res"
    for name in ("plan.npy", "plan.csv", "plan.asc", "moves.csv", "gain_curve.csv", "gain_curve.png",
                 "burn_probability.asc", "burn_probability_untreated.asc", "report.html"):
        assert (res / name).is_file(), name
    improved = read_plans(res / "plan.csv", sim.landscape)[0]
    assert (improved == np.load(res / "plan.npy")).all() and int(np.count_nonzero(improved != plan)) <= 2
    page = (res / "report.html").read_text()
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    assert not re.search(r"\bnan\b", text, re.I) and "with no firebreaks" in text
    assert "fresh fires" in out.stdout.splitlines()[-2]
    bad = subprocess.run([sys.executable, "-m", "latentga", "improve", "--plan", str(tmp_path / "none.csv"),
                          "--max-moves", "1"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "does not exist" in bad.stderr


@pytest.mark.slow  # trains a tiny CCVAE
def test_model_interventions_propose_moves(sims):
    from latentga.config import load_config
    from latentga.improve import model_moves
    from latentga.models import train_model

    sim, fresh = sims
    rng = np.random.default_rng(0)
    layouts = random_layouts(60, sim.shape, 8, rng)
    cfg = {**load_config(None)["model"], "latent_dim": 8, "char_dim": 4, "channels": [8, 16], "head_hidden": [8],
           "epochs": 1, "device": "cpu"}
    model = train_model(layouts, sim.evaluate(layouts), cfg, seed=0, progress=False).model
    plan = layouts[0]
    moves = model_moves(model, plan, iterations=5, step_size=0.5)
    flat = plan.ravel()
    assert moves and all(flat[a] and not flat[b] for a, b in moves)
    res = improve_plan(sim, plan, 1, fresh=fresh, model=model, shortlist=1)
    assert len(res.moves) <= 1 and sim.evaluate(res.plan[None])[0] >= sim.evaluate(plan[None])[0]
