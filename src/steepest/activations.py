"""Activation functions: each gives its value and its derivative.

An activation acts elementwise on the weighted sums ``Z`` of a layer, shape
``(n_samples, n_units)``, and gives the layer's output ``A`` of the same shape.
``backward(Z, A, grad_A)`` turns the gradient of the loss with respect to ``A``
into the gradient with respect to ``Z`` (for elementwise functions, times the
derivative; for softmax, the Jacobian-vector product). It may overwrite
``grad_A`` and return it, which saves a temporary array on the hot path.

Activations are looked up by name (``get_activation("relu")``), by name with
parameters (``"sigmoid(c=0.01)"``) or passed as objects (``Sigmoid(c=0.01)``).
``config()`` gives the JSON-able description stored in model files. What the
rest of the library needs to know about an activation it asks the class: can it
be a hidden layer (``hidden``), which initialiser suits it (``init``), are its
outputs probabilities (``probabilities``), which of its units are saturated or
dead (:meth:`Activation.saturated`, :meth:`Activation.dead`). A class of your
own joins them with :func:`register`.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from . import _kernels
from ._registry import Registry
from .errors import ConfigError


class Activation:
    """Base class: subclasses set ``name`` and implement ``forward``/``backward``.

    Class attributes the library asks instead of testing names:

    - ``hidden``: whether it may be a hidden layer's activation (softmax may not).
    - ``init``: the initialiser that suits it when none is given (``"glorot"``;
      ``"he"`` for the ReLU family).
    - ``probabilities``: whether its outputs are probabilities (sigmoid, softmax),
      so ``predict_proba`` may return them.
    """

    name: ClassVar[str] = ""
    hidden: ClassVar[bool] = True
    init: ClassVar[str] = "glorot"
    probabilities: ClassVar[bool] = False

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Output ``A`` for weighted sums ``Z`` (same shape)."""
        raise NotImplementedError

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        """dLoss/dZ from dLoss/dA; may reuse ``grad_A``'s memory."""
        raise NotImplementedError

    def add_bias_and_forward(self, Z: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``Z += b`` (``Z`` ``(n, n_units)``, ``b`` ``(n_units,)``, in place: ``Z``
        becomes the layer's weighted sums), then ``forward(Z)``; the ReLU makes both
        in one pass."""
        Z += b
        return self.forward(Z)

    def derivative(self, Z: np.ndarray) -> np.ndarray:
        """Elementwise dA/dZ (not defined for softmax, whose Jacobian is a matrix)."""
        return self.backward(Z, self.forward(Z), np.ones_like(Z))

    def saturated(self, A: np.ndarray, margin: float) -> np.ndarray | None:
        """Where the outputs ``A`` lie within ``margin`` of a flat tail (so the
        derivative is ~0), same shape as ``A``; None for an activation without tails."""
        return None

    def dead(self, Z: np.ndarray) -> np.ndarray | None:
        """Per unit, ``(n_units,)``: True where the unit passes no gradient for any
        row of the weighted sums ``Z`` ``(n, n_units)``; None for an activation whose
        units cannot die."""
        return None

    def check_output_units(self, n_units: int) -> None:
        """Raise ConfigError if an output layer of ``n_units`` cannot use it."""

    def config(self) -> dict[str, Any]:
        """Name and parameters, as stored in model files."""
        return {"name": self.name}

    def __repr__(self) -> str:
        params = {k: v for k, v in self.config().items() if k != "name"}
        inner = ", ".join(f"{k}={v!r}" for k, v in params.items())
        return f"{type(self).__name__}({inner})"

    @property
    def label(self) -> str:
        """Short name for tables: ``sigmoid``, or ``sigmoid(c=0.01)`` off the default."""
        signature = inspect.signature(type(self))
        defaults = {k: p.default for k, p in signature.parameters.items()}
        changed = {k: v for k, v in self.config().items()
                   if k != "name" and defaults.get(k, inspect.Parameter.empty) != v}
        inner = ", ".join(f"{k}={v:g}" for k, v in changed.items())
        return f"{self.name}({inner})" if inner else self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Activation) and self.config() == other.config()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.config().items())))


class Sigmoid(Activation):
    """``sigmoid(c*z) = 1 / (1 + exp(-c*z))``; derivative ``c * a * (1 - a)``.

    The slope ``c`` (default 1) is the first tutorial's fix for large weighted
    sums: with ``c = 0.01`` a sum of 500 is no longer deep in the flat tail.
    Never overflows: for very negative ``c*z`` the exponential is infinite and
    the result is exactly 0, with the overflow warning silenced on purpose.
    """

    name = "sigmoid"
    probabilities = True

    def __init__(self, c: float = 1.0) -> None:
        c = float(c)
        if not np.isfinite(c) or c <= 0:
            raise ConfigError(f"sigmoid slope c must be a positive number, got {c}")
        self.c = c

    def forward(self, Z: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # c*z or exp(-c*z) may overflow to inf: harmless
            out = np.multiply(Z, -self.c)
            np.exp(out, out=out)
        out += 1.0
        return np.reciprocal(out, out=out)

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        grad_A *= A
        grad_A *= 1.0 - A
        if self.c != 1.0:
            grad_A *= self.c
        return grad_A

    def saturated(self, A: np.ndarray, margin: float) -> np.ndarray:
        return (margin > A) | (1 - margin < A)

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "c": self.c}


class Tanh(Activation):
    """``tanh(z)``; derivative ``1 - a**2``."""

    name = "tanh"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return np.tanh(Z)

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        grad_A *= 1.0 - A * A
        return grad_A

    def saturated(self, A: np.ndarray, margin: float) -> np.ndarray:
        return np.abs(A) > 1 - margin


class ReLU(Activation):
    """``max(z, 0)``; derivative 1 where ``z > 0``, else 0."""

    name = "relu"
    init = "he"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        if _kernels.suits(Z):  # one compiled pass, the same numbers (steepest._kernels)
            A = np.empty_like(Z)
            _kernels.run("relu", A, Z)
            return A
        return np.maximum(Z, 0)

    def add_bias_and_forward(self, Z: np.ndarray, b: np.ndarray) -> np.ndarray:
        if (_kernels.suits(Z) and Z.ndim == 2 and _kernels.suits(b)
                and b.shape == Z.shape[1:] and b.dtype == Z.dtype):
            A = np.empty_like(Z)  # one compiled pass for both, the same numbers
            _kernels.run("relu_bias", A, Z, b)
            return A
        return super().add_bias_and_forward(Z, b)

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        if _kernels.suits(grad_A, Z):
            _kernels.run("relu_backward", grad_A, Z)
            return grad_A
        return np.multiply(grad_A, Z > 0, out=grad_A)

    def dead(self, Z: np.ndarray) -> np.ndarray:
        return (Z <= 0).all(axis=0)


class LeakyReLU(Activation):
    """``z`` where ``z > 0``, else ``slope * z``; derivative 1 or ``slope``."""

    name = "leaky_relu"
    init = "he"

    def __init__(self, slope: float = 0.01) -> None:
        slope = float(slope)
        if not np.isfinite(slope) or slope < 0:
            raise ConfigError(f"leaky_relu slope must be a number >= 0, got {slope}")
        self.slope = slope

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return np.where(Z > 0, Z, Z * Z.dtype.type(self.slope))

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        grad_A[Z <= 0] *= self.slope
        return grad_A

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "slope": self.slope}


class Identity(Activation):
    """``z`` unchanged (a linear output layer, for regression); derivative 1."""

    name = "identity"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return Z.copy()

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        return grad_A


class Softmax(Activation):
    """``exp(z_k) / sum_j exp(z_j)`` along each row: class probabilities.

    Stable for logits of any size (the row maximum is subtracted first).
    The backward pass is the Jacobian-vector product ``a * (g - sum(g * a))``;
    with the ``cross_entropy`` loss the library uses the fused form ``a - y``.
    """

    name = "softmax"
    hidden = False
    probabilities = True

    def forward(self, Z: np.ndarray) -> np.ndarray:
        # z - max(z) <= 0, so exp never overflows; only the subtraction can, for
        # logits near the float limit, and then -inf gives exactly 0, as it should.
        with np.errstate(over="ignore"):
            out = Z - np.maximum.reduce(Z, axis=1, keepdims=True)
        np.exp(out, out=out)
        out /= np.add.reduce(out, axis=1, keepdims=True)
        return out

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        dot = np.einsum("ij,ij->i", grad_A, A)[:, None]
        grad_A -= dot
        grad_A *= A
        return grad_A

    def derivative(self, Z: np.ndarray) -> np.ndarray:
        raise ConfigError("softmax has a Jacobian matrix, not an elementwise derivative")

    def check_output_units(self, n_units: int) -> None:
        if n_units < 2:
            raise ConfigError(
                "a softmax output needs at least 2 units (one per class); for two classes use "
                "1 sigmoid output with binary_cross_entropy, or 2 softmax outputs"
            )


#: Every activation by name; :func:`register` adds your own.
ACTIVATIONS: Registry[Activation] = Registry(
    "activation", Activation, (Sigmoid, Tanh, ReLU, LeakyReLU, Identity, Softmax)
)


def get_activation(spec: str | dict[str, Any] | Activation) -> Activation:
    """An activation from a name (``"relu"``), a name with parameters
    (``"sigmoid(c=0.01)"``), a config dict or an instance."""
    return ACTIVATIONS.create(spec)


def register(cls: type[Activation], *, replace: bool = False) -> type[Activation]:
    """Make an :class:`Activation` subclass known by its ``name``, to ``Network``,
    ``fit``, ``gradcheck``, the doctor, the command line and ``steepest.load``.

    The class implements ``forward(Z)`` and ``backward(Z, A, grad_A)`` (see
    :class:`Activation`); ``config()`` must return its parameters if it has any.
    Works as a class decorator.
    """
    return ACTIVATIONS.register(cls, replace=replace)
