"""model.device: validation, resolution, and that the key changes neither CPU numbers nor cache names.

Everything here runs on the CPU; CUDA's presence or absence is simulated with monkeypatch where a
test needs it, so no GPU is touched.
"""

import copy

import numpy as np
import pytest
import torch

from latentga.config import apply_overrides, config_hash, load_config
from latentga.dataset import Dataset
from latentga.errors import ConfigError
from latentga.ga.checkpoint import _identity, config_fingerprint
from latentga.layouts import random_layouts
from latentga.models import load_model, save_model, train_model, validate_model_config
from latentga.models.config import MODEL_DEFAULTS, model_identity
from latentga.models.retraining import fine_tune
from latentga.models.runtime import resolve_device, seeded_rng
from latentga.pipeline import ensure_model, model_path

TINY = {"channels": [4, 8], "latent_dim": 8, "char_dim": 4, "head_hidden": [8], "dropout": 0.1,
        "batch_size": 16, "epochs": 1, "val_fraction": 0.2}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    layouts = random_layouts(64, (20, 20), 20, rng)
    return layouts, rng.random(64)


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def _same_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k].cpu(), sb[k].cpu()) for k in sa)


def _run_config(tmp_path, **model):
    overrides = [f"output.cache_dir={tmp_path}"] + [f"model.{k}={v}" for k, v in model.items()]
    return apply_overrides(load_config(None, overrides), {"model": TINY})


# -- validation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["auto", "cpu", "cuda", "cuda:0", "cuda:12"])
def test_device_names_are_accepted(value):
    assert validate_model_config({"device": value})["device"] == value


def test_device_defaults_to_auto():
    assert MODEL_DEFAULTS["device"] == "auto"
    assert validate_model_config({})["device"] == "auto"
    assert load_config(None)["model"]["device"] == "auto"


@pytest.mark.parametrize("value", ["gpu", "CUDA", "cuda:", "cuda:x", "cuda:-1", "cpu:0", "", 0, None, ["cpu"]])
def test_a_bad_device_is_one_clear_error(value):
    with pytest.raises(ConfigError, match=r"model\.device = .* is invalid: it must be auto .*cpu, cuda, or "
                                          r"cuda:N.*default 'auto'.*`model` section"):
        validate_model_config({"device": value})


def test_a_bad_device_fails_when_the_run_config_loads():
    with pytest.raises(ConfigError, match=r"model\.device = 'gpu'"):
        load_config(None, ["model.device=gpu"])


def test_checking_the_device_imports_no_torch():
    """A vanilla run (no model) still never imports torch: the key is only spell-checked."""
    import subprocess
    import sys
    from pathlib import Path

    vanilla = Path(__file__).resolve().parents[1] / "configs" / "vanilla.yaml"
    code = (f"import sys; from latentga.config import load_config; load_config({str(vanilla)!r}, "
            "['model.device=cuda']); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- resolution ---------------------------------------------------------------------------------

@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_auto_is_the_cpu_here():
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device(None) == torch.device("cpu")


def test_auto_follows_cudas_presence(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")


def test_cpu_is_the_cpu():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("value", ["cuda", "cuda:0", torch.device("cuda")])
def test_cuda_without_cuda_is_one_clear_error(value):
    with pytest.raises(ConfigError, match=r"model\.device = 'cuda(:0)?' but this PyTorch has no usable CUDA device "
                                          r"\(.*\); set model\.device: cpu .*auto.*CUDA build: see the README"):
        resolve_device(value)


def test_cuda_without_cuda_is_one_clear_error_even_on_a_gpu_machine(no_cuda):
    with pytest.raises(ConfigError, match="no usable CUDA device"):
        resolve_device("cuda")


def test_a_gpu_number_beyond_the_machines_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ConfigError, match=r"model\.device = 'cuda:3' but PyTorch sees 1 GPU\(s\) \(cuda:0 to cuda:0\)"):
        resolve_device("cuda:3")
    assert resolve_device("cuda:0") == torch.device("cuda:0")


def test_resolve_checks_the_spelling_too():
    with pytest.raises(ConfigError, match=r"model\.device = 'tpu' is invalid"):
        resolve_device("tpu")


def test_seeded_rng_restores_the_callers_stream():
    state = torch.get_rng_state()
    with seeded_rng(3, torch.device("cpu")):
        a = torch.rand(4)
    assert torch.equal(state, torch.get_rng_state())
    with seeded_rng(3, "cpu"):
        assert torch.equal(a, torch.rand(4))


# -- the CPU numbers do not change --------------------------------------------------------------

def test_training_on_cpu_gives_the_same_weights_as_without_the_key(data):
    layouts, fitness = data
    base = train_model(layouts, fitness, TINY, seed=1, progress=False, threads=1).model
    for model in (train_model(layouts, fitness, {**TINY, "device": "cpu"}, seed=1, progress=False, threads=1).model,
                  train_model(layouts, fitness, TINY, seed=1, progress=False, threads=1, device="cpu").model,
                  train_model(layouts, fitness, TINY, seed=1, progress=False, threads=1,
                              device=torch.device("cpu")).model):
        assert _same_weights(base, model)
        assert model.fc_mu.weight.device.type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_auto_trains_on_the_cpu_here_with_the_same_weights(data):
    layouts, fitness = data
    base = train_model(layouts, fitness, {**TINY, "device": "cpu"}, seed=1, progress=False, threads=1).model
    auto = train_model(layouts, fitness, {**TINY, "device": "auto"}, seed=1, progress=False, threads=1).model
    assert _same_weights(base, auto)


def test_training_for_cuda_without_cuda_fails_before_training(data, no_cuda):
    layouts, fitness = data
    with pytest.raises(ConfigError, match="no usable CUDA device"):
        train_model(layouts, fitness, {**TINY, "device": "cuda"}, seed=1, progress=False)


def test_fine_tuning_repeats_bit_for_bit(data):
    layouts, fitness = data
    model = train_model(layouts, fitness, TINY, seed=1, progress=False, threads=1).model
    a, b = copy.deepcopy(model), copy.deepcopy(model)
    state = torch.get_rng_state()
    fine_tune(a, layouts, fitness, k=0.1, epochs=1, seed=4)
    fine_tune(b, layouts, fitness, k=0.1, epochs=1, seed=4)
    assert torch.equal(state, torch.get_rng_state())
    assert _same_weights(a, b) and not _same_weights(a, model)


def test_load_model_takes_the_config_spellings(data, tmp_path):
    layouts, fitness = data
    path = save_model(train_model(layouts, fitness, TINY, seed=1, progress=False, threads=1).model,
                      tmp_path / "m.pt")
    cpu = load_model(path, device="cpu")
    assert _same_weights(cpu, load_model(path))
    if not torch.cuda.is_available():
        assert load_model(path, device="auto").fc_mu.weight.device.type == "cpu"
    with pytest.raises(ConfigError, match=r"model\.device = 'gpu' is invalid"):
        load_model(path, device="gpu")


# -- the device is not part of any cache name or fingerprint ------------------------------------

@pytest.mark.parametrize("value", ["auto", "cpu", "cuda", "cuda:1"])
def test_the_device_changes_no_hash(tmp_path, value):
    dataset = Dataset(np.zeros((2, 20, 20), bool), np.zeros(2), {"n": 2})
    with_key = load_config(None, [f"model.device={value}", f"output.cache_dir={tmp_path}"])
    without = with_key.to_dict()  # a frozen config has every key: drop them from its plain form
    del without["model"]["device"]
    del without["model"]["output_bias"]  # at zero it is left out too (the next test)
    del without["model"]["path"]  # null (train the model) is left out as well
    assert model_identity(with_key["model"]) == without["model"]
    auto = load_config(None, [f"output.cache_dir={tmp_path}"])
    assert model_path(with_key, dataset) == model_path(auto, dataset)
    assert config_fingerprint(with_key) == config_fingerprint(auto) == config_hash(_identity(without))
    assert config_hash(dataset.settings, model_identity(with_key["model"])) == \
        config_hash(dataset.settings, without["model"])
    other = load_config(None, ["model.latent_dim=64", f"output.cache_dir={tmp_path}"])
    assert model_path(other, dataset) != model_path(with_key, dataset)  # real settings still count


def test_ensure_model_reuses_one_file_whatever_the_device(data, tmp_path):
    layouts, fitness = data
    dataset = Dataset(layouts, fitness, {"n": len(layouts), "test": "device"})
    auto = _run_config(tmp_path, device="auto")
    cpu = _run_config(tmp_path, device="cpu")
    first = ensure_model(auto, dataset=dataset, progress=False, threads=1)
    path = model_path(auto, dataset)
    stamp = path.stat().st_mtime_ns
    second = ensure_model(cpu, dataset=dataset, progress=False, threads=1)
    assert model_path(cpu, dataset) == path and path.stat().st_mtime_ns == stamp  # reused, not retrained
    assert list(tmp_path.glob("model-*.pt")) == [path]
    assert _same_weights(first, second) and second.fc_mu.weight.device.type == "cpu"
    direct = train_model(layouts, fitness, cpu["model"], seed=cpu["dataset"]["seed"], progress=False, threads=1)
    assert _same_weights(direct.model, second)


def test_ensure_model_for_cuda_without_cuda_fails_before_any_work(tmp_path, no_cuda, monkeypatch):
    import latentga.pipeline as pipeline

    def no_dataset(*args, **kwargs):
        raise AssertionError("the dataset was built before the device was checked")

    monkeypatch.setattr(pipeline, "ensure_dataset", no_dataset)
    with pytest.raises(ConfigError, match=r"model\.device = 'cuda' but this PyTorch has no usable CUDA device"):
        ensure_model(_run_config(tmp_path, device="cuda"), progress=False)
    assert not list(tmp_path.glob("*"))


def test_evaluation_batches_shrink_on_large_grids_only():
    """20x20 keeps 1,024 layouts per no-grad batch (same numbers as before); Dogrib's 80,000-cell
    layouts go 52 at a time, so training's metrics stay within memory."""
    from latentga.models.runtime import eval_batch_size

    assert eval_batch_size((20, 20)) == 1024 and eval_batch_size((64, 64)) == 1024
    assert eval_batch_size((223, 357)) == 52
    assert eval_batch_size((5000, 5000)) == 1


def test_keys_added_later_keep_old_cache_names_at_their_old_behaviour():
    """``model.output_bias: zero`` is what the code did before the key existed: model files and
    checkpoints written then keep their names; ``base_rate`` is another model."""
    from latentga.config import config_hash
    from latentga.models.config import model_identity, validate_model_config

    before = {k: v for k, v in validate_model_config({}).items() if k not in ("output_bias", "device", "path")}
    same = model_identity(validate_model_config({"output_bias": "zero"}))
    other = model_identity(validate_model_config({"output_bias": "base_rate"}))
    assert config_hash(same) == config_hash(before) != config_hash(other)
