"""Runs that are killed, stopped or cut short, as real processes with real signals:
SIGKILL then ``--resume`` gives the uninterrupted run bit for bit; SIGTERM and
SIGHUP save the best model so far as Ctrl-C does; a second signal during that save
waits for it; a save killed halfway leaves the old file, and its temporary file goes
at the next save; two runs never write one file; a real failing write (a file size
limit) says so."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import ENV, EPOCH_LINE, interrupt, run_subprocess

import steepest
from steepest.io import read_metadata

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")]

#: Long enough to be killed mid-run, short enough for a test: the digits, small
#: layers, and everything that draws random numbers (dropout, augmentation, the
#: validation split, shuffling) or counts epochs (the cosine schedule, --select).
RUN = ["--data", "digits", "--layers", "64", "--augment", "affine", "--epochs", "25",
       "--schedule", "cosine", "--select", "accuracy"]
#: A big model on four rows: quick epochs, a save of about 100 MB that takes a while.
BIG = ["--data", "xor", "--layers", "2000,2000", "--epochs", "100000"]


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files
                if name not in ("metadata", "checksum")}


def _epoch_of(path: Path) -> int:
    """The epoch a checkpoint holds (0 while there is none): its metadata alone."""
    metadata = read_metadata(path) if path.exists() else None
    return 0 if metadata is None else metadata["epochs_trained"]


def _after_epoch(n: int):
    def ready(line: str) -> bool:
        found = EPOCH_LINE.match(line)
        return bool(found) and int(found[1]) >= n
    return ready


def _temporaries(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f".{name}.*.tmp"))


def test_a_run_killed_with_sigkill_resumes_to_the_uninterrupted_runs_weights_bit_for_bit(
        tmp_path):
    straight = run_subprocess("train", *RUN, "--out", "straight.npz", cwd=tmp_path)
    assert straight.returncode == 0, straight.stderr
    with subprocess.Popen([sys.executable, "-m", "steepest", "train", *RUN, "--out", "m.npz",
                           "--checkpoint", "ck.npz"], cwd=tmp_path, env=ENV,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as killed:
        deadline = time.monotonic() + 300
        while _epoch_of(tmp_path / "ck.npz") < 3 and killed.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert killed.poll() is None, "the run ended before it could be killed"
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    assert killed.returncode == -signal.SIGKILL
    at = _epoch_of(tmp_path / "ck.npz")
    assert 3 <= at < 25 and not (tmp_path / "m.npz").exists()

    resumed = run_subprocess("train", "--resume", "ck.npz", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"resuming ck.npz: epoch {at} of 25 done\n")
    epochs = [int(m[1]) for m in map(EPOCH_LINE.match, resumed.stdout.splitlines()) if m]
    assert epochs == list(range(at + 1, 26))
    mine, theirs = _arrays(tmp_path / "m.npz"), _arrays(tmp_path / "straight.npz")
    assert sorted(mine) == sorted(theirs)
    for name, array in theirs.items():  # weights, optimizer state, best-so-far state
        assert mine[name].tobytes() == array.tobytes(), name
    assert steepest.load(tmp_path / "m.npz").history.to_dict() == \
        steepest.load(tmp_path / "straight.npz").history.to_dict()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_save_the_best_model_so_far_like_ctrl_c(tmp_path, signum, code):
    name = signal.Signals(signum).name
    args = ["train", "--data", "xor", "--epochs", "100000", "--out", "m.npz", "--checkpoint",
            "ck.npz"]
    exit_code, message, _ = interrupt(args, tmp_path, _after_epoch(3), signum=signum)
    assert exit_code == code
    assert "Traceback" not in message
    model = (tmp_path / "m.npz").resolve()
    found = re.search(rf"^interrupted \({name}\): saved the best model so far \(epoch (\d+), "
                      rf"loss [\d.]+\) to {re.escape(str(model))}; steepest train --resume "
                      r"ck.npz goes on from the last checkpoint$", message, re.M)
    assert found, message
    net = steepest.load(model)
    assert net.epochs_trained == int(found[1]) <= len(net.history)
    assert _epoch_of(tmp_path / "ck.npz") >= 2  # the epoch line comes before its checkpoint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz", "m.npz", "stderr.txt"]


def test_a_second_signal_during_the_save_waits_until_the_file_is_whole(tmp_path):
    seen = []

    def second_signal_during_the_save(proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            found = _temporaries(tmp_path, "m.npz")
            if found:
                seen.extend(found)
                proc.send_signal(signal.SIGHUP)
                return
            time.sleep(0.001)

    code, message, _ = interrupt(["train", *BIG, "--out", "m.npz"], tmp_path, _after_epoch(2),
                                 signum=signal.SIGTERM, then=second_signal_during_the_save)
    if not seen:
        pytest.skip("the save was over before its temporary file was seen")
    assert code == 143
    assert "interrupted (SIGTERM): saved the best model so far" in message
    assert "SIGHUP came meanwhile and waited for the save to end, so m.npz is the new model, " \
           "whole" in message
    assert steepest.load(tmp_path / "m.npz").sizes == [2, 2000, 2000, 2]
    assert _temporaries(tmp_path, "m.npz") == []


def test_a_save_killed_halfway_leaves_the_old_file_and_the_next_save_clears_its_temporary(
        tmp_path):
    old = run_subprocess("train", "--data", "xor", "--epochs", "2", "--out", "m.npz",
                         cwd=tmp_path)
    assert old.returncode == 0, old.stderr
    before = (tmp_path / "m.npz").read_bytes()
    left = []

    def kill_during_the_save(proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            found = _temporaries(tmp_path, "m.npz")
            if found and found[0].stat().st_size > 0:
                proc.send_signal(signal.SIGKILL)
                left.extend(found)
                return
            time.sleep(0.001)

    code, _, _ = interrupt(["train", *BIG, "--out", "m.npz", "--force"], tmp_path,
                           _after_epoch(2), signum=signal.SIGTERM, then=kill_during_the_save)
    if not left:
        pytest.skip("the save was over before its temporary file was seen")
    assert code == -signal.SIGKILL
    assert (tmp_path / "m.npz").read_bytes() == before  # the old model, whole
    assert _temporaries(tmp_path, "m.npz") == left  # what the killed save left behind

    again = run_subprocess("train", "--data", "xor", "--epochs", "2", "--seed", "5", "--out",
                           "m.npz", "--force", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert _temporaries(tmp_path, "m.npz") == []
    assert steepest.load(tmp_path / "m.npz").seed == 5


def test_two_runs_never_write_one_file(tmp_path):
    """The first run holds --out while it trains; the second is refused at once and
    says by which process; the first then saves as usual."""
    outcome = {}

    def second_run(first: subprocess.Popen) -> None:
        outcome["second"] = run_subprocess("train", "--data", "xor", "--epochs", "2", "--out",
                                           "m.npz", cwd=tmp_path)
        outcome["pid"] = first.pid
        first.send_signal(signal.SIGINT)

    code, message, _ = interrupt(["train", "--data", "xor", "--epochs", "100000", "--out",
                                  "m.npz"], tmp_path, _after_epoch(2), signum=None,
                                 then=second_run)
    second = outcome["second"]
    assert second.returncode == 2 and second.stdout == ""
    assert second.stderr == (f"steepest train: error: --out m.npz: another steepest process "
                             f"(pid {outcome['pid']}) is writing this file; wait for it, or "
                             "give another name\n")
    assert code == 130 and "saved the best model so far" in message
    assert len(steepest.load(tmp_path / "m.npz").history) >= 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "stderr.txt"]


def test_a_real_write_failure_says_what_failed_and_leaves_no_temporary(tmp_path):
    """A file size limit of 4 KiB (RLIMIT_FSIZE) makes the model file too large to
    write, for real: the end of the run says so, in one line."""
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run([sys.executable, "-m", "steepest", "train", "--data", "moons",
                           "--epochs", "2", "--out", "m.npz"], cwd=tmp_path,
                          env=ENV | {"PYTHONDONTWRITEBYTECODE": "1"}, preexec_fn=limited,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2
    assert done.stderr == ("steepest train: error: cannot write m.npz: File too large (no file "
                           "was written); no other file holds the trained model: give a --out "
                           "where it can be written (and --checkpoint on long runs, which "
                           "keeps their work)\n")
    assert os.listdir(tmp_path) == []
