"""steepest.datasets.toy: XOR, the truth table, moons, circles, spirals."""

from __future__ import annotations

import numpy as np
import pytest

from steepest.datasets import (
    and_first_last,
    circles,
    moons,
    spirals,
    xor,
)
from steepest.errors import ConfigError


def test_xor():
    X, y = xor()
    assert X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_and_first_last_truth_table():
    (X_train, y_train), (X_test, y_test) = and_first_last()
    assert X_train.shape == (5, 3) and X_test.shape == (3, 3)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    X = np.vstack([X_train, X_test])
    y = np.concatenate([y_train, y_test])
    rows = {tuple(int(v) for v in row) for row in X}
    assert len(rows) == 8  # train and test disjoint, together the whole table
    assert rows == {(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)}
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 2]).astype(int))
    assert set(y_test.tolist()) == {0, 1}  # the unseen rows test both answers


TOYS = {
    "spirals": spirals,
    "spirals3": lambda **kw: spirals(n_classes=3, **kw),
    "moons": moons,
    "circles": circles,
}


@pytest.mark.parametrize("make", TOYS.values(), ids=TOYS.keys())
def test_toy_shapes_dtypes_and_balance(make):
    for n in (2, 3, 101, 400):
        X, y = make(n_samples=n)
        assert X.shape == (n, 2) and y.shape == (n,)
        assert X.dtype == np.float32 and y.dtype == np.int64
        assert np.isfinite(X).all()
    X, y = make(n_samples=600)
    counts = np.bincount(y)
    assert counts.min() == counts.max()  # exactly balanced
    assert len(counts) == (3 if make is TOYS["spirals3"] else 2)


@pytest.mark.parametrize("make", TOYS.values(), ids=TOYS.keys())
def test_toy_sets_are_seeded(make):
    a, ya = make(n_samples=50, seed=7)
    b, yb = make(n_samples=50, seed=7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    c, _ = make(n_samples=50, seed=8)
    assert not np.array_equal(a, c)
    d, _ = make(n_samples=50)  # the default seed is fixed too
    e, _ = make(n_samples=50)
    np.testing.assert_array_equal(d, e)


def test_noise_moves_points_by_about_its_size():
    clean, _ = moons(n_samples=2000, noise=0.0, seed=1)
    noisy, _ = moons(n_samples=2000, noise=0.2, seed=1)
    # the noise is drawn after the angles, so same seed = same clean points
    assert np.std(noisy - clean) == pytest.approx(0.2, rel=0.05)


@pytest.mark.parametrize("factor", [0.3, 0.5, 0.8])
def test_circles_without_noise(factor):
    X, y = circles(n_samples=300, noise=0.0, factor=factor, seed=2)
    radius = np.hypot(X[:, 0].astype(np.float64), X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[y == 1], factor, atol=1e-6)


def test_moons_without_noise():
    X, y = moons(n_samples=300, noise=0.0, seed=3)
    X = X.astype(np.float64)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    assert (upper[:, 1] >= -1e-7).all()  # the upper half circle about (0, 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (lower[:, 1] <= 0.5 + 1e-7).all()  # the lower half circle about (1, 0.5)


def test_spirals_without_noise():
    turns, n_classes = 1.5, 3
    X, y = spirals(n_samples=300, noise=0.0, n_classes=n_classes, turns=turns, seed=4)
    X = X.astype(np.float64)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.min() >= 0.05 - 1e-6 and radius.max() <= 1.0 + 1e-6
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * (turns * radius + y / n_classes)
    difference = np.angle(np.exp(1j * (angle - expected)))  # wrapped to (-pi, pi]
    np.testing.assert_allclose(difference, 0.0, atol=1e-4)


@pytest.mark.parametrize(
    "call",
    [
        lambda: spirals(n_samples=1),
        lambda: moons(n_samples=0),
        lambda: circles(n_samples=-4),
        lambda: moons(n_samples=10.5),
        lambda: spirals(noise=-0.1),
        lambda: moons(noise=float("nan")),
        lambda: spirals(n_classes=1),
        lambda: circles(factor=0.0),
        lambda: circles(factor=1.0),
        lambda: circles(factor=1.5),
        lambda: circles(factor=-0.5),
    ],
    ids=["spirals-n1", "moons-n0", "circles-n-neg", "moons-n-frac", "spirals-noise-neg",
         "moons-noise-nan", "spirals-1-class", "factor-0", "factor-1", "factor-1.5",
         "factor-neg"],
)
def test_toy_bad_parameters(call):
    with pytest.raises(ConfigError):
        call()
