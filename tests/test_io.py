"""Atomic writes: a failed write never leaves a partial file or clobbers the old one."""

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
