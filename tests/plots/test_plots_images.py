"""steepest.plots.images: first-layer weights as images, the misclassified images."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

from steepest import Network, plots  # noqa: E402
from steepest.errors import ShapeError  # noqa: E402


def test_plot_first_layer_weights_tiles_each_unit_as_an_image():
    net = Network([16, 5, 2], loss="cross_entropy", seed=0)
    fig = plots.plot_first_layer_weights(net)
    mosaic = np.ma.filled(fig.axes[0].images[0].get_array(), np.nan)
    assert mosaic.shape == (2 * 5 - 1, 3 * 5 - 1)  # 5 tiles of 4x4 in 2 rows of 3
    W = net.weights[0].astype(np.float64)
    for k in range(5):
        r, c = divmod(k, 3)
        tile = mosaic[r * 5:r * 5 + 4, c * 5:c * 5 + 4]
        np.testing.assert_allclose(tile, W[:, k].reshape(4, 4) / np.abs(W[:, k]).max(),
                                   rtol=1e-6)
    assert np.isnan(mosaic[4]).all()  # the separator row is blank
    with pytest.raises(ShapeError, match="not a square image"):
        plots.plot_first_layer_weights(Network([6, 2], loss="cross_entropy"))
    plots.plot_first_layer_weights(Network([6, 2], loss="cross_entropy"), image_shape=(2, 3))


def test_plot_misclassified_labels_the_mistakes():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(30, 4))
    net = Network([4, 3], activation="identity", output_activation="softmax",
                  loss="cross_entropy", seed=0)
    predicted = net.predict_classes(X)
    y = predicted.copy()
    wrong = [3, 7, 20]
    y[wrong] = (predicted[wrong] + 1) % 3
    fig = plots.plot_misclassified(net, X, y, classes=["a", "b", "c"])
    ax = fig.axes[0]
    assert ax.get_title() == "3 of 30 misclassified: predicted (true)"
    names = "abc"
    assert [t.get_text() for t in ax.texts] == [f"{names[predicted[i]]} ({names[y[i]]})"
                                                for i in wrong]
    mosaic = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(mosaic[:2, :2], X[3].reshape(2, 2))
    assert plots.plot_misclassified(net, X, y, max_images=2).axes[0].texts.__len__() == 2
    none = plots.plot_misclassified(net, X, predicted).axes[0]
    assert [t.get_text() for t in none.texts] == ["no mistakes"]
