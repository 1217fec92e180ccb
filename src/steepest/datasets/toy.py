"""Small datasets written out or generated in NumPy: seeded, instant, offline.

Each returns ``X`` float32 ``(n, n_features)`` and ``y``: int64 ``(n,)`` class
labels, or float32 ``(n,)`` values for the regression sets (:func:`plane`,
:func:`gaussian_hills`). The 2-D sets lie in about ``[-1, 1]²``; with
:func:`quadrants` and :func:`gaussians` they include TensorFlow Playground's
(circle, XOR, two Gaussians, spiral, plane, multi-Gaussian).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import ConfigError

Data = tuple[np.ndarray, np.ndarray]


def xor() -> Data:
    """The four rows of XOR: ``X`` (4, 2), ``y`` = x1 XOR x2."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return X, np.array([0, 1, 1, 0], dtype=np.int64)


def and_first_last() -> tuple[Data, Data]:
    """The third tutorial's truth table: the target is the AND of the first and
    last of three inputs (the middle one is irrelevant). Five rows to train on,
    the three other rows (never seen in training) to test on:
    ``(X_train (5, 3), y_train), (X_test (3, 3), y_test)``."""
    X_train = np.array([[1, 0, 1], [0, 0, 0], [1, 1, 0], [1, 0, 0], [0, 0, 1]], np.float32)
    X_test = np.array([[0, 1, 1], [1, 1, 1], [0, 1, 0]], dtype=np.float32)
    target = lambda X: (X[:, 0] * X[:, 2]).astype(np.int64)  # noqa: E731
    return (X_train, target(X_train)), (X_test, target(X_test))


def spirals(n_samples: int = 400, noise: float = 0.1, n_classes: int = 2,
            turns: float = 1.5, seed: int | None = 0) -> Data:
    """Interleaved spiral arms, one per class, in 2-D (about [-1, 1]²).

    ``noise`` is the standard deviation of Gaussian jitter; a linear model
    cannot separate the arms, a small MLP can.
    """
    _check(n_samples, noise)
    if not isinstance(turns, numbers.Real) or not 0 < turns < float("inf"):
        raise ConfigError(f"turns must be a positive number, got {turns!r}")
    _check_classes(n_classes, "spirals")
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    radius = rng.uniform(0.05, 1.0, n_samples)
    angle = 2 * np.pi * (turns * radius + y / n_classes)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += rng.normal(0.0, noise, X.shape)
    return X.astype(np.float32), y.astype(np.int64)


def moons(n_samples: int = 400, noise: float = 0.1, seed: int | None = 0) -> Data:
    """Two interleaving half circles in 2-D, classes 0 (upper) and 1 (lower)."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2
    t = rng.uniform(0.0, np.pi, n_samples)
    X = np.where(
        y[:, None] == 0,
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]),
    )
    X += rng.normal(0.0, noise, X.shape)
    return X.astype(np.float32), y.astype(np.int64)


def circles(n_samples: int = 400, noise: float = 0.05, factor: float = 0.5,
            seed: int | None = 0) -> Data:
    """A circle of class 1 (radius ``factor``) inside a circle of class 0 (radius 1)."""
    _check(n_samples, noise)
    if not 0 < factor < 1:
        raise ConfigError(f"circles needs 0 < factor < 1, got {factor}")
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2
    t = rng.uniform(0.0, 2 * np.pi, n_samples)
    radius = np.where(y == 1, factor, 1.0)
    X = np.column_stack([radius * np.cos(t), radius * np.sin(t)])
    X += rng.normal(0.0, noise, X.shape)
    return X.astype(np.float32), y.astype(np.int64)


def gaussians(n_samples: int = 400, noise: float = 0.1, n_classes: int = 2,
              seed: int | None = 0) -> Data:
    """One round Gaussian cloud per class, their centres evenly spaced on a circle
    of radius 0.5 (two classes: at (0.35, 0.35) and (-0.35, -0.35)); each cloud's
    standard deviation is ``0.1 + noise``."""
    _check(n_samples, noise)
    _check_classes(n_classes, "gaussians")
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % n_classes
    angle = np.pi / 4 + 2 * np.pi * y / n_classes
    centres = 0.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    X = centres + rng.normal(0.0, 0.1 + noise, (n_samples, 2))
    return X.astype(np.float32), y.astype(np.int64)


def quadrants(n_samples: int = 400, noise: float = 0.1, seed: int | None = 0) -> Data:
    """XOR over the plane: points uniform in ``[-1, 1]²`` (kept a little off the
    axes), class 1 where ``x1 * x2 > 0``, then moved by Gaussian ``noise``."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2))
    X += np.copysign(0.05, X)  # a gap along the axes, where the class flips
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    X += rng.normal(0.0, noise, X.shape)
    return X.astype(np.float32), y


def plane(n_samples: int = 400, noise: float = 0.1, seed: int | None = 0) -> Data:
    """Regression: ``y = (x1 + x2) / 2`` for points uniform in ``[-1, 1]²``, plus
    Gaussian ``noise`` on ``y``; ``y`` is float32 in about ``[-1, 1]``."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2))
    y = X.sum(axis=1) / 2 + rng.normal(0.0, noise, n_samples)
    return X.astype(np.float32), y.astype(np.float32)


#: The hills of :func:`gaussian_hills`: (centre x1, centre x2, height).
HILLS = ((-0.6, 0.6, 1.0), (0.6, 0.6, -1.0), (-0.6, -0.6, -1.0), (0.6, -0.6, 1.0),
         (0.0, 0.0, 1.0))


def gaussian_hills(n_samples: int = 400, noise: float = 0.1, seed: int | None = 0) -> Data:
    """Regression: ``y`` is a sum of Gaussian bumps of width 0.3, up and down
    (:data:`HILLS`), over points uniform in ``[-1, 1]²``, plus Gaussian ``noise``."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2))
    y = np.zeros(n_samples)
    for a, b, height in HILLS:
        y += height * np.exp(-((X[:, 0] - a) ** 2 + (X[:, 1] - b) ** 2) / (2 * 0.3**2))
    y += rng.normal(0.0, noise, n_samples)
    return X.astype(np.float32), y.astype(np.float32)


def _check_classes(n_classes: int, name: str) -> None:
    if not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise ConfigError(f"{name} needs a whole number n_classes >= 2, got {n_classes!r}")


def _check(n_samples: int, noise: float) -> None:
    if not isinstance(n_samples, numbers.Integral) or n_samples < 2:
        raise ConfigError(f"n_samples must be a whole number >= 2, got {n_samples!r}")
    if not isinstance(noise, numbers.Real) or not 0 <= noise < float("inf"):
        raise ConfigError(f"noise must be a number >= 0, got {noise!r}")
