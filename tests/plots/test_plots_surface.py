"""steepest.plots.surface: the error surface and gradient descent's path across it."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

from steepest import Network, WeightPath, plots  # noqa: E402
from steepest.errors import ConfigError, SteepestError  # noqa: E402


def test_error_surface_is_the_loss_over_the_two_weights(line_model):
    net, X, y = line_model
    before = net.params.copy()
    A, B, L = plots.error_surface(net, X, y, (0, 0, 0), (0, 1, 0),
                                  limits=((0.0, 4.0), (-1.0, 3.0)), resolution=5)
    assert A.shape == B.shape == L.shape == (5, 5)
    np.testing.assert_allclose(A[0], np.linspace(0, 4, 5))
    np.testing.assert_allclose(B[:, 0], np.linspace(-1, 3, 5))
    expected = ((A[..., None] * X[:, 0] + B[..., None] - y[:, 0]) ** 2).mean(axis=-1)
    np.testing.assert_allclose(L, expected, rtol=1e-12)
    assert L[np.unravel_index(L.argmin(), L.shape)] == 0.0 == expected[2, 2]  # w=2, b=1
    np.testing.assert_array_equal(net.params, before)


def test_plot_error_surface_contours_and_the_path_of_gradient_descent(line_model):
    net, X, y = line_model
    path = WeightPath((0, 0, 0), (0, 1, 0))
    net.fit(X, y, epochs=20, batch_size=None, optimizer="sgd", learning_rate=0.1,
            callbacks=[path])
    fig = plots.plot_error_surface(net, X, y, path=path, resolution=15)
    ax = fig.axes[0]
    descent = ax.get_lines()[0]
    np.testing.assert_allclose(descent.get_xdata(), path.path[:, 0])
    np.testing.assert_allclose(descent.get_ydata(), path.path[:, 1])
    assert descent.get_label() == "gradient descent (20 steps)"
    contours = next(c for c in ax.collections if hasattr(c, "levels"))
    assert len(contours.levels) >= 5
    x_lo, x_hi = ax.get_xlim()
    assert x_lo <= path.path[:, 0].min() and path.path[:, 0].max() <= x_hi
    assert ax.get_xlabel() == "W0[0, 0]" and ax.get_ylabel() == "b0[0]"
    # Each step went downhill on the surface (full-batch descent, small steps).
    losses = [((X[:, 0] * w + b - y[:, 0]) ** 2).mean() for w, b in path.path]
    assert np.all(np.diff(losses) < 0)


def test_plot_error_surface_needs_two_different_weights(line_model):
    net, X, y = line_model
    with pytest.raises(ConfigError, match="choose the two weights"):
        plots.plot_error_surface(net, X, y)
    with pytest.raises(ConfigError, match="two different weights"):
        plots.error_surface(net, X, y, (0, 0, 0), (0, 0, 0), ((0, 1), (0, 1)))
    with pytest.raises(ConfigError, match="limits must be"):
        plots.error_surface(net, X, y, (0, 0, 0), (0, 1, 0), ((1, 0), (0, 1)))


def test_error_surface_refuses_a_path_of_other_weights(spiral_data):
    from steepest import WeightPath

    X, y = spiral_data
    net = Network([2, 4, 2], activation="relu", loss="cross_entropy", seed=0)
    path = WeightPath((0, 0, 0), (0, 1, 0))
    net.fit(X, y, epochs=1, callbacks=[path])
    try:
        fig = plots.plot_error_surface(net, X, y, first=(1, 0, 0), path=path, resolution=5)
    except SteepestError:
        return
    axis = fig.axes[0]
    raise AssertionError(f"path of W0[0, 0], W0[1, 0] drawn over {axis.get_xlabel()}, "
                         f"{axis.get_ylabel()}")
