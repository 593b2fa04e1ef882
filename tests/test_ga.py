"""The GA engine on the real fire simulator (built-in Sub20x20, few fires, tiny populations)."""

import pickle

import numpy as np
import pytest
from latentga.operators.base import batch_operator

from latentga.config import load_config
from latentga.errors import CheckpointError, ConfigError
from latentga.ga import build_toolbox, make_individual, run_ga
from latentga.layouts import layout_key
from latentga.problems import firebreak_problem
from latentga.problems.fire_delta import DeltaTracker
from latentga.simulator import FireSimulator


def ga(cfg, simulator, model=None, **kwargs):
    """``run_ga`` on the firebreak problem of ``cfg`` scored by ``simulator``."""
    return run_ga(cfg, firebreak_problem(cfg, simulator), model, **kwargs)


VANILLA = [
    "name=t", "firebreaks=20", "ga.population=12", "ga.generations=3", "ga.elite=2", "ga.chunk_size=5",
    "operators.mate.name=cx_uniform", "simulator.n_fires=8",
]


class RecordingSimulator(FireSimulator):
    """The real simulator, also recording which layouts it was asked to score."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: list[bytes] = []

    def evaluate(self, layouts):
        self.seen += [layout_key(l) for l in np.asarray(layouts, bool)]
        return super().evaluate(layouts)


@pytest.fixture(scope="module")
def sim():
    return FireSimulator(n_fires=8, seed=123)


def config(*extra, mutate="mut_flip"):
    """A small vanilla config; ``mutate`` names the mutation (mut_flip gets indpb 0.02)."""
    ops = [f"operators.mutate.name={mutate}"] + (["operators.mutate.params.indpb=0.02"]
                                                  if mutate == "mut_flip" else [])
    return load_config(None, VANILLA + ops + list(extra))


def strip_time(logbook):
    return [{k: v for k, v in e.items() if k != "time"} for e in logbook]


def test_short_run_keeps_budget_and_never_loses_the_best(sim, tmp_path):
    pop, log, hof = ga(config(), sim, out_dir=tmp_path, progress=False)
    assert [e["gen"] for e in log] == [0, 1, 2, 3]
    best = [e["best_so_far"] for e in log]
    assert all(b2 >= b1 for b1, b2 in zip(best, best[1:]))
    assert all(e["max"] == e["best_so_far"] for e in log)  # elitism: the best is always in the population
    assert len(pop) == 12 and all(ind.sum() == 20 and ind.shape == (20, 20) for ind in pop)
    assert hof[0].fitness.values[0] == best[-1]
    # fitness values are the simulator's, not a stale copy
    assert np.allclose(sim.evaluate(np.stack(list(hof))), [h.fitness.values[0] for h in hof])
    assert (tmp_path / "checkpoint.npz").is_file()


def test_same_seed_same_logbook_other_seed_other_logbook(sim, tmp_path):
    a = ga(config(), sim, out_dir=tmp_path / "a", progress=False)
    b = ga(config(), sim, out_dir=tmp_path / "b", progress=False)
    c = ga(config("seed=1"), sim, out_dir=tmp_path / "c", progress=False)
    assert strip_time(a[1]) == strip_time(b[1])
    assert np.array_equal(np.stack(a[0]), np.stack(b[0]))
    assert strip_time(a[1]) != strip_time(c[1])


@pytest.mark.parametrize("delta", [False, True])
def test_a_layout_is_never_simulated_twice(tmp_path, monkeypatch, delta):
    rec = RecordingSimulator(n_fires=8, seed=123)
    real_score = DeltaTracker.score

    def spy(self, layouts, *args, **kwargs):  # delta evaluation scores through the tracker
        rec.seen += list(layouts)
        return real_score(self, layouts, *args, **kwargs)

    monkeypatch.setattr(DeltaTracker, "score", spy)
    # strong selection and little variation make many duplicate layouts
    _, log, _ = ga(config("ga.mutpb=0.1", "ga.cxpb=0.2", "ga.generations=4",
                              f"ga.delta_evaluation={str(delta).lower()}"), rec, out_dir=tmp_path, progress=False)
    assert len(rec.seen) == len(set(rec.seen)) == log[-1]["evaluations"]
    assert sum(e["nevals"] for e in log) > log[-1]["evaluations"]  # the cache did serve repeats
    assert log[-1]["cost_full"] == 8 * log[-1]["evaluations"]
    if delta:  # children re-run only the fires their change can alter
        assert log[-1]["cost"] < log[-1]["cost_full"]
    else:
        assert log[-1]["cost"] == log[-1]["cost_full"]


def test_resume_after_a_kill_gives_the_uninterrupted_result(sim, tmp_path, kill_after):
    cfg = config("ga.generations=4")
    full = ga(cfg, sim, out_dir=tmp_path / "full", progress=False)

    with kill_after(2):  # killed right after generation 2 was checkpointed
        ga(cfg, sim, out_dir=tmp_path / "cut", progress=False)
    resumed = ga(cfg, sim, out_dir=tmp_path / "cut", resume=True, progress=False)

    assert strip_time(resumed[1]) == strip_time(full[1])
    assert np.array_equal(np.stack(resumed[0]), np.stack(full[0]))
    assert [i.fitness.values for i in resumed[0]] == [i.fitness.values for i in full[0]]
    assert np.array_equal(np.stack(list(resumed[2])), np.stack(list(full[2])))


def test_finished_run_can_be_extended_with_more_generations(sim, tmp_path):
    ga(config("ga.generations=2"), sim, out_dir=tmp_path, progress=False)
    _, log, _ = ga(config("ga.generations=4"), sim, out_dir=tmp_path, resume=True, progress=False)
    _, straight, _ = ga(config("ga.generations=4"), sim, out_dir=tmp_path / "s", progress=False)
    assert strip_time(log) == strip_time(straight)


def test_checkpoint_from_another_config_is_refused(sim, tmp_path):
    ga(config(), sim, out_dir=tmp_path, progress=False)
    with pytest.raises(CheckpointError, match=r"another config.*ga.population.*without --resume"):
        ga(config("ga.population=14"), sim, out_dir=tmp_path, resume=True, progress=False)


def test_corrupt_or_missing_checkpoint_gives_a_clear_error(sim, tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint"):
        ga(config(), sim, out_dir=tmp_path, resume=True, progress=False)
    ga(config(), sim, out_dir=tmp_path, progress=False)
    path = tmp_path / "checkpoint.npz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="corrupt"):
        ga(config(), sim, out_dir=tmp_path, resume=True, progress=False)
    path.write_bytes(pickle.dumps({"some": "dict"}))
    with pytest.raises(CheckpointError, match="not a latentga"):
        ga(config(), sim, out_dir=tmp_path, resume=True, progress=False)


# -- plug-in operators, given to the config by dotted path "test_ga:<function>" ---------------
CALLS: list[int] = []


def mut_shift(individual, *, k, rng):
    """A user's mutation: roll the grid by a random offset (keeps the budget)."""
    CALLS.append(1)
    individual[...] = np.roll(individual, int(rng.integers(1, 5)), axis=int(rng.integers(0, 2)))
    return (individual,)


def mut_add_one(individual, *, rng):
    """A careless user's mutation that breaks the budget; the engine must repair it."""
    free = np.flatnonzero(~np.asarray(individual, bool).ravel())
    individual.flat[rng.choice(free)] = True
    return (individual,)


@batch_operator
def mut_shift_batch(*individuals, rng):
    """A batch-capable mutation: records how many individuals each call received."""
    CALLS.append(len(individuals))
    for ind in individuals:
        ind[...] = np.roll(ind, int(rng.integers(1, 5)), axis=1)
    return individuals


def test_plugged_in_operator_is_used(sim, tmp_path):
    CALLS.clear()
    _, log, _ = ga(config("ga.mutpb=0.5", mutate="test_ga:mut_shift"), sim,
                       out_dir=tmp_path, progress=False)
    assert len(CALLS) > 3 and all(c == 1 for c in CALLS)


def test_budget_breaking_plugin_is_repaired(sim, tmp_path):
    pop, _, _ = ga(config("ga.mutpb=1.0", mutate="test_ga:mut_add_one"), sim,
                       out_dir=tmp_path, progress=False)
    assert all(ind.sum() == 20 for ind in pop)


def test_batch_operator_is_called_once_per_generation_with_everyone(sim, tmp_path):
    CALLS.clear()
    ga(config("ga.mutpb=0.5", mutate="test_ga:mut_shift_batch"), sim, out_dir=tmp_path,
           progress=False)
    assert len(CALLS) == 3 and all(c > 1 for c in CALLS)


def test_toolbox_evaluation_pickles_for_scoop_and_matches_the_simulator(sim):
    problem = firebreak_problem(config(), sim)
    tb = build_toolbox(config().operators, problem, rng=np.random.default_rng(0))
    pop = [make_individual(x) for x in problem.random_individuals(4, np.random.default_rng(0))]
    again = pickle.loads(pickle.dumps(tb.evaluate_batch))
    assert np.array_equal(again(np.stack(pop)), sim.evaluate(np.stack(pop)))
    one = pickle.loads(pickle.dumps(tb.evaluate))  # DEAP's evaluate: one individual, a 1-tuple
    assert [one(ind) for ind in pop] == [(float(f),) for f in sim.evaluate(np.stack(pop))]
    clone = pickle.loads(pickle.dumps(pop[0]))  # individuals unpickle with their DEAP class
    assert type(clone).__name__ == "Layout" and np.array_equal(clone, pop[0])
    assert clone.fitness.weights == (1.0,)


def test_latent_operator_without_a_model_is_a_config_error(sim):
    with pytest.raises(ConfigError, match="needs a trained model"):
        build_toolbox(config(mutate="mut_ccvae_gradient").operators, firebreak_problem(config(), sim),
                      rng=np.random.default_rng(0))


def test_without_out_dir_nothing_is_written_and_the_hook_sees_every_generation(sim, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seen = []
    _, log, _ = ga(config(), sim, out_dir=None, progress=False,
                       on_generation=lambda gen, pop, hof, log: seen.append((gen, hof[0].fitness.values[0])))
    assert [g for g, _ in seen] == [0, 1, 2, 3]
    assert [b for _, b in seen] == [e["best_so_far"] for e in log]
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(CheckpointError):
        ga(config(), sim, out_dir=None, resume=True, progress=False)


def test_init_layouts_start_generation_zero_and_bad_files_are_refused(sim, tmp_path):
    """``ga.init_layouts``: a known plan (here: DPV's layout) starts the run, the rest is random;
    the GA never ends below it. A wrong shape, budget, value, a pickle or a missing file is one
    ConfigError naming the file."""
    from latentga.baselines.dpv import dpv_layout
    from latentga.ga import initial_individuals

    plan = dpv_layout(sim, 20).layout
    path = tmp_path / "plan.npy"
    np.save(path, plan.astype(np.uint8))  # 0/1 numbers are taken as well as booleans
    cfg = config(f"ga.init_layouts={path}")
    first = initial_individuals(cfg.ga, firebreak_problem(cfg, sim), 12, np.random.default_rng(0))
    assert first.dtype == bool and np.array_equal(first[0], plan) and len(first) == 12
    assert all(x.sum() == 20 for x in first) and not np.array_equal(first[1], plan)
    pop, log, hof = ga(cfg, sim, progress=False)
    assert log[0]["max"] >= sim.evaluate(plan[None])[0] and hof[0].fitness.values[0] >= log[0]["max"]
    assert log[0]["max"] > ga(config(), sim, progress=False)[1][0]["max"]  # DPV beats 12 random layouts

    bad = {"shape.npy": np.zeros((10, 10), bool), "budget.npy": np.zeros((20, 20), bool),
           "values.npy": np.full((20, 20), 0.5), "pickle.npy": np.array([{"a": 1}], dtype=object)}
    for name, arr in bad.items():
        np.save(tmp_path / name, arr, allow_pickle=True)
    for name, match in [("shape.npy", r"holds \(10, 10\)"), ("budget.npy", "individual 0 .* infeasible"),
                        ("values.npy", "other than 0 and 1"), ("pickle.npy", "cannot read"),
                        ("missing.npy", "does not exist")]:
        cfg = config(f"ga.init_layouts={tmp_path / name}")
        with pytest.raises(ConfigError, match=f"ga.init_layouts: .*{match}"):
            ga(cfg, sim, progress=False)
