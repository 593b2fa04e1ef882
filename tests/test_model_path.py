"""model.path: `run` uses a model written by `train --out`, and refuses one of another kind."""

import pandas as pd
import pytest

from latentga.cli import main

pytestmark = pytest.mark.slow  # trains a (tiny) model and runs a GA

TINY = ["--set", "dataset.n=120", "--set", "dataset.n_fires=5", "--set", "model.epochs=1",
        "--set", "model.channels=[8, 16]", "--set", "model.latent_dim=8", "--set", "model.char_dim=4",
        "--set", "model.head_hidden=[8]", "--set", "simulator.n_fires=5"]


def test_run_uses_the_model_train_wrote(tmp_path, capsys):
    from latentga.config import load_config
    from latentga.models import save_model, train_model
    from latentga.pipeline import ensure_dataset

    cache = tmp_path / "cache"
    config = load_config(None, overrides=[f"output.cache_dir={cache}"] + TINY[1::2])
    dataset = ensure_dataset(config, progress=False, workers=1)
    for kind in ("ccvae", "vae"):
        result = train_model(dataset.layouts, dataset.fitness, {**config["model"], "kind": kind}, seed=0,
                             progress=False)
        save_model(result.model, tmp_path / f"{kind}.pt")
    args = ["run", "--quiet", "--workers", "1", "--out", str(tmp_path / "out"), "--set", f"output.cache_dir={cache}",
            "--set", "ga.population=6", "--set", "ga.generations=1", *TINY,
            "--set", f"model.path={tmp_path / 'ccvae.pt'}"]
    assert main(args) == 0
    assert not list(cache.glob("model-*.pt"))  # nothing trained: the given file was used
    assert len(pd.read_csv(tmp_path / "out" / "logbook.csv")) == 2
    capsys.readouterr()
    bad = args[:5] + [str(tmp_path / "out2")] + args[6:-1] + [f"model.path={tmp_path / 'vae.pt'}"]
    assert main(bad) == 2
    err = capsys.readouterr().err.strip()
    assert "holds a vae but model.kind is ccvae" in err and len(err.splitlines()) == 1
