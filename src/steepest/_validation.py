"""Checks on user data, done once before any computation.

Each check raises a :mod:`steepest.errors` exception that says what was
expected and what was found, so a bad array never surfaces as a NumPy
traceback half-way through training.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from .errors import ConfigError, DataError, ShapeError

#: What the targets mean, which decides how accuracy is counted.
CLASSES = "classes"  # one class per row: accuracy compares argmaxes
BINARY = "binary"  # independent 0/1 outputs: accuracy thresholds at 0.5


class TargetChecker(Protocol):
    """What target checks need of a loss (see :class:`steepest.losses.Loss`)."""

    targets: str | None

    def check_targets(self, Y: np.ndarray) -> None: ...


#: Elements checked at a time, so a check never allocates a mask as big as the data.
CHECK_CHUNK = 1 << 20


def _numeric(a: object, what: str) -> np.ndarray:
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{what} must be a rectangular numeric array ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise DataError(f"{what} must be numeric, got an array of dtype {arr.dtype}")
    return arr


def check_finite(arr: np.ndarray, what: str) -> None:
    """Raise DataError if a float array holds NaN or infinity (checked in chunks)."""
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    rows = arr.reshape(len(arr), -1) if arr.ndim else arr.reshape(1, 1)
    step = max(1, CHECK_CHUNK // max(1, rows.shape[1]))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        if not np.isfinite(chunk).all():
            bad = np.argwhere(~np.isfinite(chunk))[0]
            flat = (start + bad[0]) * rows.shape[1] + bad[1]
            index = ", ".join(str(int(i)) for i in np.unravel_index(flat, arr.shape))
            count = sum(int((~np.isfinite(rows[i : i + step])).sum())
                        for i in range(start, len(rows), step))
            raise DataError(
                f"{what} contains NaN or infinity: {count} value(s), the first at index ({index})"
            )


def as_float(arr: np.ndarray, dtype: np.dtype, what: str) -> np.ndarray:
    """``arr`` in ``dtype``, refusing values that do not fit (NaN, inf, or beyond
    float32's range, which the cast would turn into inf)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.asarray(arr, dtype=dtype)
    try:
        check_finite(out, what)
    except DataError:
        check_finite(np.asarray(arr), what)  # NaN or inf in the data itself
        raise DataError(
            f"{what} holds values too large for {dtype.name} (largest magnitude "
            f"{float(np.abs(arr).max()):.3g}, limit {float(np.finfo(dtype).max):.3g})"
        ) from None
    return out


def check_X(X: object, n_features: int) -> np.ndarray:
    """``X`` as a 2-D numeric array ``(n_samples, n_features)``: shape and type
    checked, not copied (values are checked by :func:`as_float`)."""
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
    return arr


def prepare_targets(
    y: object, n_samples: int, n_outputs: int, loss: TargetChecker, dtype: np.dtype
) -> tuple[np.ndarray, str | None]:
    """Targets as a float matrix ``(n_samples, n_outputs)`` and what they mean.

    Integer labels ``(n,)`` become one-hot rows when there are several outputs;
    ``(n,)`` values become a column when there is one output. The second value
    is ``CLASSES``, ``BINARY`` or None (regression: no accuracy): labels are
    classes, otherwise the ``loss`` says (its ``targets``), and checks the
    values (its ``check_targets``).
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
    if arr.ndim == 2 and arr.shape[1] != n_outputs:
        raise ShapeError(
            f"y has {arr.shape[1]} columns but the network has {n_outputs} outputs"
        )
    Y = as_float(arr, dtype, "y").reshape(n_samples, n_outputs)
    loss.check_targets(Y)
    return Y, loss.targets


def _check_labels(y: np.ndarray, n_classes: int) -> np.ndarray:
    if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
        raise DataError(
            f"y is 1-D, so it must hold integer class labels 0..{n_classes - 1} for the "
            f"{n_classes} outputs; found non-integer values such as {y[y != np.round(y)][0]:g}"
        )
    low, high = y.min(), y.max()  # before any cast, which could wrap huge values
    if low < 0 or high >= n_classes:
        raise DataError(
            f"class labels must lie in 0..{n_classes - 1} (the network has {n_classes} "
            f"outputs), found labels from {low:g} to {high:g}"
        )
    return y.astype(np.int64)


def check_sample_weight(sample_weight: object, n_samples: int) -> np.ndarray | None:
    """Sample weights as a float64 vector ``(n_samples,)``: finite, >= 0, not all 0."""
    if sample_weight is None:
        return None
    arr = _numeric(sample_weight, "sample_weight")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ShapeError(
            f"sample_weight must have shape ({n_samples},), one weight per row; got {arr.shape}"
        )
    if arr.shape[0] != n_samples:
        raise ShapeError(f"sample_weight has {arr.shape[0]} values but X has {n_samples} rows")
    w = as_float(arr, np.dtype(np.float64), "sample_weight")
    with np.errstate(over="ignore"):
        total = w.sum()
    if (w < 0).any() or total <= 0:
        raise DataError("sample_weight must be >= 0 with a positive sum")
    if not np.isfinite(total):
        raise DataError("sample_weight is too large: its sum overflows; scale the weights down")
    return w


# ---------------------------------------------------------------------- settings


def whole_number(value: Any, name: str, minimum: int, *, none_ok: bool = False) -> int | None:
    """``value`` as an ``int`` >= ``minimum`` (None passes with ``none_ok``), else a
    ConfigError naming ``name``. Booleans and floats such as 2.0 are refused."""
    if value is None and none_ok:
        return None
    message = f"{name} must be a whole number >= {minimum}{' or None' if none_ok else ''}"
    try:
        if isinstance(value, bool):
            raise TypeError
        whole = operator.index(value)
    except TypeError:
        raise ConfigError(f"{message}, got {value!r}") from None
    if whole < minimum:
        raise ConfigError(f"{message}, got {value!r}")
    return whole


def is_real(value: Any) -> bool:
    """Whether ``value`` is a finite real number: not NaN or infinite (``1e400`` in
    a spec reads as inf), not a boolean nor a text."""
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


def real_number(value: Any, name: str, requirement: str, accept: Callable[[float], bool]
                ) -> float:
    """``value`` as a finite ``float`` that ``accept`` takes, else the ConfigError
    "``name`` must ``requirement``, got ..." (``requirement`` such as "be a
    number >= 0" or "lie in [0, 1)"). Booleans are refused."""
    if not (is_real(value) and accept(float(value))):
        raise ConfigError(f"{name} must {requirement}, got {value!r}")
    return float(value)


def positive_number(value: Any, name: str, *, none_ok: bool = False) -> float | None:
    """``value`` as a finite ``float`` > 0 (None passes with ``none_ok``)."""
    if value is None and none_ok:
        return None
    requirement = "be a positive number" + (" or None" if none_ok else "")
    return real_number(value, name, requirement, lambda v: v > 0)
