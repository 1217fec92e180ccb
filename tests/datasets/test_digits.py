"""steepest.datasets.digits: the 8x8 digits, split and seeded."""

from __future__ import annotations

import numpy as np

from steepest.datasets import (
    load_digits,
)


def test_load_digits_shapes_and_values():
    (X_train, y_train), (X_test, y_test) = load_digits()
    assert X_train.shape == (1348, 64) and X_test.shape == (449, 64)  # round(1797 / 4)
    assert y_train.shape == (1348,) and y_test.shape == (449,)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    for X in (X_train, X_test):
        assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y_train)) == set(range(10))


def test_load_digits_is_a_stratified_partition_of_sklearn_digits():
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    (X_train, y_train), (X_test, y_test) = load_digits()
    overall = np.bincount(bunch.target, minlength=10) / len(bunch.target)
    share = np.bincount(y_test, minlength=10) / len(y_test)
    assert np.abs(share - overall).max() <= 0.02
    # every image exactly once, with its own label
    X = np.vstack([X_train, X_test])
    y = np.concatenate([y_train, y_test])
    mine = sorted(zip(map(bytes, X), y.tolist(), strict=True))
    theirs = sorted(zip(map(bytes, (bunch.data / 16.0).astype(np.float32)),
                        bunch.target.tolist(), strict=True))
    assert mine == theirs


def test_load_digits_is_seeded():
    first, second = load_digits(seed=3), load_digits(seed=3)
    for (X1, y1), (X2, y2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(y1, y2)
    (other, _), _ = load_digits(seed=4)
    assert not np.array_equal(first[0][0], other)
    (X_train, _), (X_test, _) = load_digits(test_size=0.5)
    assert abs(len(X_test) - 1797 / 2) <= 5
    assert len(X_train) + len(X_test) == 1797
