"""Atomic writes: a failed write never leaves a partial file or clobbers the old one."""

from pathlib import Path

import numpy as np
import pytest

from latentga.io import atomic_path, save_npy_atomic, write_text_atomic


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "sub" / "result.txt"
    write_text_atomic(target, "first")
    write_text_atomic(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["result.txt"]


def test_failed_write_keeps_previous_content_and_leaves_no_temp(tmp_path):
    target = tmp_path / "table.csv"
    write_text_atomic(target, "good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half-writ")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def test_npy_keeps_its_name(tmp_path):
    target = tmp_path / "layouts.npy"
    save_npy_atomic(target, np.arange(4))
    assert np.array_equal(np.load(target), np.arange(4))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layouts.npy"]


def test_written_files_get_ordinary_permissions(tmp_path):
    import os
    import stat

    target = tmp_path / "shared.txt"
    write_text_atomic(target, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


# -- killed writers and unwritable destinations -------------------------------------------------
WRITER = """
import sys, time
from latentga.io import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"half")
    print(tmp, flush=True)
    time.sleep(600)
"""


def _start_writer(target):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    tmp = proc.stdout.readline().strip()
    assert tmp, "writer did not start"
    return proc, Path(tmp)


def _age(path, seconds=3600):
    import os
    import time

    old = time.time() - seconds
    os.utime(path, (old, old))


def test_a_killed_writers_temporary_is_removed_by_the_next_write(tmp_path):
    import os
    import signal

    target = tmp_path / "checkpoint.pkl"
    proc, tmp = _start_writer(target)
    try:
        _age(tmp)
        write_text_atomic(target, "other")  # a live writer's temporary is left alone, however old
        assert tmp.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert tmp.exists() and not target.read_text() == "half"  # kill -9 cannot clean up
    os.utime(tmp)  # just written: a few seconds of grace (a writer locks its temporary right after creating it)
    write_text_atomic(target, "next")
    assert tmp.exists()
    _age(tmp)
    write_text_atomic(target, "next")
    assert not tmp.exists()  # ... then the next write removes it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pkl"]


def test_old_style_leftovers_are_cleaned_but_other_files_are_not(tmp_path):
    target = tmp_path / "checkpoint.pkl"
    legacy = tmp_path / ".checkpoint.a1b2_c3d.pkl"  # an earlier version's temporary name
    mine = tmp_path / ".checkpoint.backup.pkl"
    other = tmp_path / "checkpoint.pkl.bak"
    for p in (legacy, mine, other):
        p.write_text("x")
        _age(p)
    write_text_atomic(target, "x")
    assert not legacy.exists() and mine.exists() and other.exists()


def test_destinations_that_cannot_be_written_give_one_clear_error(tmp_path):
    from latentga.errors import OutputError

    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="because .*afile is a file"):
        write_text_atomic(blocker / "sub" / "out.txt", "x")
    with pytest.raises(OutputError, match="is a folder"):
        write_text_atomic(tmp_path, "x")
