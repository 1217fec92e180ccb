"""Helpers every training script needs: one-hot labels, a stratified split, scaling."""

from __future__ import annotations

import numpy as np

from .._validation import check_finite
from ..errors import ConfigError, DataError, ShapeError


def one_hot(y: np.ndarray, n_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """Integer labels ``(n,)`` -> rows ``(n, n_classes)`` with a single 1."""
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iub":
        raise DataError(f"one_hot needs 1-D integer labels, got {y.dtype} {y.shape}")
    y = y.astype(np.intp)
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise DataError(f"labels must lie in 0..{n_classes - 1}, found {y.min()}..{y.max()}")
    out = np.zeros((len(y), n_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.25, stratify: bool = True,
    seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``test_size`` is a fraction of the rows: ``round(n * test_size)`` go to the
    test part. With ``stratify`` (for 1-D integer class labels; other targets
    are split at random) each class keeps its proportion in both parts. Seeded.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ShapeError(f"X has {len(X)} rows but y has {len(y)}")
    if not 0 < test_size < 1:
        raise ConfigError(f"test_size must lie in (0, 1), got {test_size}")
    rng = np.random.default_rng(seed)
    n_test = round(len(X) * test_size)
    if stratify and y.ndim == 1 and y.dtype.kind in "iub":
        labels, counts = np.unique(y, return_counts=True)
        # Each class's share of the test rows, rounded by largest remainder so that
        # the shares add up to round(n * test_size) exactly.
        exact = counts * (n_test / len(X))
        share = np.floor(exact).astype(int)
        share[np.argsort(share - exact)[: n_test - share.sum()]] += 1
        test = [rng.permutation(np.flatnonzero(y == label))[:k]
                for label, k in zip(labels, share, strict=True)]
        test_rows = np.sort(np.concatenate(test))
    else:
        test_rows = np.sort(rng.permutation(len(X))[:n_test])
    train_mask = np.ones(len(X), dtype=bool)
    train_mask[test_rows] = False
    if not train_mask.any() or train_mask.all():
        raise DataError(f"test_size={test_size} of {len(X)} rows leaves one part empty")
    return X[train_mask], X[test_rows], y[train_mask], y[test_rows]


class Standardizer:
    """Scale each column to mean 0 and standard deviation 1, with the figures of
    the data it was fitted on (fit on training data, apply to any data)."""

    def fit(self, X: np.ndarray) -> Standardizer:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) == 0:
            raise ShapeError(f"Standardizer needs a non-empty 2-D array, got shape {X.shape}")
        check_finite(X, "X")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)  # a constant column stays 0, not NaN
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "mean_"):
            raise ConfigError("this Standardizer has not been fitted: call fit(X_train) first")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != len(self.mean_):
            raise ShapeError(f"expected {len(self.mean_)} columns, got shape {X.shape}")
        out = (X - self.mean_) / self.scale_
        return out.astype(X.dtype if X.dtype.kind == "f" else np.float32)

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        return self.fit(X).transform(X)


def standardize(X_train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Standardise ``X_train`` with its own column means and deviations, and each
    array in ``others`` (test data) with those same figures:
    ``X_train_s, X_test_s = standardize(X_train, X_test)``."""
    scaler = Standardizer().fit(X_train)
    return tuple(scaler.transform(X) for X in (X_train, *others))
