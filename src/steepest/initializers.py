"""Weight initialisers: the starting point of gradient descent.

An initialiser is called with a random generator and a layer's sizes and returns
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

Each activation names the initialiser that suits it (``Activation.init``), which
``Network`` uses when none is given. A class of your own joins them with
:func:`register`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ._registry import Registry


class Initializer:
    """Base class: subclasses set ``name`` and implement ``__call__``."""

    name: ClassVar[str] = ""

    def __call__(self, rng: np.random.Generator, n_in: int, n_out: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        """``(W, b)``: ``W`` ``(n_in, n_out)`` and ``b`` ``(n_out,)``, drawn from ``rng``."""
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """Name and parameters, as stored in model files."""
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Uniform01(Initializer):
    """Weights and biases uniform on [0, 1).

    Drawn as the tutorial draws them, one ``(n_out, n_in + 1)`` matrix with the
    bias as its last column, then split into ``W`` and ``b``.
    """

    name = "uniform01"

    def __call__(self, rng: np.random.Generator, n_in: int, n_out: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        augmented = rng.random((n_out, n_in + 1))
        return augmented[:, :-1].T.copy(), augmented[:, -1].copy()


class Uniform(Initializer):
    """Weights uniform on (-0.5, 0.5); biases zero."""

    name = "uniform"

    def __call__(self, rng: np.random.Generator, n_in: int, n_out: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        return rng.uniform(-0.5, 0.5, (n_in, n_out)), np.zeros(n_out)


class Glorot(Initializer):
    """Weights uniform on ±sqrt(6 / (n_in + n_out)); biases zero."""

    name = "glorot"

    def __call__(self, rng: np.random.Generator, n_in: int, n_out: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, (n_in, n_out)), np.zeros(n_out)


class He(Initializer):
    """Weights normal with standard deviation sqrt(2 / n_in); biases zero."""

    name = "he"

    def __call__(self, rng: np.random.Generator, n_in: int, n_out: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        return rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out)), np.zeros(n_out)


uniform01, uniform, glorot, he = Uniform01(), Uniform(), Glorot(), He()

#: Every initialiser by name; :func:`register` adds your own.
INITIALIZERS: Registry[Initializer] = Registry(
    "init", Initializer, (Uniform01, Uniform, Glorot, He)
)


def get_initializer(spec: str | dict[str, Any] | Initializer) -> Initializer:
    """An initialiser from a name (``uniform01``, ``uniform``, ``glorot``, ``he``),
    a config dict or an instance."""
    return INITIALIZERS.create(spec)


def register(cls: type[Initializer], *, replace: bool = False) -> type[Initializer]:
    """Make an :class:`Initializer` subclass known by its ``name``. Works as a
    class decorator."""
    return INITIALIZERS.register(cls, replace=replace)
