"""What each of the doctor's tools starts from: checked rows and a fresh optimiser."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import positive_number
from ..optimizers import SGD, Optimizer, get_optimizer

if TYPE_CHECKING:
    from ..network import Network


def prepared(net: Network, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` ``(n, sizes[0])`` and targets ``Y`` ``(n, sizes[-1])``, checked."""
    X, Y, _, _ = net._prepare(X, y)
    return X, Y


def some_rows(net: Network, X: Any, y: Any, size: int,
              seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked ``(X, Y)`` cut to ``size`` rows (all of them if fewer), drawn with
    ``seed`` and kept in their order."""
    X, Y = prepared(net, X, y)
    if len(X) <= size:
        return X, Y
    rows = np.sort(np.random.default_rng(seed).choice(len(X), size=size, replace=False))
    return X[rows], Y[rows]


def optimizer_for(net: Network, optimizer: Any, learning_rate: float | None) -> Optimizer:
    """A fresh optimiser: ``optimizer`` if given, else the network's kind at its
    current rate, else plain SGD (0.01, as ``fit`` starts a new network);
    ``learning_rate`` overrides the rate. Always a constant schedule."""
    if learning_rate is not None:
        learning_rate = positive_number(learning_rate, "learning_rate")
    if isinstance(optimizer, Optimizer):
        chosen = optimizer.fresh(learning_rate)
    elif optimizer is not None:
        chosen = get_optimizer(optimizer, learning_rate)
    elif net.optimizer is not None:
        chosen = net.optimizer.fresh(learning_rate or net.optimizer.lr, "constant")
    else:
        chosen = SGD(learning_rate or 0.01)
    chosen.start_epoch(0)
    return chosen
