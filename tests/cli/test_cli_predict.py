"""``steepest predict`` on .npy, .csv and image inputs, and its input errors."""

from __future__ import annotations

import gc
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import (
    assert_user_error,
    digit_png,
    json_report,
    predictions,
    run,
    run_json,
    run_ok,
    write_csv,
)

import steepest
from steepest.datasets import TableSchema


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
    assert (classes == y_test).mean() == pytest.approx(net.record["test"]["accuracy"])

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
    schema = TableSchema.from_dict(net.record["csv"]["schema"])
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


@pytest.mark.parametrize("content, message", [
    (b"", "empty.npy: not a readable .npy file (it is empty)"),
    (b"PK\x03\x04 and no more", "empty.npy: not a readable .npy file (it begins like an .npz "
     "archive but is not one: File is not a zip file)"),
], ids=["empty", "broken-zip"])
def test_predict_unreadable_npy(tmp_path, digits_model, content, message):
    (tmp_path / "empty.npy").write_bytes(content)
    assert_user_error(run("predict", digits_model, "empty.npy", cwd=tmp_path),
                      f"error: {message}")


def test_predict_npz_archive_named_npy(tmp_path, digits_model):
    np.savez(tmp_path / "archive.npz", x=np.zeros(64))
    (tmp_path / "archive.npz").rename(tmp_path / "npz.npy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run("predict", digits_model, "npz.npy", cwd=tmp_path)
        gc.collect()  # an archive left open warns when it is collected
    assert_user_error(result, "error: npz.npy: an .npz archive, not a .npy array")
    assert [w.message for w in caught if issubclass(w.category, ResourceWarning)] == []


@pytest.mark.parametrize("kind", ["folder", "fifo", "link loop"])
@pytest.mark.parametrize("name", ["input.npy", "input.png"])
def test_predict_input_that_is_not_a_file(tmp_path, digits_model, not_a_file, kind, name):
    found = not_a_file(tmp_path / name, kind)
    message = assert_user_error(run("predict", digits_model, name, cwd=tmp_path))
    assert message == f"steepest predict: error: {name}: {found}, not an input file"


@pytest.mark.parametrize("content", ["", "\n\n", "a,b,c\n"], ids=["empty", "blank", "header"])
def test_predict_csv_without_rows(tmp_path, digits_model, content):
    (tmp_path / "empty.csv").write_text(content)
    assert_user_error(run("predict", digits_model, "empty.csv", cwd=tmp_path),
                      "error: empty.csv: expected rows of numbers, the file has none")


@pytest.mark.parametrize("array", [np.float64(3.0), np.zeros((0, 64))], ids=["0-d", "empty"])
def test_predict_degenerate_npy(tmp_path, digits_model, array):
    np.save(tmp_path / "odd.npy", array)
    assert_user_error(run("predict", digits_model, "odd.npy", cwd=tmp_path), "odd.npy")


# ---------------------------------------------------------------------- multi-label


@pytest.fixture(scope="module")
def multi_label_model(tmp_path_factory) -> Path:
    """Three independent yes/no labels of three numbers: sigmoid outputs and binary
    cross-entropy, saved from Python with the labels' names."""
    X = np.random.default_rng(1).uniform(-3, 3, size=(400, 3)).astype("float32")
    labels = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 1])
    net = steepest.Network([3, 12, 3], loss="binary_cross_entropy", seed=1)
    net.fit(X, labels.astype("float32"), epochs=150, optimizer="adam", learning_rate=0.02,
            verbose=0)
    net.record["classes"] = ["warm", "wet", "storm"]
    return net.save(tmp_path_factory.mktemp("multi") / "labels.npz")


ROWS = np.array([[2.5, 2.5, 0], [-2.5, -2.5, 0], [2, -2, 0]], dtype="float32")


def test_predict_multi_label_prints_every_label_above_the_threshold(tmp_path,
                                                                   multi_label_model):
    np.save(tmp_path / "rows.npy", ROWS)
    p = steepest.load(multi_label_model).predict(ROWS)
    lines = run_ok("predict", multi_label_model, "rows.npy", cwd=tmp_path).stdout.splitlines()
    first = sorted(range(3), key=lambda k: -p[0, k])
    names = ["warm", "wet", "storm"]
    assert lines[0] == "rows.npy[0]: " + ", ".join(f"{names[k]} {p[0, k]:.1%}" for k in first)
    assert lines[1] == ("rows.npy[1]: no label reaches the threshold 0.5 (the most probable: "
                        f"{names[p[1].argmax()]} {p[1].max():.1%})")
    assert lines[2] == f"rows.npy[2]: warm {p[2, 0]:.1%}"
    assert "then" not in "".join(lines)  # not one class out of a distribution

    report = run_json("predict", multi_label_model, "rows.npy", "--threshold", "1e-4",
                      cwd=tmp_path)
    assert set(report) == {"model", "predictions", "errors", "threshold"}
    assert report["threshold"] == 1e-4 and report["errors"] == []
    for found, row in zip(report["predictions"], p, strict=True):
        assert set(found) == {"input", "classes", "labels", "probabilities"}
        assert found["probabilities"] == [float(v) for v in row]  # full precision
        assert found["classes"] == sorted((k for k in range(3) if row[k] >= 1e-4),
                                          key=lambda k: -row[k])
        assert found["labels"] == [names[k] for k in found["classes"]]


def test_threshold_is_only_for_multi_label_models(tmp_path, digits_model):
    np.save(tmp_path / "row.npy", np.zeros(64))
    assert_user_error(run("predict", digits_model, "row.npy", "--threshold", "0.3",
                          cwd=tmp_path), "--threshold is for multi-label models")
    assert_user_error(run("predict", digits_model, "row.npy", "--threshold", "1",
                          cwd=tmp_path), "--threshold", "in (0, 1)")


# ---------------------------------------------------------------------- many inputs


def test_predict_reports_the_bad_inputs_and_predicts_the_good_ones(tmp_path, digits_model,
                                                                  digits_test_set):
    X_test, _ = digits_test_set
    np.save(tmp_path / "good.npy", X_test[:2])
    np.save(tmp_path / "nan.npy", np.r_[X_test[:1], np.full((1, 64), np.nan)])
    (tmp_path / "nan.csv").write_text("1," * 63 + "1\n" + "1," * 63 + "inf\n")
    np.savetxt(tmp_path / "good.csv", X_test[2:3], delimiter=",")
    args = ("predict", digits_model, "good.npy", "missing.npy", "nan.npy", "good.csv",
            "nan.csv")
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 1  # some inputs failed
    assert result.stderr.splitlines() == [
        "steepest predict: error: missing.npy: no such input file",
        "steepest predict: error: nan.npy: row 1 holds NaN or infinity",
        "steepest predict: error: nan.csv: line 2: not a finite number (NaN or infinity)"]
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        "good.npy[0]", "good.npy[1]", "good.csv"]

    result = run(*args, "--json", cwd=tmp_path)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 3
    report = json_report(result)
    assert [p["input"] for p in report["predictions"]] == ["good.npy[0]", "good.npy[1]",
                                                           "good.csv"]
    assert report["errors"] == [
        {"input": "missing.npy", "error": "missing.npy: no such input file"},
        {"input": "nan.npy", "error": "nan.npy: row 1 holds NaN or infinity"},
        {"input": "nan.csv",
         "error": "nan.csv: line 2: not a finite number (NaN or infinity)"}]

    result = run("predict", digits_model, "missing.npy", "nan.npy", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""  # nothing could be predicted
    assert len(result.stderr.splitlines()) == 2


def test_predict_reports_bad_values_by_file_and_predicts_the_rest(tmp_path, digits_model,
                                                                  digits_test_set):
    # Values the network refuses (not numbers, beyond float32) fail their own file,
    # named, not the whole batch when the rows are stacked.
    X_test, _ = digits_test_set
    np.save(tmp_path / "good.npy", X_test[0])
    np.save(tmp_path / "str.npy", np.array(["a"] * 64))
    np.save(tmp_path / "complex.npy", np.zeros(64, dtype=complex))
    np.save(tmp_path / "big.npy", np.full(64, 1e300))
    (tmp_path / "big.csv").write_text("1," * 63 + "1\n" + "1," * 63 + "1e39\n")
    np.savetxt(tmp_path / "good.csv", X_test[2:3], delimiter=",")
    result = run("predict", digits_model, "good.npy", "str.npy", "complex.npy", "big.npy",
                 "big.csv", "good.csv", cwd=tmp_path)
    assert result.returncode == 1  # some inputs failed
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "steepest predict: error: str.npy: expected numbers, got an array of dtype <U1",
        "steepest predict: error: complex.npy: expected numbers, got an array of dtype "
        "complex128",
        "steepest predict: error: big.npy: the input holds values too large for float32 "
        "(largest magnitude 1e+300, limit 3.4e+38)",
        "steepest predict: error: big.csv: the input holds values too large for float32 "
        "(largest magnitude 1e+39, limit 3.4e+38)"]
    expected = steepest.load(digits_model).predict_classes(X_test[[0, 2]])
    assert [line.split(" (")[0] for line in result.stdout.splitlines()] == [
        f"good.npy: {expected[0]}", f"good.csv: {expected[1]}"]
