"""Small datasets written out or generated in NumPy: seeded, instant, offline.

Each returns ``X`` float32 ``(n, n_features)`` and ``y`` int64 ``(n,)`` labels.
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
    if not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise ConfigError(f"spirals needs a whole number n_classes >= 2, got {n_classes!r}")
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


def _check(n_samples: int, noise: float) -> None:
    if not isinstance(n_samples, numbers.Integral) or n_samples < 2:
        raise ConfigError(f"n_samples must be a whole number >= 2, got {n_samples!r}")
    if not isinstance(noise, numbers.Real) or not 0 <= noise < float("inf"):
        raise ConfigError(f"noise must be a number >= 0, got {noise!r}")
