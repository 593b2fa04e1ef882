"""The latent levers (latentga.search): each switch works, spends its budget, and off changes nothing."""

import numpy as np
import pytest

from latentga.config import apply_overrides, load_config
from latentga.dataset import build_dataset
from latentga.errors import ConfigError
from latentga.ga import run_ga
from latentga.ga.algorithm import default_variation
from latentga.models import train_model
from latentga.problems import firebreak_problem
from latentga.search import search_hooks
from latentga.search.trust_region import TrustRegion
from latentga.simulator import FireSimulator

TINY_MODEL = dict(kind="ccvae", latent_dim=8, char_dim=4, channels=[8, 16], head_hidden=[16], epochs=4,
                  batch_size=32, dropout=0.0)
# a latent GA that stalls: the mean of each posterior decoded (no noise) and no crossover, so
# children soon decode to layouts already scored and the cache answers them for free
STALLED = ["name=lat", "ga.population=10", "ga.generations=30", "simulator.n_fires=4", "ga.chunk_size=8",
           "ga.cxpb=0.0", "ga.mutpb=1.0", "ga.elite=1", "ga.max_cost=400",
           "operators.mutate.name=mut_latent_resample", "operators.mutate.params.temperature=0.0"]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread, as runs and comparison tasks use (fast and repeatable on a busy machine)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def sim():
    return FireSimulator(n_fires=4, seed=123)


@pytest.fixture(scope="module")
def dataset(sim):
    return build_dataset(sim, n=160, k=20, seed=0, workers=1, progress=False)


@pytest.fixture(scope="module")
def ccvae(dataset):
    return train_model(dataset.layouts, dataset.fitness, TINY_MODEL, seed=0, progress=False, threads=1).model


def cfg(*extra):
    return load_config(None, STALLED + [f"model.{k}={v}" for k, v in TINY_MODEL.items()] + list(extra))


def run(config, sim, model, dataset, **kwargs):
    problem = firebreak_problem(config, sim)
    hooks, own, variation, spent = search_hooks(config, model, problem, dataset, base_variation=default_variation)
    if spent:
        config = apply_overrides(config, {"ga": {"max_cost": max(1, config.ga.max_cost - spent)}})
    pop, log, hof = run_ga(config, problem, own, progress=False, hooks=hooks, variation=variation, **kwargs)
    return pop, log, hof, hooks, spent


def test_stalled_latent_variant_spends_its_budget_with_fresh(sim, ccvae, dataset):
    _, log, _, _, _ = run(cfg(), sim, ccvae, dataset)
    assert log[-1]["cost"] < 400 and log[-1]["gen"] == 30  # stalls: generations end before the budget
    _, log, hof, hooks, _ = run(cfg("latent.fresh=true"), sim, ccvae, dataset)
    assert log[-1]["cost"] >= 400 and log[-1]["gen"] < 30  # every generation scores new layouts
    assert all(e["nevals"] == 0 or e["evaluations"] > 0 for e in log)
    new = np.diff([e["evaluations"] for e in log])
    assert (new == 9).all()  # population 10, elite 1: 9 new layouts per generation, no repeat
    assert hooks[0].stats[0] > 0  # stale children were replaced


def test_levers_off_build_no_hook_and_keep_the_numbers(sim, ccvae, dataset):
    hooks, model, variation, spent = search_hooks(cfg(), ccvae, firebreak_problem(cfg(), sim), dataset)
    assert hooks == [] and model is ccvae and variation is None and spent == 0
    plain = run_ga(cfg(), firebreak_problem(cfg(), sim), ccvae, progress=False)[1]
    again = run(cfg(), sim, ccvae, dataset)[1]
    assert [e["max"] for e in plain] == [e["max"] for e in again]


@pytest.mark.parametrize("levers", [
    ["latent.screen.candidates=4", "latent.screen.refit_every=2"],
    ["latent.trust.share=0.5", "latent.trust.failure=1", "latent.trust.min=0.5"],
    ["latent.learn.samples=6", "latent.learn.perturbed=6", "latent.learn.descent_fires=40"],
])
def test_each_lever_runs_reproducibly_and_keeps_the_budget(levers, sim, ccvae, dataset):
    config = cfg("latent.fresh=true", *levers)
    before = {k: v.clone() for k, v in ccvae.state_dict().items()}
    pop, log, hof, hooks, spent = run(config, sim, ccvae, dataset)
    assert all(int(ind.sum()) == 20 for ind in pop)
    assert log[-1]["cost"] + spent >= 400
    pop2, log2, *_ = run(config, sim, ccvae, dataset)
    assert [e["max"] for e in log2] == [e["max"] for e in log]  # same seed, same numbers
    assert all(torch_equal(v, ccvae.state_dict()[k]) for k, v in before.items())  # the shared model is untouched
    stats = hooks[0].stats
    if "latent.screen.candidates=4" in levers:
        assert stats[1] > 0 and stats[3] > 0  # children screened, head refitted
    if "latent.trust.share=0.5" in levers:
        assert stats[2] > 0 and hooks[0].region.restarts > 0 and stats[3] > 0
    if "latent.learn.samples=6" in levers:
        assert spent > 0 and len(hooks[0].fitness) > 6


def torch_equal(a, b):
    return bool((a == b).all())


def test_checkpoint_resume_is_exact_with_levers(sim, ccvae, dataset, tmp_path):
    config = cfg("latent.fresh=true", "latent.screen.candidates=3", "latent.trust.share=0.3",
                 "ga.max_cost=100000", "ga.generations=4")
    full = run(config, sim, ccvae, dataset, out_dir=tmp_path / "a")[1]
    short = apply_overrides(config, {"ga": {"generations": 2}})
    run(short, sim, ccvae, dataset, out_dir=tmp_path / "b")
    resumed = run(config, sim, ccvae, dataset, out_dir=tmp_path / "b", resume=True)[1]
    assert [e["max"] for e in resumed] == [e["max"] for e in full]
    assert [e["evaluations"] for e in resumed] == [e["evaluations"] for e in full]


def test_trust_region_grows_shrinks_and_restarts():
    tr = TrustRegion(length=1.0, min_length=0.25, max_length=2.0, success=2, failure=2)
    assert not tr.update(True) and not tr.update(True) and tr.length == 2.0
    tr.update(True), tr.update(True)
    assert tr.length == 2.0  # capped
    for _ in range(6):
        restarted = tr.update(False)
    assert tr.length == 0.25 and not restarted
    assert not tr.update(False) and tr.update(False) and tr.length == 1.0 and tr.restarts == 1


def test_bad_lever_settings_are_one_clear_error(sim, ccvae):
    with pytest.raises(ConfigError, match="latent.trust.min"):
        cfg("latent.trust.length=8.0")
    with pytest.raises(ConfigError, match="latent.screen.candidates"):
        cfg("latent.screen.candidates=0")
    vae = {**TINY_MODEL, "kind": "vae"}
    config = load_config(None, STALLED + [f"model.{k}={v}" for k, v in vae.items()] + ["latent.screen.candidates=3"])
    with pytest.raises(ConfigError, match="needs a CCVAE"):
        search_hooks(config, object(), firebreak_problem(config, sim), None, base_variation=default_variation)
    vanilla = load_config(None, STALLED[:-2] + ["operators.mutate.name=mut_flip", "latent.trust.share=0.5"])
    with pytest.raises(ConfigError, match="operators use none"):
        search_hooks(vanilla, None, firebreak_problem(vanilla, sim), None, base_variation=default_variation)


def test_comparison_charges_learning_to_the_run(tmp_path):
    """A comparison task with latent.learn spends the same budget in all, so its GA scores fewer layouts."""
    from pathlib import Path

    from latentga.comparison import load_compare_config
    from latentga.comparison.config import method_budget, milestones, variant_config
    from latentga.comparison.runner import prepare_models
    from latentga.comparison.tasks import Task, run_task

    path = Path(__file__).resolve().parents[1] / "configs" / "compare_latent.yaml"
    config = load_compare_config(path, quick=True, overrides=[f"run.output.cache_dir={tmp_path}", "budget.fires=1200",
                                                              "run.dataset.n=120"])
    config = config.replace(variants={m: config["variants"][m] for m in ("fresh", "fresh_learn")})
    prepare_models(config, progress=False)
    results = {}
    for method in config["variants"]:
        task = Task("ga", method, 0, variant_config(config, method, 0), heldout=config["heldout"],
                    validation=config["validation"], budget=method_budget(config), milestones=milestones(config),
                    rescore=False)
        results[method] = run_task(task)
    budget, step = config["budget"]["fires"], config["run"]["ga"]["population"] * config["run"]["simulator"]["n_fires"]
    for res in results.values():
        assert budget <= res.fires <= budget + step  # the whole budget, at most one generation over
    assert results["fresh_learn"].calls < results["fresh"].calls - 20  # the good layouts' fires were charged


def test_fresh_works_for_a_vanilla_ga_and_resumes(sim, tmp_path):
    """No stalls needs no model: a grid GA with it checkpoints and resumes exactly."""
    config = load_config(None, STALLED[:-2] + ["operators.mate.name=cx_uniform", "operators.mutate.name=mut_flip",
                                               "operators.mutate.params.indpb=0.001",
                                               "latent.fresh=true", "ga.generations=4", "ga.max_cost=100000"])
    full = run(config, sim, None, None, out_dir=tmp_path / "a")[1]
    assert all(e["nevals"] == 9 for e in full[1:]) and np.diff([e["evaluations"] for e in full]).tolist() == [9] * 4
    run(apply_overrides(config, {"ga": {"generations": 2}}), sim, None, None, out_dir=tmp_path / "b")
    resumed = run(config, sim, None, None, out_dir=tmp_path / "b", resume=True)[1]
    assert [e["max"] for e in resumed] == [e["max"] for e in full]


CONV_MODEL = dict(kind="ccvae", architecture="conv", channels=[4, 8], latent_channels=2, char_channels=1,
                  head_hidden=[8, 4], epochs=2, batch_size=32)


@pytest.mark.parametrize("levers", [["latent.screen.candidates=4", "latent.screen.refit_every=1"],
                                    ["latent.trust.share=0.5", "latent.trust.failure=1", "latent.trust.min=0.5"]])
def test_levers_that_refit_the_head_work_on_a_conv_model(levers, sim, dataset):
    """The conv CCVAE's head starts with a 1x1 conv on the z_c map: a head-only refit trains it
    (and nothing of the encoder or decoder) instead of failing on shapes (Dogrib's model is conv)."""
    from latentga.search.surrogate import predicted_fitness, refit_head

    model = train_model(dataset.layouts, dataset.fitness, CONV_MODEL, seed=0, progress=False, threads=1).model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    refit_head(model, dataset.layouts[:64], dataset.fitness[:64], k=1e-3, epochs=3, seed=0)
    after = model.state_dict()
    changed = {k for k, v in before.items() if not torch_equal(v, after[k])}
    assert {"head_position", "head_conv.weight"} <= changed
    assert all(k.startswith("head") for k in changed)
    assert np.isfinite(predicted_fitness(model, dataset.layouts[:8])).all()
    config = load_config(None, STALLED + [f"model.{k}={v}" for k, v in CONV_MODEL.items()] +
                         ["latent.fresh=true", *levers])
    pop, log, *_ = run(config, sim, model, dataset)
    assert all(int(ind.sum()) == 20 for ind in pop) and log[-1]["cost"] >= 400
