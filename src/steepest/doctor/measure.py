"""What the doctor measures: a few training steps on a copy of the network,
each the one ``fit`` takes (``Network._train_step``), and the figures of each layer."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .thresholds import DEFAULT, Thresholds

if TYPE_CHECKING:
    from ..network import Network, Step
    from ..optimizers import Optimizer


@dataclass
class LayerStats:
    """What the doctor measured in one layer (norms are Euclidean/Frobenius).

    - ``weight_norm`` ``|W|``, ``grad_norm`` ``|dW|`` and ``grad_ratio``
      ``|dW| / |W|``, at the network's current weights.
    - ``update_ratios``: ``|W_after - W_before| / |W_before|``, one per test step.
      ``grad_ratio`` is NaN ("no data") where ``|W|`` is 0 but ``|dW|`` is not; the
      update ratios are NaN for a layer whose weights start all 0.
    - ``signal``: the error signal reaching the layer, the root mean square of
      ``psi_i = dLoss/dZ_i`` per sample (what vanishes or explodes).
    - ``mean_abs_sum``, ``max_abs_sum``: mean and largest ``|Z|`` of the batch.
    - ``saturated``: share of (sample, unit) pairs in a sigmoid/tanh's flat tails
      (output within :attr:`Thresholds.saturation_margin` of an asymptote); None
      for activations without flat tails.
    - ``dead``: share of ReLU units that pass no gradient for any sample; None for
      activations whose units cannot die.
    """

    index: int
    activation: str
    shape: tuple[int, int]
    weight_norm: float
    grad_norm: float
    grad_ratio: float
    signal: float
    mean_abs_sum: float
    max_abs_sum: float
    saturated: float | None
    dead: float | None
    update_ratios: list[float] = field(default_factory=list)

    @property
    def update_ratio(self) -> float:
        """Mean update-to-weight ratio over the test steps that have one (NaN if
        none: no step ran, or the weights were all 0 before each)."""
        known = [r for r in self.update_ratios if not math.isnan(r)]
        return float(np.mean(known)) if known else math.nan

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.index, "activation": self.activation, "shape": list(self.shape),
            "weight_norm": self.weight_norm, "grad_norm": self.grad_norm,
            "grad_ratio": self.grad_ratio, "signal": self.signal,
            "update_ratios": self.update_ratios,
            "mean_abs_sum": self.mean_abs_sum, "max_abs_sum": self.max_abs_sum,
            "saturated": self.saturated, "dead": self.dead,
        }


@dataclass
class Measurement:
    """Everything the doctor's rules look at.

    - ``layers``: one :class:`LayerStats` per layer.
    - ``losses``: the batch's loss before each test step, then after the last
      (fewer steps if the loss stopped being finite).
    - ``largest_input``: the largest ``|x|`` of the batch.
    - ``twins``: the hidden layers whose units all have the same incoming weights,
      bias and outgoing weights.
    - ``learning_rate``: the optimiser's rate during the steps.
    """

    layers: list[LayerStats]
    losses: list[float]
    largest_input: float
    twins: list[int]
    learning_rate: float


def measure(net: Network, X: np.ndarray, Y: np.ndarray, optimizer: Optimizer, steps: int,
            thresholds: Thresholds = DEFAULT) -> Measurement:
    """Measure ``net`` on the checked batch ``X`` ``(n, sizes[0])``, ``Y``
    ``(n, sizes[-1])``: ``steps`` training steps of ``optimizer`` on a copy (``net``
    is left unchanged) give the per-layer figures of the first (at the current
    weights), each step's update-to-weight ratios and the losses."""
    work = net.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        layers, losses = _steps(work, optimizer, X, Y, steps, thresholds.saturation_margin)
    return Measurement(layers, losses, largest_input=float(np.abs(X).max()),
                       twins=_twins(net), learning_rate=optimizer.lr)


def _steps(net: Network, optimizer: Optimizer, X: np.ndarray, Y: np.ndarray, steps: int,
           margin: float) -> tuple[list[LayerStats], list[float]]:
    """``steps`` training steps on the batch (fewer if the loss stops being
    finite): the per-layer figures of the first, each step's update-to-weight
    ratios, and the losses (before each step, then after the last)."""
    losses: list[float] = []
    layers: list[LayerStats] = []
    for number in range(steps):
        step = net._train_step(X, Y, optimizer, record=True)
        losses.append(step.loss)
        before = [W for W, _ in net._views(step.params_before)]
        if number == 0:
            layers = _layer_stats(net, step, before, margin)
        if step.skipped:
            return layers, losses
        for stats, W_old, W_new in zip(layers, before, net.weights, strict=True):
            # Weights that started all 0 only have the size the steps gave them (the
            # ratio is 1/k at step k whatever the rate): no measure of the step size.
            ratio = (math.nan if stats.weight_norm == 0
                     else ratio_of(norm(W_new - W_old), norm(W_old)))
            stats.update_ratios.append(ratio)
    losses.append(net.evaluate(X, Y)["loss"])
    return layers, losses


def _layer_stats(net: Network, step: Step, weights: list[np.ndarray],
                 margin: float) -> list[LayerStats]:
    """One :class:`LayerStats` per layer from a recorded ``step`` taken at ``weights``."""
    trace, gradients = step.trace, step.gradients
    stats = []
    for i, (W, dW, Z, A, psi, f) in enumerate(zip(
            weights, gradients.weights, trace.sums, trace.outputs, gradients.psis,
            net.activations, strict=True)):
        abs_Z = np.abs(Z.astype(np.float64))
        w_norm, g_norm = norm(W), norm(dW)
        stats.append(LayerStats(
            index=i, activation=f.label, shape=W.shape, weight_norm=w_norm, grad_norm=g_norm,
            grad_ratio=ratio_of(g_norm, w_norm),
            signal=float(np.sqrt(np.mean(np.square(psi.astype(np.float64)))) * len(psi)),
            mean_abs_sum=float(np.mean(abs_Z)), max_abs_sum=float(np.max(abs_Z)),
            saturated=share(f.saturated(A, margin)), dead=share(f.dead(Z)),
        ))
    return stats


def share(flags: np.ndarray | None) -> float | None:
    """The fraction of True in ``flags`` (any shape); None stays None."""
    return None if flags is None else float(np.mean(flags))


def _twins(net: Network) -> list[int]:
    """The hidden layers whose units all compute, and so learn, the same thing."""
    # Hidden units with the same incoming weights, the same bias AND the same outgoing
    # weights compute the same output and receive the same error signal, so they get the
    # same gradients and stay twins. Equal incoming weights alone are not enough: units
    # whose outgoing weights differ get different signals and drift apart. The output
    # layer is never symmetric in this sense: its units are told apart by their targets.
    twins = []
    for i in range(net.n_layers - 1):
        W, b, W_next = net.weights[i], net.biases[i], net.weights[i + 1]
        # One row per unit of layer i: (incoming weights, bias, outgoing weights).
        units = np.hstack([W.T, b.reshape(-1, 1), W_next])
        if len(units) > 1 and (units[:1] == units).all():
            twins.append(i)
    return twins


def norm(a: np.ndarray) -> float:
    """The Euclidean (Frobenius) norm of ``a``, in float64."""
    return float(np.linalg.norm(a.astype(np.float64, copy=False)))


def ratio_of(top: float, bottom: float) -> float:
    """``top / bottom``; 0 when both are 0; NaN ("no data") when only ``bottom`` is:
    a change to weights that are all 0 (a zero-initialised layer) has no size
    relative to them, and must not read as an infinitely large one."""
    if bottom > 0:
        return top / bottom
    return 0.0 if top == 0 else math.nan
