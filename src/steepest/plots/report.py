"""A network's activations layer by layer (their statistics and histograms,
with the doctor's saturation and dead-unit marks), and every picture of a
trained model written at once."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..doctor.measure import share
from ..doctor.thresholds import DEFAULT, Thresholds
from ..errors import ConfigError
from ._mpl import AxesSpec, check_available, panels, save_figure
from ._rows import predicted_classes
from .boundary import animate_decision_boundary, plot_decision_boundary
from .classification import plot_confusion_matrix
from .curves import plot_gradient_norms, plot_history
from .images import plot_first_layer_weights, plot_misclassified

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..activations import Activation
    from ..callbacks import GradientMonitor, Snapshots
    from ..network import Network, Trace


def activation_statistics(net: Network, X: np.ndarray,
                          thresholds: Thresholds = DEFAULT) -> list[dict[str, Any]]:
    """Per hidden layer (or the output layer of a network without hidden ones),
    facts about its outputs on ``X`` ``(n, n_features)``: ``layer``,
    ``activation``, ``mean``, ``std``, and, as the doctor counts them with the
    same ``thresholds``:

    - ``saturated``: for activations with flat tails (sigmoid, tanh), the
      fraction of outputs within ``thresholds.saturation_margin`` of a bound
      (where the derivative, and so the gradient, nearly vanishes);
    - ``dead``: for activations whose units can die (ReLU), the fraction of
      units that pass no gradient for any row.

    Either is None where it does not apply.
    """
    return _statistics(net, net.forward(X), thresholds)


def _statistics(net: Network, trace: Trace, thresholds: Thresholds) -> list[dict[str, Any]]:
    """:func:`activation_statistics` of a forward phase's ``trace``."""
    stats = []
    for i in range(max(net.n_layers - 1, 1)):
        A = np.asarray(trace.outputs[i], dtype=np.float64)
        f = net.activations[i]
        stats.append({"layer": i, "activation": f.label, "mean": float(A.mean()),
                      "std": float(A.std()),
                      "saturated": share(f.saturated(A, thresholds.saturation_margin)),
                      "dead": share(f.dead(trace.sums[i]))})
    return stats


def _output_range(f: Activation) -> tuple[float, float] | None:
    """``f``'s limits at -inf and +inf when both are finite (sigmoid's (0, 1),
    tanh's (-1, 1)), else None."""
    with np.errstate(all="ignore"):
        low, high = f.forward(np.array([[-np.inf], [np.inf]]))[:, 0]
    return (float(low), float(high)) if np.isfinite([low, high]).all() else None


def plot_activation_histograms(net: Network, X: np.ndarray, bins: int = 40,
                               ax: AxesSpec = None,
                               thresholds: Thresholds = DEFAULT) -> Figure:
    """One histogram per hidden layer of its outputs ``f(Z_i)`` on ``X``
    ``(n, n_features)``: sigmoid units piled at 0 and 1 are saturated (their
    gradient vanishes), ReLU units stuck at 0 are dead. Each title gives the
    fraction (see :func:`activation_statistics`); a bounded activation's
    histogram spans its whole range."""
    trace = net.forward(X)
    stats = _statistics(net, trace, thresholds)
    fig, axes = panels(ax, len(stats), (3.6 * len(stats), 3.2))
    for axis, facts in zip(axes, stats, strict=True):
        values = np.asarray(trace.outputs[facts["layer"]], dtype=np.float64).ravel()
        axis.hist(values, bins=bins, range=_output_range(net.activations[facts["layer"]]),
                  color="#1f77b4")
        axis.set_title(f"layer {facts['layer']} ({facts['activation']}){_mark(facts)}",
                       fontsize=9)
        axis.set_xlabel("output")
        axis.set_ylabel("count")
    return fig


def _mark(facts: dict[str, Any]) -> str:
    """The title's note: ``, 12% saturated``, ``, 50% dead units`` or nothing."""
    if facts["saturated"] is not None:
        return f", {facts['saturated']:.0%} saturated"
    if facts["dead"] is not None:
        return f", {facts['dead']:.0%} dead units"
    return ""


#: Every file :func:`write_model_plots` may write.
PICTURES = ("training-curves.png", "gradient-norms.png", "activations.png",
            "confusion-matrix.png", "decision-boundary.png", "decision-boundary.gif",
            "first-layer-weights.png", "misclassified.png")


def write_model_plots(net: Network, X: np.ndarray, y: np.ndarray, out_dir: str | os.PathLike,
                      classes: Sequence[str] | None = None,
                      image_shape: Sequence[int] | None = None,
                      monitor: GradientMonitor | None = None,
                      snapshots: Snapshots | None = None) -> list[Path]:
    """Write every picture that applies to a trained classifier and its test
    rows ``(X, y)`` into ``out_dir`` (created if needed); returns the paths.

    - ``training-curves.png`` when the network has a history;
    - ``gradient-norms.png`` when a :class:`GradientMonitor` is given;
    - ``activations.png`` always;
    - for classifiers (``classes`` given): ``confusion-matrix.png``,
      ``decision-boundary.png`` (2 inputs; and ``decision-boundary.gif`` over
      training when :class:`Snapshots` are given), and for images (``image_shape``
      given, or a square number of inputs with ``image_shape=None`` and more
      than 16 of them) ``first-layer-weights.png`` and ``misclassified.png``.
    """
    check_available()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} is a file; plots need a folder")
    out.mkdir(parents=True, exist_ok=True)
    figures: list[tuple[str, Figure]] = []
    if len(net.history):
        figures.append(("training-curves.png", plot_history(net.history)))
    if monitor is not None and len(monitor.epochs):
        figures.append(("gradient-norms.png", plot_gradient_norms(monitor, which="both")))
    figures.append(("activations.png", plot_activation_histograms(net, X[:1000])))
    if classes is not None:
        figures += _classifier_figures(net, X, y, classes, image_shape)
    paths = [save_figure(fig, out / name) for name, fig in figures]
    if classes is not None and X.shape[1] == 2 and snapshots is not None and snapshots.epochs:
        paths.append(animate_decision_boundary(net, X, y, snapshots,
                                               out / "decision-boundary.gif", resolution=80))
    return paths


def _classifier_figures(net: Network, X: np.ndarray, y: np.ndarray, classes: Sequence[str],
                        image_shape: Sequence[int] | None) -> list[tuple[str, Figure]]:
    """The pictures of a classifier on its test rows ``X`` ``(n, n_features)``,
    ``y`` ``(n,)``, each with its file name (see :func:`write_model_plots`)."""
    figures = [("confusion-matrix.png",
                plot_confusion_matrix(y, predicted_classes(net, X), classes=classes))]
    if X.shape[1] == 2:
        figures.append(("decision-boundary.png", plot_decision_boundary(net, X, y)))
    n = X.shape[1]
    if image_shape is not None or (n > 16 and math.isqrt(n) ** 2 == n):
        figures.append(("first-layer-weights.png", plot_first_layer_weights(net, image_shape)))
        figures.append(("misclassified.png", plot_misclassified(net, X, y, image_shape, classes)))
    return figures
