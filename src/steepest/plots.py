"""Pictures of training: curves, gradient norms, decision boundaries, the error
surface, confusion matrices, weights as images, mistakes, activation histograms.

Needs matplotlib (``pip install "steepest[plots]"``), imported only when a
function here is called. Every ``plot_*`` function returns the
:class:`matplotlib.figure.Figure` it drew on and accepts ``ax=`` to draw into
your own axes (one ``Axes``, or a sequence of them for several panels). Without
``ax`` the figure is created off-screen (no pyplot, no display needed): show it
by leaving it as a notebook cell's value, or write it with :func:`save_figure`
(or ``fig.savefig``).

Rows are samples: ``X`` is ``(n_samples, n_features)``; ``y`` holds class labels
``(n_samples,)`` or one-hot rows ``(n_samples, n_classes)``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._files import atomic_file, atomic_write
from .callbacks import GradientMonitor, Snapshots, WeightPath, weight_index
from .errors import ConfigError, DataError, ShapeError
from .history import History

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .network import Network

AxesSpec = Any  # an Axes, a sequence of Axes, or None

#: Colours of the classes (matplotlib's tab10), in order.
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf")


# --------------------------------------------------------------------------- figure plumbing


def _matplotlib():
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigError('plots need matplotlib: pip install "steepest[plots]"') from None
    return matplotlib, Figure


def check_available() -> None:
    """Raise :class:`~steepest.errors.ConfigError` naming the extra to install when
    matplotlib is missing (call it before a long run that ends in pictures)."""
    _matplotlib()


def figure(n_panels: int = 1, figsize: tuple[float, float] | None = None
           ) -> tuple[Figure, list[Axes]]:
    """A new off-screen figure (no pyplot, no display) with ``n_panels`` axes side
    by side, to pass as ``ax=`` to the ``plot_*`` functions."""
    _, Figure = _matplotlib()
    fig = Figure(figsize=figsize or (4.2 * n_panels, 3.4), layout="constrained")
    return fig, list(fig.subplots(1, n_panels, squeeze=False)[0])


def _axes(ax: AxesSpec, n: int, figsize: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    """``n`` axes side by side: the caller's (one Axes for ``n == 1``, else a
    sequence of ``n``) or those of a new off-screen figure."""
    if ax is None:
        return figure(n, figsize)
    if isinstance(ax, np.ndarray):  # e.g. from plt.subplots(1, 2)
        axes = list(ax.ravel())
    else:
        axes = list(ax) if isinstance(ax, Sequence) else [ax]
    if len(axes) != n:
        raise ConfigError(f"this plot has {n} panel(s): pass ax= as {n} Axes, got {len(axes)}")
    return axes[0].get_figure(), axes


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 100) -> Path:
    """Write ``fig`` as an image (format from the suffix, e.g. ``.png``) atomically:
    a temporary file beside ``path``, then a rename. Returns the path."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=dpi))
    return path


def _labels(y: Any, name: str = "y") -> np.ndarray:
    """Class labels ``(n,)`` int64 from labels or one-hot / probability rows."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1).astype(np.int64)
    if y.ndim == 2:
        y = y[:, 0]
    if y.ndim != 1:
        raise ShapeError(f"{name} must be labels (n,) or one-hot rows (n, k), got shape "
                         f"{y.shape}")
    if y.size and not np.all(np.equal(np.mod(y, 1), 0)):
        raise DataError(f"{name} must hold whole-number class labels")
    if y.size and y.min() < 0:
        # A negative label would silently pick a colour from the end of the palette.
        raise DataError(f"{name} must hold class labels 0, 1, ..., got {y.min():g}")
    return y.astype(np.int64)


def _predicted_classes(net: Network, X: np.ndarray) -> np.ndarray:
    classes = net.predict_classes(X)
    if classes.ndim != 1:
        raise ConfigError("these plots need one class per sample; this network gives "
                          f"{classes.shape[1]} independent (multi-label) outputs")
    return classes


def _check_rows(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ShapeError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if len(X) == 0:
        raise DataError("X has no rows")
    # Checked here, before any prediction, so the message counts X's values (not a grid's).
    bad = int(np.count_nonzero(~np.isfinite(X))) if X.dtype.kind in "fc" else 0
    if bad:
        raise DataError(f"X must be finite, found {bad} NaN or infinite values "
                        f"(of {X.size})")
    y = _labels(y)
    if len(y) != len(X):
        raise ShapeError(f"X has {len(X)} rows but y has {len(y)}")
    return X, y


# --------------------------------------------------------------------------- training curves


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
    panels = [m for m in metrics if data.get(m)]
    if not panels:
        raise DataError(f"the history holds none of {list(metrics)} (it has {list(data)})")
    fig, axes = _axes(ax, len(panels), (5.0 * len(panels), 3.6))
    for axis, metric in zip(axes, panels, strict=True):
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
    fig, (axis,) = _axes(ax, 1, (5.5, 3.6))
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


# --------------------------------------------------------------------------- gradients


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
    fig, axes = _axes(ax, len(kinds[which]), (5.5 * len(kinds[which]), 3.6))
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
    fig, (axis,) = _axes(ax, 1, (6.0, 3.6))
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


# --------------------------------------------------------------------------- decision boundary


def _grid(X: np.ndarray, resolution: int, padding: float) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = padding * np.maximum(hi - lo, 1e-6)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    return np.meshgrid(xs, ys)


def _draw_boundary(axis: Axes, net: Network, X: np.ndarray, y: np.ndarray,
                   GX: np.ndarray, GY: np.ndarray) -> None:
    from matplotlib.colors import ListedColormap

    grid = np.column_stack([GX.ravel(), GY.ravel()])
    n_classes = max(int(y.max()) + 1, 2, net.sizes[-1])
    colors = [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(n_classes)]
    predicted = _predicted_classes(net, grid).reshape(GX.shape)
    axis.contourf(GX, GY, predicted, levels=np.arange(n_classes + 1) - 0.5,
                  cmap=ListedColormap(colors), alpha=0.3)
    axis.scatter(X[:, 0], X[:, 1], c=[colors[k] for k in y], s=12, edgecolors="white",
                 linewidths=0.4)
    axis.set_xlim(GX.min(), GX.max())
    axis.set_ylim(GY.min(), GY.max())
    axis.set_xlabel("x0")
    axis.set_ylabel("x1")


def _check_2d(net: Network, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X, y = _check_rows(X, y)
    if X.shape[1] != 2 or net.sizes[0] != 2:
        raise ShapeError(f"a decision boundary needs 2 input features, got X of shape {X.shape} "
                         f"and a network with {net.sizes[0]} inputs")
    return X, y


def plot_decision_boundary(net: Network, X: np.ndarray, y: np.ndarray, ax: AxesSpec = None,
                           resolution: int = 200, padding: float = 0.1,
                           title: str | None = None) -> Figure:
    """The class the network predicts at every point of the plane (filled
    regions) with the samples on top, for a classifier of 2 inputs.

    ``X`` ``(n, 2)``, ``y`` ``(n,)`` labels; the grid spans the data plus
    ``padding`` (a fraction of its range) at ``resolution`` x ``resolution``
    points. The title gives the accuracy on ``(X, y)``.
    """
    X, y = _check_2d(net, X, y)
    fig, (axis,) = _axes(ax, 1, (4.6, 4.2))
    GX, GY = _grid(X, resolution, padding)
    _draw_boundary(axis, net, X, y, GX, GY)
    accuracy = float((_predicted_classes(net, X) == y).mean())
    axis.set_title(title or f"decision boundary (accuracy {accuracy:.1%})")
    return fig


def animate_decision_boundary(net: Network, X: np.ndarray, y: np.ndarray,
                              snapshots: Snapshots, path: str | os.PathLike[str],
                              fps: int = 5, resolution: int = 100, padding: float = 0.1) -> Path:
    """Save a GIF of the decision boundary as it was at each of the
    ``snapshots`` (a :class:`~steepest.callbacks.Snapshots` callback passed to
    ``fit``): one frame per snapshot, titled with its epoch. Uses
    matplotlib's Pillow writer (Pillow must be installed); the file is
    written atomically. ``net`` is left with its own weights. Returns the path.
    """
    _matplotlib()
    from matplotlib.animation import FuncAnimation, PillowWriter

    try:
        import PIL  # noqa: F401  (PillowWriter needs it only once it writes)
    except ImportError:
        raise ConfigError('GIF animations need Pillow: pip install "steepest[plots]"') from None
    X, y = _check_2d(net, X, y)
    if not snapshots.param_vectors:
        raise DataError("the Snapshots callback holds no weights; pass it to fit(callbacks=...)")
    twin = net.copy()
    fig, (axis,) = _axes(None, 1, (4.6, 4.2))
    GX, GY = _grid(X, resolution, padding)

    def draw(frame: int) -> None:
        axis.clear()
        twin.params[...] = snapshots.param_vectors[frame]
        _draw_boundary(axis, twin, X, y, GX, GY)
        accuracy = float((_predicted_classes(twin, X) == y).mean())
        axis.set_title(f"epoch {snapshots.epochs[frame]}: accuracy {accuracy:.1%}")

    animation = FuncAnimation(fig, draw, frames=len(snapshots.param_vectors), repeat=False)
    with atomic_file(path, suffix=Path(path).suffix) as tmp:
        animation.save(tmp, writer=PillowWriter(fps=fps))
    return Path(path)


def error_surface(net: Network, X: np.ndarray, y: np.ndarray, first: tuple[int, int, int],
                  second: tuple[int, int, int], limits: Sequence[Sequence[float]],
                  resolution: int = 41) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss on ``(X, y)`` as a function of two weights, every other weight
    held at the network's current value.

    ``first``/``second`` are ``(layer, row, col)``: ``W_layer[row, col]``, or the
    bias ``b_layer[col]`` with ``row == n_in``. ``limits`` is ``((a_min, a_max),
    (b_min, b_max))``. Returns ``(A, B, L)``, each ``(resolution, resolution)``:
    ``L[r, c]`` is the loss with the first weight at ``A[r, c]`` and the second
    at ``B[r, c]`` (as ``np.meshgrid``). The network itself is not changed.
    """
    from .metrics import evaluate_prepared

    i, j = weight_index(net, first), weight_index(net, second)
    if i == j:
        raise ConfigError(f"choose two different weights, got {first} twice")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ConfigError(f"resolution must be a whole number >= 2, got {resolution!r}")
    (a0, a1), (b0, b1) = limits
    if not (a0 < a1 and b0 < b1):
        raise ConfigError(f"limits must be ((low, high), (low, high)), got {limits!r}")
    twin = net.astype("float64")  # float64: small loss differences stay visible
    prepared = twin._prepare(X, y)
    A, B = np.meshgrid(np.linspace(a0, a1, resolution), np.linspace(b0, b1, resolution))
    L = np.empty_like(A)
    for index in np.ndindex(A.shape):
        twin.params[i], twin.params[j] = A[index], B[index]
        L[index] = evaluate_prepared(twin, *prepared)["loss"]
    return A, B, L


def _surface_limits(net: Network, where: tuple[int, int], path: np.ndarray | None,
                    margin: float) -> list[tuple[float, float]]:
    """The path's extent (or the current values) plus a margin on each side."""
    points = np.array([[net.params[where[0]], net.params[where[1]]]], dtype=np.float64)
    if path is not None and len(path):
        points = np.vstack([points, path])
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = np.maximum(0.15 * (hi - lo), margin)
    return [(float(lo[k] - pad[k]), float(hi[k] + pad[k])) for k in range(2)]


def _weight_name(net: Network, index: tuple[int, int, int]) -> str:
    layer, row, col = index
    return f"b{layer}[{col}]" if row == net.sizes[layer] else f"W{layer}[{row}, {col}]"


def plot_error_surface(net: Network, X: np.ndarray, y: np.ndarray,
                       first: tuple[int, int, int] | None = None,
                       second: tuple[int, int, int] | None = None,
                       path: WeightPath | np.ndarray | None = None,
                       limits: Sequence[Sequence[float]] | None = None, resolution: int = 41,
                       margin: float = 0.5, levels: int = 15, ax: AxesSpec = None) -> Figure:
    """The loss over two weights as contour lines, with the path gradient
    descent took across it.

    ``path`` is a :class:`~steepest.callbacks.WeightPath` recorded during
    ``fit`` (its weights are used when ``first``/``second`` are not given;
    given, they must be the path's, else ConfigError) or an array
    ``(n_points, 2)``. The surface is :func:`error_surface` around the
    network's current weights: for a network with more than these two weights,
    the others are held at their current (usually trained) values, so the path
    is exact only where they were already close to them. ``limits`` defaults to
    the path's extent plus ``margin`` on each side.
    """
    if isinstance(path, WeightPath):
        # The path's coordinates are values of its own two weights: drawn over two others
        # it would be a picture of nothing.
        pairs = (("first", first, path.first), ("second", second, path.second))
        for name, given, own in pairs:
            if given is not None and weight_index(net, given) != weight_index(net, own):
                raise ConfigError(f"{name}={tuple(given)} differs from the WeightPath's "
                                  f"{name}={tuple(own)}: leave it out, or record a WeightPath "
                                  "of the weights you want")
        first, second = first or path.first, second or path.second
        points = path.path
    else:
        points = None if path is None else np.asarray(path, dtype=np.float64)
    if first is None or second is None:
        raise ConfigError("choose the two weights: first=(layer, row, col), second=(...), or "
                          "pass a WeightPath")
    if points is not None and (points.ndim != 2 or points.shape[1] != 2):
        raise ShapeError(f"path must have shape (n_points, 2), got {points.shape}")
    where = (weight_index(net, first), weight_index(net, second))
    limits = limits or _surface_limits(net, where, points, margin)
    A, B, L = error_surface(net, X, y, first, second, limits, resolution)

    fig, (axis,) = _axes(ax, 1, (5.2, 4.4))
    low, high = float(L.min()), float(L.max())
    if low > 0 and high / low > 100:  # most of a wide loss range sits near the minimum
        level_values = np.geomspace(low, high, levels)
    else:
        level_values = np.linspace(low, high, levels)
    contours = axis.contour(A, B, L, levels=np.unique(level_values), cmap="viridis",
                            linewidths=1)
    axis.clabel(contours, contours.levels[::2], fontsize=7, fmt="%.3g")  # every 2nd: legible
    if points is not None and len(points):
        axis.plot(points[:, 0], points[:, 1], "-", color="crimson", linewidth=1.5,
                  label=f"gradient descent ({len(points) - 1} steps)")
        axis.plot(*points[0], "o", color="crimson", label="start")
        axis.plot(*points[-1], "*", color="black", markersize=11, label="end")
        axis.legend(fontsize="small", loc="best")
    axis.set_xlabel(_weight_name(net, tuple(first)))
    axis.set_ylabel(_weight_name(net, tuple(second)))
    axis.set_title("error surface (loss)")
    return fig


# --------------------------------------------------------------------------- classification


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """Counts ``(n_classes, n_classes)``: row = true class, column = predicted."""
    truth, predicted = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(truth) != len(predicted):
        raise ShapeError(f"y_true has {len(truth)} labels, y_pred {len(predicted)}")
    k = n_classes or int(max(truth.max(initial=0), predicted.max(initial=0))) + 1
    if truth.size and (min(truth.min(), predicted.min()) < 0
                       or max(truth.max(), predicted.max()) >= k):
        raise DataError(f"class labels must lie in 0..{k - 1}")
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def plot_confusion_matrix(y_true: Any, y_pred: Any, classes: Sequence[str] | None = None,
                          normalize: bool = False, ax: AxesSpec = None) -> Figure:
    """The confusion matrix as a heat map with its counts written in the cells
    (rows: true class, columns: predicted). ``normalize=True`` shows each row as
    fractions of that class (the recall on the diagonal)."""
    k = len(classes) if classes is not None else None
    matrix = confusion_matrix(y_true, y_pred, k)
    k = len(matrix)
    names = list(classes) if classes is not None else [str(c) for c in range(k)]
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix
    fig, (axis,) = _axes(ax, 1, (max(3.5, 0.45 * k + 2), max(3.0, 0.45 * k + 1.6)))
    image = axis.imshow(shown, cmap="Blues", vmin=0)
    threshold = shown.max() / 2 if shown.size else 0
    if k <= 20:
        for r, c in np.ndindex(shown.shape):
            text = f"{shown[r, c]:.2f}" if normalize else str(matrix[r, c])
            axis.text(c, r, text, ha="center", va="center", fontsize=8,
                      color="white" if shown[r, c] > threshold else "black")
    axis.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0)
    axis.set_yticks(range(k), names)
    axis.set_xlabel("predicted class")
    axis.set_ylabel("true class")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    axis.set_title(f"confusion matrix (accuracy {accuracy:.1%})")
    fig.colorbar(image, ax=axis, shrink=0.8)
    return fig


def _image_shape(n_features: int, image_shape: Sequence[int] | None) -> tuple[int, int]:
    if image_shape is not None:
        shape = tuple(int(s) for s in image_shape)
        if len(shape) != 2 or shape[0] * shape[1] != n_features:
            raise ShapeError(f"image_shape {tuple(image_shape)} does not hold {n_features} "
                             "features")
        return shape
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ShapeError(f"{n_features} input features are not a square image; pass "
                         "image_shape=(height, width)")
    return side, side


def _mosaic(tiles: np.ndarray, columns: int) -> np.ndarray:
    """Tiles ``(n, h, w)`` laid out in rows of ``columns``, one NaN pixel between."""
    n, h, w = tiles.shape
    rows = -(-n // columns)
    mosaic = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, columns)
        mosaic[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = tile
    return mosaic


def _colormap(name: str):
    """A colormap that draws the mosaic's NaN separators white."""
    matplotlib, _ = _matplotlib()
    return matplotlib.colormaps[name].with_extremes(bad="white")


def plot_first_layer_weights(net: Network, image_shape: Sequence[int] | None = None,
                             max_units: int = 64, ax: AxesSpec = None) -> Figure:
    """Each first-layer unit's incoming weights (a column of ``W0``, shape
    ``(n_inputs,)``) drawn as an image of the input's shape: the patterns the
    units look for. Red is positive, blue negative, each unit scaled to its
    own largest weight. ``image_shape`` defaults to a square; the first
    ``max_units`` units are shown."""
    shape = _image_shape(net.sizes[0], image_shape)
    W = np.asarray(net.weights[0], dtype=np.float64)[:, :max_units]
    tiles = W.T.reshape(-1, *shape)
    tiles = tiles / np.maximum(np.abs(tiles).max(axis=(1, 2), keepdims=True), 1e-12)
    columns = math.ceil(math.sqrt(len(tiles)))
    fig, (axis,) = _axes(ax, 1, (5.0, 5.0))
    axis.imshow(_mosaic(tiles, columns), cmap=_colormap("RdBu_r"), vmin=-1, vmax=1,
                interpolation="nearest")
    axis.set_axis_off()
    axis.set_title(f"first-layer weights ({len(tiles)} of {net.sizes[1]} units)")
    return fig


def _class_name(classes: Sequence[str] | None, k: int) -> str:
    return classes[k] if classes is not None and k < len(classes) else str(k)


def plot_misclassified(net: Network, X: np.ndarray, y: np.ndarray,
                       image_shape: Sequence[int] | None = None,
                       classes: Sequence[str] | None = None, max_images: int = 25,
                       ax: AxesSpec = None) -> Figure:
    """A grid of the images the network gets wrong, each labelled ``predicted
    (true)``: the first ``max_images`` mistakes in the order of ``X``
    ``(n, height * width)``."""
    X, y = _check_rows(X, y)
    shape = _image_shape(X.shape[1], image_shape)
    predicted = _predicted_classes(net, X)
    wrong = np.flatnonzero(predicted != y)
    shown = wrong[:max_images]
    fig, (axis,) = _axes(ax, 1, (5.6, 5.8))
    axis.set_axis_off()
    axis.set_title(f"{len(wrong)} of {len(X)} misclassified: predicted (true)")
    if not len(shown):
        axis.text(0.5, 0.5, "no mistakes", ha="center", va="center", transform=axis.transAxes)
        return fig
    columns = math.ceil(math.sqrt(len(shown)))
    tiles = np.asarray(X[shown], dtype=np.float64).reshape(-1, *shape)
    axis.imshow(_mosaic(tiles, columns), cmap=_colormap("gray_r"), interpolation="nearest")
    h, w = shape
    for k, row in enumerate(shown):
        r, c = divmod(k, columns)
        label = f"{_class_name(classes, predicted[row])} ({_class_name(classes, y[row])})"
        axis.text(c * (w + 1), r * (h + 1), label,
                  color="crimson", fontsize=7, va="top", ha="left",
                  bbox={"facecolor": "white", "alpha": 0.7, "pad": 0.5, "linewidth": 0})
    return fig


# --------------------------------------------------------------------------- activations


def activation_statistics(net: Network, X: np.ndarray) -> list[dict[str, Any]]:
    """Per hidden layer (or the output layer of a network without hidden ones),
    facts about its outputs on ``X`` ``(n, n_features)``: ``layer``,
    ``activation``, ``mean``, ``std``, and

    - ``saturated``: for sigmoid and tanh, the fraction of outputs within 1% of
      the bounds (where the derivative, and so the gradient, nearly vanishes);
    - ``dead``: for ReLU, the fraction of units that output 0 for every row.

    Either is None where it does not apply.
    """
    trace = net.forward(X)
    layers = range(max(net.n_layers - 1, 1))
    stats = []
    for i in layers:
        A = np.asarray(trace.outputs[i], dtype=np.float64)
        activation = net.activations[i]
        saturated = dead = None
        if activation.name == "sigmoid":
            saturated = float(((A < 0.01) | (A > 0.99)).mean())
        elif activation.name == "tanh":
            saturated = float((np.abs(A) > 0.99).mean())
        elif activation.name == "relu":
            dead = float((A <= 0).all(axis=0).mean())
        stats.append({"layer": i, "activation": activation.label, "mean": float(A.mean()),
                      "std": float(A.std()), "saturated": saturated, "dead": dead})
    return stats


def plot_activation_histograms(net: Network, X: np.ndarray, bins: int = 40,
                               ax: AxesSpec = None) -> Figure:
    """One histogram per hidden layer of its outputs ``f(Z_i)`` on ``X``: sigmoid
    units piled at 0 and 1 are saturated (their gradient vanishes), ReLU units
    stuck at 0 are dead. Each title gives the fraction (see
    :func:`activation_statistics`)."""
    stats = activation_statistics(net, X)
    trace = net.forward(X)
    fig, axes = _axes(ax, len(stats), (3.6 * len(stats), 3.2))
    for axis, facts in zip(axes, stats, strict=True):
        values = np.asarray(trace.outputs[facts["layer"]], dtype=np.float64).ravel()
        bounds = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}.get(
            net.activations[facts["layer"]].name)
        axis.hist(values, bins=bins, range=bounds, color="#1f77b4")
        note = ""
        if facts["saturated"] is not None:
            note = f", {facts['saturated']:.0%} saturated"
        elif facts["dead"] is not None:
            note = f", {facts['dead']:.0%} dead units"
        axis.set_title(f"layer {facts['layer']} ({facts['activation']}){note}", fontsize=9)
        axis.set_xlabel("output")
        axis.set_ylabel("count")
    return fig


# --------------------------------------------------------------------------- files at once


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
    _matplotlib()
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
        predicted = _predicted_classes(net, X)
        figures.append(("confusion-matrix.png",
                        plot_confusion_matrix(y, predicted, classes=classes)))
        if X.shape[1] == 2:
            figures.append(("decision-boundary.png", plot_decision_boundary(net, X, y)))
        n = X.shape[1]
        if image_shape is not None or (n > 16 and math.isqrt(n) ** 2 == n):
            figures.append(("first-layer-weights.png",
                            plot_first_layer_weights(net, image_shape)))
            figures.append(("misclassified.png",
                            plot_misclassified(net, X, y, image_shape, classes)))
    paths = [save_figure(fig, out / name) for name, fig in figures]
    if classes is not None and X.shape[1] == 2 and snapshots is not None and snapshots.epochs:
        paths.append(animate_decision_boundary(net, X, y, snapshots,
                                               out / "decision-boundary.gif", resolution=80))
    return paths
