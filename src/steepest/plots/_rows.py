"""Checks on the rows a picture is drawn from, and the classes a network predicts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, DataError, ShapeError
from ..metrics import class_labels

if TYPE_CHECKING:
    from ..network import Network


def check_rows(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` ``(n, n_features)``, finite, and its class labels ``y`` ``(n,)`` int64."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ShapeError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if len(X) == 0:
        raise DataError("X has no rows")
    # Checked here, before any prediction, so the message counts X's values (not a grid's).
    bad = int(np.count_nonzero(~np.isfinite(X))) if X.dtype.kind in "fc" else 0
    if bad:
        raise DataError(f"X must be finite, found {bad} NaN or infinite values "
                        f"(of {X.size})")
    y = class_labels(y)
    if len(y) != len(X):
        raise ShapeError(f"X has {len(X)} rows but y has {len(y)}")
    return X, y


def predicted_classes(net: Network, X: np.ndarray) -> np.ndarray:
    """The class ``net`` predicts for each row of ``X``, ``(n,)``; a ConfigError
    for a multi-label network."""
    classes = net.predict_classes(X)
    if classes.ndim != 1:
        raise ConfigError("these plots need one class per sample; this network gives "
                          f"{classes.shape[1]} independent (multi-label) outputs")
    return classes
