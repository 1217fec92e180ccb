"""steepest.metrics: R² and RMSE of predicted values (the playground's regression figures)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steepest.errors import ShapeError
from steepest.metrics import regression_scores


def test_r2_and_rmse_agree_with_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(50, 3))
    predicted = truth + rng.normal(scale=0.3, size=truth.shape)
    scores = regression_scores(truth, predicted)
    assert scores["r2"] == pytest.approx(metrics.r2_score(truth, predicted), rel=1e-12)
    expected_rmse = np.mean(np.sqrt(((truth - predicted) ** 2).mean(axis=0)))
    assert scores["rmse"] == pytest.approx(expected_rmse, rel=1e-12)


def test_perfect_mean_and_constant_predictions():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert regression_scores(y, y) == {"r2": 1.0, "rmse": 0.0}
    assert regression_scores(y, np.full(4, 2.5))["r2"] == 0.0  # the mean: no better
    assert regression_scores(y[:, None], (y + 1)[:, None])["rmse"] == pytest.approx(1.0)
    assert math.isnan(regression_scores(np.ones(3), np.zeros(3))["r2"])  # no variance


def test_shapes_must_match():
    with pytest.raises(ShapeError, match=r"y_true has shape \(3, 1\) and y_pred \(2, 1\)"):
        regression_scores([1, 2, 3], [1, 2])
    with pytest.raises(ShapeError, match=r"\(0, 1\); they must match and hold values"):
        regression_scores([], [])
