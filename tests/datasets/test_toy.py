"""steepest.datasets.toy: XOR, the truth table, moons, circles, spirals, and
TensorFlow Playground's sets (quadrants, Gaussians, plane, Gaussian hills)."""

from __future__ import annotations

import numpy as np
import pytest

from steepest.datasets import (
    and_first_last,
    circles,
    gaussian_hills,
    gaussians,
    moons,
    plane,
    quadrants,
    spirals,
    xor,
)
from steepest.datasets.toy import HILLS
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
    "gaussians": gaussians,
    "gaussians4": lambda **kw: gaussians(n_classes=4, **kw),
}
#: Every seeded 2-D set, the unbalanced and the regression ones too.
SEEDED = {**TOYS, "quadrants": quadrants, "plane": plane, "hills": gaussian_hills}


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
    assert len(counts) == {TOYS["spirals3"]: 3, TOYS["gaussians4"]: 4}.get(make, 2)


@pytest.mark.parametrize("make", SEEDED.values(), ids=SEEDED.keys())
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


def test_gaussians_are_clouds_around_their_centres():
    X, y = gaussians(n_samples=4000, noise=0.1, n_classes=2, seed=5)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [0.354, 0.354], atol=0.02)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [-0.354, -0.354], atol=0.02)
    assert X[y == 0].std(axis=0) == pytest.approx([0.2, 0.2], rel=0.06)  # 0.1 + noise


def test_quadrants_is_xor_of_the_signs_without_noise():
    X, y = quadrants(n_samples=500, noise=0.0, seed=6)
    assert np.abs(X).min() >= 0.05 and np.abs(X).max() <= 1.05
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) == np.sign(X[:, 1])).astype(int))
    assert 200 < y.sum() < 300


def test_plane_and_hills_are_regression_targets():
    X, y = plane(n_samples=300, noise=0.0, seed=7)
    assert y.dtype == np.float32 and X.shape == (300, 2)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 2, atol=1e-6)
    X, y = gaussian_hills(n_samples=1000, noise=0.0, seed=7)
    assert y.dtype == np.float32
    a, b, height = HILLS[0]
    near = np.hypot(X[:, 0] - a, X[:, 1] - b) < 0.1
    assert height == 1.0 and near.any() and (y[near] > 0.8 * height).all()  # on its top
    noisy = gaussian_hills(n_samples=1000, noise=0.2, seed=7)[1]
    assert np.std(noisy - y) == pytest.approx(0.2, rel=0.15)


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
        lambda: gaussians(n_classes=1),
        lambda: quadrants(noise=-1),
        lambda: plane(n_samples=1),
        lambda: gaussian_hills(noise=float("inf")),
    ],
    ids=["spirals-n1", "moons-n0", "circles-n-neg", "moons-n-frac", "spirals-noise-neg",
         "moons-noise-nan", "spirals-1-class", "factor-0", "factor-1", "factor-1.5",
         "factor-neg", "gaussians-1-class", "quadrants-noise-neg", "plane-n1",
         "hills-noise-inf"],
)
def test_toy_bad_parameters(call):
    with pytest.raises(ConfigError):
        call()
