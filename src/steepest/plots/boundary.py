"""The decision boundary of a classifier of 2 inputs: the class it predicts over
the plane, as a picture or as a GIF over training."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._files import SOFTWARE, atomic_file
from ..errors import ConfigError, DataError, ShapeError
from ._mpl import AxesSpec, load_matplotlib, panels
from ._rows import check_rows, predicted_classes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..callbacks import Snapshots
    from ..network import Network

#: Colours of the classes (matplotlib's tab10), in order.
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf")


def _grid(X: np.ndarray, resolution: int, padding: float) -> tuple[np.ndarray, np.ndarray]:
    """``np.meshgrid`` of ``resolution`` points per axis over ``X`` ``(n, 2)``'s
    range plus ``padding`` of it on each side."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = padding * np.maximum(hi - lo, 1e-6)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    return np.meshgrid(xs, ys)


def _draw_boundary(axis: Axes, net: Network, X: np.ndarray, y: np.ndarray,
                   GX: np.ndarray, GY: np.ndarray) -> None:
    """The predicted class over the grid ``(GX, GY)`` as filled regions, the rows
    ``X`` ``(n, 2)`` on top in the colours of their labels ``y`` ``(n,)``."""
    from matplotlib.colors import ListedColormap

    grid = np.column_stack([GX.ravel(), GY.ravel()])
    n_classes = max(int(y.max()) + 1, 2, net.sizes[-1])
    colors = [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(n_classes)]
    predicted = predicted_classes(net, grid).reshape(GX.shape)
    axis.contourf(GX, GY, predicted, levels=np.arange(n_classes + 1) - 0.5,
                  cmap=ListedColormap(colors), alpha=0.3)
    axis.scatter(X[:, 0], X[:, 1], c=[colors[k] for k in y], s=12, edgecolors="white",
                 linewidths=0.4)
    axis.set_xlim(GX.min(), GX.max())
    axis.set_ylim(GY.min(), GY.max())
    axis.set_xlabel("x0")
    axis.set_ylabel("x1")


def _check_2d(net: Network, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X, y = check_rows(X, y)
    if X.shape[1] != 2 or net.sizes[0] != 2:
        raise ShapeError(f"a decision boundary needs 2 input features, got X of shape {X.shape} "
                         f"and a network with {net.sizes[0]} inputs")
    return X, y


def _accuracy(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    """The share of the rows ``X`` whose predicted class is their label ``y`` ``(n,)``."""
    return float((predicted_classes(net, X) == y).mean())


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
    fig, (axis,) = panels(ax, 1, (4.6, 4.2))
    GX, GY = _grid(X, resolution, padding)
    _draw_boundary(axis, net, X, y, GX, GY)
    axis.set_title(title or f"decision boundary (accuracy {_accuracy(net, X, y):.1%})")
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
    load_matplotlib()
    from matplotlib.animation import FuncAnimation, PillowWriter

    try:
        import PIL  # noqa: F401  (PillowWriter needs it only once it writes)
    except ImportError:
        raise ConfigError('GIF animations need Pillow: pip install "steepest[plots]"') from None
    X, y = _check_2d(net, X, y)
    if not snapshots.param_vectors:
        raise DataError("the Snapshots callback holds no weights; pass it to fit(callbacks=...)")
    twin = net.copy()
    fig, (axis,) = panels(None, 1, (4.6, 4.2))
    GX, GY = _grid(X, resolution, padding)

    def draw(frame: int) -> None:
        axis.clear()
        twin.params[...] = snapshots.param_vectors[frame]
        _draw_boundary(axis, twin, X, y, GX, GY)
        axis.set_title(f"epoch {snapshots.epochs[frame]}: accuracy {_accuracy(twin, X, y):.1%}")

    class _SignedWriter(PillowWriter):
        """Matplotlib's GIF writer, the file commented as steepest's (so the
        command line replaces it)."""

        def finish(self) -> None:
            frames = getattr(self, "_frames", None)
            if not frames:
                return super().finish()
            frames[0].save(self.outfile, save_all=True, append_images=frames[1:],
                           duration=int(1000 / self.fps), loop=0, comment=SOFTWARE.encode())

    animation = FuncAnimation(fig, draw, frames=len(snapshots.param_vectors), repeat=False)
    with atomic_file(path, suffix=Path(path).suffix) as tmp:
        animation.save(tmp, writer=_SignedWriter(fps=fps))
    return Path(path)
