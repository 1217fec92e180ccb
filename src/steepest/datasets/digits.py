"""The 8x8 handwritten digits bundled with scikit-learn: 1,797 images, offline."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .preprocessing import train_test_split

Split = tuple[np.ndarray, np.ndarray]


def load_digits(test_size: float = 0.25, seed: int = 0) -> tuple[Split, Split]:
    """``(X_train, y_train), (X_test, y_test)``: 8x8 images as float32 rows of 64
    pixels in [0, 1] (ink is 1), int64 labels 0..9; a stratified split, seeded.

    The data ships inside scikit-learn (``pip install 'steepest[data]'``), so it
    loads with no network.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ConfigError(
            "load_digits needs scikit-learn, which bundles the data: "
            "pip install 'steepest[data]'"
        ) from None
    bunch = sklearn_digits()
    X = (bunch.data / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size, seed=seed)
    return (X_train, y_train), (X_test, y_test)
