"""The doctor's rules: each a small function of the :class:`Measurement` and the
:class:`Thresholds` that returns its findings (none, or one), and :data:`RULES`,
the order :func:`steepest.diagnose` runs them in (within a severity, the order
of the report)."""

from __future__ import annotations

import math
from collections.abc import Callable

from .measure import LayerStats, Measurement, ratio_of
from .report import Finding
from .thresholds import Thresholds

#: A rule: the measurement and the thresholds in, its findings out.
Rule = Callable[[Measurement, Thresholds], list[Finding]]


# ---------------------------------------------------------------------- the data and the weights


def inputs_not_scaled(m: Measurement, t: Thresholds) -> list[Finding]:
    """An input value beyond ``±t.input_scale``."""
    if m.largest_input <= t.input_scale:
        return []
    return [Finding(
        "inputs_not_scaled", "warning",
        f"inputs are not scaled: values reach {m.largest_input:.4g} (weighted sums grow with "
        "them)",
        "scale inputs to [0, 1] (divide by the largest value, 255 for pixels) or standardise "
        "them (steepest.datasets.standardize)")]


def symmetric_weights(m: Measurement, t: Thresholds) -> list[Finding]:
    """Hidden layers whose units are twins (``m.twins``)."""
    if not m.twins:
        return []
    return [Finding(
        "symmetric_weights", "error",
        f"every unit of layer {', '.join(map(str, m.twins))} has the same incoming weights, "
        "bias and outgoing weights, so they compute and learn the same thing (as with weights "
        "all 0)",
        "initialise the weights at random: init='glorot' or init='he'", m.twins)]


# ---------------------------------------------------------------------- the units


def _saturated(m: Measurement, t: Thresholds) -> list[LayerStats]:
    return [s for s in m.layers if s.saturated is not None and s.saturated > t.unit_share]


def saturated_units(m: Measurement, t: Thresholds) -> list[Finding]:
    """Layers with over ``t.unit_share`` of their outputs in a flat tail."""
    saturated = _saturated(m, t)
    if not saturated:
        return []
    what = ", ".join(f"layer {s.index} {s.saturated:.0%} (mean |Z| {s.mean_abs_sum:.3g})"
                     for s in saturated)
    return [Finding(
        "saturated_units", "warning",
        f"saturated {saturated[0].activation} units, where the derivative is ~0: {what}",
        "keep weighted sums small: a sigmoid with a slope c (Sigmoid(c=0.01)), leaky_relu "
        "with He init, or Glorot init (init='glorot') and inputs in [0, 1]",
        [s.index for s in saturated])]


def dead_relus(m: Measurement, t: Thresholds) -> list[Finding]:
    """Layers with over ``t.unit_share`` of their units dead."""
    dead = [s for s in m.layers if s.dead is not None and s.dead > t.unit_share]
    if not dead:
        return []
    what = ", ".join(f"layer {s.index} {s.dead:.0%}" for s in dead)
    return [Finding(
        "dead_relus", "warning",
        f"dead ReLUs (0 for every sample, so they get no gradient): {what}",
        "use leaky_relu, He init (init='he'), or a smaller learning rate",
        [s.index for s in dead])]


def large_sums(m: Measurement, t: Thresholds) -> list[Finding]:
    """Layers (not already saturated) whose mean ``|Z|`` is above ``t.large_sum``."""
    flagged = {s.index for s in _saturated(m, t)}
    large = [s for s in m.layers if s.mean_abs_sum > t.large_sum and s.index not in flagged]
    if not large:
        return []
    what = ", ".join(f"layer {s.index} mean |Z| {s.mean_abs_sum:.3g}" for s in large)
    return [Finding(
        "large_sums", "warning", f"large weighted sums: {what}",
        "use Glorot or He init (weights ~ 1/sqrt(n_in)) and scale the inputs",
        [s.index for s in large])]


# ---------------------------------------------------------------------- the gradient


def _finite_gradient(m: Measurement) -> bool:
    return all(math.isfinite(s.grad_norm) for s in m.layers)


def _no_gradient(m: Measurement, t: Thresholds) -> bool:
    """Every layer's ``|dW| / |W|`` below ``t.no_gradient`` (a finite gradient)."""
    # A NaN ratio (weights all 0, gradient not) is a gradient present, so it fails `<`.
    return _finite_gradient(m) and all(s.grad_ratio < t.no_gradient for s in m.layers)


def _converged(m: Measurement, t: Thresholds) -> bool:
    """A loss of at most ``t.converged_loss``: no gradient is a minimum reached."""
    return math.isfinite(m.losses[0]) and m.losses[0] <= t.converged_loss


def _gradient_flows(m: Measurement, t: Thresholds) -> bool:
    """A finite gradient that reaches the weights: its size can be judged."""
    return _finite_gradient(m) and not _no_gradient(m, t)


def gradient_not_finite(m: Measurement, t: Thresholds) -> list[Finding]:
    """A NaN or infinite gradient in some layer."""
    if _finite_gradient(m):
        return []
    return [Finding("exploding_gradients", "error", "the gradient is NaN or infinite",
                    "use a smaller learning rate, clip_norm=1.0 in fit, and Glorot/He init",
                    [s.index for s in m.layers if not math.isfinite(s.grad_norm)])]


def no_gradient(m: Measurement, t: Thresholds) -> list[Finding]:
    """No gradient anywhere, away from a minimum."""
    if not _no_gradient(m, t) or _converged(m, t):
        return []
    return [Finding(
        "no_gradient", "error",
        "no gradient reaches the weights (the largest |dW|/|W| is "
        f"{max(s.grad_ratio for s in m.layers):.1e}): the vanishing gradient problem at "
        "its extreme, the network cannot learn (saturated units or dead ReLUs block the "
        "backward phase)",
        "keep weighted sums small: Sigmoid(c=0.01), leaky_relu with He init, or Glorot init",
        [s.index for s in m.layers])]


def converged(m: Measurement, t: Thresholds) -> list[Finding]:
    """No gradient at a loss of about 0: not an error."""
    if not _no_gradient(m, t) or not _converged(m, t):
        return []
    return [Finding("converged", "info",
                    f"the loss is {m.losses[0]:.2g} and no gradient is left: the network "
                    "already fits these rows", "nothing to fix; train on more data or stop")]


def _vanishing(m: Measurement, t: Thresholds) -> list[LayerStats]:
    """Hidden layers (the last aside) whose signal is below ``t.vanishing`` times
    the last hidden layer's."""
    if not _gradient_flows(m, t):
        return []
    hidden = m.layers[:-1]
    reference = hidden[-1].signal if hidden else 0.0
    return [s for s in hidden[:-1] if s.signal < t.vanishing * reference]


def vanishing_gradients(m: Measurement, t: Thresholds) -> list[Finding]:
    """Early layers whose error signal is a tiny fraction of the last hidden layer's."""
    vanishing = _vanishing(m, t)
    if not vanishing:
        return []
    last = m.layers[-2]
    what = ", ".join(f"layer {s.index} {ratio_of(s.signal, last.signal):.1e}"
                     for s in vanishing)
    return [Finding(
        "vanishing_gradients", "error",
        f"the vanishing gradient problem: the error signal (rms psi) relative to layer "
        f"{last.index}'s is {what}, so the early layers barely learn",
        "use leaky_relu (or relu) with He init, or a sigmoid with a slope c "
        "(Sigmoid(c=0.01)); fewer layers",
        [s.index for s in vanishing])]


def exploding_gradients(m: Measurement, t: Thresholds) -> list[Finding]:
    """Layers whose ``|dW| / |W|`` is above ``t.exploding_ratio``, or early hidden
    layers whose signal is above ``t.exploding`` times the last hidden layer's."""
    if not _gradient_flows(m, t):
        return []
    n_hidden = len(m.layers) - 1
    reference = m.layers[-2].signal if n_hidden else 0.0
    exploding = [s for s in m.layers if s.grad_ratio > t.exploding_ratio
                 or (s.index < n_hidden - 1 and s.signal > t.exploding * reference)]
    if not exploding:
        return []
    what = ", ".join(f"layer {s.index} (|dW|/|W| {s.grad_ratio:.3g}, rms psi "
                     f"{s.signal:.3g})" for s in exploding)
    return [Finding(
        "exploding_gradients", "warning",
        f"exploding gradients: {what}",
        "use Glorot/He init, scaled inputs, clip_norm=1.0 in fit or a smaller learning rate",
        [s.index for s in exploding])]


# ---------------------------------------------------------------------- the learning rate


def _smaller_rate(m: Measurement) -> str:
    """The fix of a learning rate that is too large."""
    return f"use a smaller learning rate (try {m.learning_rate / 10:g}), or run steepest.lr_find"


def loss_not_finite(m: Measurement, t: Thresholds) -> list[Finding]:
    """A NaN or infinite loss before any step."""
    if math.isfinite(m.losses[0]):
        return []
    return [Finding("loss_not_finite", "error",
                    "the loss is already NaN or infinite at the current weights",
                    "check the data for extreme values, then start again from fresh weights "
                    "(these have diverged) with a smaller learning rate")]


def loss_diverges(m: Measurement, t: Thresholds) -> list[Finding]:
    """A loss that becomes NaN or infinite during the steps."""
    if not math.isfinite(m.losses[0]) or all(math.isfinite(v) for v in m.losses):
        return []
    return [Finding("loss_diverges", "error",
                    f"the loss became NaN or infinite within {len(m.losses) - 1} steps at "
                    f"learning rate {m.learning_rate:g}",
                    _smaller_rate(m))]


def _finite_loss(m: Measurement) -> bool:
    return all(math.isfinite(v) for v in m.losses)


def _steady_loss(m: Measurement, t: Thresholds) -> bool:
    """A loss that stays finite and ends at most ``t.loss_rise`` times where it started."""
    return _finite_loss(m) and m.losses[-1] <= t.loss_rise * m.losses[0]


def loss_rises(m: Measurement, t: Thresholds) -> list[Finding]:
    """A finite loss that ends over ``t.loss_rise`` times where it started."""
    if not _finite_loss(m) or _steady_loss(m, t):
        return []
    return [Finding("loss_rises", "warning",
                    f"the loss rose from {m.losses[0]:.4g} to {m.losses[-1]:.4g} in "
                    f"{len(m.losses) - 1} steps at learning rate {m.learning_rate:g}",
                    _smaller_rate(m))]


def _large_updates(m: Measurement, t: Thresholds) -> list[LayerStats]:
    if not _steady_loss(m, t):
        return []
    return [s for s in m.layers if s.update_ratio > t.update_too_big]


def large_updates(m: Measurement, t: Thresholds) -> list[Finding]:
    """Layers whose steps change the weights by over ``t.update_too_big`` of their size."""
    big = _large_updates(m, t)
    if not big:
        return []
    what = ", ".join(f"layer {s.index} {s.update_ratio:.2g}" for s in big)
    return [Finding("large_updates", "warning",
                    f"each step changes the weights by more than {t.update_too_big:.0%} of "
                    f"their size ({what}; about 1e-3 is typical)",
                    _smaller_rate(m), [s.index for s in big])]


def small_updates(m: Measurement, t: Thresholds) -> list[Finding]:
    """Steps below ``t.update_too_small`` of the weights everywhere, while a
    gradient flows (a blocked gradient has findings of its own)."""
    if not _steady_loss(m, t) or _large_updates(m, t):
        return []
    if _no_gradient(m, t) or _vanishing(m, t):
        return []
    # NaN ratios (steps from weights all 0) say nothing about the step size.
    ratios = [s.update_ratio for s in m.layers if not math.isnan(s.update_ratio)]
    if not ratios or max(ratios) >= t.update_too_small:
        return []
    return [Finding("small_updates", "info",
                    f"each step changes the weights by less than {max(ratios):.1e} of their "
                    "size (about 1e-3 is typical): training will be slow",
                    f"try a larger learning rate than {m.learning_rate:g}, or run "
                    "steepest.lr_find")]


#: Every rule, in the order of the report within a severity.
RULES: tuple[Rule, ...] = (
    inputs_not_scaled, symmetric_weights, saturated_units, dead_relus, large_sums,
    gradient_not_finite, no_gradient, converged, vanishing_gradients, exploding_gradients,
    loss_not_finite, loss_diverges, loss_rises, large_updates, small_updates,
)
