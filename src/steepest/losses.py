"""Loss functions: each gives its value and its gradient.

Shapes: targets ``Y`` and outputs ``A`` are ``(n_samples, n_outputs)``; ``Z`` is
the output layer's weighted sums (logits), same shape. A loss first gives one
value per sample (``per_sample``, shape ``(n_samples,)``); the loss of a batch is
the weighted average of those, ``sum(w_i * l_i) / sum(w_i)``, with ``w_i = 1``
unless ``sample_weight`` is given, so it is the plain mean by default.

``output_delta`` gives the gradient of the batch loss with respect to ``Z``: the
first psi of the backward sweep. Where the output activation and the loss fit
together (softmax with cross-entropy, sigmoid with binary cross-entropy) it uses
the fused, exact and stable form ``a - y``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ._registry import Registry
from ._validation import BINARY, CLASSES
from .activations import Activation, Sigmoid, Softmax
from .errors import ConfigError, DataError


class Loss:
    """Base class: subclasses implement ``per_sample`` and either ``grad_output``
    (d loss / d output; the chain rule through the output activation is then
    automatic) or a fused ``output_delta``.

    Class attributes the library asks instead of testing names:

    - ``output_activation``: the output layer it needs when none is given
      (``"softmax"``, ``"sigmoid"``), or None to follow the hidden layers'.
    - ``targets``: what its targets are, which decides how accuracy is counted:
      ``CLASSES`` (one class per row), ``BINARY`` (independent 0/1 labels, e.g.
      multi-label) or None (numbers: regression, no accuracy).
    """

    name: ClassVar[str] = ""
    output_activation: ClassVar[str | None] = None
    targets: ClassVar[str | None] = None

    def check_targets(self, Y: np.ndarray) -> None:
        """Raise DataError if the target matrix ``Y`` ``(n, n_outputs)`` does not
        suit this loss (any finite numbers do, by default)."""

    def check_output_activation(self, activation: Activation) -> None:
        """Raise ConfigError if this loss cannot follow ``activation``."""

    def per_sample(
        self, Y: np.ndarray, A: np.ndarray, Z: np.ndarray, activation: Activation
    ) -> np.ndarray:
        """Loss of each sample, float64 ``(n_samples,)`` (summed over many samples,
        and able to exceed float32's range); ``Z`` and the output ``activation``
        let the cross-entropies work from the logits."""
        raise NotImplementedError

    def grad_output(self, Y: np.ndarray, A: np.ndarray) -> np.ndarray:
        """d(per-sample loss)/dA, shape ``(n_samples, n_outputs)``."""
        raise NotImplementedError(f"{type(self).__name__} needs grad_output or output_delta")

    def output_delta(
        self, Y: np.ndarray, A: np.ndarray, Z: np.ndarray, activation: Activation,
        row_weights: np.ndarray | None,
    ) -> np.ndarray:
        """dLoss/dZ of the batch loss; ``row_weights`` (n,) are ``w_i / sum(w)``,
        or None for equal weights ``1 / n``."""
        return activation.backward(Z, A, scale_rows(self.grad_output(Y, A), row_weights))

    def config(self) -> dict[str, Any]:
        """Name and parameters, as stored in model files."""
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SumSquaredError(Loss):
    """``sse``: per sample ``1/2 * sum_k (y_k - a_k)**2``; gradient ``a - y``.

    The second tutorial's error; the 1/2 cancels the 2 of the derivative.
    """

    name = "sse"

    def per_sample(
        self, Y: np.ndarray, A: np.ndarray, Z: np.ndarray, activation: Activation
    ) -> np.ndarray:
        diff = A - Y
        return 0.5 * np.einsum("ij,ij->i", diff, diff, dtype=np.float64)

    def grad_output(self, Y: np.ndarray, A: np.ndarray) -> np.ndarray:
        return A - Y


class MeanSquaredError(Loss):
    """``mse``: per sample ``mean_k (y_k - a_k)**2``; gradient ``2 (a - y) / K``."""

    name = "mse"

    def per_sample(
        self, Y: np.ndarray, A: np.ndarray, Z: np.ndarray, activation: Activation
    ) -> np.ndarray:
        diff = A - Y
        return np.einsum("ij,ij->i", diff, diff, dtype=np.float64) / Y.shape[1]

    def grad_output(self, Y: np.ndarray, A: np.ndarray) -> np.ndarray:
        grad = A - Y
        grad *= 2.0 / Y.shape[1]
        return grad


class BinaryCrossEntropy(Loss):
    """``binary_cross_entropy``: per sample ``mean_k -(y log a + (1-y) log(1-a))``.

    Each output is an independent probability (a sigmoid output layer; several
    outputs make a multi-label problem). The value is computed from the logits
    ``s = c*z`` as ``max(s, 0) - s*y + log(1 + exp(-|s|))``, exact and finite for
    any ``z``; the gradient with respect to ``z`` is ``c * (a - y) / K``.
    """

    name = "binary_cross_entropy"
    output_activation = "sigmoid"
    targets = BINARY

    def check_targets(self, Y: np.ndarray) -> None:
        if (Y < 0).any() or (Y > 1).any():
            raise DataError(
                f"binary_cross_entropy targets must lie in [0, 1], found values from "
                f"{Y.min():g} to {Y.max():g}"
            )

    def check_output_activation(self, activation: Activation) -> None:
        if not isinstance(activation, Sigmoid):
            raise ConfigError(
                f"binary_cross_entropy needs a sigmoid output layer, got {activation.name}"
            )

    def per_sample(
        self, Y: np.ndarray, A: np.ndarray, Z: np.ndarray, activation: Activation
    ) -> np.ndarray:
        S = np.multiply(Z, activation.c, dtype=np.float64)  # c * z may exceed float32
        value = np.maximum(S, 0) - S * Y + np.log1p(np.exp(-np.abs(S)))
        return value.mean(axis=1, dtype=np.float64)

    def output_delta(
        self, Y: np.ndarray, A: np.ndarray, Z: np.ndarray, activation: Activation,
        row_weights: np.ndarray | None,
    ) -> np.ndarray:
        return scale_rows(A - Y, row_weights, activation.c / Y.shape[1])


class CrossEntropy(Loss):
    """``cross_entropy``: per sample ``-sum_k y_k log softmax(z)_k``.

    Targets are integer class labels (turned into one-hot rows) or rows of
    probabilities. Fused with the softmax output: the value is
    ``logsumexp(z) - sum_k y_k z_k``, finite for logits of any size, and the
    gradient with respect to ``z`` is ``softmax(z) - y``.
    """

    name = "cross_entropy"
    output_activation = "softmax"
    targets = CLASSES

    def check_targets(self, Y: np.ndarray) -> None:
        if (Y < 0).any() or not np.allclose(Y.sum(axis=1), 1, atol=1e-3):
            raise DataError(
                "cross_entropy targets must be class labels or rows of probabilities summing "
                "to 1 (one-hot); found rows that do not"
            )

    def check_output_activation(self, activation: Activation) -> None:
        if not isinstance(activation, Softmax):
            raise ConfigError(f"cross_entropy needs a softmax output layer, got {activation.name}")

    def per_sample(
        self, Y: np.ndarray, A: np.ndarray, Z: np.ndarray, activation: Activation
    ) -> np.ndarray:
        m = np.maximum.reduce(Z, axis=1, keepdims=True)
        with np.errstate(over="ignore"):  # see Softmax.forward
            shifted = Z - m
        np.exp(shifted, out=shifted)
        # In float64: the loss of a float32 network can exceed float32's range.
        lse = np.log(np.add.reduce(shifted, axis=1), dtype=np.float64) + m[:, 0]
        return lse - np.einsum("ij,ij->i", Y, Z, dtype=np.float64)

    def output_delta(
        self, Y: np.ndarray, A: np.ndarray, Z: np.ndarray, activation: Activation,
        row_weights: np.ndarray | None,
    ) -> np.ndarray:
        return scale_rows(A - Y, row_weights)


def scale_rows(
    delta: np.ndarray, row_weights: np.ndarray | None, factor: float = 1.0
) -> np.ndarray:
    """``delta`` ``(n, k)`` with row ``i`` times ``factor * row_weights[i]`` (``factor / n``
    when ``row_weights`` is None), in place."""
    if row_weights is None:
        delta *= factor / len(delta)
    else:
        delta *= (row_weights * factor)[:, None].astype(delta.dtype)
    return delta


def weighted_loss(per_sample: np.ndarray, row_weights: np.ndarray | None) -> float:
    """``sum(row_weights * per_sample)``; the mean when ``row_weights`` is None."""
    if row_weights is None:
        return float(np.add.reduce(per_sample)) / per_sample.size
    return float(np.dot(row_weights, per_sample))


#: Every loss by name; :func:`register` adds your own.
LOSSES: Registry[Loss] = Registry(
    "loss", Loss, (SumSquaredError, MeanSquaredError, BinaryCrossEntropy, CrossEntropy)
)


def get_loss(spec: str | dict[str, Any] | Loss) -> Loss:
    """A loss from its name (``"sse"``, ``"mse"``, ``"binary_cross_entropy"``,
    ``"cross_entropy"``), a config dict or an instance."""
    return LOSSES.create(spec)


def register(cls: type[Loss], *, replace: bool = False) -> type[Loss]:
    """Make a :class:`Loss` subclass known by its ``name`` (see :class:`Loss` for
    what it implements). Works as a class decorator."""
    return LOSSES.register(cls, replace=replace)
