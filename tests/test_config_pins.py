"""Hashes of shipped configs, computed before the config became typed (main at 17e72b9; the
fingerprints, model and dataset keys are also those of 7a319e6, before ga.seeding.lines).

Cache file names, model cache names and checkpoint fingerprints are hashes of config sections;
if the typed config's plain form drifted by one key or one type, every cache would be rebuilt
and every checkpoint refused. These numbers pin it.
"""

from pathlib import Path

import pytest

from latentga.comparison.config import load_compare_config, shared_run_config, variant_config
from latentga.config import config_hash, load_config
from latentga.ga.checkpoint import _accepted_fingerprints, config_fingerprint
from latentga.models.config import model_identity
from latentga.pipeline import make_simulator

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
#: name -> (whole config, checkpoint fingerprint, accepted fingerprints, model identity, dataset cache key)
PINS = {
    "vanilla": ("becb0718dac2eb4a", "f8df88791cb99ed2", ('13f0b92b07f3d11b', 'f8df88791cb99ed2'), "3f9535f7bfcccb85", "ea6b2d0a61c61517"),
    "vae": ("1d6a6ec6e26e790f", "97e138177008c7af", ('97e138177008c7af', 'cfb62ca27dd1b1c9'), "bbae204e25aebe31", "94203845708f945c"),
    "ccvae": ("afb70f8952484224", "71417abb66f2f702", ('71417abb66f2f702', 'c8769c0202aeef3f'), "3f9535f7bfcccb85", "94203845708f945c"),
    "ccvae_cg": ("cca2955cb2933315", "a8349c0ea0aea16c", ('a8349c0ea0aea16c', 'e995e05566380f16'), "3f9535f7bfcccb85", "94203845708f945c"),
    "ccvae_gd": ("191f7638b6c1bbd6", "6d1345ad9b764b66", ('6d1345ad9b764b66', 'ec89a66e95d003df'), "3f9535f7bfcccb85", "94203845708f945c"),
    "ccvae_gd_ux": ("ada49b18d5908866", "2e6ae159cd3ffb76", ('2e6ae159cd3ffb76', 'dcba7d4476e69b58'), "3f9535f7bfcccb85", "94203845708f945c"),
    "defaults": ("5885bb7d737e9a5b", "dfb1d01b00737d75", ('3258214ea931a304', 'dfb1d01b00737d75'), "3f9535f7bfcccb85", "94203845708f945c"),
}
#: compare.yaml: each GA variant's checkpoint fingerprint at seed 3, and the shared run's hash
COMPARE = {
    "vanilla": "4a9030529a1d964c",
    "vae": "0d68ed4b1681f655",
    "ccvae": "13c5f22206ecb695",
    "ccvae_cg": "effd60ebef51e1cd",
    "ccvae_gd": "ab1cf735dc26ea45",
    "ccvae_gd_ux": "d32b9922a9d990ed",
    "ccvae_gd_wr": "f90c4c033d451c94",
    "memetic": "e2c933cb13cab5e0",
    "memetic_random": "a096620495ecced6",
    "run": "9395d035aa951b4c",
}


@pytest.mark.parametrize("name", sorted(PINS))
def test_hashes_of_shipped_configs_are_unchanged(name):
    config = load_config(None if name == "defaults" else CONFIGS / f"{name}.yaml")
    whole, fingerprint, accepted, model, dataset = PINS[name]
    assert config_hash(config) == config_hash(config.to_dict()) == whole
    assert config_fingerprint(config) == fingerprint
    assert tuple(sorted(_accepted_fingerprints(config))) == accepted
    assert config_hash(model_identity(config.model)) == model
    simulator = make_simulator(config, n_fires=config.dataset.n_fires)
    assert config_hash(config.dataset, config.firebreaks, simulator.settings) == dataset


def test_comparison_variant_fingerprints_are_unchanged():
    config = load_compare_config(CONFIGS / "compare.yaml")
    got = {method: config_fingerprint(variant_config(config, method, 3)) for method in config["variants"]}
    got["run"] = config_hash(shared_run_config(config))
    assert got == COMPARE


@pytest.mark.parametrize("name,digest", [("vanilla", "dbbd671f27f34807"), ("ccvae_gd", "1de1eb471aacdc5f")])
def test_config_yaml_of_a_run_is_byte_identical(name, digest):
    """A results folder's config.yaml (key order included) is what it was before typing."""
    import hashlib

    import yaml

    text = yaml.safe_dump(load_config(CONFIGS / f"{name}.yaml").to_dict(), sort_keys=False)
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == digest
