"""Every producer of layouts puts its breaks on burnable cells only (issue 21, item 1).

A break on a non-fuel cell changes no fire, so it wastes budget: random initialisation, the
repair, every vanilla and latent operator (through the engine, as a run calls them), the
dataset, every built-in baseline and decoding must avoid them. Checked on Sub20x20 with a
pattern of non-fuel cells (always available) and on Sub40x40 from ../shared when present.
"""

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from latentga.operators.latent import decode_layouts

from latentga.baselines.registry import BUILTIN_BASELINES, resolve_baseline
from latentga.config import load_config
from latentga.dataset import Dataset, build_dataset, load_or_build_dataset
from latentga.errors import ConfigError, DatasetError
from latentga.ga import run_ga
from latentga.layouts import burnable_cells, off_fuel
from latentga.models import build_model
from latentga.models.decoding import decode_topk
from latentga.problems import FirebreakProblem
from latentga.simulator import FireSimulator
from latentga.simulator.landscape import NON_FUEL, default_landscape

ROOT = Path(__file__).resolve().parents[1]
K = 12


def _shared() -> Path | None:
    for cand in (os.environ.get("LATENTGA_SHARED"), ROOT.parent / "shared"):
        if cand and (Path(cand) / "reference" / "Sub40x40").is_dir():
            return Path(cand)
    return None


SHARED = _shared()


def holey_landscape():
    """Sub20x20 with non-fuel cells: two columns, a diagonal and a block (rows 0-3 stay fuel,
    so straight lines of K cells exist; the ignition area keeps some fuel)."""
    land = default_landscape()
    types = np.array(land.fuel_types, dtype=object)
    hole = np.zeros(land.shape, bool)
    hole[4:, 3] = hole[4:, 15] = True
    hole[np.arange(4, 20), np.arange(4, 20)] = True
    hole[12:16, 5:9] = True
    types[hole] = NON_FUEL
    return dataclasses.replace(land, name="Sub20x20 with holes", fuel_types=types.astype(str)), hole


@pytest.fixture(scope="module")
def sim():
    land, hole = holey_landscape()
    out = FireSimulator(land, n_fires=4, seed=123)
    assert np.array_equal(burnable_cells(out), ~hole)
    return out


def assert_on_fuel(layouts, simulator, k=K):
    layouts = np.asarray(layouts, bool).reshape(-1, *simulator.shape)
    assert (layouts.reshape(len(layouts), -1).sum(axis=1) == k).all()
    assert not off_fuel(layouts, burnable_cells(simulator)).any()


def adversarial(model, simulator):
    """The model, its decoder pushed hard towards non-fuel cells (so a mask-free top-k would pick them)."""
    bias = torch.as_tensor(~burnable_cells(simulator), dtype=torch.float32) * 100.0
    real = model.decode
    model.decode = lambda z: real(z) + bias
    return model


@pytest.fixture(scope="module")
def model(sim):
    torch.manual_seed(0)
    cfg = dict(kind="ccvae", latent_dim=6, char_dim=2, channels=[8, 16], head_hidden=[8])
    return adversarial(build_model(cfg, sim.shape).eval(), sim)


def test_problem_draws_repairs_and_judges_on_burnable_cells(sim):
    problem = FirebreakProblem(sim, K, delta_evaluation=False)
    assert_on_fuel(problem.random_individuals(200, np.random.default_rng(0)), sim)
    bad = problem.random_individuals(1, np.random.default_rng(1))[0]
    on = np.flatnonzero(bad)[0]
    bad.reshape(-1)[on] = False
    bad[5, 3] = True  # a non-fuel cell
    assert not problem.is_feasible(bad) and "non-fuel" in problem.infeasibility(bad)
    problem.repair(bad, np.random.default_rng(2))
    assert problem.is_feasible(bad)
    assert_on_fuel(bad, sim)
    with pytest.raises(Exception, match="burnable cells"):
        FirebreakProblem(sim, int(burnable_cells(sim).sum()) + 1)


def test_decoding_never_picks_a_non_fuel_cell(sim, model):
    z = torch.randn(64, model.latent_dim, generator=torch.Generator().manual_seed(0))
    free = decode_topk(model.decode(z), K)  # without the mask the adversarial decoder picks holes
    assert off_fuel(free.numpy(), burnable_cells(sim)).all()
    assert_on_fuel(decode_layouts(model, z, K, burnable_cells(sim)), sim)
    assert_on_fuel(decode_topk(model.decode(z), K, burnable_cells(sim)).numpy(), sim)


VANILLA = [("cx_uniform", "mut_flip"), ("cx_two_point", "mut_flip")]
LATENT = [("cx_latent_interpolation", "mut_latent_resample"), ("cx_uniform", "mut_ccvae_gradient"),
          ("cx_uniform", "mut_ccvae_conditional")]


@pytest.mark.parametrize("mate,mutate", VANILLA + LATENT)
def test_every_operator_in_a_run_keeps_breaks_on_fuel(sim, model, mate, mutate):
    config = load_config(None, ["name=fuel", f"firebreaks={K}", "ga.population=12", "ga.generations=3",
                                "ga.cxpb=0.9", "ga.mutpb=0.9", f"operators.mate.name={mate}",
                                f"operators.mutate.name={mutate}", "operators.mutate.params={}",
                                "operators.mate.params={}"])
    seen = []
    uses_model = (mate, mutate) in LATENT
    run_ga(config, FirebreakProblem(sim, K), model if uses_model else None, progress=False,
           on_generation=lambda gen, pop, hof, log: seen.extend(np.asarray(ind, bool) for ind in pop))
    assert len(seen) == 12 * 4
    assert_on_fuel(np.stack(seen), sim)


def test_an_operator_called_with_the_problems_keywords_stays_on_fuel(sim):
    from latentga.operators.vanilla import cx_two_point, cx_uniform, mut_flip

    problem = FirebreakProblem(sim, K)
    kw = {**problem.operator_keywords(), "rng": np.random.default_rng(0)}
    for _ in range(20):
        a, b = problem.random_individuals(2, kw["rng"])
        assert_on_fuel(np.stack(cx_uniform(a, b, **kw) + cx_two_point(a, b, **kw)), sim)
        assert_on_fuel(mut_flip(a, indpb=0.5, **kw)[0], sim)  # flips everywhere, then repair


def test_init_layouts_with_a_break_on_non_fuel_is_refused_in_one_line(sim, tmp_path):
    layout = FirebreakProblem(sim, K).random_individuals(1, np.random.default_rng(0))[0]
    layout.reshape(-1)[np.flatnonzero(layout)[0]] = False
    layout[10, 3] = True
    np.save(tmp_path / "seed.npy", layout)
    config = load_config(None, ["name=fuel", f"firebreaks={K}", "ga.population=4", "ga.generations=0",
                                "operators.mate.name=cx_uniform", "operators.mutate.name=mut_flip",
                                f"ga.init_layouts={tmp_path / 'seed.npy'}"])
    with pytest.raises(ConfigError, match="non-fuel") as err:
        run_ga(config, FirebreakProblem(sim, K), progress=False)
    assert "\n" not in str(err.value)


def test_dataset_layouts_are_on_fuel_and_an_old_cache_is_refused(sim, tmp_path):
    ds = build_dataset(sim, n=50, k=K, seed=0, workers=1, progress=False)
    assert_on_fuel(ds.layouts, sim)
    path = tmp_path / "ds.npz"
    load_or_build_dataset(path, sim, n=50, k=K, seed=0, workers=1, progress=False)
    old = Dataset.load(path)
    layouts = old.layouts.copy()
    layouts[0, 5, 3] = True
    layouts[0].reshape(-1)[np.flatnonzero(layouts[0] & burnable_cells(sim))[0]] = False
    Dataset(layouts, old.fitness, old.settings).save(path)
    with pytest.raises(DatasetError, match="non-fuel"):
        load_or_build_dataset(path, sim, n=50, k=K, seed=0, workers=1, progress=False)


@pytest.mark.parametrize("name", list(BUILTIN_BASELINES))
def test_every_builtin_baseline_returns_breaks_on_fuel(sim, name):
    res = resolve_baseline(name)(sim, K, budget={"fires": 400, "calls": 100}, rng=np.random.default_rng(0))
    assert_on_fuel(res.layout, sim)
    assert_on_fuel(np.stack(res.bests), sim) if getattr(res, "bests", None) else None


@pytest.mark.skipif(SHARED is None, reason="team folder shared/ with reference/Sub40x40 is absent")
def test_sub40x40_every_producer_on_fuel():
    from latentga.operators.vanilla import cx_uniform, mut_flip

    from latentga.simulator.landscape import load_landscape

    simulator = FireSimulator(load_landscape(SHARED / "reference" / "Sub40x40"), n_fires=3, seed=123)
    mask = burnable_cells(simulator)
    assert not mask.all()  # it has non-fuel cells, the point of this check
    problem = FirebreakProblem(simulator, 80, delta_evaluation=False)
    rng = np.random.default_rng(0)
    pop = problem.random_individuals(50, rng)
    assert_on_fuel(pop, simulator, 80)
    kw = {**problem.operator_keywords(), "rng": rng}
    kids = [x for a, b in zip(pop[0::2], pop[1::2]) for x in cx_uniform(a.copy(), b.copy(), **kw)]
    kids += [mut_flip(a.copy(), indpb=0.2, **kw)[0] for a in pop]
    assert_on_fuel(np.stack(kids), simulator, 80)
    assert_on_fuel(build_dataset(simulator, n=20, k=80, seed=0, workers=1, progress=False).layouts, simulator, 80)
    for name in ("random_search", "burn_probability", "dpv"):
        res = resolve_baseline(name)(simulator, 80, budget={"fires": 60, "calls": 20}, rng=np.random.default_rng(0))
        assert_on_fuel(res.layout, simulator, 80)
