"""The pictures from the command line (``steepest train --plots``, ``steepest plot``,
``steepest demo vanishing``) and the vanishing-gradient story behind the demo."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from PIL import Image

from steepest import demos

ENV = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "steepest.cli", *map(str, args)], cwd=cwd,
                          env=ENV, capture_output=True, text=True, timeout=300, check=False)


def run_ok(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = run(*args, cwd=cwd)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr)
    assert result.stderr == ""
    return result


def assert_user_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, (result.stdout[-2000:], result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1 and fragment in result.stderr, result.stderr


def written(stdout: str) -> list[Path]:
    """The files a command says it wrote; each must be an image of its suffix's format."""
    paths = [Path(p) for p in re.findall(r"^wrote (.+)$", stdout, re.M)]
    for path in paths:
        assert path.is_absolute()
        with Image.open(path) as image:
            assert image.format == path.suffix[1:].upper()
    return paths


# ---------------------------------------------------------------------- the story


@pytest.fixture(scope="module")
def runs():
    return demos.vanishing_runs()


def test_plain_sigmoid_gets_no_gradient_and_does_not_learn(runs):
    plain = runs[0]
    assert plain.label.startswith("sigmoid (")
    assert not plain.monitor.grad_norms.any()  # exactly 0 at every layer, every epoch
    assert plain.loss_after == plain.loss_before and not plain.learned
    np.testing.assert_array_equal(plain.net.predict(demos.VANISHING_X), [[1.0, 1.0]])


def test_scaled_sigmoid_and_leaky_relu_get_gradients_and_learn(runs):
    for run in runs[1:]:
        assert (run.initial_grad_norms > 1e-8).all(), run.label
        assert run.learned and run.loss_after < 1e-5, run.label
        np.testing.assert_allclose(run.net.predict(demos.VANISHING_X), demos.VANISHING_Y,
                                   atol=2e-3)
    scaled = runs[1]
    assert scaled.label.startswith("sigmoid c=0.01")
    # The scaled sigmoid's first layer gets orders of magnitude more than plain sigmoid's 0,
    # and each layer back from the output gets less (the 0.25 * c bound per layer).
    assert scaled.initial_grad_norms[0] > 1e6 * max(runs[0].initial_grad_norms[0], 1e-300)
    assert np.all(np.diff(np.log10(scaled.initial_grad_norms)) > 1)


def test_demo_vanishing_prints_norms_verdicts_and_writes_figures(runs, monkeypatch, capsys,
                                                                 tmp_path):
    monkeypatch.setattr(demos, "vanishing_runs", lambda: runs)
    paths = demos.vanishing(tmp_path)
    out = capsys.readouterr().out
    assert re.search(r"^  sigmoid \(lr 100\)\s+0\s+0\s+0$", out, re.M), out
    assert "sigmoid (lr 100): does not learn (loss 0.2994 -> 0.2994" in out
    assert re.search(r"^sigmoid c=0.01 \(lr 100\): learns \(loss 0.29\d* -> ", out, re.M)
    assert re.search(r"^leaky_relu \(lr 0.01\): learns ", out, re.M)
    assert "f'(z) = a(1 - a) = 0" in out
    assert [p.name for p in paths] == ["vanishing-gradients.png", "vanishing-loss.png",
                                       "vanishing-gradient-norms.png",
                                       "vanishing-activations.png"]
    assert written(out) == [p.resolve() for p in paths]


# ---------------------------------------------------------------------- command line


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


def test_docs_pictures_exist_are_small_pngs_and_say_how_they_were_made():
    root = Path(__file__).resolve().parents[1]
    pictures = []  # (page, picture, caption) in the README and every docs page
    for page in [root / "README.md", *sorted((root / "docs").rglob("*.md"))]:
        for path, caption in re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)\n\n\*([^*]+)\*",
                                        page.read_text()):
            pictures.append((page, (page.parent / path).resolve(), caption))
    assert len(pictures) >= 3
    assert {file.name for _, file, _ in pictures} == {
        p.name for p in (root / "docs" / "images").glob("*.png")}  # each one is shown
    for page, file, caption in pictures:
        assert "steepest " in caption or "snippet" in caption, (page, caption)
        assert file.parent == root / "docs" / "images", (page, file)
        assert file.stat().st_size < 100_000, file
        with Image.open(file) as image:
            assert image.format == "PNG"


def test_without_matplotlib_the_commands_name_the_extra_before_training(monkeypatch, capsys,
                                                                        tmp_path):
    from steepest import cli

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    model = tmp_path / "xor.npz"
    code = cli.main(["train", "--data", "xor", "--out", str(model), "--plots", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert 'pip install "steepest[plots]"' in err
    assert not model.exists()
    assert cli.main(["demo", "vanishing", "--plots", str(tmp_path)]) == 2
    assert "steepest[plots]" in capsys.readouterr().err
