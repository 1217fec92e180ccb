"""Curves over training: the loss and accuracy per epoch, several runs' losses,
and the gradient norms per layer (over training, or as bars at one moment)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError, DataError, ShapeError
from ..history import History
from ._mpl import AxesSpec, panels

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..callbacks import GradientMonitor
    from ..network import Network


def plot_history(history: History | Mapping[str, Sequence[float]] | Network,
                 metrics: Sequence[str] = ("loss", "accuracy"), ax: AxesSpec = None) -> Figure:
    """Training curves: one panel per metric present (``loss``, ``accuracy``),
    each with the training figure and, when recorded, the validation one
    (``val_loss``...), against the epoch (1, 2, ...).

    ``history`` is a :class:`~steepest.History`, a dict of lists, or a network
    (its whole ``net.history``). A dotted line marks the epoch of the lowest
    validation loss (the weights ``steepest train`` keeps).
    """
    history = getattr(history, "history", history)
    data = history.to_dict() if isinstance(history, History) else dict(history)
    shown = [m for m in metrics if data.get(m)]
    if not shown:
        raise DataError(f"the history holds none of {list(metrics)} (it has {list(data)})")
    fig, axes = panels(ax, len(shown), (5.0 * len(shown), 3.6))
    for axis, metric in zip(axes, shown, strict=True):
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            values = data.get(key)
            if values:
                epochs = np.arange(1, len(values) + 1)
                label = "validation" if key.startswith("val_") else "training"
                axis.plot(epochs, values, style, label=label)
        if metric == "loss" and data.get("val_loss"):
            best = int(np.argmin(data["val_loss"])) + 1
            axis.axvline(best, color="grey", linestyle=":", label=f"best validation (epoch {best})")
        if metric == "loss" and min(data[metric]) > 0 and _spans_decades(data[metric]):
            axis.set_yscale("log")
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    return fig


def _spans_decades(values: Sequence[float]) -> bool:
    return max(values) / min(values) > 30


def plot_losses(runs: Mapping[str, Sequence[float] | History], ax: AxesSpec = None,
                title: str = "training loss") -> Figure:
    """Several runs' losses on one log-scale panel, one line per run (e.g. one
    per activation), for comparison. ``runs`` maps a label to a loss list or a
    :class:`~steepest.History`."""
    fig, (axis,) = panels(ax, 1, (5.5, 3.6))
    for label, run in runs.items():
        values = np.asarray(run["loss"] if isinstance(run, History) else run, dtype=float)
        axis.plot(np.arange(1, len(values) + 1), values, label=label)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel("loss")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend()
    return fig


def _floor_zeros(values: np.ndarray, floor: float | None = None
                 ) -> tuple[np.ndarray, float | None]:
    """Zeros cannot sit on a log scale: draw them at a floor below every positive
    value (or at ``floor``), and say where that is (None when there are no zeros)."""
    if (values > 0).all():
        return values, None
    if floor is None:
        positive = values[values > 0]
        floor = float(positive.min()) / 1e3 if positive.size else 1e-12
    return np.where(values > 0, values, floor), floor


def plot_gradient_norms(monitor: GradientMonitor, which: str = "gradients",
                        ax: AxesSpec = None, floor: float | None = None) -> Figure:
    """Per layer, the norm recorded by a :class:`~steepest.callbacks.GradientMonitor`
    over training, on a log scale: ``which="gradients"`` (``||dLoss/dW_i||``),
    ``"updates"`` (``||delta W_i|| / ||W_i||``, the change since the previous
    record) or ``"both"`` (two panels).

    Layers far below the others are the picture of vanishing gradients; rising
    norms, of exploding ones. A norm of exactly 0 is drawn at a floor (``floor``,
    else a thousandth of the smallest positive norm) marked by a dotted line,
    labelled "0".
    """
    kinds = {"gradients": ["gradients"], "updates": ["updates"],
             "both": ["gradients", "updates"]}
    if which not in kinds:
        raise ConfigError(f"which must be 'gradients', 'updates' or 'both', got {which!r}")
    if len(monitor.epochs) == 0:
        raise DataError("the GradientMonitor has no records yet; pass it to fit(callbacks=...)")
    fig, axes = panels(ax, len(kinds[which]), (5.5 * len(kinds[which]), 3.6))
    for axis, kind in zip(axes, kinds[which], strict=True):
        values = monitor.grad_norms if kind == "gradients" else monitor.update_ratios
        epochs = monitor.epochs
        if kind == "updates":  # the first record has no previous weights to compare
            values, epochs = values[1:], epochs[1:]
        _norm_lines(axis, epochs, values, floor)
        axis.set_xlabel("epoch")
        axis.set_ylabel("||dLoss/dW||" if kind == "gradients" else "||delta W|| / ||W||")
        axis.set_title("gradient norm per layer" if kind == "gradients"
                       else "update / weight ratio per layer")
    return fig


def _norm_lines(axis: Axes, x: np.ndarray, values: np.ndarray, floor: float | None) -> None:
    """One line per layer of ``values`` ``(len(x), n_layers)``, log scale, zeros at a floor."""
    shown, floor = _floor_zeros(values, floor)
    marker = "o" if len(x) <= 30 else None
    for layer in range(values.shape[1]):
        axis.plot(x, shown[:, layer], marker=marker, markersize=3, label=f"layer {layer}")
    axis.set_yscale("log")
    if floor is not None:
        axis.axhline(floor, color="grey", linestyle=":", linewidth=1)
        axis.annotate("0", (1.0, floor), xycoords=("axes fraction", "data"),
                      xytext=(3, 0), textcoords="offset points", va="center", color="grey")
    if not values.any():
        axis.text(0.5, 0.6, "every gradient is exactly 0", transform=axis.transAxes,
                  ha="center", color="crimson")
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize="small")


def plot_layer_norms(norms: Mapping[str, Sequence[float]], ax: AxesSpec = None,
                     title: str = "gradient norm per layer") -> Figure:
    """Grouped bars on a log scale: for each label (e.g. an activation), one bar
    per layer (e.g. ``||dLoss/dW_i||`` at initialisation). A value of exactly 0
    is drawn as a stub at the floor, labelled "0"."""
    labels = list(norms)
    table = np.array([np.asarray(norms[k], dtype=float) for k in labels])
    if table.ndim != 2 or table.size == 0:
        raise ShapeError("norms must map each label to one value per layer, all the same length")
    fig, (axis,) = panels(ax, 1, (6.0, 3.6))
    shown, floor = _floor_zeros(table)
    n_groups, n_layers = table.shape
    width = 0.8 / n_groups
    x = np.arange(n_layers)
    for g, label in enumerate(labels):
        bars = axis.bar(x + (g - (n_groups - 1) / 2) * width, shown[g], width, label=label,
                        bottom=floor / 10 if floor else None)
        for bar, value in zip(bars, table[g], strict=True):
            if value == 0:
                axis.annotate("0", (bar.get_x() + bar.get_width() / 2, floor), ha="center",
                              va="bottom", fontsize="small")
    axis.set_yscale("log")
    axis.set_ylim(top=float(shown.max()) * 300)  # room for the legend above the bars
    axis.set_xticks(x, [f"layer {i}" for i in x])
    axis.set_ylabel("||dLoss/dW||")
    axis.set_title(title)
    axis.grid(alpha=0.3, axis="y", which="both")
    axis.legend(fontsize="small")
    return fig
