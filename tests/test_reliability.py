"""Every value read is checked for meaning, sizes are bounded before allocation, OS errors are one
line: one test per defect class of issue 22 (the probe of bad inputs, faults and hostile files)."""

import errno

import numpy as np
import pytest
import torch

from latentga.cli import main
from latentga.config import load_config
from latentga.errors import CheckpointError, ConfigError, LayoutError, ModelFileError
from latentga.ga import checkpoint as ckpt
from latentga.validation import check_expanded_size, checked_workers, expanded_size, load_npy


def _one_line(capsys, *needles):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize("bad", [0.5, np.nan, np.inf, 2])
def test_simulate_refuses_layouts_that_are_not_0_1(tmp_path, capsys, bad):
    layout = np.zeros((20, 20))
    layout[2, 3] = bad
    np.save(tmp_path / "l.npy", layout)
    assert main(["simulate", "--layouts", str(tmp_path / "l.npy"), "--fires", "2"]) == 2
    _one_line(capsys, "0 (no firebreak) or 1")


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_simulate_refuses_a_seed_out_of_range_instead_of_wrapping(capsys, seed):
    assert main(["simulate", "--fires", "2", "--seed", seed]) == 2
    _one_line(capsys, "--seed", str(2**32 - 1))


def test_npy_headers_are_checked_against_the_file_before_allocating(tmp_path):
    empty = tmp_path / "empty.npy"
    empty.write_bytes(b"")
    with pytest.raises(LayoutError, match="empty"):
        load_npy(empty, LayoutError, "fix")
    huge = tmp_path / "huge.npy"
    with open(huge, "wb") as fh:  # a header claiming 4 TiB, then 6 bytes
        np.lib.format.write_array_header_1_0(fh, {"descr": "|b1", "fortran_order": False, "shape": (2**42,)})
        fh.write(b"\0" * 6)
    with pytest.raises(LayoutError, match="truncated or damaged.*TiB"):
        load_npy(huge, LayoutError, "fix")


def test_a_yaml_alias_bomb_is_measured_without_expanding_it(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]" for i in range(1, 12)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\noperators: {mutate: {name: mut_flip, params: {extra: *a11}}}\n")
    with pytest.raises(ConfigError, match="expands to more than"):
        load_config(path)
    shared = [1, 2, 3]
    assert expanded_size({"a": shared, "b": shared}) == 9
    check_expanded_size({"a": shared}, "ok")


def test_a_model_file_with_nan_weights_is_refused(tmp_path):
    from latentga.models import build_model, load_model, save_model

    model = build_model({"channels": [4, 8], "latent_dim": 6, "char_dim": 3, "head_hidden": [8, 4]}, (12, 10))
    with torch.no_grad():
        next(model.parameters())[0] = float("nan")
    path = save_model(model, tmp_path / "m.pt")
    with pytest.raises(ModelFileError, match="NaN or infinite weights"):
        load_model(path)


def _checkpoint(tmp_path, **change):
    from deap import tools

    from latentga.ga.individual import make_individual
    from latentga.layouts import random_layouts

    config = load_config(None, ["ga.population=4", "firebreaks=9", "ga.hof_size=2", "operators.mate=cx_uniform",
                                "operators.mutate=mut_flip"])
    rng = np.random.default_rng(0)
    layouts = random_layouts(4, (5, 6), 9, rng)
    fitness = change.pop("fitness", [0.5, 0.4, 0.3, 0.2])
    if "layouts" in change:
        layouts = change.pop("layouts")
    pop = [make_individual(x, f) for x, f in zip(layouts, fitness)]
    hof = tools.HallOfFame(2, similar=np.array_equal)
    hof.update(pop[:1])
    logbook = tools.Logbook()
    for g in range(2):
        logbook.record(gen=g)
    path = tmp_path / "checkpoint.npz"
    ckpt.save_checkpoint(path, config=config, generation=change.pop("generation", 1), population=pop, hof=hof,
                         logbook=logbook, cache={}, rng=rng)
    return path, config


@pytest.mark.parametrize("tamper, message", [
    ({"generation": 7}, "does not match its logbook"),
    ({"fitness": [0.5, float("nan"), 0.3, 0.2]}, "fitness is not finite"),
])
def test_a_tampered_but_well_formed_checkpoint_is_refused(tmp_path, tamper, message):
    path, config = _checkpoint(tmp_path, **tamper)
    with pytest.raises(CheckpointError, match=message):
        ckpt.load_checkpoint(path, config)
    assert ckpt.load_checkpoint(*_checkpoint(tmp_path))  # the untampered one loads


def test_a_checkpoint_population_the_problem_cannot_accept_is_refused_on_resume(tmp_path):
    from latentga.ga.algorithm import GeneticAlgorithm
    from latentga.problems import KSubsetProblem

    path, config = _checkpoint(tmp_path, layouts=np.ones((4, 5, 6), bool))
    state = ckpt.load_checkpoint(path, config)  # well formed: the problem judges feasibility
    algo = GeneticAlgorithm(config, KSubsetProblem.random((5, 6), k=9, seed=1))
    with pytest.raises(CheckpointError, match="cannot accept"):
        algo.restore(state)


def test_worker_counts_are_capped_and_checked(capsys):
    assert checked_workers(2) == 2
    assert 4 <= checked_workers(10_000) < 10_000
    assert "warning:" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="1 or more"):
        checked_workers(0)


@pytest.mark.parametrize("code, fix", [(errno.ENOSPC, "free space"), (errno.EROFS, "read-only"),
                                       (errno.EACCES, "permission")])
def test_an_os_error_is_one_line_naming_the_path_and_the_fix(monkeypatch, capsys, code, fix):
    import latentga.cli.simulate as simulate

    def failing(args):
        raise OSError(code, "simulated", "/some/where/checkpoint.npz")

    monkeypatch.setattr(simulate, "main", failing)
    assert main(["simulate", "--fires", "1"]) == 1
    _one_line(capsys, "/some/where/checkpoint.npz", fix)


def test_a_full_disk_during_a_write_is_one_line_and_leaves_the_old_file(tmp_path, monkeypatch, capsys):
    import pandas as pd

    target = tmp_path / "scores.csv"
    target.write_text("old")

    def full(self, path, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    assert main(["simulate", "--fires", "1", "--out", str(target)]) == 1
    _one_line(capsys, "No space left on device", "free space")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


@pytest.fixture
def instance(tmp_path):
    from test_simulator import uniform_weather, write_instance

    return write_instance(tmp_path / "inst", np.full((4, 5), 2), uniform_weather(rows=3, files=4), ignition=7,
                          slope=np.full((4, 5), 10), saz=np.full((4, 5), 45), elevation=np.full((4, 5), 300))


@pytest.mark.parametrize("old, new, message", [
    ("cellsize", "cellsize 0 #", "cellsize 0 must be a positive number"),
    ("cellsize", "cellsize -5 #", "cellsize -5 must be a positive number"),
    ("cellsize", "cellsize nan #", "cellsize nan must be a positive number"),
    ("ncols 5", "ncols -5", "at least one row and one column"),
    ("nrows 4", "nrows 0", "at least one row and one column"),
    ("nrows 4", "nrows 400000000", "more than the file's"),
])
def test_raster_headers_are_checked_for_meaning(instance, old, new, message):
    from latentga.errors import LandscapeError
    from latentga.simulator import load_landscape

    p = instance / "fuels.asc"
    text = p.read_text()
    if old == "cellsize":  # the line of the cellsize header, whatever its value
        line = next(x for x in text.splitlines() if x.lower().startswith("cellsize"))
        text = text.replace(line, new.replace(" #", ""))
    else:
        text = text.replace(old, new)
    p.write_text(text)
    with pytest.raises(LandscapeError, match=message):
        load_landscape(instance)


@pytest.mark.parametrize("name, value, message", [("slope.asc", "1e308", "magnitude at most"),
                                                  ("Ignitions.csv", "inf", "not a number")])
def test_terrain_and_ignition_values_out_of_meaning_are_refused(instance, name, value, message):
    from latentga.errors import LandscapeError
    from latentga.simulator import load_landscape

    p = instance / name
    p.write_text(p.read_text().replace("\n10 ", f"\n{value} ", 1) if name == "slope.asc"
                 else "Year,Ncell\n1,inf\n")
    with pytest.raises(LandscapeError, match=message):
        load_landscape(instance)


def test_a_raster_that_never_ends_is_refused_before_reading(instance):
    import os

    from latentga.errors import LandscapeError
    from latentga.simulator import load_landscape

    (instance / "slope.asc").unlink()
    os.mkfifo(instance / "slope.asc")  # a pipe: reading it would wait (or grow) forever
    with pytest.raises(LandscapeError, match="not a regular file"):
        load_landscape(instance)


def test_a_plug_in_with_a_syntax_error_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "broken_latentga_op.py").write_text("def mut(individual:\n    return individual\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=r"syntax error \(.*broken_latentga_op.py, line 1"):
        load_config(None, ["operators.mutate.name=broken_latentga_op:mut"])


def test_an_empty_layouts_file_is_one_line(tmp_path, capsys):
    np.save(tmp_path / "none.npy", np.zeros((0, 20, 20), bool))
    assert main(["simulate", "--layouts", str(tmp_path / "none.npy"), "--burn-map", str(tmp_path / "b.png")]) == 2
    _one_line(capsys, "holds no layouts")


def test_an_unknown_model_plug_in_fails_at_load_not_after_the_dataset():
    with pytest.raises(ConfigError, match="cannot import module 'no_such_latentga_module'"):
        load_config(None, ["model.kind=no_such_latentga_module:Net"])


@pytest.mark.parametrize("setting, message", [
    ("operators.mutate.params.indpb='0.1'", r"indpb = '0.1' must be a finite number"),
    ("operators.mutate.params.indpb=1.5", r"indpb = 1.5 is out of range: it must be between 0 and 1"),
    ("operators.select.params.tournsize=0", r"tournsize = 0 is out of range: it must be >= 1"),
    ("operators.select.params.tournsize=2.5", r"tournsize = 2.5 must be an integer"),
    ("operators.mutate.params.indpb=.nan", r"indpb = nan must be a finite number"),
])
def test_operator_params_are_checked_at_load_against_the_operators_ranges(setting, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, ["operators.mutate.name=mut_flip", setting])
    assert load_config(None, ["operators.mutate.name=mut_flip", "operators.mutate.params.indpb=0.2",
                              "operators.select.params.tournsize=5"])


def test_no_lock_file_beside_a_file_the_user_named(tmp_path):
    out = tmp_path / "mine" / "data.npz"
    assert main(["dataset", "--n", "3", "--fires", "2", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["data.npz"]


@pytest.mark.parametrize("command", [["analyze", "conditional"], ["dataset", "--n", "2"], ["simulate"]])
def test_every_command_refuses_a_seed_out_of_range(capsys, command):
    assert main([*command, "--seed", str(2**32)]) == 2
    _one_line(capsys, str(2**32 - 1))
