"""The error surface: the loss over two weights, every other weight held, with
the path gradient descent took across it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._validation import whole_number
from ..callbacks import WeightPath, weight_index
from ..errors import ConfigError, ShapeError
from ..metrics import evaluate_prepared
from ._mpl import AxesSpec, panels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..network import Network


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
    i, j = weight_index(net, first), weight_index(net, second)
    if i == j:
        raise ConfigError(f"choose two different weights, got {first} twice")
    whole_number(resolution, "resolution", 2)
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
    """``W0[1, 2]`` for ``(0, 1, 2)``; ``b0[2]`` for the bias ``(0, n_in, 2)``."""
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

    fig, (axis,) = panels(ax, 1, (5.2, 4.4))
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
