"""``--overwrite`` never loses a finished run: a kill at every file operation, then a failed retry."""

import hashlib
import json
import os
import shutil

import pytest

from latentga.errors import OutputError
from latentga.runs import fallback
from latentga.runs.folder import claim_run_folder, restore_previous


class Killed(BaseException):
    """kill -9: nothing after it runs (every later file operation is refused too)."""


class Clock:
    """Counts file operations; the ``at``-th and every later one raises Killed."""

    def __init__(self, at=None):
        self.at, self.n = at, 0

    def tick(self):
        self.n += 1
        if self.at is not None and self.n >= self.at:
            raise Killed


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    real_replace, real_unlink, real_rmtree, real_mkdir = os.replace, os.unlink, shutil.rmtree, fallback.Path.mkdir

    def replace(a, b):
        c.tick()
        real_replace(a, b)

    def unlink(self, missing_ok=False):
        c.tick()
        real_unlink(self)

    def rmtree(path, *a, **k):
        c.tick()
        real_rmtree(path, *a, **k)

    def mkdir(self, *a, **k):
        c.tick()
        real_mkdir(self, *a, **k)

    monkeypatch.setattr(fallback.os, "replace", replace)
    monkeypatch.setattr(fallback.shutil, "rmtree", rmtree)
    monkeypatch.setattr(fallback.Path, "unlink", unlink)
    monkeypatch.setattr(fallback.Path, "mkdir", mkdir)
    return c


def _write_run(folder, tag, status):
    folder.mkdir(exist_ok=True)
    for name in ("checkpoint.npz", "config.yaml", "logbook.csv", "best_layouts.npy"):
        (folder / name).write_text(f"{tag} {name}")
    (folder / "run.json").write_text(json.dumps({"format": "latentga-run-1", "name": tag, "status": status,
                                                 "generation": 3, "files": {}}))


def _snapshot(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
            and p.name != ".lock"}


def _replace(out, clock, finish):
    """An ``--overwrite`` run: claims, writes its files one operation at a time, maybe finishes."""
    with claim_run_folder(out, overwrite=True):
        clock.tick()
        _write_run(out, "B", "running")
        clock.tick()
        if finish:
            _write_run(out, "B", "finished")
        else:
            raise OutputError("firebreaks = 500 is more than the burnable cells")  # fails at validation


def test_a_kill_at_any_point_then_a_failed_retry_keeps_the_finished_run(tmp_path, clock):
    out = tmp_path / "res"
    _write_run(out, "A", "finished")
    a = _snapshot(out)
    _write_run(tmp_path / "b", "B", "finished")
    b = _snapshot(tmp_path / "b")
    points = 0
    for finish in (False, True):
        for at in range(1, 40):
            shutil.rmtree(out)
            _write_run(out, "A", "finished")
            clock.at, clock.n = at, 0
            try:
                _replace(out, clock, finish)
            except (Killed, OutputError):
                pass
            clock.at = None
            if clock.n < at:  # this attempt ran out of operations before the kill
                break
            points += 1
            with pytest.raises(OutputError, match="500"):  # a second --overwrite that fails
                _replace(out, clock, finish=False)
            assert _snapshot(out) in (a, b), f"kill at operation {at}"
            if _snapshot(out) == b:
                assert finish, f"an unfinished replacement survived in place of the finished run (kill at {at})"
            assert not any(p.name.startswith(".previous") for p in out.iterdir())
    assert points > 10


def _killed_replacement(out):
    """A finished run A that an ``--overwrite`` (run B) was replacing when kill -9 struck."""
    shutil.rmtree(out, ignore_errors=True)
    _write_run(out, "A", "finished")
    a = _snapshot(out)
    fallback.stash(out, [out / n for n in os.listdir(out)])
    _write_run(out, "B", "running")
    return a


def test_a_killed_put_back_is_finished_by_the_next_command(tmp_path, clock):
    out = tmp_path / "res"
    for at in range(1, 40):
        a = _killed_replacement(out)
        clock.at, clock.n = at, 0
        try:
            restore_previous(out)
        except Killed:
            clock.at = None
            restore_previous(out)  # the next command finishes the step the kill cut short
        else:
            assert _snapshot(out) == a
            break
        assert _snapshot(out) == a, f"kill at operation {at}"
        assert not any(p.name.startswith(".previous") for p in out.iterdir())
    else:
        pytest.fail("restore_previous never completed")
    assert at > 3


def test_a_folder_left_by_a_killed_replacement_names_the_kept_run(tmp_path):
    out = tmp_path / "res"
    a = _killed_replacement(out)
    with pytest.raises(OutputError) as info:
        with claim_run_folder(out):
            pass
    message = str(info.value)
    assert "\n" not in message and ".previous" in message and "--restore-previous" in message
    assert "unfinished run 'B'" in message and "finished run 'A'" in message
    restore_previous(out)
    assert _snapshot(out) == a and not (out / ".previous").exists()
