"""The one place matplotlib is imported, and only when something is drawn:
figures, their panels, and writing them to files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._files import SOFTWARE, atomic_write
from ..errors import ConfigError

if TYPE_CHECKING:
    from types import ModuleType

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

AxesSpec = Any  # an Axes, a sequence of Axes, or None


def load_matplotlib() -> ModuleType:
    """The ``matplotlib`` module, or a ConfigError naming the extra to install."""
    try:
        import matplotlib
        import matplotlib.figure  # the off-screen Figure, without pyplot
    except ImportError:
        raise ConfigError('plots need matplotlib: pip install "steepest[plots]"') from None
    return matplotlib


def check_available() -> None:
    """Raise :class:`~steepest.errors.ConfigError` naming the extra to install when
    matplotlib is missing (call it before a long run that ends in pictures)."""
    load_matplotlib()


def figure(n_panels: int = 1, figsize: tuple[float, float] | None = None
           ) -> tuple[Figure, list[Axes]]:
    """A new off-screen figure (no pyplot, no display) with ``n_panels`` axes side
    by side, to pass as ``ax=`` to the ``plot_*`` functions."""
    fig = load_matplotlib().figure.Figure(figsize=figsize or (4.2 * n_panels, 3.4),
                                          layout="constrained")
    return fig, list(fig.subplots(1, n_panels, squeeze=False)[0])


def panels(ax: AxesSpec, n: int, figsize: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    """``n`` axes side by side: the caller's (one Axes for ``n == 1``, else a
    sequence of ``n``) or those of a new off-screen figure of ``figsize`` inches."""
    if ax is None:
        return figure(n, figsize)
    if isinstance(ax, np.ndarray):  # e.g. from plt.subplots(1, 2)
        axes = list(ax.ravel())
    else:
        axes = list(ax) if isinstance(ax, Sequence) else [ax]
    if len(axes) != n:
        raise ConfigError(f"this plot has {n} panel(s): pass ax= as {n} Axes, got {len(axes)}")
    return axes[0].get_figure(), axes


#: How a picture says steepest drew it, by format: a PNG's "Software" text, a GIF's
#: comment (see steepest._files.is_steepest_picture).
MARKS: dict[str, dict[str, Any]] = {"png": {"metadata": {"Software": SOFTWARE}},
                                    "gif": {"pil_kwargs": {"comment": SOFTWARE.encode()}}}


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 100) -> Path:
    """Write ``fig`` as an image (format from the suffix, e.g. ``.png``) atomically:
    a temporary file beside ``path``, then a rename. Returns the path. A PNG or a
    GIF says steepest drew it (:data:`MARKS`), so the command line replaces it. A
    suffix matplotlib has no writer for is a :class:`~steepest.errors.ConfigError`
    naming those it has, raised before anything is written."""
    from matplotlib.backend_bases import FigureCanvasBase

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    # The formats savefig has a writer for, whichever canvas the figure has.
    supported = FigureCanvasBase.get_supported_filetypes()
    if fmt not in supported:
        raise ConfigError(f"cannot write {path}: matplotlib cannot write .{fmt} pictures; end "
                          "the name with one of " + ", ".join(f".{s}" for s in sorted(supported)))
    atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=dpi, **MARKS.get(fmt, {})))
    return path
