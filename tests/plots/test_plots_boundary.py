"""steepest.plots.boundary: the decision boundary, and its GIF over training."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.collections import PathCollection  # noqa: E402
from PIL import Image  # noqa: E402

from steepest import Network, Snapshots, plots  # noqa: E402
from steepest.errors import DataError, ShapeError  # noqa: E402


def test_plot_decision_boundary_regions_and_points(moons_run):
    net, X, y, *_ = moons_run
    fig = plots.plot_decision_boundary(net, X, y, resolution=30)
    ax = fig.axes[0]
    scatter = next(c for c in ax.collections if isinstance(c, PathCollection))
    np.testing.assert_allclose(scatter.get_offsets(), X)
    colors = scatter.get_facecolors()
    assert len({tuple(c) for c in colors[y == 0]}) == 1 != len({tuple(c) for c in colors})
    regions = next(c for c in ax.collections if hasattr(c, "levels"))
    np.testing.assert_allclose(regions.levels, [-0.5, 0.5, 1.5])
    accuracy = (net.predict_classes(X) == y).mean()
    assert ax.get_title() == f"decision boundary (accuracy {accuracy:.1%})"


def test_plot_decision_boundary_needs_two_features():
    net = Network([3, 2], loss="cross_entropy")
    with pytest.raises(ShapeError, match="needs 2 input features"):
        plots.plot_decision_boundary(net, np.zeros((4, 3)), [0, 1, 0, 1])


def test_animate_decision_boundary_writes_one_frame_per_snapshot(moons_run, tmp_path):
    net, X, y, _, snapshots, *_ = moons_run
    before = net.params.copy()
    path = plots.animate_decision_boundary(net, X, y, snapshots, tmp_path / "boundary.gif",
                                           resolution=20)
    assert [p.name for p in tmp_path.iterdir()] == ["boundary.gif"]  # no temporary left
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(snapshots.param_vectors) == 4
    np.testing.assert_array_equal(net.params, before)


def test_animate_decision_boundary_needs_snapshots(moons_run, tmp_path):
    net, X, y, *_ = moons_run
    with pytest.raises(DataError, match="holds no weights"):
        plots.animate_decision_boundary(net, X, y, Snapshots(), tmp_path / "a.gif")


def test_gif_leaves_no_temporary_file_when_drawing_fails(tmp_path, spiral_data):
    pytest.importorskip("PIL")
    X, y = spiral_data
    net = Network([2, 4, 2], activation="relu", loss="cross_entropy", seed=0)
    snaps = Snapshots()
    snaps.param_vectors += [net.params.copy(), np.zeros(3)]  # the 2nd frame cannot be drawn
    snaps.epochs += [0, 1]
    with pytest.raises(ValueError):
        plots.animate_decision_boundary(net, X, y, snaps, tmp_path / "b.gif", resolution=10)
    assert list(tmp_path.iterdir()) == []


def test_decision_boundary_counts_the_bad_values_of_x(spiral_data):
    X, y = spiral_data
    net = Network([2, 4, 2], activation="relu", loss="cross_entropy", seed=0)
    bad = X.copy()
    bad[3, 1] = np.nan
    bad[5, 0] = np.inf
    with pytest.raises(DataError, match=r"found 2 NaN or infinite values \(of 400\)"):
        plots.plot_decision_boundary(net, bad, y, resolution=10)


def test_decision_boundary_refuses_negative_labels(spiral_data):
    X, y = spiral_data
    net = Network([2, 4, 2], activation="relu", loss="cross_entropy", seed=0)
    with pytest.raises(DataError, match=r"class labels 0, 1, \.\.\., got -1"):
        plots.plot_decision_boundary(net, X, y - 1, resolution=10)
