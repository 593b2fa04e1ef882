"""Zona_60 (597x658, Scott & Burgan): the comparison config's budget, weather setting and model
size, and that its committed results are the config's (what docs/zona60.md reports)."""

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
ZONA = ROOT.parent / "shared" / "reference" / "Zona_60"
CONFIG = ROOT / "configs" / "compare_zona60.yaml"

pytestmark = pytest.mark.skipif(not ZONA.is_dir(), reason="shared/reference/Zona_60 is absent (loading the "
                                "config reads its landscape to check the fire roles)")


def test_budget_weather_and_model_fit_the_landscape():
    from latentga.comparison import load_compare_config
    from latentga.comparison.config import variant_config
    from latentga.models import build_model
    from latentga.simulator import load_landscape

    run = variant_config(load_compare_config(CONFIG), "ccvae_gd", 0)
    land = load_landscape(ZONA)
    assert run["firebreaks"] == round(0.01 * int(land.burnable.sum())) == 1510
    # the golden Zona_60 case's weather setting: every fire here is one C2F-W burns the same way
    assert run["simulator"]["n_weathers"] == 998 and run["simulator"]["ignitions"] == "anywhere"
    model = build_model(run["model"], land.shape)
    assert model.latent_dim == 4 * 150 * 165 and sum(p.numel() for p in model.parameters()) < 1_000_000


def test_committed_results_are_this_configs():
    import yaml

    folder = ROOT / "docs" / "figures" / "compare_zona60"
    saved = yaml.safe_load((folder / "config.yaml").read_text())  # the config as the run read it
    config = yaml.safe_load(CONFIG.read_text())
    for key in ("seeds", "run", "budget", "validation", "heldout"):
        assert saved[key] == config[key], key
    # variants and baselines added later (the memetic rows from the lines) leave these rows as they were
    assert all(config["variants"][name] == saved["variants"][name] for name in saved["variants"])
    assert all(config["baselines"][name] for name, on in saved["baselines"].items() if on)
    layouts = np.load(folder / "best_layouts.npz")
    assert sorted(layouts.files) == sorted(["vanilla", "ccvae_gd", "random_search", "local_search",
                                            "burn_probability", "dpv", "dpv_greedy"])
    assert all(layouts[m].shape == (597, 658) and int(layouts[m].sum()) == 1510 for m in layouts.files)
