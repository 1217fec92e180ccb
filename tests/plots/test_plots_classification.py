"""steepest.plots.classification: the confusion matrix (steepest.metrics') as a heat map."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

from steepest import plots  # noqa: E402
from steepest.errors import DataError, ShapeError  # noqa: E402


def test_confusion_matrix_counts():
    matrix = plots.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2])
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    with pytest.raises(DataError, match=r"lie in 0..1"):
        plots.confusion_matrix([0, 2], [0, 1], n_classes=2)


def test_plot_confusion_matrix_image_and_cell_counts():
    fig = plots.plot_confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2],
                                      classes=["a", "b", "c"])
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert [t.get_text() for t in ax.texts] == ["1", "1", "0", "0", "1", "0", "1", "0", "2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_title() == "confusion matrix (accuracy 66.7%)"
    normalized = plots.plot_confusion_matrix([0, 0, 1], [0, 1, 1], normalize=True)
    np.testing.assert_allclose(normalized.axes[0].images[0].get_array(), [[0.5, 0.5], [0, 1]])


def test_one_confusion_matrix_in_metrics():
    from steepest import metrics

    assert plots.confusion_matrix is metrics.confusion_matrix
    one_hot = np.eye(3)[[0, 2, 2]]
    matrix = metrics.confusion_matrix(one_hot, [0, 1, 2], n_classes=4)
    assert matrix.dtype == np.int64 and matrix.shape == (4, 4)
    np.testing.assert_array_equal(np.argwhere(matrix), [[0, 0], [2, 1], [2, 2]])
    with pytest.raises(ShapeError, match="y_true has 2 labels, y_pred 3"):
        metrics.confusion_matrix([0, 1], [0, 1, 1])
    with pytest.raises(DataError, match=r"y_pred must hold class labels 0, 1, \.\.\., got -1"):
        metrics.confusion_matrix([0, 1], [0, -1])
    with pytest.raises(DataError, match="y_true must hold whole-number class labels"):
        metrics.confusion_matrix([0.5, 1], [0, 1])
