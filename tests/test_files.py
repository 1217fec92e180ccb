"""steepest._files: every write goes aside first, then is renamed into place."""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import subprocess
import sys

import pytest

import steepest._files
from steepest._files import (
    atomic_file,
    atomic_write,
    exclusive,
    file_target,
    is_steepest_picture,
    read_problem,
    remove_stale_temporaries,
)
from steepest.errors import SteepestError, WriteError


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


# ---------------------------------------------------------------------- what stands at the path


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    target, link = tmp_path / "target.npz", tmp_path / "link.npz"
    link.symlink_to(target.name)  # dangling: the target does not exist yet
    atomic_write(link, lambda f: f.write(b"first"))
    assert link.is_symlink() and os.readlink(link) == "target.npz"
    assert target.read_bytes() == b"first"
    atomic_write(link, lambda f: f.write(b"second"))
    assert link.is_symlink() and target.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "target.npz"]


def test_a_chain_of_links_into_another_folder_is_followed_to_the_end(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "b.npz").symlink_to(tmp_path / "models" / "real.npz")
    (tmp_path / "a.npz").symlink_to("b.npz")
    atomic_write(tmp_path / "a.npz", lambda f: f.write(b"x"))
    assert (tmp_path / "models" / "real.npz").read_bytes() == b"x"
    assert (tmp_path / "a.npz").is_symlink() and (tmp_path / "b.npz").is_symlink()


@pytest.mark.parametrize(("make", "kind"), [
    (os.mkfifo, "a FIFO (named pipe)"),
    (os.mkdir, "a folder"),
])
def test_a_fifo_or_a_folder_is_refused_and_never_replaced(tmp_path, make, kind):
    node = tmp_path / "model.npz"
    make(node)
    before = os.stat(node)
    for path in (node, _link_to(tmp_path / "link.npz", node)):
        with pytest.raises(WriteError, match=re.escape(f"it is {kind}, not a file")) as info:
            atomic_write(path, lambda f: f.write(b"never"))
        assert isinstance(info.value, SteepestError) and isinstance(info.value, OSError)
    after = os.stat(node)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "model.npz"]


def _link_to(link, target):
    link.symlink_to(target)
    return link


def test_file_target_refuses_a_loop_of_links(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(WriteError, match="cannot write"):
        file_target(tmp_path / "a")


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "private.npz"
    target.write_bytes(b"old")
    target.chmod(0o600)
    atomic_write(target, lambda f: f.write(b"new"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# ---------------------------------------------------------------------- writes that fail


def test_a_full_disk_is_a_write_error_that_says_the_old_file_is_intact(tmp_path, monkeypatch):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")

    def full(f):
        f.write(b"part of it")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(WriteError) as info:
        atomic_write(target, full)
    assert str(info.value) == (f"cannot write {target}: No space left on device (the file "
                               "there is unchanged)")
    assert info.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_the_blocks_own_errors_pass_as_they_are(tmp_path):
    """What fails inside the block that is not the writing (a download's connection)
    is the block's to handle: not made a WriteError, and nothing is left behind."""
    with pytest.raises(ConnectionResetError) as info, atomic_file(tmp_path / "f.gz") as tmp:
        tmp.write_bytes(b"the first bytes")
        raise ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
    assert not isinstance(info.value, WriteError)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_refuses_new_files_leaves_nothing(tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(steepest._files.tempfile, "mkstemp", refused)
    with pytest.raises(WriteError, match=r"new\.npz: Permission denied \(no file was written\)"):
        atomic_write(tmp_path / "new.npz", lambda f: f.write(b"x"))
    assert list(tmp_path.iterdir()) == []


def test_a_real_read_only_folder_is_a_write_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "model.npz").write_bytes(b"old")
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("a read-only folder does not bind this user (root)")
        with pytest.raises(WriteError, match="Permission denied"):
            atomic_write(folder / "model.npz", lambda f: f.write(b"new"))
        assert (folder / "model.npz").read_bytes() == b"old"
        assert sorted(p.name for p in folder.iterdir()) == ["model.npz"]
    finally:
        folder.chmod(0o700)


def test_a_file_size_limit_is_a_real_failing_write(tmp_path):
    """A process whose files may not grow past 1 KiB (RLIMIT_FSIZE) fails to write
    the 10 KiB for real (EFBIG, as a full disk fails with ENOSPC)."""
    (tmp_path / "model.npz").write_bytes(b"old")
    script = ("import resource, sys\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))\n"
              "from steepest._files import atomic_write\n"
              "from steepest.errors import WriteError\n"
              "try:\n"
              "    atomic_write(sys.argv[1], lambda f: f.write(bytes(10_000)))\n"
              "except WriteError as error:\n"
              "    print(error.errno, error)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "model.npz")],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == (f"{errno.EFBIG} cannot write {tmp_path / 'model.npz'}: File "
                                   "too large (the file there is unchanged)")
    assert (tmp_path / "model.npz").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


# ---------------------------------------------------------------------- stale temporaries


def _finished_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_temporaries_of_a_killed_writer_go_at_the_next_save(tmp_path):
    target = tmp_path / "model.npz"
    dead = tmp_path / f".model.npz.{_finished_pid()}-abc123.tmp"
    dead.write_bytes(b"half a model")
    other = tmp_path / f".other.npz.{_finished_pid()}-abc123.tmp"  # another file's: kept
    other.write_bytes(b"x")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as live:
        try:
            running = tmp_path / f".model.npz.{live.pid}-def456.tmp"  # a live writer's: kept
            running.write_bytes(b"being written")
            atomic_write(target, lambda f: f.write(b"whole"))
            assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
                ["model.npz", running.name, other.name])
        finally:
            live.kill()
    assert remove_stale_temporaries(target) == [running]


def test_temporaries_are_named_after_their_writer(tmp_path):
    with atomic_file(tmp_path / "m.npz") as tmp:
        assert tmp.name.startswith(f".m.npz.{os.getpid()}-") and tmp.suffix == ".tmp"
        tmp.write_bytes(b"x")


# ---------------------------------------------------------------------- one writer at a time


def test_a_second_writer_of_the_same_file_is_refused_while_the_first_holds_it(tmp_path):
    target = tmp_path / "model.npz"
    with exclusive(target):
        assert (tmp_path / ".model.npz.lock").read_text() == str(os.getpid())
        with pytest.raises(WriteError, match=rf"--out {re.escape(str(target))}: another "
                           rf"steepest process \(pid {os.getpid()}\) is writing this file"), \
                exclusive(target):
            pass
        with exclusive(tmp_path / "other.npz"):  # another file: no conflict
            pass
    assert list(tmp_path.iterdir()) == []  # the lock file goes with the lock
    with exclusive(target):  # free again
        pass


def test_a_link_and_its_target_share_one_lock(tmp_path):
    (tmp_path / "link.npz").symlink_to("model.npz")
    with exclusive(tmp_path / "model.npz"), pytest.raises(WriteError, match="another"), \
            exclusive(tmp_path / "link.npz"):
        pass


def test_the_lock_of_a_killed_process_is_free(tmp_path):
    target = tmp_path / "model.npz"
    script = ("import sys, time\n"
              "from steepest._files import exclusive\n"
              "with exclusive(sys.argv[1]):\n"
              "    print('locked', flush=True)\n"
              "    time.sleep(60)\n")
    with subprocess.Popen([sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE,
                          text=True) as holder:
        try:
            assert holder.stdout.readline() == "locked\n"
            with pytest.raises(WriteError, match=rf"another steepest process \(pid "
                               rf"{holder.pid}\)"), exclusive(target):
                pass
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
    assert (tmp_path / ".model.npz.lock").exists()  # left behind, but not held
    with exclusive(target):
        pass
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- pictures steepest drew


def test_pictures_steepest_drew_are_told_from_others(tmp_path):
    from PIL import Image

    from steepest.plots import figure, save_figure

    fig, _ = figure()
    ours = save_figure(fig, tmp_path / "ours.png")
    theirs = tmp_path / "theirs.png"
    Image.new("L", (4, 4)).save(theirs)
    csv = tmp_path / "data.png"
    csv.write_text("a,b\n1,2\n")
    assert is_steepest_picture(ours)
    assert not is_steepest_picture(theirs) and not is_steepest_picture(csv)
    assert not is_steepest_picture(tmp_path / "missing.png")


# ---------------------------------------------------------------------- reading


def test_read_problem_says_what_stands_at_a_path_instead_of_a_file(tmp_path):
    (tmp_path / "model.npz").write_bytes(b"x")
    (tmp_path / "link.npz").symlink_to("model.npz")
    (tmp_path / "folder.npz").mkdir()
    os.mkfifo(tmp_path / "pipe.npz")
    (tmp_path / "a.npz").symlink_to("b.npz")
    (tmp_path / "b.npz").symlink_to("a.npz")
    (tmp_path / "dangling.npz").symlink_to("gone.npz")
    expected = {
        "model.npz": None,
        "link.npz": None,  # followed to the file
        "missing.npz": "no such model file",
        "dangling.npz": "no such model file",
        "folder.npz": "a folder, not a model file",
        "pipe.npz": "a FIFO (named pipe), not a model file",
        "a.npz": "a loop of symbolic links, not a model file",
        "model.npz/inside": "cannot read it: Not a directory",
    }
    for name, problem in expected.items():
        assert read_problem(tmp_path / name, "model file") == problem, name
    assert read_problem(tmp_path / "pipe.npz", "input file") == (
        "a FIFO (named pipe), not an input file")
