"""Checks on user data, done once before any computation.

Each check raises a :mod:`steepest.errors` exception that says what was
expected and what was found, so a bad array never surfaces as a NumPy
traceback half-way through training.
"""

from __future__ import annotations

import numpy as np

from .errors import DataError, ShapeError

#: What the targets mean, which decides how accuracy is counted.
CLASSES = "classes"  # one class per row: accuracy compares argmaxes
BINARY = "binary"  # independent 0/1 outputs: accuracy thresholds at 0.5


def _numeric(a: object, what: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise DataError(f"{what} must be numeric, got an array of dtype {arr.dtype}")
    return arr


def _first_non_finite(arr: np.ndarray) -> str:
    bad = np.argwhere(~np.isfinite(arr))
    where = ", ".join(str(int(i)) for i in bad[0])
    return f"{len(bad)} value(s), the first at index ({where})"


def check_finite(arr: np.ndarray, what: str) -> None:
    """Raise DataError if a float array holds NaN or infinity."""
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise DataError(f"{what} contains NaN or infinity: {_first_non_finite(arr)}")


def check_X(X: object, n_features: int) -> np.ndarray:
    """``X`` as a 2-D numeric array ``(n_samples, n_features)``, checked, not copied."""
    arr = _numeric(X, "X")
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = (
                "; for one sample use X.reshape(1, -1)"
                if arr.size == n_features
                else "; for one feature use X.reshape(-1, 1)"
            )
        raise ShapeError(
            f"X must be 2-D (n_samples, n_features={n_features}), got shape {arr.shape}{hint}"
        )
    if arr.shape[0] == 0:
        raise DataError(f"X is empty: expected at least one sample, got shape {arr.shape}")
    if arr.shape[1] != n_features:
        raise ShapeError(
            f"X has {arr.shape[1]} features (columns) but the network's input layer has "
            f"{n_features}"
        )
    check_finite(arr, "X")
    return arr


def prepare_targets(
    y: object, n_samples: int, n_outputs: int, loss_name: str, dtype: np.dtype
) -> tuple[np.ndarray, str | None]:
    """Targets as a float matrix ``(n_samples, n_outputs)`` and what they mean.

    Integer labels ``(n,)`` become one-hot rows when there are several outputs;
    ``(n,)`` values become a column when there is one output. The second value
    is ``CLASSES``, ``BINARY`` or None (regression: no accuracy).
    """
    arr = _numeric(y, "y")
    if arr.ndim == 0 or arr.ndim > 2:
        raise ShapeError(f"y must be 1-D labels or 2-D (n_samples, {n_outputs}), got {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ShapeError(f"X has {n_samples} rows but y has {arr.shape[0]}; they must match")
    if arr.size == 0:
        raise DataError("y is empty")
    check_finite(arr, "y")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]

    if arr.ndim == 1 and n_outputs > 1:
        labels = _check_labels(arr, n_outputs)
        Y = np.zeros((n_samples, n_outputs), dtype=dtype)
        Y[np.arange(n_samples), labels] = 1
        return Y, CLASSES
    if arr.ndim == 1:
        Y = arr.astype(dtype).reshape(-1, 1)
    elif arr.shape[1] != n_outputs:
        raise ShapeError(
            f"y has {arr.shape[1]} columns but the network has {n_outputs} outputs"
        )
    else:
        Y = arr.astype(dtype)

    if loss_name == "cross_entropy":
        if (Y < 0).any() or not np.allclose(Y.sum(axis=1), 1, atol=1e-3):
            raise DataError(
                "cross_entropy targets must be class labels or rows of probabilities summing "
                "to 1 (one-hot); found rows that do not"
            )
        return Y, CLASSES
    if loss_name == "binary_cross_entropy":
        if (Y < 0).any() or (Y > 1).any():
            raise DataError(
                f"binary_cross_entropy targets must lie in [0, 1], found values from "
                f"{Y.min():g} to {Y.max():g}"
            )
        return Y, BINARY
    return Y, None


def _check_labels(y: np.ndarray, n_classes: int) -> np.ndarray:
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
        raise DataError(
            f"y is 1-D, so it must hold integer class labels 0..{n_classes - 1} for the "
            f"{n_classes} outputs; found non-integer values such as {y[y != np.round(y)][0]:g}"
        )
    labels = y.astype(np.int64)
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= n_classes:
        raise DataError(
            f"class labels must lie in 0..{n_classes - 1} (the network has {n_classes} "
            f"outputs), found labels from {low} to {high}"
        )
    return labels


def check_sample_weight(sample_weight: object, n_samples: int) -> np.ndarray | None:
    """Sample weights as a float64 vector ``(n_samples,)``: finite, >= 0, not all 0."""
    if sample_weight is None:
        return None
    w = _numeric(sample_weight, "sample_weight").astype(np.float64).ravel()
    if w.shape[0] != n_samples:
        raise ShapeError(f"sample_weight has {w.shape[0]} values but X has {n_samples} rows")
    check_finite(w, "sample_weight")
    if (w < 0).any() or w.sum() <= 0:
        raise DataError("sample_weight must be >= 0 with a positive sum")
    return w
