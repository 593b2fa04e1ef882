"""The one-way flow: the GA engine knows no fires, and a vanilla run never imports torch."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports (module level and inside functions), absolute names."""
    import ast

    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: only the operators folder uses them, for its own modules
                out.append("latentga.operators")
            elif node.module:
                out.append(node.module)
    return out


def _unit(path: Path) -> str:
    """The part of the code a file belongs to: ``latentga.<sub>`` (operators/ is latentga.operators)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[0] == "operators":
        return "latentga.operators"
    return ".".join(parts[:2]) if parts[1] != "__init__" else "latentga"


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in [*(ROOT / "latentga").rglob("*.py"), *(ROOT / "operators").glob("*.py")]:
        src = _unit(path)
        for name in _imports(path):
            if name.startswith("latentga."):
                dst = ".".join(name.split(".")[:2])
                if dst != src:
                    graph.setdefault(src, set()).add(dst)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (a list of nodes), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_parts_of_the_package():
    """Lazy (in-function) imports count too: a cycle is a cycle even when it only bites at run time."""
    graph = _graph()
    assert "latentga.operators" in graph and "latentga.operators" in graph["latentga.ga"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_operators_use_only_the_core_and_models_and_nobody_imports_the_old_top_level_name():
    assert _graph()["latentga.operators"] <= {"latentga.errors", "latentga.plugins", "latentga.models"}
    for path in [*ROOT.glob("latentga/**/*.py"), *ROOT.glob("operators/*.py"), *ROOT.glob("tests/*.py"),
                 *ROOT.glob("benchmarks/*.py"), *ROOT.glob("examples/*.py")]:
        bad = [n for n in _imports(path) if n == "operators" or n.startswith("operators.")]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}: use latentga.operators"


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


def test_dense_and_conv_networks_are_peers_under_one_interface():
    """networks.py and conv.py import neither each other nor the factory; CCVAE = FitnessHead mixin."""
    for name in ("networks", "conv"):
        imported = _imports(ROOT / "latentga" / "models" / f"{name}.py")
        assert not [m for m in imported if m.endswith((".networks", ".conv", ".factory"))], name
    from latentga.models.base import FitnessHead, LayoutModel
    from latentga.models.conv import ConvLayoutCCVAE, ConvLayoutVAE
    from latentga.models.networks import LayoutCCVAE, LayoutVAE

    assert not issubclass(ConvLayoutVAE, LayoutVAE) and not issubclass(LayoutVAE, ConvLayoutVAE)
    for plain in (LayoutVAE, ConvLayoutVAE):
        assert issubclass(plain, LayoutModel) and not plain.is_conditional
    for cls, plain in ((LayoutCCVAE, LayoutVAE), (ConvLayoutCCVAE, ConvLayoutVAE)):
        assert cls.__bases__ == (FitnessHead, plain) and cls.is_conditional
