"""Search, validation and held-out fires are disjoint by construction (issue 21, item 2).

Fire ``ep`` of Cell2Fire seed ``s`` uses ``mt19937(s * ep)``, so two seeds can share fires. The
comparison refuses a config whose roles share a random stream, and the fires its simulators
actually draw (weather, normal draw, ignition) are checked here, not only the seeds.
"""

import dataclasses
import os
from pathlib import Path

import pytest

from latentga.comparison import load_compare_config
from latentga.comparison.config import shared_run_config
from latentga.comparison.fires import fire_overlaps, role_fire_sets, stream_seeds
from latentga.comparison.tasks import heldout_simulator, validation_simulator
from latentga.errors import ConfigError
from latentga.pipeline import make_simulator
from latentga.simulator.c2f_random import draw_fire_scenarios, fire_stream_seeds

ROOT = Path(__file__).resolve().parents[1]
SHARED_OK = any(p and (Path(p) / "reference" / "Sub40x40").is_dir()
                for p in (os.environ.get("LATENTGA_SHARED"), ROOT.parent / "shared"))


def fires(sim) -> set:
    """The fires a simulator draws, as (weather, normal draw, ignition cell): the normal draw is a
    double, so two independent streams never give the same triple; equal triples are copies."""
    sc = sim.scenarios
    return set(zip(sc.weather.tolist(), sc.z.tolist(), sc.candidate.tolist()))


def role_simulators(config):
    run = shared_run_config(config)
    return {"search": make_simulator(run), "validation": validation_simulator(run, config["validation"]),
            "heldout": heldout_simulator(run, config["heldout"])}


def test_a_fires_stream_seed_is_the_stream_it_is_drawn_from():
    # fire ep of seed s is fire 1 of seed (s * ep mod 2**32): the listed seed is the stream used
    for seed, ep in ((123, 7), (7, 123), (2024, 999), (3_000_000_000, 5)):
        value = int(fire_stream_seeds(seed, ep)[-1])
        one = [a[-1] for a in draw_fire_scenarios(seed, ep, 300, 50)]
        assert [a[0] for a in draw_fire_scenarios(value, 1, 300, 50)] == one
    assert 7 * 123 in fire_stream_seeds(123, 500).tolist() and 7 * 123 in fire_stream_seeds(7, 500).tolist()


def test_the_old_validation_seed_shared_search_fires_and_is_now_refused():
    config = load_compare_config(ROOT / "configs" / "compare.yaml")
    old = dataclasses.replace(config, validation=config.validation.replace(seed=7))  # refused when loaded
    sims = role_simulators(old)
    shared = fires(sims["search"]) & fires(sims["validation"])
    assert len(shared) == 4  # validation fires 123, 246, 369, 492 were search fires 7, 14, 21, 28
    clash = fire_overlaps(role_fire_sets(old), 400)
    assert {(a, fa, b, fb) for a, fa, b, fb in clash if fa * 123 == fb * 7} == \
        {("search", 7 * m, "validation", 123 * m) for m in (1, 2, 3, 4)}
    with pytest.raises(ConfigError, match=r"validation fire 123 \(seed 7\) is search fire 7") as err:
        load_compare_config(ROOT / "configs" / "compare.yaml", overrides=["validation.seed=7"])
    fix = str(err.value).split("validation.seed = ")[1].split()[0]
    load_compare_config(ROOT / "configs" / "compare.yaml", overrides=[f"validation.seed={fix}"])  # its fix works


CONFIGS = ["compare.yaml", "compare_5m.yaml"] + (["compare_sub40.yaml"] if SHARED_OK else [])


@pytest.mark.parametrize("name", CONFIGS)
def test_each_shipped_comparison_draws_disjoint_fires_per_role(name):
    config = load_compare_config(ROOT / "configs" / name)
    sims = role_simulators(config)
    drawn = {role: fires(sim) for role, sim in sims.items()}
    streams = {role: set(stream_seeds(sim.seed, sim.n_fires, sim.n_cells)) for role, sim in sims.items()}
    for role, sim in sims.items():
        assert len(drawn[role]) == sim.n_fires  # no fire repeated inside a role either
    roles = list(sims)
    for i, a in enumerate(roles):
        for b in roles[i + 1:]:
            assert not drawn[a] & drawn[b], f"{a} and {b} share fires"
            assert not streams[a] & streams[b], f"{a} and {b} share random streams"


def test_the_search_role_covers_the_dataset_fires_too():
    config = load_compare_config(ROOT / "configs" / "compare.yaml",
                                 overrides=["run.dataset.n_fires=600", "run.simulator.n_fires=500"])
    assert role_fire_sets(config)["search"] == (123, 600)
    # a validation seed whose fires clash only with search fires 501..600 (the dataset's) is refused
    sets = role_fire_sets(config)

    def clashes(seed, n_search):
        return fire_overlaps({**sets, "search": (123, n_search), "validation": (seed, 500)}, 400)

    seed = next(s for s in range(1009, 100_000) if clashes(s, 600) and not clashes(s, 500))
    with pytest.raises(ConfigError, match="must be disjoint"):
        load_compare_config(ROOT / "configs" / "compare.yaml",
                            overrides=["run.dataset.n_fires=600", "run.simulator.n_fires=500",
                                       f"validation.seed={seed}"])
