"""Weight initialisers: the starting point of gradient descent.

Each initialiser takes a random generator and a layer's sizes and returns
``(W, b)`` with ``W`` of shape ``(n_in, n_out)`` and ``b`` of shape ``(n_out,)``.

- ``uniform01``: every weight *and bias* uniform on [0, 1), the first tutorial's
  ``np.random.rand``. Fine for ``[2, 3, 3, 2]``; with 1000 inputs per unit the
  weighted sums reach hundreds and sigmoid units saturate.
- ``uniform``: weights uniform on (-0.5, 0.5), where the sigmoid is steepest (the
  third tutorial); biases 0.
- ``glorot``: uniform on ±sqrt(6 / (n_in + n_out)) (Glorot & Bengio 2010), for
  sigmoid, tanh and softmax layers; biases 0.
- ``he``: normal with standard deviation sqrt(2 / n_in) (He et al. 2015), for
  ReLU-family layers; biases 0.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .errors import ConfigError

Initializer = Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]


def uniform01(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights and biases uniform on [0, 1).

    Drawn as the tutorial draws them, one ``(n_out, n_in + 1)`` matrix with the
    bias as its last column, then split into ``W`` and ``b``.
    """
    augmented = rng.random((n_out, n_in + 1))
    return augmented[:, :-1].T.copy(), augmented[:, -1].copy()


def uniform(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights uniform on (-0.5, 0.5); biases zero."""
    return rng.uniform(-0.5, 0.5, (n_in, n_out)), np.zeros(n_out)


def glorot(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights uniform on ±sqrt(6 / (n_in + n_out)); biases zero."""
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out)), np.zeros(n_out)


def he(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights normal with standard deviation sqrt(2 / n_in); biases zero."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out)), np.zeros(n_out)


INITIALIZERS: dict[str, Initializer] = {
    "uniform01": uniform01,
    "uniform": uniform,
    "glorot": glorot,
    "he": he,
}


def get_initializer(name: str) -> Initializer:
    """An initialiser by name: ``uniform01``, ``uniform``, ``glorot`` or ``he``."""
    try:
        return INITIALIZERS[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown init {name!r}; expected one of {sorted(INITIALIZERS)}"
        ) from None
