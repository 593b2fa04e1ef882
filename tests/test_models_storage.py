"""Model files: exact round trip, plain-data format, and one clear error for any bad file."""

import numpy as np
import pytest
import torch

from latentga.errors import ModelFileError
from latentga.layouts import random_layouts
from latentga.models import build_model, decode_topk, load_model, save_model

TINY = {"channels": [4, 8], "latent_dim": 6, "char_dim": 3, "head_hidden": [8, 4]}


@pytest.fixture
def model():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        m = build_model(TINY, (12, 10))
    m.set_label_normalization(0.65, 0.03)
    # Non-trivial BatchNorm statistics, so the round trip covers buffers too.
    with torch.no_grad():
        m.train()(torch.as_tensor(random_layouts(16, (12, 10), 5, np.random.default_rng(0))))
    return m.eval()


def test_round_trip_gives_identical_outputs(model, tmp_path):
    path = save_model(model, tmp_path / "m.pt")
    loaded = load_model(path)
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    assert loaded.grid_shape == (12, 10) and loaded.is_conditional and loaded.char_dim == 3
    x = random_layouts(7, (12, 10), 5, np.random.default_rng(1))
    mu_a, lv_a = model.encode(x)
    mu_b, lv_b = loaded.encode(x)
    assert torch.equal(mu_a, mu_b) and torch.equal(lv_a, lv_b)
    assert torch.equal(model.decode(mu_a), loaded.decode(mu_b))
    assert torch.equal(model.predict(mu_a), loaded.predict(mu_b))
    assert torch.equal(decode_topk(loaded.decode(mu_b), 5), decode_topk(model.decode(mu_a), 5))
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # atomic: no temp file left


def test_frozen_model_still_gives_gradients_in_z(model, tmp_path):
    loaded = load_model(save_model(model, tmp_path / "m.pt"))
    z = torch.zeros(2, 6, requires_grad=True)
    loaded.predict(z).sum().backward()
    assert z.grad is not None and torch.any(z.grad != 0)


def test_file_is_plain_data(model, tmp_path):
    payload = torch.load(save_model(model, tmp_path / "m.pt"), weights_only=True)
    assert payload["format"] == "latentga-model" and payload["grid_shape"] == [12, 10]
    assert payload["config"]["kind"] == "ccvae"
    assert float(payload["state_dict"]["label_std"]) == pytest.approx(0.03)


def test_vae_round_trip(tmp_path):
    vae = build_model({**TINY, "kind": "vae"}, (8, 8)).eval()
    loaded = load_model(save_model(vae, tmp_path / "vae.pt"))
    assert not loaded.is_conditional
    z = torch.randn(3, 6, generator=torch.Generator().manual_seed(0))
    assert torch.equal(vae.decode(z), loaded.decode(z))


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope\.pt does not exist.*latentga train"):
        load_model(tmp_path / "nope.pt")


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_file(model, tmp_path, damage):
    path = save_model(model, tmp_path / "m.pt")
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"\x00not a model" * 50,
                      "empty": b""}[damage])
    with pytest.raises(ModelFileError, match=r"m\.pt is corrupt.*latentga train"):
        load_model(path)


def test_wrong_format_and_version(tmp_path):
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ModelFileError, match="not a latentga model"):
        load_model(tmp_path / "other.pt")
    torch.save({"format": "latentga-model", "format_version": 99}, tmp_path / "future.pt")
    with pytest.raises(ModelFileError, match="version 99"):
        load_model(tmp_path / "future.pt")


def test_mismatched_state_dict(model, tmp_path):
    path = save_model(model, tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    payload["config"]["latent_dim"] = 7  # weights no longer fit the architecture
    torch.save(payload, path)
    with pytest.raises(ModelFileError, match=r"m\.pt does not match"):
        load_model(path)


class _RunsCode:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return os.mkdir, (self.marker,)


def test_a_model_file_with_code_is_refused_unrun_and_without_torchs_unsafe_advice(tmp_path):
    marker = tmp_path / "ran"
    torch.save({"format": "latentga-model", "state_dict": _RunsCode(marker)}, tmp_path / "evil.pt")
    with pytest.raises(ModelFileError, match=r"not a latentga model.*mkdir.*never loads") as info:
        load_model(tmp_path / "evil.pt")
    assert not marker.exists()
    assert "weights_only" not in str(info.value) and "Re-running" not in str(info.value)
    np_file = tmp_path / "layouts.npy"
    import numpy as np

    np.save(np_file, np.zeros(3))
    with pytest.raises(ModelFileError, match="corrupt or not a latentga model") as info:
        load_model(np_file)
    assert "weights_only" not in str(info.value)
