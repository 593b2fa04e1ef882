"""Run config loading and validation: every mistake is one ConfigError naming the key and fix."""

import copy
import dataclasses
from pathlib import Path

import pytest

from latentga.config import DEFAULT_CONFIG, RunConfig, apply_overrides, config_hash, load_config, parse_overrides
from latentga.errors import ConfigError

RUN_CONFIGS = ("vanilla", "vae", "ccvae", "ccvae_cg", "ccvae_gd", "ccvae_gd_ux")
CONFIGS = [Path(__file__).resolve().parents[1] / "configs" / f"{name}.yaml" for name in RUN_CONFIGS]


def _write(tmp_path, text, name="c.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_load_complete_and_are_not_mutated():
    before = copy.deepcopy(DEFAULT_CONFIG)
    config = load_config()
    assert config == load_config(None, overrides={})
    with pytest.raises(TypeError, match="frozen"):
        config["ga"]["population"] = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.ga.population = 1
    with pytest.raises(TypeError):
        config.operators.mutate.params["steps"] = 99
    config["operators"]["mutate"]["params"]["steps"] = 99  # the mapping view hands out copies
    assert config.operators.mutate.params["steps"] == 2
    assert DEFAULT_CONFIG == before and config.to_dict() == DEFAULT_CONFIG
    assert set(config["model"]) >= {"kind", "latent_dim", "char_dim", "epochs"}


def test_yaml_is_merged_over_defaults(tmp_path):
    path = _write(tmp_path, "name: mine\nga:\n  population: 24\nsimulator:\n  ros_cv: 0\n")
    config = load_config(path)
    assert config["name"] == "mine" and config["ga"]["population"] == 24
    assert config["ga"]["generations"] == DEFAULT_CONFIG["ga"]["generations"]
    assert config["simulator"]["ros_cv"] == 0.0 and isinstance(config["simulator"]["ros_cv"], float)


def test_overrides_as_strings_or_nested_dict():
    a = load_config(None, ["ga.population=20", "simulator.n_weathers=7", "landscape=null"])
    b = load_config(None, {"ga": {"population": 20}, "simulator": {"n_weathers": 7}})
    assert a == b and a["ga"]["population"] == 20 and a["simulator"]["n_weathers"] == 7
    assert parse_overrides(["a.b=[1, 2]", "c=x"]) == {"a": {"b": [1, 2]}, "c": "x"}
    with pytest.raises(ConfigError, match="key=value"):
        parse_overrides(["ga.population"])


def test_changing_an_operator_drops_the_old_operators_params():
    config = load_config(None, ["operators.mutate.name=mut_flip", "operators.mutate.params.indpb=0.02"])
    assert config["operators"]["mutate"] == {"name": "mut_flip", "params": {"indpb": 0.02}}
    same = load_config(None, ["operators.mutate.params.steps=5"])
    assert same["operators"]["mutate"]["params"] == {"steps": 5, "step_size": 0.1}


@pytest.mark.parametrize("text,needle", [
    ("popultion: 3\n", "'popultion'"),
    ("ga:\n  popsize: 3\n", "'ga.popsize'"),
    ("ga:\n  population: forty\n", "'ga.population' must be an integer"),
    ("ga:\n  population: true\n", "'ga.population' must be an integer"),
    ("ga:\n  cxpb: 1.5\n", "'ga.cxpb' = 1.5 is out of range"),
    ("ga:\n  elite: 40\n", "ga.elite"),
    ("ga: 3\n", "'ga' must be a mapping"),
    ("simulator:\n  backend: gpu\n", "'simulator.backend' must be one of builtin | cell2fire"),
    ("firebreaks: null\n", "'firebreaks' must not be null"),
    ("name: a/b\n", "'name'"),
    ("operators:\n  mutate:\n    name: mut_flp\n", "operators.mutate.name.*mut_flip"),
    ("operators:\n  mutate:\n    name: cx_uniform\n", "mate operator"),
    ("operators:\n  mutate:\n    name: mut_flip\n    params: {indpd: 0.1}\n",
     "operators.mutate.params.indpd.*accepts: indpb"),
    ("operators:\n  mutate:\n    name: mut_flip\n    params: {k: 3}\n", "filled in by the engine"),
    ("operators:\n  mutate:\n    nam: mut_flip\n", "operators.mutate.nam"),
    ("operators:\n  select:\n    name: nowhere.mod:fn\n", "cannot import module"),
    ("model:\n  latent_dims: 3\n", "model.latent_dims"),
    ("model:\n  kind: gan\n", "model.kind"),
    ("- a\n- b\n", "must hold a mapping"),
])
def test_bad_configs_name_the_key(tmp_path, text, needle):
    with pytest.raises(ConfigError, match=needle):
        load_config(_write(tmp_path, text))


def test_malformed_yaml_reports_the_line(tmp_path):
    path = _write(tmp_path, "name: x\nga:\n  population: [1, 2\n  cxpb: 0.5\n")
    with pytest.raises(ConfigError, match=r"c\.yaml is not valid YAML at line \d+"):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_empty_file_means_defaults(tmp_path):
    assert load_config(_write(tmp_path, "")) == load_config()


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_are_valid(path):
    config = load_config(path)
    assert config["name"] == path.stem
    assert config["ga"]["generations"] == 20


def test_shipped_configs_exist():
    assert all(p.is_file() for p in CONFIGS)


def test_config_hash_ignores_key_order_but_not_values():
    assert config_hash({"a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_typed_config_round_trips_through_its_plain_dict(path):
    config = load_config(path)
    plain = config.to_dict()
    assert isinstance(config, RunConfig) and RunConfig.parse(plain) == config
    assert load_config(None, plain) == config and config_hash(RunConfig.parse(plain)) == config_hash(plain)
    assert isinstance(plain["model"]["channels"], list) and isinstance(config.model.channels, tuple)


def test_derived_configs_are_checked_and_leave_the_original_alone():
    config = load_config()
    more = config.replace(seed=7)
    assert more.seed == 7 and config.seed == 0 and more.ga is config.ga  # unchanged sections are shared
    assert config.ga.replace(population=12).population == 12
    assert apply_overrides(config, {"ga": {"population": 12}}).ga == config.ga.replace(population=12)
    with pytest.raises(ConfigError, match="'ga.cxpb' = 2 is out of range"):
        apply_overrides(config, {"ga": {"cxpb": 2}})
    with pytest.raises(ConfigError, match="'seed' = -1 is out of range"):
        config.replace(seed=-1)


def test_a_config_travels_to_workers_and_copies_as_itself():
    import pickle

    config = load_config(None, ["operators.mutate.params.steps=4"])
    assert pickle.loads(pickle.dumps(config)) == config and copy.deepcopy(config) is config
    assert config_hash(pickle.loads(pickle.dumps(config))) == config_hash(config.to_dict())


def test_a_comparison_checks_each_operator_section_it_is_given_once(monkeypatch):
    """Loading compare.yaml checks the shared run once and each variant's own keys once (it used to
    re-validate every complete run config dozens of times)."""
    from latentga.comparison.config import load_compare_config, variant_config
    from latentga.config import OperatorSpec, read_yaml_mapping

    path = CONFIGS[0].parent / "compare.yaml"
    data = read_yaml_mapping(path)
    given = len((data.get("run") or {}).get("operators") or {}) + sum(
        len((v or {}).get("operators") or {}) for v in (data.get("variants") or {}).values())
    checked = []
    original = OperatorSpec._check
    monkeypatch.setattr(OperatorSpec, "_check", lambda self, prefix: checked.append(prefix) or original(self, prefix))
    config = load_compare_config(path)
    assert 0 < len(checked) == given
    for seed in config.seeds:  # another seed of a variant checks no operator again
        for method in config.variants:
            variant_config(config, method, seed)
    assert len(checked) == given
