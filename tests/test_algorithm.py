"""The algorithm object: ask/tell and run agree with run_ga, terminations stop where they say,
callbacks may change the population and pay for it in cost, variation can be wrapped."""

import numpy as np
import pytest

from latentga.config import load_config
from latentga.ga import (
    Callback,
    Checkpoint,
    Generations,
    GeneticAlgorithm,
    MaxCost,
    MaxSeconds,
    NoImprovement,
    default_variation,
    make_individual,
    run_ga,
)
from latentga.problems import KSubsetProblem

CONFIG = {"seed": 3, "ga": {"population": 20, "generations": 6, "elite": 2, "chunk_size": 10},
          "operators": {"mate": "cx_uniform", "mutate": {"name": "mut_flip", "params": {"indpb": 0.02}}}}


def _strip(log):
    return [{k: v for k, v in e.items() if k != "time"} for e in log]


@pytest.fixture
def problem():
    return KSubsetProblem.random((6, 7), k=5, seed=2)


@pytest.fixture
def config():
    return load_config(None, CONFIG)


def test_ask_tell_by_hand_equals_run_ga(problem, config):
    _, want, want_hof = run_ga(config, problem, progress=False)
    algo = GeneticAlgorithm(config, problem)
    algo.initialize()
    while algo.gen < 6:
        children = algo.ask()
        assert all(c.fitness.valid for c in children[:2])  # the elites come first, evaluated
        algo.tell(children)
    assert _strip(algo.logbook) == _strip(want)
    assert [h.fitness.values for h in algo.hof] == [h.fitness.values for h in want_hof]


def test_terminations_stop_where_they_say(problem, config):
    log = GeneticAlgorithm(config, problem, termination=[Generations(3)]).run()[1]
    assert log[-1]["gen"] == 3
    log = GeneticAlgorithm(config, problem, termination=[MaxCost(50)]).run()[1]
    assert log[-2]["cost"] < 50 <= log[-1]["cost"]
    log = GeneticAlgorithm(config, problem, termination=[MaxSeconds(0.0, clock="cpu")]).run()[1]
    assert len(log) == 1  # generation 0 always runs
    log = GeneticAlgorithm(config, problem, termination=[NoImprovement(2), Generations(500)]).run()[1]
    best = log.select("best_so_far")
    assert log[-1]["gen"] < 500 and best[-1] == best[-3] and max(best[:-2]) == best[-1]
    with pytest.raises(ValueError):
        MaxSeconds(1, clock="moon")


class _Greedy(Callback):
    """A memetic-style step: replace the worst individual by the best one with one cell moved."""

    def after_evaluation(self, algo):
        best = max(algo.population, key=lambda ind: ind.fitness.values[0])
        child = make_individual(np.asarray(best))
        on, off = np.flatnonzero(child.reshape(-1)), np.flatnonzero(~child.reshape(-1))
        flat = child.reshape(-1)
        flat[algo.rng.choice(on)], flat[algo.rng.choice(off)] = False, True
        before = algo.cost
        assert algo.evaluate([child]) == 1
        self.spent = getattr(self, "spent", 0) + algo.cost - before
        worst = min(range(len(algo.population)), key=lambda i: algo.population[i].fitness.values[0])
        algo.population[worst] = child
        algo.hof.update([child])


def test_a_callback_may_change_the_population_and_its_fires_are_counted(problem, config):
    plain = GeneticAlgorithm(config, problem).run()[1]
    greedy = _Greedy()
    log = GeneticAlgorithm(config, problem, callbacks=[greedy]).run()[1]
    assert greedy.spent > 0
    assert log[-1]["cost"] == log[-1]["evaluations"]  # every evaluation, the callback's included, is counted
    assert _strip(log) != _strip(plain)
    assert log[0]["nevals"] == 21  # the 20 initial individuals and the callback's one


def test_variation_can_be_wrapped_to_prescreen_children(problem, config):
    calls = []

    def prescreen(algo, parents):
        """Vary twice, keep the child with more weight of each pair (a cheap stand-in surrogate)."""
        a, origin = default_variation(algo, parents)
        b, _ = default_variation(algo, parents)
        score = lambda ind: float(np.asarray(ind, bool).reshape(-1) @ problem.weights.reshape(-1))  # noqa: E731
        calls.append(len(parents))
        return [x if score(x) >= score(y) else y for x, y in zip(a, b)], origin

    log = GeneticAlgorithm(config, problem, variation=prescreen).run()[1]
    assert calls == [18] * 6
    assert log[-1]["best_so_far"] >= GeneticAlgorithm(config, problem).run()[1][0]["best_so_far"]


class _Counter(Callback):
    """A stateful callback: counts generations; its count must survive a resume."""

    def __init__(self):
        self.count = 0

    def on_generation(self, algo):
        self.count += 1

    def state(self):
        return {"count": np.array(self.count)}

    def restore(self, state):
        self.count = int(state["count"])


def test_resume_through_the_object_equals_the_uninterrupted_run(problem, config, tmp_path):
    straight = _Counter()
    _, want, _ = GeneticAlgorithm(config, problem, callbacks=[straight]).run()
    first = _Counter()
    GeneticAlgorithm(config, problem, callbacks=[first, Checkpoint(tmp_path / "c.npz")],
                     termination=[Generations(2)]).run()
    again = _Counter()
    algo = GeneticAlgorithm(config, problem, callbacks=[again, Checkpoint(tmp_path / "c.npz")])
    algo.resume(tmp_path / "c.npz")
    _, log, _ = algo.run()
    assert _strip(log) == _strip(want)
    assert again.count == straight.count == 7


def test_ask_before_the_first_generation_says_what_to_do(problem, config):
    with pytest.raises(RuntimeError, match="initialize"):
        GeneticAlgorithm(config, problem).ask()


def test_run_ga_passes_terminations_variation_and_callback_hooks_through(problem, config):
    seen = []

    def variation(algo, parents):
        seen.append(algo.gen)
        return default_variation(algo, parents)

    greedy = _Greedy()
    _, log, _ = run_ga(config, problem, progress=False, termination=[Generations(2)], variation=variation,
                       hooks=[greedy])
    assert [e["gen"] for e in log] == [0, 1, 2] and seen == [0, 1] and greedy.spent == 3
