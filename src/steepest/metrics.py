"""Figures of a trained network: loss and accuracy over a dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._validation import CLASSES

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
