"""What a wheel holds: every data file the package reads is declared as package data, and the
operators folder installs as latentga.operators (checked here from the build settings; the full
check is ``pip install .`` in a fresh venv, see docs/engine.md)."""

import configparser
import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_data_file_of_the_package_is_declared_package_data():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    declared = {pkg.strip(): [p.strip() for p in globs.replace("\n", ",").split(",") if p.strip()]
                for pkg, globs in cfg["options.package_data"].items()}
    for path in (ROOT / "latentga").rglob("*"):
        if not path.is_file() or path.suffix in (".py", ".pyc", ".nbi", ".nbc") or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(ROOT)
        owners = [(pkg, rel.relative_to(Path(*pkg.split("."))).as_posix()) for pkg in declared
                  if rel.is_relative_to(Path(*pkg.split(".")))]
        assert any(fnmatch.fnmatch(inner, glob) for pkg, inner in owners for glob in declared[pkg]), \
            f"{rel} is not in setup.cfg's [options.package_data]: a wheel would lack it"


def test_operators_install_under_the_latentga_namespace():
    text = (ROOT / "setup.py").read_text()
    assert '"latentga.operators": "operators"' in text and '"latentga.operators"]' in text
    assert not (ROOT / "latentga" / "operators").exists()  # one copy: the top-level folder
