import pytest
"""The one-way flow: the GA engine knows no fires, and a vanilla run never imports torch."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_engine_imports_nothing_of_the_simulator_or_layouts():
    for path in (ROOT / "latentga" / "ga").glob("*.py"):
        for line in path.read_text().splitlines():
            if re.match(r"\s*(from|import)\s", line):
                assert not re.search(r"simulator|layouts", line), f"{path.name}: {line.strip()}"


@pytest.mark.slow
def test_vanilla_run_imports_no_torch(tmp_path):
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "latentga", "run", "configs/vanilla.yaml",
                          "--quiet", "--out", str(tmp_path / "run"), "--set", "ga.generations=1",
                          "--set", "ga.population=6", "--set", "simulator.n_fires=4"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    modules = [line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")]
    assert "numpy" in modules and not [m for m in modules if m == "torch" or m.startswith("torch.")]
