"""steepest._files: every write goes aside first, then is renamed into place."""

from __future__ import annotations

import os
import stat

import pytest

from steepest._files import atomic_file, atomic_write
from steepest.errors import SteepestError


def test_atomic_write_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    assert atomic_write(target, lambda f: f.write(b"new contents")) == target
    assert target.read_bytes() == b"new contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")

    def fail(f):
        f.write(b"half of it")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, fail)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_atomic_file_gives_a_name_beside_the_target_with_its_suffix(tmp_path):
    target = tmp_path / "boundary.gif"
    with atomic_file(target, suffix=".gif") as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".gif" and tmp.name.startswith(".")
        tmp.write_bytes(b"GIF89a")
    assert target.read_bytes() == b"GIF89a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boundary.gif"]


def test_written_files_get_the_permissions_the_umask_allows(tmp_path):
    old = os.umask(0o027)
    try:
        path = atomic_write(tmp_path / "f.bin", lambda f: f.write(b"x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SteepestError, match=r"folder .*nowhere does not exist"):
        atomic_write(tmp_path / "nowhere" / "f.bin", lambda f: f.write(b"x"))
