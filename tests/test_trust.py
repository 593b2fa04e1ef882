"""A results folder is data: resuming it imports no plug-in and runs no program the user did not name."""

import sys

import pytest
import yaml

from latentga.cli import main
from latentga.config import DEFAULT_CONFIG
from latentga.trust import code_references

HOSTILE = """
from pathlib import Path
Path({marker!r}).write_text("imported")

def mut(individual, k=None):
    return (individual,)
"""


@pytest.fixture
def hostile_folder(tmp_path, monkeypatch):
    """A results folder received from someone else: its config names their plug-in module."""
    marker = tmp_path / "IMPORTED"
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "hostile_latentga_plugin.py").write_text(HOSTILE.format(marker=str(marker)))
    monkeypatch.syspath_prepend(str(plugins))
    monkeypatch.delitem(sys.modules, "hostile_latentga_plugin", raising=False)
    out = tmp_path / "received"
    out.mkdir()
    monkeypatch.chdir(tmp_path)  # any cache or results of a run that gets that far stay in tmp_path
    config = {"name": "received", "operators": {"mate": {"name": "cx_uniform"},
                                                 "mutate": {"name": "hostile_latentga_plugin:mut", "params": {}}}}
    (out / "config.yaml").write_text(yaml.safe_dump(config))
    (out / "checkpoint.npz").write_bytes(b"PK\x03\x04 not really")
    return out, marker


def test_resuming_a_folder_does_not_import_the_plug_in_its_config_names(hostile_folder, capsys):
    out, marker = hostile_folder
    assert main(["run", "--resume", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hostile_latentga_plugin:mut" in err and "--trust-folder" in err
    assert "operators.mutate.name" in err
    assert not marker.exists() and "hostile_latentga_plugin" not in sys.modules


@pytest.mark.parametrize("extra", [["--trust-folder"], ["--set", "operators.mutate.name=hostile_latentga_plugin:mut"]])
def test_a_plug_in_the_user_names_or_trusts_is_imported(hostile_folder, extra, capsys):
    out, marker = hostile_folder
    assert main(["run", "--resume", "--out", str(out), "--quiet", *extra]) == 2  # the fake checkpoint
    assert "checkpoint" in capsys.readouterr().err
    assert marker.exists()


def test_a_program_named_by_a_folder_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "received"
    out.mkdir()
    config = {"simulator": {"backend": "cell2fire", "cell2fire_binary": str(tmp_path / "evil.sh")}}
    (out / "config.yaml").write_text(yaml.safe_dump(config))
    (out / "checkpoint.npz").write_bytes(b"")
    assert main(["run", "--resume", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "program" in err and "evil.sh" in err and "--trust-folder" in err


def test_code_references_finds_plug_ins_anywhere_and_walks_an_alias_once():
    shared = ["pkg.mod:fn"] * 3
    data = {"a": {"b": shared, "c": shared}, "model": {"kind": "my.models:Net"}, "name": "ccvae_gd",
            "landscape": "C:/data/land", "simulator": {"cell2fire_binary": "/opt/c2f"}}
    found = set(code_references(data))
    assert ("model.kind", "my.models:Net") in found and ("simulator.cell2fire_binary", "/opt/c2f") in found
    assert {v for _, v in found} == {"pkg.mod:fn", "my.models:Net", "/opt/c2f"}
    assert not set(code_references(DEFAULT_CONFIG))  # the built-ins name no plug-in
