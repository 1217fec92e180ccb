"""Finite-difference gradient check: is backpropagation right?

For a weight or bias ``p``, the central difference
``D(h) = (L(p + h) - L(p - h)) / (2 h)`` approximates ``dL/dp`` with an error of
order ``h**2``. It costs forward passes per parameter, which is why training
uses backpropagation (one backward sweep for all of them) and why the check is
for small networks (or a sample of a big one's parameters); but it needs no
calculus, so it is the referee.

Two refinements make the referee trustworthy when gradients are tiny (deep
sigmoid networks, a sigmoid with a small slope ``c``):

- Richardson extrapolation: ``(4 D(h) - D(2h)) / 3`` cancels the ``h**2`` error
  term, leaving one of order ``h**4``.
- A measured resolution: ``L`` is rounded to about 1e-16 of the sizes it is
  computed from, and the difference of two nearly equal losses divided by ``h``
  magnifies that rounding. ``D(h)`` and ``D(2h)`` share the derivative but not
  the rounding, so their disagreement measures it. A layer whose backpropagated
  gradient ``g`` and numerical gradient ``n`` differ by less than three times that
  disagreement agrees as well as finite differences can tell.

The check runs on a float64 copy of the network (the original is untouched) and
compares, for each layer's ``W`` and ``b``, ``g`` with ``n`` through the relative
error ``||g - n|| / (||g|| + ||n||)`` (0 when both are 0). Values near 1e-9 mean
the gradients agree; a mistake in backpropagation gives values near 1, and a
derivative wrong by a factor ``1 + d`` gives about ``d / 2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import _validation as check

if TYPE_CHECKING:
    from .network import Network

#: The resolution is this many times the disagreement of D(h) and D(2h).
RESOLUTION_MARGIN = 3.0
#: Multiply-adds the check may spend (each checked parameter costs four forward
#: passes of rows x parameters each): a few seconds on one core.
WORK_BUDGET = 4e9


@dataclass
class GradCheckResult:
    """Per-layer relative errors of the backpropagated gradients.

    ``weight_errors[i]`` and ``bias_errors[i]`` are layer ``i``'s errors for
    ``W_i`` and ``b_i``; ``errors[i]`` is the larger of the two; ``max_error``
    the largest overall. ``weight_resolutions[i]``/``bias_resolutions[i]`` are
    the relative errors that finite-difference rounding alone can explain (0
    when not measured). ``checked`` of ``total`` parameters were compared (all
    of them unless the network has more than ``gradcheck``'s ``max_params``).
    """

    weight_errors: list[float]
    bias_errors: list[float]
    weight_shapes: list[tuple[int, int]]
    eps: float
    weight_resolutions: list[float] = field(default_factory=list)
    bias_resolutions: list[float] = field(default_factory=list)
    checked: int | None = None
    total: int | None = None

    def __post_init__(self) -> None:
        n = len(self.weight_errors)
        self.weight_resolutions = self.weight_resolutions or [0.0] * n
        self.bias_resolutions = self.bias_resolutions or [0.0] * n

    @property
    def errors(self) -> list[float]:
        return [max(w, b) for w, b in zip(self.weight_errors, self.bias_errors, strict=True)]

    @property
    def max_error(self) -> float:
        return max(self.errors)

    def passed(self, tolerance: float = 1e-6) -> bool:
        """Every W and b error below ``tolerance``, or within the resolution."""
        return all(
            error < tolerance or error <= resolution
            for error, resolution in zip(self.weight_errors + self.bias_errors,
                                         self.weight_resolutions + self.bias_resolutions,
                                         strict=True)
        )

    def __str__(self) -> str:
        lines = [f"gradient check (central differences, eps={self.eps:g}, float64)"]
        if self.checked is not None and self.total is not None and self.checked < self.total:
            lines[0] += f"; {self.checked:,} of {self.total:,} parameters, sampled per layer"
        lines.append(f"{'layer':<6}{'W shape':<14}{'error W':>11}{'error b':>11}"
                     f"{'resolution':>12}")
        for i, (shape, ew, eb, rw, rb) in enumerate(zip(
                self.weight_shapes, self.weight_errors, self.bias_errors,
                self.weight_resolutions, self.bias_resolutions, strict=True)):
            lines.append(f"{i:<6}{shape!s:<14}{ew:>11.2e}{eb:>11.2e}{max(rw, rb):>12.2e}")
        if not self.passed():
            verdict = "MISMATCH: backpropagation disagrees"
        elif self.max_error >= 1e-6:
            coarse = [str(i) for i, e in enumerate(self.errors) if e >= 1e-6]
            verdict = ("OK (within the resolution of finite differences in layer "
                       f"{', '.join(coarse)})")
        else:
            verdict = "OK"
        lines.append(f"max relative error {self.max_error:.2e}: {verdict}")
        return "\n".join(lines)


def gradcheck(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    eps: float = 1e-6,
    sample_weight: np.ndarray | None = None,
    *,
    max_params: int = 20_000,
    seed: int = 0,
) -> GradCheckResult:
    """Compare ``net.gradients(X, y)`` with central finite differences.

    ``X`` ``(n, sizes[0])`` and ``y`` as for ``fit``; ``eps`` is the step ``h``
    (``2 h`` is taken too, for the extrapolation and the resolution). Dropout is
    off (the loss must be a deterministic function of the weights). At most
    ``max_params`` weights and biases are checked, fewer for big networks and
    batches (so the work stays within ``WORK_BUDGET`` multiply-adds, some
    seconds, not hours): drawn with ``seed`` from every layer in proportion, at
    least ten of each ``W`` and ``b``. Returns a :class:`GradCheckResult`;
    ``print`` it for a per-layer report.
    """
    eps = check.positive_number(eps, "eps")
    max_params = check.whole_number(max_params, "max_params", 1)
    twin = net.astype("float64")
    X64, Y, _, w = twin._prepare(X, y, sample_weight)
    row_weights = twin._row_weights(w)
    analytic = twin.backward(twin._forward(X64, training=False), Y, row_weights).flat
    affordable = int(WORK_BUDGET / (4 * len(X64) * twin.n_params))
    chosen = _chosen_parameters(twin, min(max_params, affordable), np.random.default_rng(seed))
    numeric, spread = _numerical_gradient(twin, X64, Y, row_weights, eps, chosen)

    result = GradCheckResult([], [], [W.shape for W in twin.weights], eps,
                             checked=int(chosen.sum()), total=twin.n_params)
    for (gW, gb), (nW, nb), (sW, sb), (cW, cb) in zip(
            twin._views(analytic), twin._views(numeric), twin._views(spread),
            twin._views(chosen), strict=True):
        for g, n, s, c, errors, resolutions in (
                (gW, nW, sW, cW, result.weight_errors, result.weight_resolutions),
                (gb, nb, sb, cb, result.bias_errors, result.bias_resolutions)):
            error, resolution = _compare(g[c], n[c], s[c])
            errors.append(error)
            resolutions.append(resolution)
    return result


def _chosen_parameters(net: Network, max_params: int, rng: np.random.Generator) -> np.ndarray:
    """Which parameters to check, a boolean mask ``(n_params,)``: all of them, or
    about ``max_params`` spread over every ``W`` and ``b`` in proportion."""
    chosen = np.zeros(net.n_params, dtype=bool)
    if net.n_params <= max_params:
        chosen[:] = True
        return chosen
    for layer in net._views(chosen):
        for part in layer:
            flat = part.reshape(-1)
            count = min(flat.size, max(10, math.ceil(max_params * flat.size / net.n_params)))
            flat[rng.choice(flat.size, size=count, replace=False)] = True
    return chosen


def _numerical_gradient(
    net: Network, X: np.ndarray, Y: np.ndarray, row_weights: np.ndarray | None, h: float,
    chosen: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The Richardson-extrapolated central differences for the ``chosen``
    parameters, and ``|D(h) - D(2h)|``, the spread that measures the rounding."""
    def loss() -> float:
        return net._loss(net._forward(X, training=False), Y, row_weights)

    def central(k: int, step: float) -> float:
        original = params[k]
        params[k] = original + step
        up = loss()
        params[k] = original - step
        down = loss()
        params[k] = original
        return (up - down) / (2 * step)

    params = net.params
    numeric, spread = np.zeros_like(params), np.zeros_like(params)
    for k in np.flatnonzero(chosen):
        near, far = central(k, h), central(k, 2 * h)
        numeric[k] = (4 * near - far) / 3
        spread[k] = abs(near - far)
    return numeric, spread


def _compare(g: np.ndarray, n: np.ndarray, spread: np.ndarray) -> tuple[float, float]:
    """Relative error ``||g - n|| / (||g|| + ||n||)`` and the relative error that
    rounding explains, ``RESOLUTION_MARGIN * ||spread|| / (||g|| + ||n||)``."""
    scale = np.linalg.norm(g) + np.linalg.norm(n)
    if scale == 0:
        return 0.0, 0.0
    return (float(np.linalg.norm(g - n) / scale),
            float(RESOLUTION_MARGIN * np.linalg.norm(spread) / scale))
