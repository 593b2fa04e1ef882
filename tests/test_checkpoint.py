"""Checkpoints are data only: an exact round trip, and hostile or damaged files refused unrun."""

import json
import os
import pickle
from dataclasses import dataclass

import numpy as np
import pytest
from deap import tools

from latentga.config import load_config
from latentga.errors import CheckpointError
from latentga.ga import checkpoint as ckpt
from latentga.ga.individual import make_individual
from latentga.layouts import random_layouts


class RunsCode:
    """An object whose unpickling creates ``marker``: proof that loading ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


@dataclass
class Rec:  # shaped like the delta tracker's FireRecord
    layout: np.ndarray
    bits: np.ndarray
    fitness: float


def _state(tmp_path, records=None):
    config = load_config(None, ["ga.hof_size=4", "ga.population=4", "firebreaks=9"])
    rng = np.random.default_rng(7)
    pop = [make_individual(x, f) for x, f in zip(random_layouts(4, (5, 6), 9, rng), (0.5, 0.25, 0.5, 0.75))]
    hof = tools.HallOfFame(4, similar=np.array_equal)
    hof.update(pop)  # ties (0.5, 0.5) keep their insertion order
    logbook = tools.Logbook()
    logbook.header = ["gen", "nevals", "avg", "time"]
    logbook.record(gen=0, nevals=4, avg=0.1 + 0.2, time=0.0123)
    logbook.record(gen=1, nevals=3, avg=float("nan"), time=1e-300)
    cache = {b"\x05\x06" + bytes(range(k)): 1.0 / (k + 3) for k in range(5)}  # keys of unequal length
    rng.random(3)
    path = tmp_path / "checkpoint.npz"
    ckpt.save_checkpoint(path, config=config, generation=1, population=pop, hof=hof, logbook=logbook,
                         cache=cache, rng=rng, records=records)
    return path, config, pop, hof, logbook, cache, rng


def test_round_trip_is_exact(tmp_path):
    records = {b"a": Rec(np.ones((5, 6), bool), np.arange(4, dtype=np.uint8), 0.3),
               b"bb": Rec(np.zeros((5, 6), bool), np.arange(4, dtype=np.uint8)[::-1], 0.7)}
    path, config, pop, hof, logbook, cache, rng = _state(tmp_path, records)
    state = ckpt.load_checkpoint(path, config)
    assert state["generation"] == 1
    assert [np.array_equal(a, b) for a, b in zip(ckpt.restore_population(state), pop)] == [True] * 4
    assert [i.fitness.values for i in ckpt.restore_population(state)] == [i.fitness.values for i in pop]
    again = ckpt.restore_hall_of_fame(state, 4)
    assert [h.fitness.values for h in again] == [h.fitness.values for h in hof]
    assert all(np.array_equal(a, b) for a, b in zip(again, hof)) and len(again) == len(hof)
    assert [k.wvalues for k in again.keys] == [k.wvalues for k in hof.keys]
    assert state["logbook"].header == logbook.header
    assert json.dumps(list(state["logbook"])) == json.dumps(list(logbook))  # NaN and tiny floats too
    assert state["cache"] == cache
    resumed = np.random.default_rng()
    resumed.bit_generator.state = state["rng_state"]
    assert np.array_equal(resumed.random(10), rng.random(10))
    rec = state["records"]
    assert rec["keys"] == [b"a", b"bb"] and rec["fitness"].tolist() == [0.3, 0.7]
    assert np.array_equal(rec["bits"][1], records[b"bb"].bits) and rec["layout"].dtype == bool


def test_plain_tracker_state_round_trips(tmp_path):
    plain = {"keys": [b"x", b"y"], "times": np.arange(6, dtype=np.int16).reshape(2, 3)}
    path, config, *_ = _state(tmp_path, plain)
    got = ckpt.load_checkpoint(path, config)["records"]
    assert got["keys"] == plain["keys"] and np.array_equal(got["times"], plain["times"])
    assert got["times"].dtype == np.int16


def test_a_pickle_with_code_is_refused_and_nothing_runs(tmp_path):
    config = load_config(None)
    marker = tmp_path / "ran"
    path = tmp_path / "checkpoint.npz"
    path.write_bytes(pickle.dumps({"format": "latentga-ga-checkpoint-1", "x": RunsCode(marker)}))
    with pytest.raises(CheckpointError, match="pickle.*can run code.*--resume"):
        ckpt.load_checkpoint(path, config)
    assert not marker.exists()


def test_an_archive_with_a_pickled_object_array_is_refused_and_nothing_runs(tmp_path):
    path, config, *_ = _state(tmp_path)
    marker = tmp_path / "ran"
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["population"] = np.array([RunsCode(marker)], dtype=object)  # stored as a pickle
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(CheckpointError, match="corrupt or not a latentga checkpoint"):
        ckpt.load_checkpoint(path, config)
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["truncate", "zeros", "json", "format", "shapes", "rng", "keys"])
def test_damaged_checkpoints_give_one_clear_error(tmp_path, damage):
    path, config, *_ = _state(tmp_path)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays["meta"]))
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:300])
    elif damage == "zeros":
        path.write_bytes(bytes(1000))
    else:
        if damage == "json":
            arrays["meta"] = np.asarray("{not json")
        elif damage == "format":
            meta["format"] = "something-else"
        elif damage == "shapes":
            arrays["fitness"] = arrays["fitness"][:2]
        elif damage == "rng":
            meta["rng_state"] = {"bit_generator": "os.system", "state": 1}
        elif damage == "keys":
            arrays["cache_ends"] = arrays["cache_ends"] + 100
        if damage != "json":
            arrays["meta"] = np.asarray(json.dumps(meta))
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
    with pytest.raises(CheckpointError, match="corrupt or not a latentga checkpoint.*start over"):
        ckpt.load_checkpoint(path, config)


def test_another_config_is_named(tmp_path):
    path, config, *_ = _state(tmp_path)
    other = load_config(None, ["ga.hof_size=4", "ga.population=30", "firebreaks=9"])
    with pytest.raises(CheckpointError, match=r"another config.*ga.population"):
        ckpt.load_checkpoint(path, other)
    # more generations is not another config
    assert ckpt.load_checkpoint(path, load_config(None, ["ga.hof_size=4", "ga.population=4", "firebreaks=9",
                                                        "ga.generations=99"]))


def test_hall_of_fame_larger_than_its_size_is_refused(tmp_path):
    path, config, *_ = _state(tmp_path)
    with pytest.raises(CheckpointError, match="hof_size"):
        ckpt.restore_hall_of_fame(ckpt.load_checkpoint(path, config), 2)
