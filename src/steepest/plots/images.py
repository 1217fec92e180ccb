"""Pictures of image data: the first layer's weights as images, and the images
the network gets wrong. Rows are flattened images ``(n, height * width)``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ShapeError
from ._mpl import AxesSpec, load_matplotlib, panels
from ._rows import check_rows, predicted_classes

if TYPE_CHECKING:
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure

    from ..network import Network


def _image_shape(n_features: int, image_shape: Sequence[int] | None) -> tuple[int, int]:
    """``(height, width)`` of an image of ``n_features`` pixels: ``image_shape``
    checked, else a square."""
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


def _colormap(name: str) -> Colormap:
    """A colormap that draws the mosaic's NaN separators white."""
    return load_matplotlib().colormaps[name].with_extremes(bad="white")


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
    fig, (axis,) = panels(ax, 1, (5.0, 5.0))
    axis.imshow(_mosaic(tiles, columns), cmap=_colormap("RdBu_r"), vmin=-1, vmax=1,
                interpolation="nearest")
    axis.set_axis_off()
    axis.set_title(f"first-layer weights ({len(tiles)} of {net.sizes[1]} units)")
    return fig


def _class_name(classes: Sequence[str] | None, k: int) -> str:
    """Class ``k``'s name in ``classes``, else its number."""
    return classes[k] if classes is not None and k < len(classes) else str(k)


def plot_misclassified(net: Network, X: np.ndarray, y: np.ndarray,
                       image_shape: Sequence[int] | None = None,
                       classes: Sequence[str] | None = None, max_images: int = 25,
                       ax: AxesSpec = None) -> Figure:
    """A grid of the images the network gets wrong, each labelled ``predicted
    (true)``: the first ``max_images`` mistakes in the order of ``X``
    ``(n, height * width)``."""
    X, y = check_rows(X, y)
    shape = _image_shape(X.shape[1], image_shape)
    predicted = predicted_classes(net, X)
    wrong = np.flatnonzero(predicted != y)
    shown = wrong[:max_images]
    fig, (axis,) = panels(ax, 1, (5.6, 5.8))
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
