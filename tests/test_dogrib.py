"""Dogrib (223x357) end to end pieces: layout keys of large grids, the Dogrib configs' budget and
shared cache, the conv model at that size decoding exactly k firebreaks."""

from pathlib import Path

import numpy as np
import pytest

from latentga.layouts import layout_key, random_layouts

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

ROOT = Path(__file__).resolve().parents[1]
DOGRIB = ROOT.parent / "shared" / "reference" / "dogrib"


def test_layout_keys_of_grids_wider_than_255_cells():
    a = random_layouts(2, (223, 357), 700, np.random.default_rng(0))
    keys = {layout_key(a[0]), layout_key(a[1]), layout_key(a[0].copy())}
    assert len(keys) == 2
    assert layout_key(np.zeros((357, 223), bool)) != layout_key(np.zeros((223, 357), bool))
    assert layout_key(np.zeros((20, 20), bool))[:2] == bytes((20, 20))  # small grids: keys as before


@pytest.mark.skipif(not DOGRIB.is_dir(), reason="shared/reference/dogrib is absent (loading a comparison config "
                    "reads its landscape to check that the fire roles are disjoint)")
def test_dogrib_configs_share_dataset_and_model():
    from latentga.comparison import load_compare_config
    from latentga.comparison.config import variant_config
    from latentga.config import load_config

    run = load_config(ROOT / "configs" / "dogrib_ccvae.yaml")
    compare = load_compare_config(ROOT / "configs" / "compare_dogrib.yaml")
    latent = variant_config(compare, "ccvae_gd", 0)
    for key in ("firebreaks", "landscape", "dataset", "model", "simulator"):
        assert latent[key] == run[key], key
    assert run["model"]["architecture"] == "conv" and run["simulator"]["ignitions"] == "anywhere"
    more_fires = variant_config(load_compare_config(ROOT / "configs" / "compare_dogrib_fires1000.yaml"),
                                "ccvae_gd_ux", 0)
    for key in ("firebreaks", "landscape", "dataset", "model"):  # the same cached dataset and model
        assert more_fires[key] == run[key], key
    assert more_fires["simulator"] == {**run["simulator"], "n_fires": 1000}


@pytest.mark.slow
@pytest.mark.skipif(not DOGRIB.is_dir(), reason="shared/reference/dogrib is absent")
def test_budget_is_one_percent_of_burnable_cells_and_the_model_decodes_it():
    from latentga.config import load_config
    from latentga.models import build_model, decode_topk
    from latentga.simulator import load_landscape

    run = load_config(ROOT / "configs" / "dogrib_ccvae.yaml")
    land = load_landscape(DOGRIB)
    assert run["firebreaks"] == round(0.01 * int(land.burnable.sum()))
    model = build_model(run["model"], land.shape).eval()
    assert model.latent_dim == 4 * 56 * 90 and sum(p.numel() for p in model.parameters()) < 200_000
    x = random_layouts(2, land.shape, run["firebreaks"], np.random.default_rng(0))
    mu, _ = model.encode(x)
    out = decode_topk(model.decode(mu), run["firebreaks"])
    assert out.shape == (2, *land.shape) and out.sum(dim=(1, 2)).tolist() == [700, 700]
