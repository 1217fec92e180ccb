"""The ``steepest`` command line, run the way a user runs it: in a subprocess.

One default digits model is trained once per module (``steepest train`` with no
options) and reused by the evaluate, predict and info tests; every other
training run is small. User errors must print exactly one line on standard
error (never a traceback) and exit with code 2; Ctrl-C exits with 130.
"""

from __future__ import annotations

import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import steepest
from steepest.datasets import TableSchema, load_digits

MNIST_DIR = Path(__file__).parents[1].parent / "shared" / "data" / "mnist"
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

# One BLAS thread per process: on a busy machine, threaded OpenBLAS on these small
# matrices makes an epoch 20x slower, and one thread keeps runs bit-reproducible.
ENV = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1"}

TRAIN_JSON_KEYS = {"data", "model", "test_loss", "test_accuracy", "seconds", "epochs",
                   "best_epoch", "parameters", "layers", "train_samples", "test_samples"}
EPOCH_LINE = re.compile(r"^epoch\s+(\d+)/(\d+)\s+loss \d")

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX SIGINT")


# ---------------------------------------------------------------------- helpers


def run(*args: object, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``steepest ARGS...`` in ``cwd``; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "steepest.cli", *map(str, args)],
        cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout, check=False,
    )


def run_ok(*args: object, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Like :func:`run`, but the command must succeed with nothing on stderr."""
    result = run(*args, cwd=cwd, timeout=timeout)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr)
    assert result.stderr == ""
    return result


def run_json(*args: object, cwd: Path, timeout: float = 300) -> dict:
    """Run with ``--json``: stdout must be exactly one JSON object, nothing else."""
    out = run_ok(*args, "--json", cwd=cwd, timeout=timeout).stdout
    assert out.endswith("\n") and out.count("\n") == 1, out
    report = json.loads(out)
    assert isinstance(report, dict)
    return report


def assert_user_error(result: subprocess.CompletedProcess[str], *fragments: str,
                      quiet_stdout: bool = True) -> str:
    """Exit code 2, exactly one line on stderr naming ``fragments``, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stderr.endswith("\n")
    message = lines[0]
    assert message.startswith("steepest"), message
    assert "error" in message, message
    for fragment in fragments:
        assert fragment.lower() in message.lower(), (fragment, message)
    if quiet_stdout:
        assert result.stdout == ""
    return message


def assert_train_report_types(report: dict) -> None:
    assert set(report) == TRAIN_JSON_KEYS
    assert isinstance(report["data"], str)
    assert isinstance(report["model"], str) and Path(report["model"]).is_absolute()
    assert isinstance(report["test_loss"], float) and math.isfinite(report["test_loss"])
    accuracy = report["test_accuracy"]
    assert accuracy is None or (isinstance(accuracy, float) and 0 <= accuracy <= 1)
    assert isinstance(report["seconds"], int | float) and report["seconds"] >= 0
    for key in ("epochs", "best_epoch", "parameters", "train_samples", "test_samples"):
        assert type(report[key]) is int, key
        assert report[key] >= 1, key
    assert 1 <= report["best_epoch"] <= report["epochs"]
    assert isinstance(report["layers"], list) and len(report["layers"]) >= 2
    assert all(type(n) is int and n >= 1 for n in report["layers"])


def predictions(report: dict) -> list[dict]:
    assert set(report) == {"model", "predictions"}
    for p in report["predictions"]:
        assert set(p) == {"input", "class", "label", "probabilities"}
        assert type(p["class"]) is int
        assert p["label"] == str(p["class"])  # digits' class names are "0".."9"
        assert all(0 <= v <= 1 for v in p["probabilities"])
        assert sum(p["probabilities"]) == pytest.approx(1.0, abs=1e-4)
        assert int(np.argmax(p["probabilities"])) == p["class"]
    return report["predictions"]


def digit_png(path: Path, size: tuple[int, int], digit: str, width: int,
              mode: str = "L") -> Path:
    """A digit drawn dark on light with Pillow: '0' an ellipse, '1' a vertical stroke."""
    from PIL import Image, ImageDraw

    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    w, h = size
    if digit == "0":
        draw.ellipse([w * 0.3, h * 0.15, w * 0.7, h * 0.85], outline="black", width=width)
    else:
        draw.line([(w * 0.5, h * 0.1), (w * 0.5, h * 0.9)], fill="black", width=width)
    image.save(path)
    return path


def write_csv(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(str(v) for v in row) + "\n")
    return path


def classification_rows(n: int = 300, seed: int = 0) -> list[tuple]:
    """A learnable table: the label depends on two numbers and a colour."""
    rng = np.random.default_rng(seed)
    bonus = {"red": 0.0, "green": 1.5, "blue": -1.5}
    rows = []
    for _ in range(n):
        size, weight = rng.uniform(0, 1000), rng.normal()
        color = str(rng.choice(["red", "green", "blue"]))
        label = int(size / 500 - 1 + weight + bonus[color] > 0)
        rows.append((f"{size:.1f}", f"{weight:.3f}", color, label))
    return rows


def regression_rows(n: int = 300, seed: int = 0) -> list[tuple]:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        a, b = rng.uniform(-1, 1), rng.uniform(0, 10)
        y = 2 * a - 0.3 * b + 0.5 + rng.normal(0, 0.05)
        rows.append((f"{a:.5f}", f"{b:.5f}", f"{y:.5f}"))
    return rows


# ---------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """``steepest train`` with no options, once: (folder, result, model path)."""
    folder = tmp_path_factory.mktemp("digits")
    result = run("train", cwd=folder, timeout=600)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr)
    return folder, result, folder / "digits-model.npz"


@pytest.fixture(scope="module")
def digits_model(digits_run) -> Path:
    return digits_run[2]


@pytest.fixture(scope="module")
def digits_test_set():
    return load_digits()[1]


@pytest.fixture(scope="module")
def digits_evaluation(digits_model) -> dict:
    """``steepest evaluate MODEL --json`` on the default model, once."""
    return run_json("evaluate", digits_model, cwd=digits_model.parent)


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("csv")
    write_csv(folder / "table.csv", ["size", "weight", "color", "label"], classification_rows())
    write_csv(folder / "reg.csv", ["a", "b", "y"], regression_rows())
    return folder


@pytest.fixture(scope="module")
def csv_model(csv_dir):
    """A classifier trained on table.csv (one-hot colour, standardised numbers)."""
    report = run_json("train", "--data", "table.csv", "--one-hot", "color", "--standardize",
                      "--epochs", "60", cwd=csv_dir)
    return report, Path(report["model"])


@pytest.fixture(scope="module")
def reg_model(csv_dir):
    report = run_json("train", "--data", "reg.csv", "--epochs", "40", cwd=csv_dir)
    return report, Path(report["model"])


# ---------------------------------------------------------------------- train


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
    assert net.epochs_trained == 60
    assert net.metadata["data"] == "digits"
    assert net.metadata["classes"] == [str(d) for d in range(10)]
    assert net.metadata["image"]["shape"] == [8, 8]
    assert net.metadata["test"]["accuracy"] * 100 == pytest.approx(accuracy, abs=0.005)
    assert net.metadata["test"]["loss"] == pytest.approx(float(found[2]), abs=5e-5)
    X_test, y_test = digits_test_set
    assert (net.predict_classes(X_test) == y_test).mean() == net.metadata["test"]["accuracy"]


@pytest.mark.parametrize(
    ("args", "name", "layers", "epochs", "samples"),
    [
        ((), "xor", [2, 4, 2], 500, (4, 4)),
        (("--epochs", "20"), "spirals", [2, 32, 32, 2], 20, (750, 250)),
    ],
)
def test_train_json_prints_one_object(tmp_path, args, name, layers, epochs, samples):
    report = run_json("train", "--data", name, *args, cwd=tmp_path)
    assert_train_report_types(report)
    assert report["data"] == name
    assert report["layers"] == layers
    assert report["epochs"] == epochs
    assert (report["train_samples"], report["test_samples"]) == samples
    model = Path(report["model"])
    assert model == (tmp_path / f"{name}-model.npz").resolve()
    net = steepest.load(model)
    assert report["parameters"] == net.n_params
    assert net.sizes == layers
    assert net.epochs_trained == epochs
    assert net.metadata["data"] == name
    assert report["test_loss"] == pytest.approx(net.metadata["test"]["loss"])
    assert report["test_accuracy"] == pytest.approx(net.metadata["test"]["accuracy"])
    if name == "xor":
        assert report["test_accuracy"] == 1.0
    else:
        assert report["test_accuracy"] > 0.6


def test_train_human_output_for_xor(tmp_path):
    """The plan, then one line per epoch; xor's defaults: full batch, no validation."""
    human = run_ok("train", "--data", "xor", "--epochs", "3", cwd=tmp_path).stdout
    assert human.startswith("data: xor (4 train / 4 test rows, 2 features, 2 classes)\n")
    assert [int(m[1]) for m in map(EPOCH_LINE.match, human.splitlines()) if m] == [1, 2, 3]
    assert "batch full" in human and "validation 0%" in human


def test_train_csv_classification_with_one_hot_and_standardize(csv_dir, csv_model):
    report, model = csv_model
    assert_train_report_types(report)
    assert report["data"] == str((csv_dir / "table.csv").resolve())
    assert model == (csv_dir / "table-model.npz").resolve()
    assert report["layers"] == [5, 16, 2]  # size, weight, color=blue/green/red
    assert report["train_samples"] + report["test_samples"] == 300
    assert report["test_accuracy"] >= 0.85
    net = steepest.load(model)
    assert net.loss.name == "cross_entropy"
    assert net.metadata["classes"] == ["0", "1"]
    schema = net.metadata["csv"]["schema"]
    assert net.metadata["csv"]["target"] == "label"
    assert schema["columns"] == ["size", "weight", "color"]
    assert schema["categories"] == {"color": ["blue", "green", "red"]}
    assert set(schema["scaling"]) == {"size", "weight"}
    mean, std = schema["scaling"]["size"]
    assert 300 < mean < 700 and 200 < std < 400  # uniform on [0, 1000]


def test_train_csv_without_one_hot_names_the_text_cell(csv_dir):
    result = run("train", "--data", "table.csv", "--epochs", "1", cwd=csv_dir)
    assert_user_error(result, "table.csv", "color", "is not a number")


def test_train_csv_regression(csv_dir, reg_model):
    report, model = reg_model
    assert_train_report_types(report)
    assert report["test_accuracy"] is None
    assert report["layers"] == [2, 16, 1]
    net = steepest.load(model)
    assert net.loss.name == "mse"
    assert net.output_activation.name == "identity"
    assert net.metadata["classes"] is None
    assert "accuracy" not in net.metadata["test"]

    human = run_ok("train", "--data", "reg.csv", "--epochs", "2", "--out", "reg2.npz",
                   cwd=csv_dir).stdout
    assert "2 features, regression)" in human.splitlines()[0]
    assert "mse" in human.splitlines()[1]
    assert "test accuracy" not in human
    assert re.search(r"^test loss [\d.]+", human, re.M)


def test_train_options_take_effect(csv_dir):
    args = ("train", "--data", "table.csv", "--one-hot", "color", "--standardize")
    report = run_json(*args, "--layers", "8,4", "--activation", "tanh", "--loss", "mse",
                      "--optimizer", "sgd", "--lr", "0.05", "--epochs", "7", "--batch-size",
                      "0", "--val-split", "0.2", "--seed", "3", "--dropout", "0.1",
                      "--out", "opts.npz", cwd=csv_dir)
    assert Path(report["model"]) == (csv_dir / "opts.npz").resolve()
    assert report["layers"] == [5, 8, 4, 2]
    assert report["epochs"] == 7
    net = steepest.load(csv_dir / "opts.npz")
    config = net.config()
    assert config["sizes"] == [5, 8, 4, 2]
    assert [a["name"] for a in config["activations"]] == ["tanh", "tanh", "sigmoid"]
    assert config["loss"] == "mse"
    assert config["dropout"] == pytest.approx([0.1, 0.1])
    assert config["seed"] == 3
    assert net.optimizer.name == "sgd"
    assert net.optimizer.learning_rate == pytest.approx(0.05)
    assert net.epochs_trained == 7
    assert net.optimizer.steps == 7  # full batch: one step per epoch
    assert len(net.history["val_loss"]) == 7

    report = run_json(*args, "--layers", "6", "--activation", "leaky_relu", "--loss", "sse",
                      "--optimizer", "momentum", "--lr", "0.02", "--epochs", "3",
                      "--batch-size", "16", "--val-split", "0.3", "--out", "b16.npz",
                      cwd=csv_dir)
    net = steepest.load(csv_dir / "b16.npz")
    assert [a["name"] for a in net.config()["activations"]] == ["leaky_relu", "sigmoid"]
    assert net.loss.name == "sse"
    assert net.config()["dropout"] == [0.0]
    assert (net.optimizer.name, net.optimizer.learning_rate) == ("momentum", pytest.approx(0.02))
    n = report["train_samples"]
    fitted = n - round(n * 0.3)
    assert net.optimizer.steps == 3 * math.ceil(fitted / 16)

    report = run_json(*args, "--val-split", "0", "--epochs", "2", "--out", "noval.npz",
                      cwd=csv_dir)
    assert Path(report["model"]).name == "noval.npz"
    net = steepest.load(csv_dir / "noval.npz")
    assert "val_loss" not in net.history.to_dict()


def test_train_seed_makes_runs_repeatable(tmp_path):
    common = ("train", "--data", "spirals", "--epochs", "3")
    run_json(*common, "--seed", "3", "--out", "a.npz", cwd=tmp_path)
    run_json(*common, "--seed", "3", "--out", "b.npz", cwd=tmp_path)
    run_json(*common, "--seed", "4", "--out", "c.npz", cwd=tmp_path)
    a, b, c = (steepest.load(tmp_path / f"{k}.npz") for k in "abc")
    assert a.config()["seed"] == 3 and c.config()["seed"] == 4
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


@pytest.mark.skipif(not (MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file()
                    and not (MNIST_DIR / "t10k-labels-idx1-ubyte").is_file(),
                    reason=f"no MNIST files in {MNIST_DIR}")
def test_train_mnist_from_data_dir(tmp_path):
    report = run_json("train", "--data", "mnist", "--data-dir", MNIST_DIR, "--epochs", "1",
                      cwd=tmp_path)
    assert_train_report_types(report)
    assert report["data"] == "mnist"
    assert report["layers"] == [784, 128, 10]
    assert (report["train_samples"], report["test_samples"]) == (60000, 10000)
    assert report["test_accuracy"] > 0.9
    net = steepest.load(report["model"])
    assert net.metadata["image"] == {"shape": [28, 28], "style": "mnist"}


# ---------------------------------------------------------------------- evaluate


def test_evaluate_json(digits_model, digits_evaluation, digits_test_set):
    report = digits_evaluation
    assert {"loss", "accuracy", "classes", "precision", "recall", "support",
            "confusion_matrix"} <= set(report)
    assert report["data"] == "digits"
    X_test, y_test = digits_test_set
    assert report["samples"] == len(X_test)
    assert report["classes"] == [str(d) for d in range(10)]
    matrix = np.array(report["confusion_matrix"])
    assert matrix.shape == (10, 10)
    assert matrix.sum() == len(X_test)
    assert np.trace(matrix) / matrix.sum() == pytest.approx(report["accuracy"])
    assert report["support"] == matrix.sum(axis=1).tolist() == np.bincount(y_test).tolist()
    diagonal = np.diag(matrix)
    np.testing.assert_allclose(report["recall"], diagonal / matrix.sum(axis=1), atol=1e-6)
    np.testing.assert_allclose(report["precision"], diagonal / matrix.sum(axis=0), atol=1e-6)
    # The same figures as the training run's own test evaluation.
    net = steepest.load(digits_model)
    assert report["loss"] == pytest.approx(net.metadata["test"]["loss"], rel=1e-6)
    assert report["accuracy"] == pytest.approx(net.metadata["test"]["accuracy"])
    predicted = net.predict_classes(X_test)
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (y_test, predicted), 1)
    np.testing.assert_array_equal(matrix, expected)


def test_evaluate_human_report(digits_model, digits_evaluation):
    out = run_ok("evaluate", digits_model, cwd=digits_model.parent).stdout
    report = digits_evaluation
    lines = out.splitlines()
    assert lines[0].startswith(f"model {digits_model}   data digits (449 test rows)")
    assert lines[1] == f"loss {report['loss']:.4f}   accuracy {report['accuracy']:.2%}"
    start = lines.index("class  precision  recall  support")
    table = [line.split() for line in lines[start + 1 : start + 11]]
    assert [row[0] for row in table] == report["classes"]
    for row, p, r, s in zip(table, report["precision"], report["recall"], report["support"],
                            strict=True):
        assert float(row[1]) == pytest.approx(p, abs=5e-4)
        assert float(row[2]) == pytest.approx(r, abs=5e-4)
        assert int(row[3]) == s
    start = next(i for i, line in enumerate(lines) if line.startswith("confusion matrix"))
    assert lines[start + 1].split() == [str(d) for d in range(10)]
    rows = [[int(v) for v in line.split()[1:]] for line in lines[start + 2 : start + 12]]
    assert rows == report["confusion_matrix"]
    assert len(lines) == start + 12


def test_evaluate_csv_and_regression_models(csv_dir, csv_model, reg_model):
    report = run_json("evaluate", csv_model[1], cwd=csv_dir)
    assert report["classes"] == ["0", "1"]
    assert np.array(report["confusion_matrix"]).shape == (2, 2)
    assert report["accuracy"] >= 0.85
    report = run_json("evaluate", reg_model[1], cwd=csv_dir)
    assert "accuracy" not in report and "confusion_matrix" not in report
    # the model's own file: its test split (25 % of 300 rows), not every row
    assert report["samples"] == 75 and report["loss"] >= 0
    out = run_ok("evaluate", reg_model[1], cwd=csv_dir).stdout
    assert re.search(r"^loss [\d.]+$", out, re.M)
    assert "accuracy" not in out


def test_evaluate_csv_model_uses_the_test_split(csv_dir, csv_model):
    train_report, model = csv_model
    report = run_json("evaluate", model, cwd=csv_dir)
    assert report["samples"] == train_report["test_samples"]
    assert report["loss"] == pytest.approx(train_report["test_loss"], rel=1e-5)


@pytest.mark.parametrize(
    "seed",
    [
        "0",
        "3",
    ],
)
def test_evaluate_reproduces_the_training_test_figures(tmp_path, seed):
    trained = run_json("train", "--data", "spirals", "--epochs", "3", "--seed", seed,
                       cwd=tmp_path)
    report = run_json("evaluate", trained["model"], cwd=tmp_path)
    assert report["samples"] == trained["test_samples"]
    assert report["loss"] == pytest.approx(trained["test_loss"], rel=1e-6)
    assert report["accuracy"] == pytest.approx(trained["test_accuracy"])


def test_evaluate_binary_cross_entropy_model(tmp_path):
    run_json("train", "--data", "xor", "--loss", "binary_cross_entropy", "--epochs", "5",
             "--out", "bce.npz", cwd=tmp_path)
    result = run("evaluate", "bce.npz", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------- predict


def test_predict_npy_one_row_and_many_rows(tmp_path, digits_model, digits_test_set):
    X_test, y_test = digits_test_set
    net = steepest.load(digits_model)
    expected = net.predict_classes(X_test)
    np.save(tmp_path / "one.npy", X_test[0])  # shape (64,)
    np.save(tmp_path / "rows.npy", X_test)
    np.save(tmp_path / "images.npy", X_test[:3].reshape(3, 8, 8))

    found = predictions(run_json("predict", digits_model, "one.npy", cwd=tmp_path))
    assert len(found) == 1
    assert found[0]["input"] == "one.npy"
    assert found[0]["class"] == expected[0]
    np.testing.assert_allclose(found[0]["probabilities"], net.predict_proba(X_test[:1])[0],
                               atol=1e-6)

    found = predictions(run_json("predict", digits_model, "rows.npy", cwd=tmp_path))
    assert [p["input"] for p in found] == [f"rows.npy[{i}]" for i in range(len(X_test))]
    classes = np.array([p["class"] for p in found])
    np.testing.assert_array_equal(classes, expected)
    assert (classes == y_test).mean() == pytest.approx(net.metadata["test"]["accuracy"])

    found = predictions(run_json("predict", digits_model, "images.npy", cwd=tmp_path))
    assert [p["class"] for p in found] == expected[:3].tolist()

    out = run_ok("predict", digits_model, "one.npy", cwd=tmp_path).stdout
    label = str(expected[0])
    assert re.fullmatch(rf"one\.npy: {label} \([\d.]+%; then \d [\d.]+%, \d [\d.]+%\)\n", out)


def test_predict_csv_of_numbers(tmp_path, digits_model, digits_test_set):
    X_test, _ = digits_test_set
    np.savetxt(tmp_path / "rows.csv", X_test[:5], delimiter=",", fmt="%.6f")
    found = predictions(run_json("predict", digits_model, "rows.csv", cwd=tmp_path))
    assert [p["input"] for p in found] == [f"rows.csv[{i}]" for i in range(5)]
    expected = steepest.load(digits_model).predict_classes(X_test[:5])
    assert [p["class"] for p in found] == expected.tolist()


def test_predict_images(tmp_path, digits_model):
    from steepest.images import load_image

    files = [
        digit_png(tmp_path / "zero.png", (200, 200), "0", 18),
        digit_png(tmp_path / "zero_small.png", (30, 40), "0", 3),
        digit_png(tmp_path / "zero_rgb.png", (90, 70), "0", 8, mode="RGB"),
        digit_png(tmp_path / "one.png", (120, 160), "1", 14),
    ]
    names = [f.name for f in files]
    found = predictions(run_json("predict", digits_model, *names, cwd=tmp_path))
    assert [p["input"] for p in found] == names
    assert [p["class"] for p in found] == [0, 0, 0, 1]
    net = steepest.load(digits_model)
    for p, f in zip(found, files, strict=True):
        row = load_image(f, (8, 8), "digits")[None, :]
        np.testing.assert_allclose(p["probabilities"], net.predict_proba(row)[0], atol=1e-6)

    out = run_ok("predict", digits_model, "zero.png", "one.png", cwd=tmp_path).stdout
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("zero.png: 0 (")
    assert lines[1].startswith("one.png: 1 (")


def test_predict_mixed_inputs_in_one_call(tmp_path, digits_model, digits_test_set):
    X_test, _ = digits_test_set
    np.save(tmp_path / "two.npy", X_test[:2])
    digit_png(tmp_path / "zero.png", (64, 64), "0", 6)
    np.savetxt(tmp_path / "one.csv", X_test[2:3], delimiter=",")
    found = predictions(run_json("predict", digits_model, "two.npy", "zero.png", "one.csv",
                                 cwd=tmp_path))
    assert [p["input"] for p in found] == ["two.npy[0]", "two.npy[1]", "zero.png", "one.csv"]


def test_predict_with_csv_and_regression_models(csv_dir, csv_model, reg_model):
    rows = [("100.0", "-1.0", "blue"), ("900.0", "1.0", "green"), ("500.0", "0.0", "red")]
    write_csv(csv_dir / "new.csv", ["size", "weight", "color"], rows)
    report = run_json("predict", csv_model[1], "new.csv", cwd=csv_dir)
    found = report["predictions"]
    assert [p["input"] for p in found] == [f"new.csv[{i}]" for i in range(3)]
    net = steepest.load(csv_model[1])
    schema = TableSchema.from_dict(net.metadata["csv"]["schema"])
    X = schema.encode(["size", "weight", "color"], [list(r) for r in rows], "new.csv")
    assert [p["class"] for p in found] == net.predict_classes(X).tolist()
    assert [p["class"] for p in found][:2] == [0, 1]  # far from the boundary
    for p in found:
        assert sum(p["probabilities"]) == pytest.approx(1.0, abs=1e-4)

    write_csv(csv_dir / "new_reg.csv", ["a", "b"], [("0.5", "2.0"), ("-0.5", "8.0")])
    report = run_json("predict", reg_model[1], "new_reg.csv", cwd=csv_dir)
    assert [set(p) for p in report["predictions"]] == [{"input", "output"}] * 2
    assert [len(p["output"]) for p in report["predictions"]] == [1, 1]
    net = steepest.load(reg_model[1])
    X = np.array([[0.5, 2.0], [-0.5, 8.0]])
    np.testing.assert_allclose([p["output"][0] for p in report["predictions"]],
                               net.predict(X)[:, 0], rtol=1e-5, atol=1e-6)
    out = run_ok("predict", reg_model[1], "new_reg.csv", cwd=csv_dir).stdout
    assert re.match(r"new_reg\.csv\[0\]: -?[\d.]+", out)


def test_csv_regression_learns_the_target(csv_dir, reg_model):
    # y = 2a - 0.3b + 0.5 (+ noise 0.05); its variance is about 2.
    net = steepest.load(reg_model[1])
    X = np.array([[0.5, 2.0], [-0.5, 8.0]])
    truth = [2 * 0.5 - 0.3 * 2 + 0.5, 2 * -0.5 - 0.3 * 8 + 0.5]
    np.testing.assert_allclose(net.predict(X)[:, 0], truth, atol=0.3)
    assert run_json("evaluate", reg_model[1], cwd=csv_dir)["loss"] < 0.1


# ---------------------------------------------------------------------- info


def test_info(digits_model):
    out = run_ok("info", digits_model, cwd=digits_model.parent).stdout
    net = steepest.load(digits_model)
    for W, b in zip(net.weights, net.biases, strict=True):
        assert str(W.shape) in out and str(b.shape) in out
    assert f"total parameters: {net.n_params:,}" in out
    assert "total parameters: 85,002" in out
    assert f"file: {digits_model.resolve()}" in out
    assert "trained on: digits, 10 classes" in out
    assert re.search(r"^optimizer: adam, learning rate 0\.001, [\d,]+ steps$", out, re.M)
    assert "epochs trained: 60" in out
    history = net.history
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        values = history[key]
        best = max(values) if "accuracy" in key else min(values)
        line = next(line for line in out.splitlines() if line.split()[:1] == [key])
        assert f"first {values[0]:.4f}" in line
        assert f"last {values[-1]:.4f}" in line
        assert f"best {best:.4f}" in line
    assert re.search(r"^test: loss [\d.]+\s+accuracy 0\.9\d+$", out, re.M)


# ---------------------------------------------------------------------- gradcheck


@pytest.mark.parametrize(
    "args",
    [(), ("--layers", "4,3", "--activation", "sigmoid", "--loss", "mse"),
     ("--loss", "binary_cross_entropy")],
    ids=["defaults", "sigmoid-mse", "bce"],
)
def test_gradcheck(tmp_path, args):
    out = run_ok("gradcheck", *args, cwd=tmp_path).stdout
    found = re.search(r"max relative error ([0-9.e+-]+): OK", out)
    assert found, out
    assert float(found[1]) < 1e-4
    if args and args[0] == "--layers":
        assert "[3, 4, 3, 3]" in out


# ---------------------------------------------------------------------- user errors


TRAIN_OPTION_ERRORS = [
    (("--lr", "abc"), ("--lr", "abc")),
    (("--lr", "-1"), ("--lr", "> 0")),
    (("--lr", "nan"), ("--lr",)),
    (("--epochs", "0"), ("--epochs", "> 0")),
    (("--layers", "0"), ("--layers", ">= 1")),
    (("--layers", "a,b"), ("--layers", "a,b")),
    (("--val-split", "1.5"), ("--val-split", "[0, 1)")),
    (("--dropout", "1"), ("--dropout", "[0, 1)")),
    (("--batch-size", "-1"), ("--batch-size", ">= 0")),
    (("--activation", "softmax"), ("--activation",)),
    (("--data", "imagenet"), ("unknown --data", "imagenet")),
    (("--data", "missing.csv"), ("missing.csv", "no such")),
]


@pytest.mark.parametrize(("args", "fragments"), TRAIN_OPTION_ERRORS,
                         ids=[" ".join(args) for args, _ in TRAIN_OPTION_ERRORS])
def test_train_user_errors(tmp_path, args, fragments):
    assert_user_error(run("train", *args, cwd=tmp_path), *fragments)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_command_line_errors(tmp_path):
    assert_user_error(run(cwd=tmp_path), "required")
    assert_user_error(run("predict", "model.npz", cwd=tmp_path), "required")


@pytest.mark.parametrize("command", ["evaluate", "predict", "info"])
def test_bad_model_files(tmp_path, digits_model, command):
    extra = ("x.npy",) if command == "predict" else ()
    np.save(tmp_path / "x.npy", np.zeros(64))

    def check(model: str, *fragments: str) -> None:
        assert_user_error(run(command, model, *extra, cwd=tmp_path), model, *fragments)

    check("missing.npz", "no such model file")
    data = digits_model.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    check("truncated.npz", "truncated or corrupt")
    if command != "info":
        return  # the same loader: the other bad files once are enough
    (tmp_path / "random.npz").write_bytes(np.random.default_rng(0).bytes(4096))
    check("random.npz", "not a readable model file")
    np.save(tmp_path / "array.npy", np.zeros((3, 3)))
    check("array.npy", "not a readable model file")
    (tmp_path / "empty.npz").write_bytes(b"")
    check("empty.npz", "empty or truncated")


def test_predict_input_errors(tmp_path, digits_model, csv_model):
    def check(model: Path, name: str, *fragments: str) -> None:
        assert_user_error(run("predict", model, name, cwd=tmp_path), name, *fragments)

    np.save(tmp_path / "ten.npy", np.zeros(10))
    check(digits_model, "ten.npy", "expects 64 features")
    np.save(tmp_path / "rows10.npy", np.zeros((3, 10)))
    check(digits_model, "rows10.npy", "expects 64 features", "(3, 10)")
    digit_png(tmp_path / "zero.png", (50, 50), "0", 5)
    check(csv_model[1], "zero.png", "not trained on images")
    (tmp_path / "input.txt").write_text("1,2,3\n")
    check(digits_model, "input.txt", "unknown input type")
    check(digits_model, "missing.npy", "no such input file")
    from PIL import Image

    Image.new("L", (20, 20), "white").save(tmp_path / "blank.png")
    check(digits_model, "blank.png", "blank")
    (tmp_path / "broken.png").write_bytes(b"not a png at all")
    check(digits_model, "broken.png", "not a readable image")
    (tmp_path / "words.csv").write_text("a,b\nc,d\n")
    check(digits_model, "words.csv", "numbers")
    write_csv(tmp_path / "nocolor.csv", ["size", "weight"], [("1.0", "2.0")])
    check(csv_model[1], "nocolor.csv", "no column 'color'")


def test_mnist_with_empty_data_dir(tmp_path):
    (tmp_path / "empty").mkdir()
    message = assert_user_error(
        run("train", "--data", "mnist", "--data-dir", "empty", cwd=tmp_path), "empty")
    for name in MNIST_FILES:
        assert name in message


def test_csv_errors(tmp_path):
    rows = classification_rows(40)
    rows[30] = ("oops", *rows[30][1:])  # line 32: the header is line 1
    write_csv(tmp_path / "bad.csv", ["size", "weight", "color", "label"], rows)
    assert_user_error(run("train", "--data", "bad.csv", "--one-hot", "color", cwd=tmp_path),
                      "bad.csv", "line 32", "'size'", "'oops' is not a number")
    write_csv(tmp_path / "good.csv", ["size", "weight", "color", "label"],
              classification_rows(40))
    assert_user_error(run("train", "--data", "good.csv", "--one-hot", "color", "--target",
                          "nope", cwd=tmp_path), "good.csv", "no column 'nope'")
    (tmp_path / "header.csv").write_text("a,b,y\n")
    assert_user_error(run("train", "--data", "header.csv", cwd=tmp_path), "no rows")
    (tmp_path / "ragged.csv").write_text("a,b,y\n1,2,0\n1,2\n")
    assert_user_error(run("train", "--data", "ragged.csv", cwd=tmp_path), "line 3")


def test_out_into_missing_folder(tmp_path):
    result = run("train", "--data", "xor", "--epochs", "2", "--out", "nowhere/m.npz",
                 cwd=tmp_path)
    assert_user_error(result, "nowhere", "does not exist", quiet_stdout=False)


def test_csv_rare_category_in_the_test_split(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(40):
        a = rng.normal()
        rows.append((f"{a:.3f}", "red" if i % 2 else "blue", int(a > 0)))
    rows.append(("0.5", "green", 1))
    write_csv(tmp_path / "rare.csv", ["a", "color", "y"], rows)
    result = run("train", "--data", "rare.csv", "--one-hot", "color", "--epochs", "1",
                 "--seed", "1", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_csv_not_utf8(tmp_path):
    (tmp_path / "latin1.csv").write_bytes("a,b,y\n1,2,0\n\xe9,3,1\n".encode("latin-1"))
    assert_user_error(run("train", "--data", "latin1.csv", cwd=tmp_path), "latin1.csv")


@pytest.mark.parametrize("array", [np.float64(3.0), np.zeros((0, 64))], ids=["0-d", "empty"])
def test_predict_degenerate_npy(tmp_path, digits_model, array):
    np.save(tmp_path / "odd.npy", array)
    assert_user_error(run("predict", digits_model, "odd.npy", cwd=tmp_path), "odd.npy")


# ---------------------------------------------------------------------- Ctrl-C


def _lines_of(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@posix_only
def test_ctrl_c_saves_the_best_model_so_far(tmp_path):
    stderr_path = tmp_path / "stderr.txt"
    seen: list[str] = []
    with open(stderr_path, "w") as stderr, subprocess.Popen(
        [sys.executable, "-m", "steepest.cli", "train", "--epochs", "100000", "--out", "m.npz"],
        cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=stderr, text=True,
    ) as proc:
        lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_lines_of, args=(proc.stdout, lines), daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 120
            while True:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                assert line is not None, ("training ended early", seen)
                seen.append(line)
                found = EPOCH_LINE.match(line)
                if found and int(found[1]) >= 3:
                    assert found[2] == "100000"
                    break
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(timeout=10)
    message = stderr_path.read_text()
    assert code == 130
    assert "Traceback" not in message
    assert "saved the best model so far" in message
    model = tmp_path / "m.npz"
    assert str(model.resolve()) in message
    net = steepest.load(model)
    assert net.epochs_trained >= 3
    best = re.search(r"epoch (\d+), val_loss", message)
    assert best and 1 <= int(best[1]) <= net.epochs_trained


@posix_only
def test_ctrl_c_before_the_first_epoch_ends(tmp_path):
    """Big layers and one row per step make the first epoch last many seconds; the
    interrupt comes 0.3 s after the plan is printed (just before training starts)."""
    args = ["train", "--layers", "1024,1024", "--batch-size", "1", "--epochs", "1",
            "--out", "never.npz"]
    stderr_path = tmp_path / "stderr.txt"
    with open(stderr_path, "w") as stderr, subprocess.Popen(
        [sys.executable, "-m", "steepest.cli", *args], cwd=tmp_path,
        env=ENV | {"PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=stderr, text=True,
    ) as proc:
        lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_lines_of, args=(proc.stdout, lines), daemon=True)
        reader.start()
        try:
            while True:
                line = lines.get(timeout=120)
                assert line is not None, "training ended before its plan was printed"
                if line.startswith("network:"):
                    break
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(timeout=10)
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    if any(line and EPOCH_LINE.match(line) for line in rest):
        pytest.skip("this machine finished the first epoch before the interrupt")
    message = stderr_path.read_text()
    assert code == 130
    assert "Traceback" not in message
    assert "no model saved" in message
    assert not (tmp_path / "never.npz").exists()
