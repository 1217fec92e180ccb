"""``--json`` keeps every digit: predict's probabilities and evaluate's precision and
recall are the numbers themselves, not rounded (the README promises full precision)."""

from __future__ import annotations

import numpy as np
from cli_helpers import run_json

import steepest
from steepest.datasets import moons, train_test_split


def test_json_figures_are_not_rounded(tmp_path):
    run_json("train", "--data", "moons", "--layers", "8", "--epochs", "5", "--out", "m.npz",
             cwd=tmp_path)
    net = steepest.load(tmp_path / "m.npz")
    X, y = moons(n_samples=1000, seed=0)  # as steepest train draws them, with its seed 0
    _, X_test, _, y_test = train_test_split(X, y, 0.25, seed=0)
    np.save(tmp_path / "rows.npy", X_test[:20])

    found = run_json("predict", "m.npz", "rows.npy", cwd=tmp_path)["predictions"]
    expected = net.predict_proba(X_test[:20]).tolist()
    assert [p["probabilities"] for p in found] == expected
    assert any(len(repr(p)) > 10 for row in expected for p in row)  # digits to lose

    report = run_json("evaluate", "m.npz", cwd=tmp_path)
    matrix = np.array(report["confusion_matrix"], dtype=float)
    assert report["precision"] == (np.diag(matrix) / matrix.sum(axis=0)).tolist()
    assert report["recall"] == (np.diag(matrix) / matrix.sum(axis=1)).tolist()
    assert any(len(repr(v)) > 10 for v in report["precision"] + report["recall"])
    assert report["loss"] == net.evaluate(X_test, y_test)["loss"]
