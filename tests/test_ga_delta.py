"""Delta evaluation inside the GA: the same search and fitness as full evaluation, fewer fires
simulated, counted honestly, and exact across a checkpoint and resume."""


import numpy as np
import pytest

from latentga.config import load_config
from latentga.errors import ConfigError
from latentga.ga import checkpoint as ckpt
from latentga.ga import run_ga
from latentga.models import build_model
from latentga.problems import firebreak_problem
from latentga.problems.fire_delta import make_tracker
from latentga.simulator import FireSimulator


def ga(cfg, simulator, model=None, **kwargs):
    """``run_ga`` on the firebreak problem of ``cfg`` scored by ``simulator``."""
    return run_ga(cfg, firebreak_problem(cfg, simulator), model, **kwargs)


N_FIRES = 10
VANILLA = ["name=d", "firebreaks=20", "ga.population=16", "ga.generations=4", "ga.elite=2", "ga.chunk_size=6",
           "operators.mate.name=cx_uniform", "operators.mutate.name=mut_flip",
           "operators.mutate.params.indpb=0.01", f"simulator.n_fires={N_FIRES}"]
TINY_MODEL = dict(kind="ccvae", latent_dim=8, char_dim=4, channels=[8, 16], head_hidden=[16], dropout=0.0)
LATENT = ["name=l", "ga.population=12", "ga.generations=3", "ga.mutpb=0.6", f"simulator.n_fires={N_FIRES}",
          "operators.mate.name=cx_latent_interpolation", "operators.mutate.name=mut_ccvae_gradient"] + \
    [f"model.{k}={v}" for k, v in TINY_MODEL.items()]
COST = ("cost", "time")


@pytest.fixture(scope="module")
def sim():
    return FireSimulator(n_fires=N_FIRES, seed=123)


def cfg(base, *extra, delta=True):
    return load_config(None, base + [f"ga.delta_evaluation={str(delta).lower()}", *extra])


def search(logbook):
    """The logbook without what delta evaluation is allowed to change (fires simulated, time)."""
    return [{k: v for k, v in e.items() if k not in COST} for e in logbook]


def assert_same_search(a, b):
    assert search(a[1]) == search(b[1])
    assert np.array_equal(np.stack(a[0]), np.stack(b[0]))
    assert [i.fitness.values for i in a[0]] == [i.fitness.values for i in b[0]]
    assert np.array_equal(np.stack(list(a[2])), np.stack(list(b[2])))
    assert [h.fitness.values for h in a[2]] == [h.fitness.values for h in b[2]]


def assert_fires_counted(log, n_fires):
    fires = [e["cost"] for e in log]
    full = [e["cost_full"] for e in log]
    assert fires[0] == full[0] == n_fires * log[0]["evaluations"]  # the first population is scored fully
    assert all(0 <= b - a <= n_fires * e["nevals"] for a, b, e in zip(fires, fires[1:], log[1:]))
    assert fires[-1] < full[-1]


def test_vanilla_run_is_identical_and_simulates_fewer_fires(sim):
    with_delta = ga(cfg(VANILLA), sim, out_dir=None, progress=False)
    without = ga(cfg(VANILLA, delta=False), sim, out_dir=None, progress=False)
    assert_same_search(with_delta, without)
    assert [e["cost"] for e in without[1]] == [e["cost_full"] for e in without[1]]
    assert_fires_counted(with_delta[1], N_FIRES)
    # the fitness values are the simulator's own, not a drifting copy
    pop = with_delta[0]
    assert sim.evaluate(np.stack(pop)).tolist() == [i.fitness.values[0] for i in pop]


@pytest.mark.slow
def test_latent_operator_run_is_identical_with_and_without_delta(sim):
    model = build_model(TINY_MODEL, sim.shape)  # untrained but a real CCVAE: the latent path is the same
    with_delta = ga(cfg(LATENT), sim, model, out_dir=None, progress=False)
    without = ga(cfg(LATENT, delta=False), sim, model, out_dir=None, progress=False)
    assert_same_search(with_delta, without)
    assert all(e["cost"] <= e["cost_full"] for e in with_delta[1])
    assert with_delta[1][-1]["cost_full"] == without[1][-1]["cost"]


def test_resume_is_exact_fires_included(sim, tmp_path, kill_after):
    config = cfg(VANILLA, "ga.generations=5")
    full = ga(config, sim, out_dir=tmp_path / "full", progress=False)
    with kill_after(2):  # killed right after generation 2 was checkpointed
        ga(config, sim, out_dir=tmp_path / "cut", progress=False)
    state = ckpt.load_checkpoint(tmp_path / "cut" / "checkpoint.npz", config)
    assert len(state["records"]["keys"]) == len({p.tobytes() for p in state["population"]})
    resumed = ga(config, sim, out_dir=tmp_path / "cut", resume=True, progress=False)
    assert [{k: v for k, v in e.items() if k != "time"} for e in resumed[1]] == \
        [{k: v for k, v in e.items() if k != "time"} for e in full[1]]
    assert_same_search(resumed, full)


def test_switching_delta_off_for_the_resume_keeps_the_search(sim, tmp_path):
    ga(cfg(VANILLA, "ga.generations=2"), sim, out_dir=tmp_path, progress=False)
    resumed = ga(cfg(VANILLA, delta=False), sim, out_dir=tmp_path, resume=True, progress=False)
    straight = ga(cfg(VANILLA), sim, out_dir=None, progress=False)
    assert_same_search(resumed, straight)
    later = resumed[1][2:]  # generations run without delta pay the full price
    assert all(b["cost"] - a["cost"] == b["cost_full"] - a["cost_full"] for a, b in zip(later, later[1:]))


class PlainSimulator:
    """A user's own simulator: only ``evaluate`` (here the real fires), no single-fire runs."""

    def __init__(self, sim):
        self.sim, self.shape, self.n_fires, self.settings = sim, sim.shape, sim.n_fires, dict(sim.settings)

    def evaluate(self, layouts):
        return self.sim.evaluate(layouts)


def test_simulator_without_single_fires_runs_fully_and_silently(sim):
    plain = PlainSimulator(sim)
    assert make_tracker(plain) is None and make_tracker(sim, enabled=False) is None
    pop, log, hof = ga(cfg(VANILLA, "ga.generations=2"), plain, out_dir=None, progress=False)
    assert [e["cost"] for e in log] == [e["cost_full"] for e in log]
    assert_same_search((pop, log, hof), ga(cfg(VANILLA, "ga.generations=2", delta=False), sim,
                                               out_dir=None, progress=False))


def test_cell2fire_backend_has_delta_off():
    from latentga.errors import ConfigError
    from latentga.simulator.cell2fire_backend import Cell2FireBinarySimulator, find_cell2fire_binary

    try:  # $CELL2FIRE_BINARY, else Cell2Fire on PATH
        binary = find_cell2fire_binary()
    except ConfigError as exc:
        pytest.skip(f"no Cell2Fire binary: {exc}")

    c2f = Cell2FireBinarySimulator(binary=str(binary), n_fires=2)
    config = cfg(VANILLA, "simulator.backend=cell2fire", f"simulator.cell2fire_binary={binary}")
    assert firebreak_problem(config, c2f).delta_tracker() is None


def test_delta_evaluation_key_must_be_true_or_false():
    with pytest.raises(ConfigError, match="ga.delta_evaluation"):
        load_config(None, ["ga.delta_evaluation=1"])
