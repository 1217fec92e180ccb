"""steepest.datasets.preprocessing: one-hot, train/test split, standardisation."""

from __future__ import annotations

import numpy as np
import pytest

from steepest.datasets import (
    Standardizer,
    one_hot,
    standardize,
    train_test_split,
)
from steepest.errors import ConfigError, DataError, ShapeError, SteepestError


def test_one_hot():
    out = one_hot(np.array([2, 0, 1, 2]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    wide = one_hot([0, 1], n_classes=4, dtype="float64")
    assert wide.shape == (2, 4) and wide.dtype == np.float64
    np.testing.assert_array_equal(wide.sum(axis=1), 1)
    np.testing.assert_array_equal(one_hot(np.array([3], np.uint8)), [[0, 0, 0, 1]])
    assert one_hot(np.array([], np.int64), n_classes=3).shape == (0, 3)


@pytest.mark.parametrize(
    "labels, n_classes",
    [([0, 3], 3), ([-1, 0], None), ([0.5, 1.0], None), ([[0, 1]], None), (["a", "b"], None)],
    ids=["too-big", "negative", "float", "2d", "str"],
)
def test_one_hot_refuses_bad_labels(labels, n_classes):
    with pytest.raises(DataError):
        one_hot(np.array(labels), n_classes=n_classes)


def _labelled(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    X = np.column_stack([np.arange(n), rng.normal(size=n)])  # column 0: the row's id
    return X, y


def test_train_test_split_order_and_partition():
    X, y = _labelled()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=1)
    assert X_train.shape[1] == 2 and X_test.shape[1] == 2
    assert len(X_train) == len(y_train) and len(X_test) == len(y_test)
    train_ids, test_ids = X_train[:, 0].astype(int), X_test[:, 0].astype(int)
    assert set(train_ids).isdisjoint(test_ids)
    assert sorted(np.concatenate([train_ids, test_ids])) == list(range(len(X)))
    # each row keeps its own label
    np.testing.assert_array_equal(y_train, y[train_ids])
    np.testing.assert_array_equal(y_test, y[test_ids])
    assert len(X_test) == pytest.approx(50, abs=2)


def test_train_test_split_is_stratified():
    X, y = _labelled(n=1000, seed=2)
    _, _, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    overall = np.bincount(y) / len(y)
    for part in (y_train, y_test):
        np.testing.assert_allclose(np.bincount(part) / len(part), overall, atol=0.005)
    _, _, _, y_plain = train_test_split(X, y, test_size=0.2, stratify=False, seed=0)
    assert len(y_plain) == 200


def test_train_test_split_is_seeded():
    X, y = _labelled()
    a = train_test_split(X, y, seed=5)
    b = train_test_split(X, y, seed=5)
    c = train_test_split(X, y, seed=6)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[1], c[1])


def test_train_test_split_errors():
    X, y = _labelled(n=10)
    with pytest.raises(ShapeError):
        train_test_split(X, y[:-1])
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ConfigError):
            train_test_split(X, y, test_size=bad)
    with pytest.raises(DataError):
        train_test_split(X[:2], y[:2], test_size=0.1, stratify=False)  # empty test part


def test_standardizer_uses_the_training_figures_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal([5, -3, 7], [2, 0.5, 1], size=(500, 3)).astype(np.float32)
    X_train[:, 2] = 7.0  # a constant column
    X_test = rng.normal([6, -3, 7], [2, 0.5, 1], size=(100, 3)).astype(np.float32)
    scaler = Standardizer().fit(X_train)
    train_s = scaler.transform(X_train)
    test_s = scaler.transform(X_test)
    assert train_s.dtype == np.float32 and test_s.dtype == np.float32
    np.testing.assert_allclose(train_s[:, :2].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(train_s[:, :2].std(axis=0), 1, atol=1e-5)
    assert np.isfinite(train_s).all() and np.isfinite(test_s).all()
    np.testing.assert_array_equal(train_s[:, 2], 0.0)  # constant -> 0, not NaN
    mean = X_train.astype(np.float64).mean(axis=0)
    std = X_train.astype(np.float64).std(axis=0)
    expected = (X_test[:, :2] - mean[:2]) / std[:2]  # the TRAIN figures
    np.testing.assert_allclose(test_s[:, :2], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(test_s[:, 2], X_test[:, 2] - 7.0, atol=1e-5)
    # the test set's own mean is not subtracted: it sits about half a train std off
    assert test_s[:, 0].mean() == pytest.approx(0.5, abs=0.3)


def test_standardize_function_and_dtypes():
    X_train = np.array([[1, 10], [3, 10], [5, 10]])  # integers
    X_test = np.array([[7, 11]])
    train_s, test_s = standardize(X_train, X_test)
    assert train_s.dtype == np.float32
    std = np.std([1, 3, 5])
    np.testing.assert_allclose(train_s[:, 0], [-2 / std, 0, 2 / std], rtol=1e-6)
    np.testing.assert_array_equal(train_s[:, 1], 0)
    np.testing.assert_allclose(test_s, [[4 / std, 1.0]], rtol=1e-6)
    (only,) = standardize(X_train.astype(np.float64))
    assert only.dtype == np.float64
    fitted = Standardizer().fit_transform(X_train.astype(np.float64))
    np.testing.assert_array_equal(fitted, only)


def test_standardizer_transform_before_fit():
    with pytest.raises(SteepestError, match="fit"):
        Standardizer().transform(np.ones((2, 2)))


def test_standardizer_errors():
    with pytest.raises(ShapeError):
        Standardizer().fit(np.zeros((0, 3)))
    with pytest.raises(ShapeError):
        Standardizer().fit(np.zeros(3))
    with pytest.raises(DataError):
        Standardizer().fit(np.array([[1.0], [np.nan]]))
    scaler = Standardizer().fit(np.ones((4, 2)))
    with pytest.raises(ShapeError):
        scaler.transform(np.ones((4, 3)))
