"""Finite-difference gradient check: is backpropagation right?

For every weight and bias ``p``, the central difference
``(L(p + eps) - L(p - eps)) / (2 eps)`` approximates ``dL/dp`` with an error of
order ``eps**2``. It costs two forward passes per parameter, which is why
training uses backpropagation (one backward sweep for all of them) and why the
check is for small networks; but it needs no calculus, so it is the referee.

The check runs on a float64 copy of the network (the original is untouched) and
compares, for each layer's ``W`` and ``b``, the backpropagated gradient ``g``
with the numerical one ``n`` through the relative error
``||g - n|| / (||g|| + ||n||)`` (0 when both are 0). Values near 1e-9 mean the
gradients agree; a mistake in backpropagation gives values near 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    from .network import Network


@dataclass
class GradCheckResult:
    """Per-layer relative errors of the backpropagated gradients.

    ``weight_errors[i]`` and ``bias_errors[i]`` are layer ``i``'s errors for
    ``W_i`` and ``b_i``; ``errors[i]`` is the larger of the two;
    ``max_error`` the largest overall.
    """

    weight_errors: list[float]
    bias_errors: list[float]
    weight_shapes: list[tuple[int, int]]
    eps: float

    @property
    def errors(self) -> list[float]:
        return [max(w, b) for w, b in zip(self.weight_errors, self.bias_errors, strict=True)]

    @property
    def max_error(self) -> float:
        return max(self.errors)

    def passed(self, tolerance: float = 1e-6) -> bool:
        return self.max_error < tolerance

    def __str__(self) -> str:
        lines = [f"gradient check (central differences, eps={self.eps:g}, float64)"]
        lines.append(f"{'layer':<6}{'W shape':<14}{'error W':>11}{'error b':>11}")
        for i, (shape, ew, eb) in enumerate(
            zip(self.weight_shapes, self.weight_errors, self.bias_errors, strict=True)
        ):
            lines.append(f"{i:<6}{shape!s:<14}{ew:>11.2e}{eb:>11.2e}")
        verdict = "OK" if self.passed() else "MISMATCH: backpropagation disagrees"
        lines.append(f"max relative error {self.max_error:.2e}: {verdict}")
        return "\n".join(lines)


def gradcheck(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    eps: float = 1e-6,
    sample_weight: np.ndarray | None = None,
) -> GradCheckResult:
    """Compare ``net.gradients(X, y)`` with central finite differences.

    ``X`` ``(n, sizes[0])`` and ``y`` as for ``fit``. Dropout is off (the loss
    must be a deterministic function of the weights). Returns a
    :class:`GradCheckResult`; ``print`` it for a per-layer report.
    """
    if not (isinstance(eps, int | float) and math.isfinite(eps) and eps > 0):
        raise ConfigError(f"eps must be a small positive number such as 1e-6, got {eps!r}")
    twin = net.astype("float64")
    X64, Y, _, w = twin._prepare(X, y, sample_weight)
    row_weights = twin._row_weights(w)
    analytic = twin.backward(twin._forward(X64, training=False), Y, row_weights)
    numeric = _numerical_gradient(twin, X64, Y, row_weights, eps)

    weight_errors, bias_errors = [], []
    for (gW, gb), (nW, nb) in zip(analytic.layers, twin._views(numeric), strict=True):
        weight_errors.append(_relative_error(gW, nW))
        bias_errors.append(_relative_error(gb, nb))
    shapes = [W.shape for W in twin.weights]
    return GradCheckResult(weight_errors, bias_errors, shapes, eps)


def _numerical_gradient(
    net: Network, X: np.ndarray, Y: np.ndarray, row_weights: np.ndarray | None, eps: float
) -> np.ndarray:
    def loss() -> float:
        return net._loss(net._forward(X, training=False), Y, row_weights)

    params = net.params
    numeric = np.empty_like(params)
    for k in range(params.size):
        original = params[k]
        params[k] = original + eps
        up = loss()
        params[k] = original - eps
        down = loss()
        params[k] = original
        numeric[k] = (up - down) / (2 * eps)
    return numeric


def _relative_error(g: np.ndarray, n: np.ndarray) -> float:
    scale = np.linalg.norm(g) + np.linalg.norm(n)
    return 0.0 if scale == 0 else float(np.linalg.norm(g - n) / scale)
