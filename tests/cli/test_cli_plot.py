"""The pictures from the command line: ``steepest train --plots``, ``steepest plot``
and ``steepest demo vanishing --plots``."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_user_error, run, run_ok, written

pytest.importorskip("matplotlib")
from PIL import Image

from steepest.cli import main


def test_demo_vanishing_command_with_plots(tmp_path):
    result = run_ok("demo", "vanishing", "--plots", "figures", cwd=tmp_path)
    assert "does not learn" in result.stdout and result.stdout.count(": learns") == 2
    # The doctor names the cause and the fix for the plain sigmoid network.
    doctor = result.stdout.split("the doctor, steepest.diagnose, on the sigmoid (lr 100) "
                                 "network:\n")[1]
    assert doctor.startswith("  ERROR   no gradient reaches the weights")
    assert "WARNING saturated sigmoid units" in doctor and "layer 1 100%" in doctor
    assert "fix: keep weighted sums small: Sigmoid(c=0.01)" in doctor
    assert len(written(result.stdout)) == 4
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "vanishing-activations.png", "vanishing-gradient-norms.png", "vanishing-gradients.png",
        "vanishing-loss.png"]


def test_demo_plots_only_for_demos_that_draw(tmp_path):
    assert_user_error(run("demo", "tutorials", "--plots", "x", cwd=tmp_path),
                      "demo tutorials draws no figures")
    assert not (tmp_path / "x").exists()


def test_train_with_plots_then_plot_the_saved_model(tmp_path):
    result = run_ok("train", "--data", "moons", "--epochs", "5", "--layers", "8",
                    "--plots", "train-plots", "--out", "moons.npz", cwd=tmp_path)
    names = [p.name for p in written(result.stdout)]
    assert names == ["training-curves.png", "gradient-norms.png", "activations.png",
                     "confusion-matrix.png", "decision-boundary.png", "decision-boundary.gif"]
    assert sorted(p.name for p in (tmp_path / "train-plots").iterdir()) == sorted(names)
    with Image.open(tmp_path / "train-plots" / "decision-boundary.gif") as gif:
        assert gif.n_frames == 6  # before training and after each of the 5 epochs

    result = run_ok("plot", "moons.npz", "--out", "later", cwd=tmp_path)
    assert [p.name for p in written(result.stdout)] == [
        "training-curves.png", "activations.png", "confusion-matrix.png",
        "decision-boundary.png"]


def test_train_plots_in_json_and_for_images(tmp_path):
    result = run_ok("train", "--data", "digits", "--epochs", "1", "--layers", "8", "--plots",
                    "p", "--out", "d.npz", "--json", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert [Path(p).name for p in report["plots"]] == [
        "training-curves.png", "gradient-norms.png", "activations.png", "confusion-matrix.png",
        "first-layer-weights.png", "misclassified.png"]
    assert all(Path(p).is_file() for p in report["plots"])


def test_plot_and_train_refuse_a_file_as_the_folder(tmp_path):
    (tmp_path / "taken").write_text("")
    assert_user_error(run("train", "--data", "xor", "--plots", "taken", cwd=tmp_path),
                      "--plots taken is a file")
    assert not (tmp_path / "xor-model.npz").exists()  # refused before training
    assert_user_error(run("plot", "missing.npz", "--out", "p", cwd=tmp_path), "missing.npz")
    run_ok("train", "--data", "xor", "--epochs", "2", "--out", "x.npz", cwd=tmp_path)
    assert_user_error(run("plot", "x.npz", "--out", "taken", cwd=tmp_path),
                      "--out taken is a file")


def test_without_matplotlib_the_commands_name_the_extra_before_training(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    model = tmp_path / "xor.npz"
    err = io.StringIO()
    code = main(["train", "--data", "xor", "--out", str(model), "--plots", str(tmp_path)],
                stdout=io.StringIO(), stderr=err)
    assert code == 2 and len(err.getvalue().splitlines()) == 1
    assert 'pip install "steepest[plots]"' in err.getvalue()
    assert not model.exists()
    err = io.StringIO()
    assert main(["demo", "vanishing", "--plots", str(tmp_path)], stdout=io.StringIO(),
                stderr=err) == 2
    assert "steepest[plots]" in err.getvalue()
