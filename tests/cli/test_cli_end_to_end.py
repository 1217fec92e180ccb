"""``steepest`` run as a user runs it, in a new process: the main job (``steepest
train`` with no options), the entry points, Ctrl-C, a usage error and ``--json``.
Everything else runs in-process (the other test files)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import (
    ENV,
    EPOCH_LINE,
    assert_train_report_types,
    assert_user_error,
    interrupt,
    json_report,
    run_subprocess,
)

import steepest
from steepest.datasets import load_digits

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX SIGINT")


def test_train_with_no_arguments_trains_the_digits(digits_run, digits_test_set):
    _, result, model = digits_run
    assert result.stderr == ""  # no progress bar: stdout is not a terminal
    assert "\r" not in result.stdout
    lines = result.stdout.splitlines()
    (X_train, _), (X_test, _) = load_digits()
    assert lines[0] == (f"data: digits ({len(X_train):,} train / {len(X_test):,} test rows, "
                        "64 features, 10 classes)")
    assert lines[1].startswith("network: 64 -> 256 -> 256 -> 10, relu (dropout 0.2), "
                               "cross_entropy; adam lr 0.001, 60 epochs, batch 32")
    epochs = [int(m[1]) for m in map(EPOCH_LINE.match, lines) if m]
    assert epochs == list(range(1, 61))
    assert all("val_loss" in line for line in lines if EPOCH_LINE.match(line))

    found = re.search(r"^test accuracy ([\d.]+)%\s+test loss ([\d.]+)", result.stdout, re.M)
    assert found, result.stdout
    accuracy = float(found[1])
    assert accuracy >= 97.0

    saved = re.search(r"^model saved to (.+)$", result.stdout, re.M)
    assert saved
    assert Path(saved[1]) == model.resolve()
    assert model.is_file()
    assert lines[-1] == f"model saved to {model.resolve()}"

    net = steepest.load(model)
    assert net.sizes == [64, 256, 256, 10]
    # The file holds the best epoch as it was: its weights, epoch count and optimiser
    # steps (so a resume goes on from there); the history holds all 60 epochs.
    best = re.search(r"weights of epoch (\d+), the best validation loss", result.stdout)
    assert best and net.epochs_trained == int(best[1])
    assert len(net.history) == 60
    rows = len(X_train) - round(len(X_train) * 0.1)  # less the validation rows
    assert net.optimizer.steps == net.epochs_trained * -(-rows // 32)
    assert net.record["data"] == "digits"
    assert net.record["classes"] == [str(d) for d in range(10)]
    assert net.record["image"]["shape"] == [8, 8]
    assert net.record["test"]["accuracy"] * 100 == pytest.approx(accuracy, abs=0.005)
    assert net.record["test"]["loss"] == pytest.approx(float(found[2]), abs=5e-5)
    X_test, y_test = digits_test_set
    assert (net.predict_classes(X_test) == y_test).mean() == net.record["test"]["accuracy"]


@pytest.mark.parametrize("module", ["steepest", "steepest.cli"])
def test_python_m_prints_the_version(tmp_path, module):
    result = run_subprocess("--version", cwd=tmp_path, command=("-m", module))
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == f"steepest {steepest.__version__}\n"


def test_the_console_script_is_installed(tmp_path):
    script = Path(sys.executable).with_name("steepest")
    if not script.is_file():
        pytest.skip(f"no console script next to {sys.executable}")
    done = subprocess.run([str(script), "--version"], cwd=tmp_path, env=ENV,
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, f"steepest {steepest.__version__}\n")


def test_a_usage_error_exits_2_without_a_traceback(tmp_path):
    assert_user_error(run_subprocess("train", "--lr", "-1", cwd=tmp_path), "--lr", "> 0")
    assert list(tmp_path.iterdir()) == []


def test_json_is_one_object_on_standard_output(tmp_path):
    result = run_subprocess("train", "--data", "xor", "--json", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    report = json_report(result)
    assert_train_report_types(report)
    assert report["data"] == "xor" and report["test_accuracy"] == 1.0


# ---------------------------------------------------------------------- Ctrl-C


@posix_only
def test_ctrl_c_saves_the_best_model_so_far(tmp_path):
    def third_epoch(line: str) -> bool:
        found = EPOCH_LINE.match(line)
        if found:
            assert found[2] == "100000"
        return bool(found) and int(found[1]) >= 3

    code, message, _ = interrupt(["train", "--epochs", "100000", "--out", "m.npz"], tmp_path,
                                  third_epoch)
    assert code == 130
    assert "Traceback" not in message
    assert "saved the best model so far" in message
    model = tmp_path / "m.npz"
    assert str(model.resolve()) in message
    net = steepest.load(model)
    assert len(net.history) >= 3
    best = re.search(r"epoch (\d+), val_loss", message)
    assert best and int(best[1]) == net.epochs_trained <= len(net.history)


@posix_only
def test_ctrl_c_before_the_first_epoch_ends(tmp_path):
    """Big layers and one row per step make the first epoch last many seconds; the
    interrupt comes 0.3 s after the plan is printed (just before training starts)."""
    args = ["train", "--layers", "1024,1024", "--batch-size", "1", "--epochs", "1",
            "--out", "never.npz"]
    code, message, rest = interrupt(args, tmp_path, lambda line: line.startswith("network:"),
                                     pause=0.3)
    if any(line and EPOCH_LINE.match(line) for line in rest):
        pytest.skip("this machine finished the first epoch before the interrupt")
    assert code == 130
    assert "Traceback" not in message
    assert "no model saved" in message
    assert not (tmp_path / "never.npz").exists()



# ---------------------------------------------------------------------- a closed pipe


@pytest.mark.slow
@posix_only
def test_a_closed_standard_output_stops_the_printing_not_the_run(tmp_path):
    """``steepest train ... | head -n 1``: the reader leaves after the first line; the
    run goes on to its last epoch, saves the model and exits 0, quietly."""
    args = ["train", "--layers", "16", "--epochs", "8", "--out", "m.npz"]
    with open(tmp_path / "stderr.txt", "w") as stderr, subprocess.Popen(
        [sys.executable, "-m", "steepest", *args], cwd=tmp_path, env=ENV,
        stdout=subprocess.PIPE, stderr=stderr,
    ) as proc:
        first = proc.stdout.readline()  # written with the first epoch's line
        proc.stdout.close()  # as head does once it has its line; the next epoch's fails
        code = proc.wait(timeout=300)
    assert first.startswith(b"data: digits")
    assert code == 0
    assert (tmp_path / "stderr.txt").read_text() == ""
    assert steepest.load(tmp_path / "m.npz").epochs_trained == 8
