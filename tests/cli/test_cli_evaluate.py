"""``steepest evaluate`` on the default digits model, CSV models and a regressor."""

from __future__ import annotations

import re

import numpy as np
import pytest
from cli_helpers import run, run_json, run_ok

import steepest


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
