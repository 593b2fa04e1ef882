"""latentga's toolbox in DEAP's own algorithms: eaSimple, eaMuPlusLambda and varAnd run on the
firebreak and k-subset problems, and eaSimple gives the engine's numbers where the two coincide."""

import random

import numpy as np
import pytest
from deap import algorithms, tools

from latentga.config import load_config
from latentga.ga import build_toolbox, default_statistics, initial_individuals, make_individual, run_ga, vary
from latentga.pipeline import make_simulator
from latentga.problems import KSubsetProblem, firebreak_problem

GA = {"population": 12, "generations": 3, "elite": 0, "cxpb": 1.0, "mutpb": 1.0, "chunk_size": 4,
      "delta_evaluation": False}
OPS = {"mate": "cx_uniform", "mutate": {"name": "mut_flip", "params": {"indpb": 0.05}}}


def _firebreaks():
    config = load_config(None, {"seed": 5, "ga": GA, "operators": OPS, "simulator": {"n_fires": 4}})
    return config, firebreak_problem(config, make_simulator(config))


def _k_subset():
    config = load_config(None, {"seed": 5, "ga": GA, "operators": OPS})
    return config, KSubsetProblem.random((6, 6), k=5, seed=1)


PROBLEMS = [pytest.param(_firebreaks, id="firebreaks"), pytest.param(_k_subset, id="k_subset")]


def _start(config, problem):
    """What the engine does first: one generator, the toolbox on it, generation 0 drawn from it."""
    rng = np.random.default_rng(int(config["seed"]))
    toolbox = build_toolbox(config.operators, problem, rng=rng, map=map)
    population = [make_individual(x) for x in initial_individuals(config.ga, problem, GA["population"], rng)]
    return rng, toolbox, population


@pytest.mark.parametrize("make", PROBLEMS)
def test_ea_simple_gives_the_engines_numbers_where_they_coincide(make):
    """With no elite and cxpb = mutpb = 1 the two loops do the same steps; the engine also draws
    its mate/mutate decisions from the generator (n/2 + n uniforms after selection), which the
    wrapped selector below draws too, so both runs see the same random numbers."""
    config, problem = make()
    _, want, _ = run_ga(config, problem, progress=False)
    rng, toolbox, population = _start(config, problem)
    select = toolbox.select

    def select_then_decide(individuals, k):
        chosen = select(individuals, k)
        rng.random(len(chosen) // 2), rng.random(len(chosen))
        return chosen

    toolbox.register("select", select_then_decide)
    hof = tools.HallOfFame(3, similar=np.array_equal)
    random.seed(0)  # varAnd's own coin flips (always true at probability 1)
    final, log = algorithms.eaSimple(population, toolbox, cxpb=1.0, mutpb=1.0, ngen=GA["generations"],
                                     stats=default_statistics(), halloffame=hof, verbose=False)
    fields = ("gen", "nevals", "avg", "std", "min", "max")
    assert [[e[f] for f in fields] for e in log] == [[e[f] for f in fields] for e in want]
    assert hof[0].fitness.values[0] == want[-1]["best_so_far"]
    assert all(problem.is_feasible(ind) for ind in final)


@pytest.mark.parametrize("make", PROBLEMS)
def test_ea_mu_plus_lambda_runs_feasible_and_never_loses_its_best(make):
    config, problem = make()
    _, toolbox, population = _start(config, problem)
    random.seed(1)
    final, log = algorithms.eaMuPlusLambda(population, toolbox, mu=12, lambda_=16, cxpb=0.5, mutpb=0.4, ngen=4,
                                           stats=default_statistics(), verbose=False)
    best = log.select("max")
    assert len(log) == 5 and all(b >= a for a, b in zip(best, best[1:]))
    assert all(problem.is_feasible(ind) for ind in final)
    got = np.array([ind.fitness.values[0] for ind in final])
    assert np.allclose(got, problem.evaluate(np.stack(final)))  # evaluate(ind) -> (value,) is the true fitness


@pytest.mark.parametrize("make", PROBLEMS)
def test_var_and_equals_the_engines_variation_when_every_pair_mates_and_every_child_mutates(make):
    config, problem = make()
    rng, toolbox, population = _start(config, problem)
    for ind, value in zip(population, toolbox.map(toolbox.evaluate, population)):
        ind.fitness.values = value
    state = rng.bit_generator.state
    ours, _ = vary(population, toolbox, problem, 1.0, 1.0, rng)
    rng.bit_generator.state = state
    rng.random(len(population) // 2), rng.random(len(population))  # the engine's mate/mutate decisions
    theirs = algorithms.varAnd(population, toolbox, cxpb=1.0, mutpb=1.0)
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))
    assert not any(ind.fitness.valid for ind in theirs)
