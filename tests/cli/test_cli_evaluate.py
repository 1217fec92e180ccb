"""``steepest evaluate`` on the default digits model, CSV models and a regressor."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_user_error, run, run_json, run_ok, write_csv

import steepest
from steepest.datasets import write_idx
from steepest.datasets.tables import TableSchema, read_csv_rows


@pytest.fixture(scope="module")
def digits_evaluation(digits_model) -> dict:
    """``steepest evaluate MODEL --json`` on the default model, once."""
    return run_json("evaluate", digits_model, cwd=digits_model.parent)


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
    assert report["loss"] == pytest.approx(net.record["test"]["loss"], rel=1e-6)
    assert report["accuracy"] == pytest.approx(net.record["test"]["accuracy"])
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


@pytest.mark.parametrize("seed", ["0", "3"])
def test_evaluate_reproduces_the_training_test_figures(tmp_path, seed):
    trained = run_json("train", "--data", "spirals", "--epochs", "3", "--seed", seed,
                       cwd=tmp_path)
    report = run_json("evaluate", trained["model"], cwd=tmp_path)
    assert report["samples"] == trained["test_samples"]
    assert report["loss"] == pytest.approx(trained["test_loss"], rel=1e-6)
    assert report["accuracy"] == pytest.approx(trained["test_accuracy"])


def test_evaluate_binary_cross_entropy_model(tmp_path):
    trained = run_json("train", "--data", "xor", "--loss", "binary_cross_entropy",
                       "--epochs", "5", "--out", "bce.npz", cwd=tmp_path)
    result = run("evaluate", "bce.npz", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert re.search(r"loss \d\.\d{4}   accuracy \d+\.\d\d%", result.stdout), result.stdout
    report = run_json("evaluate", "bce.npz", cwd=tmp_path)
    assert steepest.load(tmp_path / "bce.npz").loss.name == "binary_cross_entropy"
    assert report["classes"] == ["0", "1"] and sum(report["support"]) == report["samples"]
    assert report["loss"] == pytest.approx(trained["test_loss"], rel=1e-6)
    assert report["accuracy"] == pytest.approx(trained["test_accuracy"])


def test_csv_regression_learns_the_target(csv_dir, reg_model):
    # y = 2a - 0.3b + 0.5 (+ noise 0.05); its variance is about 2.
    net = steepest.load(reg_model[1])
    X = np.array([[0.5, 2.0], [-0.5, 8.0]])
    truth = [2 * 0.5 - 0.3 * 2 + 0.5, 2 * -0.5 - 0.3 * 8 + 0.5]
    np.testing.assert_allclose(net.predict(X)[:, 0], truth, atol=0.3)
    assert run_json("evaluate", reg_model[1], cwd=csv_dir)["loss"] < 0.1


# ---------------------------------------------------------------------- another CSV file


def csv_features(model: Path, path: Path) -> np.ndarray:
    """The rows of CSV file ``path`` encoded as the model trained on a CSV encodes them."""
    schema = TableSchema.from_dict(steepest.load(model).record["csv"]["schema"])
    header, rows = read_csv_rows(path)
    return schema.encode(header, rows, str(path))


@pytest.mark.parametrize("n_rows", [1, 2])
def test_evaluate_another_csv_scores_every_row_however_few(csv_dir, csv_model, tmp_path,
                                                         n_rows):
    # The model's own file is split again; another file is not split at all, so a
    # file of 1 or 2 rows (too few to hold out a quarter) is scored too.
    rows = [("420.0", "0.3", "red", 0), ("910.5", "1.2", "blue", 1)][:n_rows]
    other = write_csv(tmp_path / "other.csv", ["size", "weight", "color", "label"], rows)
    report = run_json("evaluate", csv_model[1], "--data", other, cwd=tmp_path)
    assert report["samples"] == n_rows == sum(report["support"])
    net = steepest.load(csv_model[1])
    expected = net.evaluate(csv_features(csv_model[1], other), [row[3] for row in rows])
    assert report["loss"] == pytest.approx(expected["loss"], rel=1e-6)
    assert report["accuracy"] == pytest.approx(expected["accuracy"])


def test_evaluate_another_csv_names_a_missing_column(csv_model, tmp_path):
    write_csv(tmp_path / "no-weight.csv", ["size", "color", "label"], [("420.0", "red", 0)])
    result = run("evaluate", csv_model[1], "--data", "no-weight.csv", cwd=tmp_path)
    assert_user_error(result, "no-weight.csv: no column 'weight'; the columns are "
                              "['size', 'color', 'label']")
    write_csv(tmp_path / "no-label.csv", ["size", "weight", "color"], [("420.0", "0.3", "red")])
    result = run("evaluate", csv_model[1], "--data", "no-label.csv", cwd=tmp_path)
    assert_user_error(result, "no-label.csv: no column 'label'")


def test_evaluate_a_regressor_on_another_csv_of_whole_numbers(reg_model, tmp_path):
    # Whole-number targets in another file stay numbers for a regressor: not
    # turned into classes 0..k-1, nor refused as "one class".
    rows = [("0.5", "2.0", "1"), ("-0.5", "8.0", "-3"), ("0.1", "1.0", "1")]
    other = write_csv(tmp_path / "other.csv", ["a", "b", "y"], rows)
    report = run_json("evaluate", reg_model[1], "--data", other, cwd=tmp_path)
    net = steepest.load(reg_model[1])
    expected = net.evaluate(csv_features(reg_model[1], other), np.array([1.0, -3.0, 1.0]))
    assert report["samples"] == 3 and "accuracy" not in report
    assert report["loss"] == pytest.approx(expected["loss"], rel=1e-6)


# ---------------------------------------------------------------------- MNIST-format folders


def idx_folder(folder: Path, n_train: int = 40, n_test: int = 12) -> Path:
    """A folder of MNIST's four IDX files holding a few random 28x28 images."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    for part, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{part}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{part}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return folder


@pytest.fixture
def mnist_model(tmp_path, monkeypatch) -> Path:
    """A model trained on a small MNIST-format folder (``tmp_path/idx``); the
    download cache is ``tmp_path/cache``, which must stay unmade."""
    monkeypatch.setenv("STEEPEST_DATA", str(tmp_path / "cache"))
    idx_folder(tmp_path / "idx")
    run_json("train", "--data", "mnist", "--data-dir", "idx", "--epochs", "1", "--layers", "4",
             "--val-split", "0", "--out", "m.npz", cwd=tmp_path)
    return tmp_path / "m.npz"


def test_evaluate_reads_the_folder_the_model_was_trained_from(mnist_model, tmp_path):
    report = run_json("evaluate", mnist_model, cwd=tmp_path)
    assert report["samples"] == 12
    assert report["loss"] == pytest.approx(steepest.load(mnist_model).record["test"]["loss"])
    assert not (tmp_path / "cache").exists()


def test_evaluate_says_the_models_folder_has_gone(mnist_model, tmp_path):
    (tmp_path / "idx").rename(tmp_path / "moved")
    result = run("evaluate", mnist_model, cwd=tmp_path)
    assert_user_error(result, f"the model was trained from {tmp_path / 'idx'}, which no longer "
                              "exists; pass --data-dir")
    assert not (tmp_path / "cache").exists()  # no download, nothing made in the cache
    assert run_json("evaluate", mnist_model, "--data-dir", "moved", cwd=tmp_path)["samples"] == 12


def test_another_idx_dataset_does_not_read_the_models_folder(mnist_model, tmp_path):
    # The folder the model recorded holds MNIST; fashion-mnist comes from the cache.
    idx_folder(tmp_path / "cache" / "fashion-mnist", n_test=7)
    report = run_json("evaluate", mnist_model, "--data", "fashion-mnist", cwd=tmp_path)
    assert report["data"] == "fashion-mnist" and report["samples"] == 7
