"""The confusion matrix of a classifier, as a heat map with its counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..metrics import confusion_matrix
from ._mpl import AxesSpec, panels

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
    fig, (axis,) = panels(ax, 1, (max(3.5, 0.45 * k + 2), max(3.0, 0.45 * k + 1.6)))
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
