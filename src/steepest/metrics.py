"""Figures of a trained network: loss and accuracy over a dataset, the
confusion matrix of its predicted classes, and R² and RMSE of its values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import CLASSES
from .errors import DataError, ShapeError

if TYPE_CHECKING:
    from .network import Network

#: Rows per chunk when predicting or evaluating, to bound memory.
PREDICT_CHUNK = 2048


def evaluate_prepared(
    net: Network, X: np.ndarray, Y: np.ndarray, kind: str | None, w: np.ndarray | None
) -> dict[str, float]:
    """Loss (and accuracy) on checked arrays, in chunks to bound memory."""
    loss_sum = correct_sum = 0.0
    for start in range(0, X.shape[0], PREDICT_CHUNK):
        stop = start + PREDICT_CHUNK
        Z, A = net._forward_output(X[start:stop])
        weights = np.ones(len(A)) if w is None else w[start:stop]
        per_sample = net.loss.per_sample(Y[start:stop], A, Z, net.output_activation)
        loss_sum += float(np.dot(weights, per_sample))
        if kind is not None:
            correct_sum += float(np.dot(weights, correct(A, Y[start:stop], kind)))
    total = X.shape[0] if w is None else float(w.sum())
    result = {"loss": loss_sum / total}
    if kind is not None:
        result["accuracy"] = correct_sum / total
    return result


def correct(A: np.ndarray, Y: np.ndarray, kind: str) -> np.ndarray:
    """1.0 where a sample's prediction is right, else 0.0; shape ``(n,)``."""
    if kind == CLASSES:
        hits = A.argmax(axis=1) == Y.argmax(axis=1)
    else:
        hits = ((A >= 0.5) == (Y >= 0.5)).all(axis=1)
    return hits.astype(np.float64)


def class_labels(y: Any, name: str = "y") -> np.ndarray:
    """Class labels ``(n,)`` int64 from labels ``(n,)`` or one-hot / probability
    rows ``(n, k)`` (their argmax); ``name`` is what errors call ``y``."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1).astype(np.int64)
    if y.ndim == 2:
        y = y[:, 0]
    if y.ndim != 1:
        raise ShapeError(f"{name} must be labels (n,) or one-hot rows (n, k), got shape "
                         f"{y.shape}")
    if y.size and not np.all(np.equal(np.mod(y, 1), 0)):
        raise DataError(f"{name} must hold whole-number class labels")
    if y.size and y.min() < 0:
        # A negative label would silently pick a colour from the end of the palette.
        raise DataError(f"{name} must hold class labels 0, 1, ..., got {y.min():g}")
    return y.astype(np.int64)


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """Counts ``(k, k)`` int64: row = true class, column = predicted.

    ``y_true`` and ``y_pred`` are labels ``(n,)`` or one-hot / probability rows
    ``(n, k)``; ``k`` is ``n_classes``, else one more than the largest label.
    """
    truth, predicted = class_labels(y_true, "y_true"), class_labels(y_pred, "y_pred")
    if len(truth) != len(predicted):
        raise ShapeError(f"y_true has {len(truth)} labels, y_pred {len(predicted)}")
    k = n_classes or int(max(truth.max(initial=0), predicted.max(initial=0))) + 1
    if truth.size and (min(truth.min(), predicted.min()) < 0
                       or max(truth.max(), predicted.max()) >= k):
        raise DataError(f"class labels must lie in 0..{k - 1}")
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def regression_scores(y_true: Any, y_pred: Any) -> dict[str, float]:
    """``{"r2": ..., "rmse": ...}`` of predicted values: the coefficient of
    determination ``1 - SS_res / SS_tot`` (1 is perfect, 0 no better than the
    mean; NaN where the true values do not vary) and the root mean squared
    error. ``y_true`` and ``y_pred`` are ``(n,)`` or ``(n, k)``; with ``k``
    outputs each figure is the mean over the outputs."""
    truth, predicted = _columns(y_true), _columns(y_pred)
    if truth.shape != predicted.shape or not truth.size:
        raise ShapeError(f"y_true has shape {truth.shape} and y_pred {predicted.shape}; they "
                         "must match and hold values")
    residual = ((truth - predicted) ** 2).sum(axis=0)
    spread = ((truth - truth.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(spread > 0, 1 - residual / spread, np.nan)
    return {"r2": float(r2.mean()), "rmse": float(np.sqrt(residual / len(truth)).mean())}


def _columns(values: Any) -> np.ndarray:
    """Values ``(n,)`` or ``(n, k)`` as float64 columns ``(n, k)``."""
    values = np.asarray(values, dtype=np.float64)
    return values.reshape(len(values), 1) if values.ndim < 2 else values
