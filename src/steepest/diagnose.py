"""The doctor and two sanity tools: why does a network fail to learn?

- :func:`diagnose` runs a few forward/backward passes and optimiser steps on a
  copy of the network and reports, per layer, the sizes of the weights, the
  gradients, the updates and the weighted sums, the share of saturated
  sigmoid/tanh units and of dead ReLUs; then its findings (vanishing or
  exploding gradients, saturation, dead units, unscaled inputs, a learning rate
  that makes the loss rise or go NaN), each with a one-line fix.
- :func:`lr_find` is the learning-rate range test: the loss over a short run
  whose learning rate rises exponentially, and a suggested rate.
- :func:`overfit_check` trains a copy on a handful of rows: a network that
  cannot drive their loss to about 0 has a bug in the model or the data.

None of them changes the network passed in: they work on ``net.copy()``
(weights and random state copied, no array shared).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ConfigError, DivergenceError
from .optimizers import SGD, Optimizer, get_optimizer

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .network import Network, Step

# Thresholds of the findings (documented in the README's "The doctor" section).
#: A sigmoid output within this of 0 or 1 (tanh: of -1 or 1) is in a flat tail.
SATURATION_MARGIN = 0.01
#: Share of saturated (sigmoid/tanh) or dead (ReLU) units that makes a finding.
UNIT_SHARE = 0.5
#: Mean |Z| above which weighted sums are "large" (sigmoid and tanh are flat beyond ~5).
LARGE_SUM = 10.0
#: A hidden layer whose error signal (RMS of psi) is below this fraction of the last
#: hidden layer's has vanishing gradients; above EXPLODING times it, exploding ones.
VANISHING = 1e-2
EXPLODING = 1e2
#: A gradient larger than this multiple of the weights (|dW| > 10 |W|) is exploding too.
EXPLODING_RATIO = 10.0
#: Gradients below this fraction of the weights everywhere (|dW| / |W|) are "no gradient".
NO_GRADIENT = 1e-10
#: A loss at or below this, with no gradient, means the network has converged (not an error).
CONVERGED_LOSS = 1e-8
#: Inputs with an absolute value above this are not scaled.
INPUT_SCALE = 10.0
#: The loss after the test steps above this multiple of the first loss "rose".
LOSS_RISE = 1.1
#: Per-step update-to-weight ratios: above TOO_BIG the steps are too large; below
#: TOO_SMALL (with a gradient present) the learning rate is probably too small.
#: A common rule of thumb puts healthy training near 1e-3.
UPDATE_TOO_BIG = 0.1
UPDATE_TOO_SMALL = 1e-6

SEVERITIES = ("error", "warning", "info")
#: lr_find ignores this many first steps (at most a tenth) when it looks for the steepest slope.
SKIP_START = 10


# --------------------------------------------------------------------------- shared helpers


def _prepared(net: Network, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` ``(n, sizes[0])`` and targets ``Y`` ``(n, sizes[-1])``, checked."""
    X, Y, _, _ = net._prepare(X, y)
    return X, Y


def _whole(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConfigError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _positive(value: Any, name: str) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _optimizer_for(net: Network, optimizer: Any, learning_rate: float | None) -> Optimizer:
    """A fresh optimiser: ``optimizer`` if given, else the network's kind at its
    current rate, else plain SGD (0.01, as ``fit`` starts a new network);
    ``learning_rate`` overrides the rate. Always a constant schedule."""
    if learning_rate is not None:
        learning_rate = _positive(learning_rate, "learning_rate")
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


def _norm(a: np.ndarray) -> float:
    return float(np.linalg.norm(a.astype(np.float64, copy=False)))


def _ratio(top: float, bottom: float) -> float:
    """``top / bottom``; 0 when both are 0; NaN ("no data") when only ``bottom`` is:
    a change to weights that are all 0 (a zero-initialised layer) has no size
    relative to them, and must not read as an infinitely large one."""
    if bottom > 0:
        return top / bottom
    return 0.0 if top == 0 else math.nan


def _some_rows(net: Network, X: Any, y: Any, size: int,
               seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked ``(X, Y)`` cut to ``size`` rows (all of them if fewer), drawn with
    ``seed`` and kept in their order."""
    X, Y = _prepared(net, X, y)
    if len(X) <= size:
        return X, Y
    rows = np.sort(np.random.default_rng(seed).choice(len(X), size=size, replace=False))
    return X[rows], Y[rows]


# --------------------------------------------------------------------------- the doctor


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
      (output within ``SATURATION_MARGIN`` of an asymptote); None for others.
    - ``dead``: share of ReLU units that output 0 for every sample; None for others.
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
class Finding:
    """One problem: ``severity`` is ``"error"`` (the network will not learn),
    ``"warning"`` (it will learn badly) or ``"info"``; ``code`` names the kind
    (``vanishing_gradients``...); ``fix`` is one line; ``layers`` those concerned."""

    code: str
    severity: str
    message: str
    fix: str
    layers: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.severity.upper():<7} {self.message}\n        fix: {self.fix}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "fix": self.fix, "layers": self.layers}


@dataclass
class Diagnosis:
    """The doctor's report: ``layers`` (one :class:`LayerStats` each),
    ``findings`` (most severe first), ``losses`` (before each test step, then
    after the last), and what was run. ``str()`` is the printable report."""

    network: str
    layers: list[LayerStats]
    findings: list[Finding]
    losses: list[float]
    optimizer: str
    learning_rate: float
    samples: int

    @property
    def healthy(self) -> bool:
        """True when no finding is an error or a warning."""
        return not any(f.severity in ("error", "warning") for f in self.findings)

    @property
    def steps(self) -> int:
        return len(self.losses) - 1

    def codes(self) -> list[str]:
        """The findings' codes, most severe first."""
        return [f.code for f in self.findings]

    def __str__(self) -> str:
        lines = [f"doctor: {self.network}",
                 f"{self.samples} samples, {self.steps} steps of {self.optimizer} at learning "
                 f"rate {self.learning_rate:g}", ""]
        lines += _layer_table(self.layers)
        lines.append("")
        if self.steps:
            lines.append("update-to-weight ratio |W_after - W_before| / |W_before| per step "
                         "(about 1e-3 is typical):")
            lines += [f"layer {s.index:<3}" + "  ".join(f"{r:.2e}" for r in s.update_ratios)
                      for s in self.layers]
            lines.append("")
        lines.append(f"loss {' -> '.join(f'{v:.4g}' for v in self.losses)}")
        lines.append("")
        if self.findings:
            lines.append("findings:")
            lines += [str(f) for f in self.findings]
        else:
            lines.append("findings: none")
        counts = {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}
        verdict = "healthy" if self.healthy else "not healthy"
        tally = ", ".join(_count(counts[s], noun) for s, noun in
                          zip(SEVERITIES, ("error", "warning", "note"), strict=True))
        lines.append(f"verdict: {verdict} ({tally})")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"network": self.network, "healthy": self.healthy, "samples": self.samples,
                "optimizer": self.optimizer, "learning_rate": self.learning_rate,
                "losses": self.losses, "layers": [s.to_dict() for s in self.layers],
                "findings": [f.to_dict() for f in self.findings]}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _layer_table(layers: list[LayerStats]) -> list[str]:
    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    rows = [("layer", "activation", "W shape", "|W|", "|dW|", "|dW|/|W|", "update/|W|",
             "rms psi", "mean|Z|", "max|Z|", "saturated", "dead")]
    for s in layers:
        rows.append((str(s.index), s.activation, str(s.shape), f"{s.weight_norm:.3g}",
                     f"{s.grad_norm:.3g}", f"{s.grad_ratio:.2e}", f"{s.update_ratio:.2e}",
                     f"{s.signal:.2e}", f"{s.mean_abs_sum:.3g}", f"{s.max_abs_sum:.3g}",
                     share(s.saturated), share(s.dead)))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if c < 3 else cell.rjust(w)
                      for c, (cell, w) in enumerate(zip(r, widths, strict=True))).rstrip()
            for r in rows]


def diagnose(
    net: Network,
    X: Any,
    y: Any,
    *,
    learning_rate: float | None = None,
    optimizer: str | dict[str, Any] | Optimizer | None = None,
    batch_size: int = 256,
    steps: int = 5,
    seed: int = 0,
) -> Diagnosis:
    """Examine ``net`` on ``(X, y)`` and say what would stop it from learning.

    ``X`` is ``(n_samples, sizes[0])``, ``y`` targets as for ``fit``. Up to
    ``batch_size`` rows (drawn with ``seed``) form one fixed batch. On a copy of
    the network, ``steps`` training steps on that batch (``fit``'s own step,
    dropout included) give the per-layer figures (from the first step's forward
    and backward phases, at the current weights), each layer's update-to-weight
    ratio and whether the loss rises or becomes NaN. The optimiser is
    ``optimizer``, else a fresh one of the network's kind at its current rate,
    else SGD at 0.01; ``learning_rate`` overrides the rate.

    Returns a :class:`Diagnosis`; ``net`` is left unchanged.
    """
    batch_size = _whole(batch_size, "batch_size", 1)
    steps = _whole(steps, "steps", 1)
    X, Y = _some_rows(net, X, y, batch_size, seed)
    work = net.copy()
    chosen = _optimizer_for(net, optimizer, learning_rate)

    with np.errstate(over="ignore", invalid="ignore"):
        layers, losses = _measure(work, chosen, X, Y, steps)

    findings = _findings(net, X, layers, losses, chosen)
    order = {s: k for k, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: order[f.severity])
    return Diagnosis(network=_describe(net), layers=layers, findings=findings, losses=losses,
                     optimizer=chosen.name, learning_rate=chosen.lr, samples=len(X))


def _measure(net: Network, optimizer: Optimizer, X: np.ndarray, Y: np.ndarray, steps: int
             ) -> tuple[list[LayerStats], list[float]]:
    """``steps`` training steps on the batch (fewer if the loss stops being
    finite), each the one ``fit`` takes: the per-layer figures of the first, each
    step's update-to-weight ratios, and the losses (before each step, then after
    the last)."""
    losses: list[float] = []
    layers: list[LayerStats] = []
    for number in range(steps):
        step = net._train_step(X, Y, optimizer, record=True)
        losses.append(step.loss)
        before = [W for W, _ in net._views(step.params_before)]
        if number == 0:
            layers = _layer_stats(net, step, before)
        if step.skipped:
            return layers, losses
        for stats, W_old, W_new in zip(layers, before, net.weights, strict=True):
            # Weights that started all 0 only have the size the steps gave them (the
            # ratio is 1/k at step k whatever the rate): no measure of the step size.
            ratio = (math.nan if stats.weight_norm == 0
                     else _ratio(_norm(W_new - W_old), _norm(W_old)))
            stats.update_ratios.append(ratio)
    losses.append(net.evaluate(X, Y)["loss"])
    return layers, losses


def _describe(net: Network) -> str:
    hidden = sorted({a.label for a in net.activations[:-1]}) or ["none"]
    return (f"Network {' -> '.join(map(str, net.sizes))}, hidden {', '.join(hidden)}, "
            f"output {net.output_activation.label}, loss {net.loss.name}, init {net.init}")


def _layer_stats(net: Network, step: Step, weights: list[np.ndarray]) -> list[LayerStats]:
    trace, gradients = step.trace, step.gradients
    stats = []
    for i, (W, dW, Z, A, psi, f) in enumerate(zip(
            weights, gradients.weights, trace.sums, trace.outputs, gradients.psis,
            net.activations, strict=True)):
        abs_Z = np.abs(Z.astype(np.float64))
        w_norm, g_norm = _norm(W), _norm(dW)
        saturated, dead = f.saturated(A, SATURATION_MARGIN), f.dead(Z)
        stats.append(LayerStats(
            index=i, activation=f.label, shape=W.shape, weight_norm=w_norm, grad_norm=g_norm,
            grad_ratio=_ratio(g_norm, w_norm),
            signal=float(np.sqrt(np.mean(np.square(psi.astype(np.float64)))) * len(psi)),
            mean_abs_sum=float(np.mean(abs_Z)), max_abs_sum=float(np.max(abs_Z)),
            saturated=None if saturated is None else float(np.mean(saturated)),
            dead=None if dead is None else float(np.mean(dead)),
        ))
    return stats


def _findings(net: Network, X: np.ndarray, layers: list[LayerStats], losses: list[float],
              optimizer: Optimizer) -> list[Finding]:
    found: list[Finding] = []
    for check in (_inputs_finding, _symmetry_finding, _unit_findings, _gradient_findings):
        found += check(net, X, layers)
    if math.isfinite(losses[0]) and losses[0] <= CONVERGED_LOSS:
        # No gradient at a loss of ~0 is a minimum reached, not a blocked backward phase.
        found = [Finding("converged", "info",
                         f"the loss is {losses[0]:.2g} and no gradient is left: the network "
                         "already fits these rows", "nothing to fix; train on more data or stop")
                 if f.code == "no_gradient" else f for f in found]
    found += _learning_rate_findings(layers, losses, optimizer, found)
    return found


def _inputs_finding(net: Network, X: np.ndarray, layers: list[LayerStats]) -> list[Finding]:
    largest = float(np.abs(X).max())
    if largest <= INPUT_SCALE:
        return []
    return [Finding(
        "inputs_not_scaled", "warning",
        f"inputs are not scaled: values reach {largest:.4g} (weighted sums grow with them)",
        "scale inputs to [0, 1] (divide by the largest value, 255 for pixels) or standardise "
        "them (steepest.datasets.standardize)")]


def _symmetry_finding(net: Network, X: np.ndarray, layers: list[LayerStats]) -> list[Finding]:
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
    if not twins:
        return []
    return [Finding(
        "symmetric_weights", "error",
        f"every unit of layer {', '.join(map(str, twins))} has the same incoming weights, bias "
        "and outgoing weights, so they compute and learn the same thing (as with weights all 0)",
        "initialise the weights at random: init='glorot' or init='he'", twins)]


def _unit_findings(net: Network, X: np.ndarray, layers: list[LayerStats]) -> list[Finding]:
    found = []
    saturated = [s for s in layers if s.saturated is not None and s.saturated > UNIT_SHARE]
    if saturated:
        what = ", ".join(f"layer {s.index} {s.saturated:.0%} (mean |Z| {s.mean_abs_sum:.3g})"
                         for s in saturated)
        found.append(Finding(
            "saturated_units", "warning",
            f"saturated {saturated[0].activation} units, where the derivative is ~0: {what}",
            "keep weighted sums small: a sigmoid with a slope c (Sigmoid(c=0.01)), leaky_relu "
            "with He init, or Glorot init (init='glorot') and inputs in [0, 1]",
            [s.index for s in saturated]))
    dead = [s for s in layers if s.dead is not None and s.dead > UNIT_SHARE]
    if dead:
        what = ", ".join(f"layer {s.index} {s.dead:.0%}" for s in dead)
        found.append(Finding(
            "dead_relus", "warning",
            f"dead ReLUs (0 for every sample, so they get no gradient): {what}",
            "use leaky_relu, He init (init='he'), or a smaller learning rate",
            [s.index for s in dead]))
    flagged = {s.index for s in saturated}
    large = [s for s in layers if s.mean_abs_sum > LARGE_SUM and s.index not in flagged]
    if large:
        what = ", ".join(f"layer {s.index} mean |Z| {s.mean_abs_sum:.3g}" for s in large)
        found.append(Finding(
            "large_sums", "warning", f"large weighted sums: {what}",
            "use Glorot or He init (weights ~ 1/sqrt(n_in)) and scale the inputs",
            [s.index for s in large]))
    return found


def _gradient_findings(net: Network, X: np.ndarray, layers: list[LayerStats]
                       ) -> list[Finding]:
    if not all(math.isfinite(s.grad_norm) for s in layers):
        return [Finding("exploding_gradients", "error", "the gradient is NaN or infinite",
                        "use a smaller learning rate, clip_norm=1.0 in fit, and Glorot/He init",
                        [s.index for s in layers if not math.isfinite(s.grad_norm)])]
    # A NaN ratio (weights all 0, gradient not) is a gradient present, so it fails `<`.
    if all(s.grad_ratio < NO_GRADIENT for s in layers):
        return [Finding(
            "no_gradient", "error",
            "no gradient reaches the weights (the largest |dW|/|W| is "
            f"{max(s.grad_ratio for s in layers):.1e}): the network cannot learn "
            "(saturated units or dead ReLUs block the backward phase)",
            "keep weighted sums small: Sigmoid(c=0.01), leaky_relu with He init, or Glorot init",
            [s.index for s in layers])]
    found = []
    hidden = layers[:-1]
    reference = hidden[-1].signal if hidden else 0.0
    vanishing = [s for s in hidden[:-1] if s.signal < VANISHING * reference]
    if vanishing:
        what = ", ".join(f"layer {s.index} {_ratio(s.signal, reference):.1e}" for s in vanishing)
        found.append(Finding(
            "vanishing_gradients", "error",
            f"vanishing gradients: the error signal (rms psi) relative to layer "
            f"{hidden[-1].index}'s is {what}, so the early layers barely learn",
            "use leaky_relu (or relu) with He init, or a sigmoid with a slope c "
            "(Sigmoid(c=0.01)); fewer layers",
            [s.index for s in vanishing]))
    exploding = [s for s in layers if s.grad_ratio > EXPLODING_RATIO
                 or (s.index < len(hidden) - 1 and s.signal > EXPLODING * reference)]
    if exploding:
        what = ", ".join(f"layer {s.index} (|dW|/|W| {s.grad_ratio:.3g}, rms psi "
                         f"{s.signal:.3g})" for s in exploding)
        found.append(Finding(
            "exploding_gradients", "warning",
            f"exploding gradients: {what}",
            "use Glorot/He init, scaled inputs, clip_norm=1.0 in fit or a smaller learning rate",
            [s.index for s in exploding]))
    return found


def _learning_rate_findings(layers: list[LayerStats], losses: list[float],
                            optimizer: Optimizer, found: list[Finding]) -> list[Finding]:
    lr = optimizer.lr
    fix = f"use a smaller learning rate (try {lr / 10:g}), or run steepest.lr_find"
    if not math.isfinite(losses[0]):
        return [Finding("loss_not_finite", "error",
                        "the loss is already NaN or infinite at the current weights",
                        "check the data for extreme values, then start again from fresh weights "
                        "(these have diverged) with a smaller learning rate")]
    if not all(math.isfinite(v) for v in losses):
        return [Finding("loss_diverges", "error",
                        f"the loss became NaN or infinite within {len(losses) - 1} steps at "
                        f"learning rate {lr:g}", fix)]
    if losses[-1] > LOSS_RISE * losses[0]:
        return [Finding("loss_rises", "warning",
                        f"the loss rose from {losses[0]:.4g} to {losses[-1]:.4g} in "
                        f"{len(losses) - 1} steps at learning rate {lr:g}", fix)]
    # NaN ratios (steps from weights all 0) say nothing about the step size.
    ratios = [s.update_ratio for s in layers if not math.isnan(s.update_ratio)]
    big = [s for s in layers if s.update_ratio > UPDATE_TOO_BIG]
    if big:
        what = ", ".join(f"layer {s.index} {s.update_ratio:.2g}" for s in big)
        return [Finding("large_updates", "warning",
                        f"each step changes the weights by more than {UPDATE_TOO_BIG:.0%} of "
                        f"their size ({what}; about 1e-3 is typical)", fix,
                        [s.index for s in big])]
    blocked = any(f.code in ("no_gradient", "vanishing_gradients", "converged") for f in found)
    if not blocked and ratios and max(ratios) < UPDATE_TOO_SMALL:
        return [Finding("small_updates", "info",
                        f"each step changes the weights by less than {max(ratios):.1e} of their "
                        "size (about 1e-3 is typical): training will be slow",
                        f"try a larger learning rate than {lr:g}, or run steepest.lr_find")]
    return []


# --------------------------------------------------------------------------- lr_find


@dataclass
class LRFindResult:
    """The learning-rate range test: ``losses[i]`` is the loss of the batch
    that was then stepped with ``learning_rates[i]``; ``smoothed`` its
    exponential moving average; ``suggestion`` the suggested rate (see
    :func:`lr_find`); ``min_loss_rate`` the rate at the smoothed minimum (the
    first ``SKIP_START`` steps aside)."""

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    min_loss_rate: float
    stopped_early: bool

    def __str__(self) -> str:
        lines = [f"learning-rate range test: {len(self.learning_rates)} steps from "
                 f"{self.learning_rates[0]:.3g} to {self.learning_rates[-1]:.3g}"
                 + (" (stopped early: the loss exploded)" if self.stopped_early else "")]
        lowest = float(self.smoothed[np.searchsorted(self.learning_rates, self.min_loss_rate)])
        lines.append(f"lowest smoothed loss {lowest:.4g} at learning rate "
                     f"{self.min_loss_rate:.3g}")
        lines.append(f"suggested learning rate: {self.suggestion:.3g} (where the smoothed loss "
                     "falls fastest)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"suggestion": self.suggestion, "min_loss_rate": self.min_loss_rate,
                "stopped_early": self.stopped_early,
                "learning_rates": self.learning_rates.tolist(), "losses": self.losses.tolist(),
                "smoothed": self.smoothed.tolist()}

    def plot(self, ax: Axes | None = None) -> Figure:
        """The loss (raw and smoothed) against the learning rate, log scale, with the
        suggestion marked. Draws on ``ax`` if given; returns its figure."""
        if ax is None:
            ax = _new_axes()
        ax.plot(self.learning_rates, self.losses, color="0.7", linewidth=1, label="loss")
        ax.plot(self.learning_rates, self.smoothed, color="C0", label="smoothed")
        ax.axvline(self.suggestion, color="C3", linestyle="--",
                   label=f"suggestion {self.suggestion:.2g}")
        # Once the loss explodes it would squash the interesting part of the curve.
        lowest = int(np.argmin(self.smoothed))
        top = 1.25 * float(np.max(self.smoothed[: lowest + 1]))
        if float(np.max(self.losses)) > top:
            ax.set_ylim(top=top)
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.set_title("learning-rate range test")
        ax.legend()
        return ax.figure


def _new_axes() -> Axes:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigError('plotting needs matplotlib: pip install "steepest[plots]"') from None
    return Figure(figsize=(6, 4), layout="constrained").subplots()


def lr_find(
    net: Network,
    X: Any,
    y: Any,
    *,
    start: float = 1e-6,
    stop: float = 1.0,
    steps: int = 100,
    batch_size: int = 32,
    optimizer: str | dict[str, Any] | Optimizer | None = None,
    smoothing: float = 0.9,
    diverge: float = 4.0,
    seed: int = 0,
) -> LRFindResult:
    """The learning-rate range test, on a copy of ``net`` (left unchanged).

    ``steps`` optimiser steps on mini-batches of ``batch_size`` rows of ``X``
    ``(n_samples, sizes[0])`` (shuffled with ``seed``), the learning rate
    rising exponentially from ``start`` to ``stop``. The optimiser is
    ``optimizer``, else a fresh one of the network's kind, else SGD. The run
    stops early once the smoothed loss exceeds ``diverge`` times its minimum or
    is NaN.

    The suggestion is the rate where the smoothed loss (an exponential moving
    average with factor ``smoothing``, bias-corrected) falls fastest against
    ``log(lr)``, looking only strictly before its minimum and after the first
    ``SKIP_START`` steps (at most a tenth; the minimum is looked for after them
    too): there the rate is large enough to make progress and still well below
    the point of divergence. With too few points before the minimum it is a
    tenth of the minimum's rate, but never below ``start``.
    """
    start, stop = _positive(start, "start"), _positive(stop, "stop")
    if start >= stop:
        raise ConfigError(f"start must be below stop, got start={start:g}, stop={stop:g}")
    steps = _whole(steps, "steps", 5)
    batch_size = _whole(batch_size, "batch_size", 1)
    if not 0 <= smoothing < 1:
        raise ConfigError(f"smoothing must lie in [0, 1), got {smoothing!r}")
    X, Y = _prepared(net, X, y)
    work = net.copy()
    chosen = _optimizer_for(net, optimizer, start)
    rates = np.geomspace(start, stop, steps)
    batches = _batches(len(X), batch_size, np.random.default_rng(seed))

    losses: list[float] = []
    smoothed: list[float] = []
    average, stopped = 0.0, False
    for i, rate in enumerate(rates):
        rows = next(batches)
        chosen.lr = float(rate)
        loss = work._train_step(X[rows], Y[rows], chosen).loss
        if not math.isfinite(loss):
            stopped = True
            break
        average = smoothing * average + (1 - smoothing) * loss
        losses.append(loss)
        smoothed.append(average / (1 - smoothing ** (i + 1)))
        if smoothed[-1] > diverge * min(smoothed):
            stopped = True
            break
    if len(losses) < 2:
        raise ConfigError(f"the loss was NaN or infinite from the first steps, even at learning "
                          f"rate {start:g}: check the data and the network (steepest.diagnose)")
    rates = rates[: len(losses)]
    suggestion, best = _suggest(rates, np.array(smoothed))
    return LRFindResult(rates, np.array(losses), np.array(smoothed), suggestion, best, stopped)


def _batches(n: int, size: int, rng: np.random.Generator):
    """Row indices of successive mini-batches, a new shuffle per pass, forever."""
    while True:
        order = rng.permutation(n)
        for begin in range(0, n, size):
            yield order[begin : begin + size]


def _suggest(rates: np.ndarray, smoothed: np.ndarray) -> tuple[float, float]:
    """(suggestion, rate of the smoothed minimum) for ``rates`` and ``smoothed``
    ``(n,)``; see :func:`lr_find`. Both lie within ``[rates[0], rates[-1]]``."""
    # The first points are single noisy batches (the average has barely started):
    # neither the minimum nor the steepest slope is looked for among them.
    skip = min(SKIP_START, len(rates) // 10)
    lowest = skip + int(np.argmin(smoothed[skip:]))
    best = float(rates[lowest])
    if lowest - skip < 3:
        return max(best / 10, float(rates[0])), best
    slopes = np.gradient(smoothed[skip : lowest + 1], np.log(rates[skip : lowest + 1]))
    # slopes[-1] is the minimum's own point: the suggestion lies strictly before it.
    return float(rates[skip + int(np.argmin(slopes[:-1]))]), best


# --------------------------------------------------------------------------- overfit_check


@dataclass
class OverfitResult:
    """Whether the network could fit a handful of rows: ``passed`` when the
    final loss is at most ``max(atol, rtol * initial_loss)``; ``losses`` one per
    epoch (before its step); ``epochs`` those run (fewer than asked for if the
    loss diverged); ``diverged`` if the loss became NaN."""

    passed: bool
    initial_loss: float
    final_loss: float
    n_samples: int
    epochs: int
    losses: list[float]
    diverged: bool = False

    def __str__(self) -> str:
        head = (f"overfit check: {self.n_samples} samples, {self.epochs} epochs: loss "
                f"{self.initial_loss:.4g} -> {self.final_loss:.4g}")
        if self.passed:
            return f"{head}\nPASSED: the network can fit a tiny batch"
        why = "the loss became NaN or infinite" if self.diverged else "the loss did not reach ~0"
        return (f"{head}\nFAILED: {why}. A healthy model memorises a few rows easily, so "
                "check that the labels match the rows and the loss fits the output, then run "
                "steepest.diagnose (saturated or dead units, vanishing gradients) or lower the "
                "learning rate")

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "initial_loss": self.initial_loss,
                "final_loss": self.final_loss, "samples": self.n_samples, "epochs": self.epochs,
                "diverged": self.diverged, "losses": self.losses}


def overfit_check(
    net: Network,
    X: Any,
    y: Any,
    *,
    n_samples: int = 8,
    epochs: int = 300,
    optimizer: str | dict[str, Any] | Optimizer = "adam",
    learning_rate: float | None = 0.01,
    rtol: float = 0.01,
    atol: float = 1e-3,
    seed: int = 0,
) -> OverfitResult:
    """Can a copy of ``net`` drive the loss on ``n_samples`` rows of ``X``
    ``(n, sizes[0])`` (drawn with ``seed``) to about 0?

    The copy trains full-batch for ``epochs`` with ``optimizer`` at
    ``learning_rate`` and without dropout (memorising is the point). It passes
    when the final loss is at most ``max(atol, rtol * initial_loss)``. If it
    fails, something is wrong in the model (saturation, dead units, a loss that
    does not suit the output) or the data (labels that do not match the rows).
    ``net`` is left unchanged.
    """
    n_samples = _whole(n_samples, "n_samples", 1)
    epochs = _whole(epochs, "epochs", 1)
    X, Y = _some_rows(net, X, y, n_samples, seed)
    work = net.copy()
    work.dropout = [0.0] * len(work.dropout)
    initial = work.evaluate(X, Y)["loss"]
    diverged = False
    try:
        history = work.fit(X, Y, epochs=epochs, batch_size=None, optimizer=optimizer,
                           learning_rate=learning_rate, shuffle=False)
        losses = list(history["loss"])
    except DivergenceError:
        diverged, losses = True, list(work.history["loss"])
    final = math.inf if diverged else work.evaluate(X, Y)["loss"]
    passed = not diverged and final <= max(atol, rtol * initial)
    # The epochs actually run: fewer than asked for when the loss diverged.
    return OverfitResult(passed, initial, final, len(X), len(losses), losses, diverged)

