"""Long runs keep their work: ``steepest train --checkpoint``, ``--resume``, writes
that fail, and what ``steepest info`` says of a file's epoch. In this process; the
kills and signals are in test_cli_signals.py."""

from __future__ import annotations

import errno
import os
import re
import tempfile

import numpy as np
import pytest
from cli_helpers import assert_user_error, classification_rows, run, run_json, run_ok, write_csv

import steepest
import steepest._files

MOONS = ("train", "--data", "moons", "--layers", "8", "--epochs", "6")


def _same_weights(a, b) -> bool:
    return np.array_equal(steepest.load(a).params, steepest.load(b).params)


@pytest.fixture
def full_disk(monkeypatch):
    """``full_disk(name)``: from now on, writing a file called ``name`` fails as on a
    full disk (ENOSPC when its temporary file is made); other files are written."""
    make = tempfile.mkstemp

    def fail_for(name: str) -> None:
        def mkstemp(*args, prefix="", **kwargs):
            if prefix.startswith(f".{name}."):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return make(*args, prefix=prefix, **kwargs)

        monkeypatch.setattr(steepest._files.tempfile, "mkstemp", mkstemp)

    return fail_for


def test_a_checkpoint_resumed_at_its_end_writes_the_runs_model_without_training(tmp_path):
    report = run_json(*MOONS, "--out", "a.npz", "--checkpoint", "ck.npz", cwd=tmp_path)
    net, state = steepest.io.load_checkpoint(tmp_path / "ck.npz")
    assert net.epochs_trained == state.epochs == 6 and state.every == 1
    assert net.record["run"]["out"] == str((tmp_path / "a.npz").resolve())
    out = run_ok("train", "--resume", "ck.npz", "--out", "b.npz", cwd=tmp_path).stdout
    assert out.startswith("resuming ck.npz: epoch 6 of 6 done\n")
    assert "epoch " not in out.split("\n", 2)[2].split("test accuracy")[0]  # no epoch trained
    assert _same_weights(tmp_path / "a.npz", tmp_path / "b.npz")
    assert f"weights of epoch {report['best_epoch']}," in out


def test_resume_refuses_flags_that_change_the_run_naming_the_difference(tmp_path):
    write_csv(tmp_path / "d.csv", ["size", "weight", "color", "label"], classification_rows(80))
    run_ok("train", "--data", "d.csv", "--one-hot", "color", "--layers", "16", "--epochs", "4",
           "--lr", "0.01", "--out", "m.npz", "--checkpoint", "ck.npz", "--json", cwd=tmp_path)
    before = (tmp_path / "ck.npz").read_bytes()
    for args, difference in [
        (("--layers", "32"), "--layers 32 differs from the run's 16"),
        (("--lr", "0.1"), "--lr 0.1 differs from the run's 0.01"),
        (("--val-split", "0.2"), "--val-split 0.2 differs from the run's 0.1"),
        (("--data", "moons"), "--data moons differs from the run's"),
        (("--one-hot", "size"), "--one-hot size differs from the run's color"),
        (("--augment", "flip"), "--augment flip differs from the run's none"),
        (("--activation", "tanh"), "--activation tanh differs from the run's relu"),
        (("--loss", "mse"), "--loss mse differs from the run's cross_entropy"),
    ]:
        result = run("train", "--resume", "ck.npz", *args, cwd=tmp_path)
        assert_user_error(result, f"--resume ck.npz: {difference}", "a resumed run keeps its "
                          "settings (start a new run, with another --out, to change them)")
    assert (tmp_path / "ck.npz").read_bytes() == before
    # What the run already was may be given again; --epochs takes it further.
    report = run_json("train", "--resume", "ck.npz", "--layers", "16", "--lr", "0.01",
                      "--data", "d.csv", "--loss", "cross_entropy", "--epochs", "6", cwd=tmp_path)
    assert report["epochs"] == 6 and report["model"] == str((tmp_path / "m.npz").resolve())


def test_resume_cannot_stretch_a_cosine_schedule(tmp_path):
    run_ok(*MOONS, "--schedule", "cosine", "--checkpoint", "ck.npz", "--json", cwd=tmp_path)
    result = run("train", "--resume", "ck.npz", "--epochs", "9", cwd=tmp_path)
    assert_user_error(result, "--epochs 9: the run's cosine schedule spans its 6 epochs and "
                      "cannot be stretched")


def test_resume_refuses_files_without_a_run_and_corrupt_files(tmp_path):
    net = steepest.Network([2, 3, 2], loss="cross_entropy", seed=0)
    net.save(tmp_path / "plain.npz")
    assert_user_error(run("train", "--resume", "plain.npz", cwd=tmp_path),
                      "--resume plain.npz: this model file holds no run of steepest train")
    run_ok(*MOONS, "--checkpoint", "ck.npz", "--json", cwd=tmp_path)
    whole = (tmp_path / "ck.npz").read_bytes()
    for broken in (whole[: len(whole) // 2], whole[:-7]):
        (tmp_path / "ck.npz").write_bytes(broken)
        assert_user_error(run("train", "--resume", "ck.npz", cwd=tmp_path),
                          "ck.npz: not a readable model file (truncated or corrupt")
        assert (tmp_path / "ck.npz").read_bytes() == broken


def test_a_failed_final_write_says_the_checkpoint_holds_the_run(tmp_path, full_disk):
    straight = run_json(*MOONS, "--out", "straight.npz", cwd=tmp_path)
    full_disk("m.npz")
    result = run(*MOONS, "--out", "m.npz", "--checkpoint", "ck.npz", cwd=tmp_path)
    message = assert_user_error(result, quiet_stdout=False)
    assert message == ("steepest train: error: cannot write m.npz: No space left on device "
                       "(no file was written); the trained run is in the checkpoint ck.npz: "
                       "steepest train --resume ck.npz --out OTHER.npz writes the model "
                       "without training again")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz", "straight.npz"]
    report = run_json("train", "--resume", "ck.npz", "--out", "other.npz", cwd=tmp_path)
    assert report["best_epoch"] == straight["best_epoch"]
    assert _same_weights(tmp_path / "other.npz", tmp_path / "straight.npz")


def test_a_failed_final_write_without_a_checkpoint_says_nothing_holds_the_model(
        tmp_path, full_disk):
    run_ok(*MOONS, "--out", "m.npz", "--json", cwd=tmp_path)
    before = (tmp_path / "m.npz").read_bytes()
    full_disk("m.npz")
    message = assert_user_error(run(*MOONS, "--out", "m.npz", "--force", cwd=tmp_path),
                                quiet_stdout=False)
    assert "No space left on device (the file there is unchanged); no other file holds the " \
           "trained model: give a --out where it can be written" in message
    assert (tmp_path / "m.npz").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_a_failed_checkpoint_stops_the_run_and_keeps_the_last_good_one(tmp_path, monkeypatch):
    written = []
    real = steepest.io.save

    def save(net, path, training=None):
        if net.epochs_trained == 3:
            raise steepest.errors.WriteError(f"cannot write {path}: No space left on device "
                                             "(the file there is unchanged)")
        written.append(net.epochs_trained)
        return real(net, path, training)

    monkeypatch.setattr(steepest.callbacks, "save", save)
    message = assert_user_error(run(*MOONS, "--checkpoint", "ck.npz", cwd=tmp_path),
                                quiet_stdout=False)
    assert "ck.npz: No space left on device (the file there is unchanged)" in message
    assert written == [1, 2] and steepest.load(tmp_path / "ck.npz").epochs_trained == 2


def test_a_resume_at_another_blas_thread_count_says_so(tmp_path):
    pytest.importorskip("threadpoolctl")
    run_ok(*MOONS, "--threads", "2", "--checkpoint", "ck.npz", "--json", cwd=tmp_path)
    threads = steepest.io.load_checkpoint(tmp_path / "ck.npz")[1].blas_threads
    if threads != 2:
        pytest.skip(f"this BLAS runs {threads} thread(s) when asked for 2")
    result = run("train", "--resume", "ck.npz", "--epochs", "7", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ("steepest train: warning: the run used 2 BLAS thread(s), this "
                             "process 1: the result may differ from an uninterrupted run in the "
                             "last bits (float32 products round differently)\n")
    out = run_ok("info", "ck.npz", cwd=tmp_path).stdout
    assert "BLAS threads: 1 (a resume repeats the run bit for bit at this count)" in out


def test_info_says_which_epochs_weights_a_file_holds_and_how_it_resumes(tmp_path):
    report = run_json("train", "--data", "moons", "--layers", "8", "--epochs", "30", "--lr",
                      "0.05", "--checkpoint", "ck.npz", "--out", "m.npz", cwd=tmp_path)
    best = report["best_epoch"]
    assert best < 30, "the test wants a best epoch before the last"
    model = run_ok("info", "m.npz", cwd=tmp_path).stdout
    assert f"weights: epoch {best} of 30, the best validation loss\n" in model
    assert (f"resume: steepest train --resume {(tmp_path / 'm.npz').resolve()} goes on from "
            f"epoch {best} to 30\n") in model
    assert "epochs trained: 30\n" in model
    update = steepest._kernels.path()
    assert f"optimizer update: {'NumPy' if update == 'numpy' else f'fused kernels, {update}'}\n" \
        in model
    checkpoint = run_ok("info", "ck.npz", cwd=tmp_path).stdout
    found = re.search(r"weights: epoch 30 of 30, the last trained \(the best validation loss "
                      r"so far: epoch (\d+), [\d.]+\)", checkpoint)
    assert found and int(found[1]) == best
    assert "resume: the run is complete" in checkpoint
    # The best-epoch file resumes from its epoch, and ends where the run ended.
    run_ok("train", "--resume", "m.npz", "--out", "again.npz", "--json", cwd=tmp_path)
    assert _same_weights(tmp_path / "again.npz", tmp_path / "m.npz")
    assert steepest.load(tmp_path / "again.npz").history.to_dict() == \
        steepest.load(tmp_path / "m.npz").history.to_dict()

    net = steepest.Network([2, 3, 2], loss="cross_entropy", seed=0)
    net.fit(np.eye(2), [0, 1], epochs=2, checkpoint=tmp_path / "fit.npz")
    net.save(tmp_path / "plain.npz")
    fit = run_ok("info", "fit.npz", cwd=tmp_path).stdout
    assert "weights: epoch 2 of 2, the last trained\n" in fit
    assert f"resume: in Python: steepest.resume('{(tmp_path / 'fit.npz').resolve()}'" in fit
    plain = run_ok("info", "plain.npz", cwd=tmp_path).stdout
    assert "resume: in Python only (steepest.load, then fit)" in plain
