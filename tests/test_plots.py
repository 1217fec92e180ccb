"""steepest.plots and the recording callbacks (GradientMonitor, WeightPath, Snapshots).

Figures are drawn off-screen (matplotlib's Agg canvas, no display); each test
checks the data the artists hold, not just that drawing did not fail.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from steepest import GradientMonitor, Network, Snapshots, WeightPath, plots  # noqa: E402
from steepest.callbacks import weight_index  # noqa: E402
from steepest.datasets import moons, xor  # noqa: E402
from steepest.errors import ConfigError, DataError, ShapeError, SteepestError  # noqa: E402


@pytest.fixture(scope="module")
def moons_run():
    """A small classifier trained on moons with every recorder attached."""
    X, y = moons(n_samples=120, noise=0.1, seed=0)
    net = Network([2, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    monitor = GradientMonitor(X, y)
    snapshots = Snapshots(every=2)
    path = WeightPath((0, 0, 0), (0, 1, 0))
    initial = net.get_weights()
    net.fit(X, y, epochs=6, batch_size=40, optimizer="adam", learning_rate=0.05,
            validation_split=0.25, callbacks=[monitor, snapshots, path])
    return net, X, y, monitor, snapshots, path, initial


# ---------------------------------------------------------------------- recorders


def test_gradient_monitor_records_the_gradient_norms_of_each_layer(moons_run):
    net, X, y, monitor, *_ = moons_run
    initial = moons_run[-1]
    assert monitor.grad_norms.shape == (7, 2) == monitor.update_ratios.shape
    assert monitor.bias_grad_norms.shape == (7, 2) == monitor.weight_norms.shape
    np.testing.assert_array_equal(monitor.epochs, np.arange(7))
    np.testing.assert_array_equal(monitor.steps, np.arange(7) * 3)  # 90 rows / 40 = 3 steps

    fresh = Network([2, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    fresh.set_weights(initial)
    expected = [np.linalg.norm(g) for g in fresh.gradients(X, y)]
    np.testing.assert_allclose(monitor.grad_norms[0], expected[0::2], rtol=1e-5)
    np.testing.assert_allclose(monitor.bias_grad_norms[0], expected[1::2], rtol=1e-5)
    final = [np.linalg.norm(g) for g in net.gradients(X, y)]
    np.testing.assert_allclose(monitor.grad_norms[-1], final[0::2], rtol=1e-5)
    np.testing.assert_allclose(monitor.weight_norms[0],
                               [np.linalg.norm(W) for W in initial[0::2]], rtol=1e-5)
    assert (monitor.update_ratios[0] == 0).all() and (monitor.update_ratios[1:] > 0).all()


def test_gradient_monitor_update_ratio_is_the_relative_change_of_the_weights():
    X, y = xor()
    net = Network([2, 3, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    before = [W.copy() for W in net.weights]
    monitor = GradientMonitor(X, y)
    net.fit(X, y, epochs=1, batch_size=None, optimizer="sgd", learning_rate=0.5,
            callbacks=[monitor])
    expected = [np.linalg.norm(W - old) / np.linalg.norm(old)
                for W, old in zip(net.weights, before, strict=True)]
    np.testing.assert_allclose(monitor.update_ratios[1], expected, rtol=1e-5)


def test_gradient_monitor_per_step_and_probe_subsample():
    X, y = moons(n_samples=100, seed=1)
    net = Network([2, 4, 2], activation="relu", loss="cross_entropy", seed=0)
    monitor = GradientMonitor(X, y, every=2, per="step", probe_size=30)
    net.fit(X, y, epochs=2, batch_size=25, optimizer="sgd", learning_rate=0.1,
            callbacks=[monitor])
    assert monitor.X.shape == (30, 2) and len(monitor.y) == 30
    # 4 steps per epoch, 8 in all: a record before training and after steps 2, 4, 6, 8.
    np.testing.assert_array_equal(monitor.steps, [0, 2, 4, 6, 8])
    np.testing.assert_allclose(monitor.epochs, [0, 0.5, 1.0, 1.5, 2.0])


@pytest.mark.parametrize("kwargs, fragment", [
    ({"per": "batch"}, "per must be 'epoch' or 'step'"),
    ({"every": 0}, "every must be a whole number >= 1"),
    ({"probe_size": 0}, "probe_size must be a whole number >= 1"),
])
def test_gradient_monitor_rejects_bad_settings(kwargs, fragment):
    X, y = xor()
    with pytest.raises(ConfigError, match=fragment):
        GradientMonitor(X, y, **kwargs)


def test_gradient_monitor_rejects_a_probe_of_mismatched_rows():
    with pytest.raises(ConfigError, match=r"shapes \(4, 2\) and \(3,\)"):
        GradientMonitor(np.zeros((4, 2)), np.zeros(3))


def test_weight_index_points_at_the_weight_or_the_bias():
    net = Network([3, 4, 2], seed=0)
    for layer, row, col in [(0, 0, 0), (0, 2, 3), (1, 3, 1)]:
        assert net.params[weight_index(net, (layer, row, col))] == net.weights[layer][row, col]
    assert net.params[weight_index(net, (1, 4, 1))] == net.biases[1][1]  # row n_in: the bias
    net.params[weight_index(net, (0, 3, 2))] = 42.0
    assert net.biases[0][2] == 42.0
    with pytest.raises(ConfigError, match=r"W of shape \(4, 2\) \(row 4 is the bias\)"):
        weight_index(net, (1, 5, 0))
    with pytest.raises(ConfigError, match=r"layer must lie in 0\.\.1, got 2"):
        weight_index(net, (2, 0, 0))


def test_weight_path_records_every_step(moons_run):
    net, *_, path, initial = moons_run
    assert path.path.shape == (6 * 3 + 1, 2)
    np.testing.assert_allclose(path.path[0], [initial[0][0, 0], initial[0][1, 0]])
    np.testing.assert_allclose(path.path[-1], [net.weights[0][0, 0], net.weights[0][1, 0]])


def test_weight_path_follows_gradient_descent_exactly():
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([[1.0], [3.0], [5.0]])
    net = Network([1, 1], activation="identity", loss="mse", seed=0, dtype="float64")
    path = WeightPath((0, 0, 0), (0, 1, 0))
    grads = net.gradients(X, y)
    net.fit(X, y, epochs=3, batch_size=None, optimizer="sgd", learning_rate=0.1,
            callbacks=[path])
    step = path.path[1] - path.path[0]
    np.testing.assert_allclose(step, [-0.1 * grads[0][0, 0], -0.1 * grads[1][0]])


def test_snapshots_every_n_epochs(moons_run):
    net, *_, snapshots, _, initial = moons_run
    assert snapshots.epochs == [0, 2, 4, 6]
    assert len(snapshots.param_vectors) == 4
    np.testing.assert_array_equal(snapshots.param_vectors[-1], net.params)
    np.testing.assert_array_equal(snapshots.param_vectors[0][:16], initial[0].ravel())


# ---------------------------------------------------------------------- curves


def test_plot_history_draws_training_and_validation_per_metric(moons_run):
    net = moons_run[0]
    fig = plots.plot_history(net.history)
    assert isinstance(fig, Figure)
    loss_ax, acc_ax = fig.axes
    train, val, best = loss_ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), np.arange(1, 7))
    np.testing.assert_allclose(train.get_ydata(), net.history["loss"])
    np.testing.assert_allclose(val.get_ydata(), net.history["val_loss"])
    assert val.get_linestyle() == "--"
    np.testing.assert_allclose(acc_ax.get_lines()[0].get_ydata(), net.history["accuracy"])
    best_epoch = int(np.argmin(net.history["val_loss"])) + 1
    np.testing.assert_array_equal(best.get_xdata(), [best_epoch, best_epoch])
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == [
        "training", "validation", f"best validation (epoch {best_epoch})"]


def test_plot_history_into_given_axes_and_from_a_dict():
    fig = Figure()
    ax = fig.subplots()
    assert plots.plot_history({"loss": [3.0, 2.0, 1.0]}, ax=ax) is fig
    assert len(ax.get_lines()) == 1
    with pytest.raises(ConfigError, match="this plot has 2 panel"):
        plots.plot_history({"loss": [1.0], "accuracy": [0.5]}, ax=ax)
    with pytest.raises(DataError, match="holds none of"):
        plots.plot_history({"lr": [0.1]})


def test_plot_history_into_an_array_of_axes_as_from_subplots(moons_run):
    fig = Figure()
    axes = fig.subplots(1, 2)  # a NumPy array of Axes, as plt.subplots returns
    assert plots.plot_history(moons_run[0].history, ax=axes) is fig
    assert [len(ax.get_lines()) for ax in axes] == [3, 2]  # loss: + the best epoch


def test_plot_history_uses_a_log_scale_for_a_loss_spanning_decades():
    fig = plots.plot_history({"loss": [10.0, 1.0, 0.01]})
    assert fig.axes[0].get_yscale() == "log"
    assert plots.plot_history({"loss": [1.0, 0.8]}).axes[0].get_yscale() == "linear"


def test_plot_losses_one_line_per_run(moons_run):
    fig = plots.plot_losses({"a": [1.0, 0.5], "b": moons_run[0].history})
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    np.testing.assert_allclose(lines[1].get_ydata(), moons_run[0].history["loss"])


# ---------------------------------------------------------------------- gradients


def test_plot_gradient_norms_one_line_per_layer_on_a_log_scale(moons_run):
    monitor = moons_run[3]
    fig = plots.plot_gradient_norms(monitor)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["layer 0", "layer 1"]
    for layer, line in enumerate(lines):
        np.testing.assert_array_equal(line.get_xdata(), monitor.epochs)
        np.testing.assert_allclose(line.get_ydata(), monitor.grad_norms[:, layer])


def test_plot_gradient_norms_both_panels_and_updates_skip_the_first_record(moons_run):
    monitor = moons_run[3]
    fig = plots.plot_gradient_norms(monitor, which="both")
    assert len(fig.axes) == 2
    updates = fig.axes[1].get_lines()[0]
    np.testing.assert_allclose(updates.get_ydata(), monitor.update_ratios[1:, 0])
    with pytest.raises(ConfigError, match="which must be"):
        plots.plot_gradient_norms(monitor, which="weights")


def test_plot_gradient_norms_draws_zero_gradients_at_a_marked_floor():
    X, y = np.array([[0.2, 0.3]]), np.array([[0.3, 0.67]])
    net = Network([2, 1000, 1000, 2], activation="sigmoid", init="uniform01", seed=0)
    monitor = GradientMonitor(X, y)
    net.fit(X, y, epochs=2, batch_size=None, optimizer="sgd", learning_rate=1.0,
            callbacks=[monitor])
    assert not monitor.grad_norms.any()
    ax = plots.plot_gradient_norms(monitor, floor=1e-9).axes[0]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [1e-9] * 3)
    texts = [t.get_text() for t in ax.texts]
    assert "0" in texts and "every gradient is exactly 0" in texts


def test_plot_gradient_norms_needs_records():
    X, y = xor()
    with pytest.raises(DataError, match="no records yet"):
        plots.plot_gradient_norms(GradientMonitor(X, y))


def test_plot_layer_norms_bars_per_label_and_layer():
    fig = plots.plot_layer_norms({"plain": [0.0, 0.0], "fixed": [1e-3, 1e-1]})
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights[2:], [1e-3, 1e-1])
    assert heights[0] == heights[1] < 1e-3  # the zeros, drawn as stubs at the floor
    assert [t.get_text() for t in ax.texts] == ["0", "0"]


# ---------------------------------------------------------------------- decision boundary


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


# ---------------------------------------------------------------------- error surface


def _line_model():
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([[1.0], [3.0], [5.0]])
    net = Network([1, 1], activation="identity", loss="mse", seed=0, dtype="float64")
    return net, X, y


def test_error_surface_is_the_loss_over_the_two_weights():
    net, X, y = _line_model()
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


def test_plot_error_surface_contours_and_the_path_of_gradient_descent():
    net, X, y = _line_model()
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


def test_plot_error_surface_needs_two_different_weights():
    net, X, y = _line_model()
    with pytest.raises(ConfigError, match="choose the two weights"):
        plots.plot_error_surface(net, X, y)
    with pytest.raises(ConfigError, match="two different weights"):
        plots.error_surface(net, X, y, (0, 0, 0), (0, 0, 0), ((0, 1), (0, 1)))
    with pytest.raises(ConfigError, match="limits must be"):
        plots.error_surface(net, X, y, (0, 0, 0), (0, 1, 0), ((1, 0), (0, 1)))


# ---------------------------------------------------------------------- classification


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


# ---------------------------------------------------------------------- activations


def test_activation_statistics_saturated_sigmoid_and_dead_relu():
    X = np.array([[0.2, 0.3]])
    wide = Network([2, 1000, 1000, 2], activation="sigmoid", init="uniform01", seed=0)
    first, second = plots.activation_statistics(wide, X)
    assert second["saturated"] == 1.0 and first["saturated"] < 0.1
    assert second["dead"] is None and second["activation"] == "sigmoid"

    relu = Network([2, 6, 6, 2], activation="relu", loss="cross_entropy", seed=0)
    relu.biases[1][:3] = -100.0  # three units of layer 1 can never fire
    stats = plots.activation_statistics(relu, np.random.default_rng(0).uniform(size=(50, 2)))
    assert stats[1]["dead"] == 0.5 and stats[1]["saturated"] is None


def test_plot_activation_histograms_one_panel_per_hidden_layer():
    X = np.random.default_rng(0).normal(size=(40, 3))
    net = Network([3, 5, 4, 2], activation="tanh", loss="cross_entropy", seed=0)
    fig = plots.plot_activation_histograms(net, X, bins=10)
    assert len(fig.axes) == 2
    counts = [p.get_height() for p in fig.axes[1].patches]
    assert len(counts) == 10 and sum(counts) == 40 * 4
    assert fig.axes[0].get_title().startswith("layer 0 (tanh), ")
    assert fig.axes[0].get_title().endswith("saturated")


# ---------------------------------------------------------------------- files


def test_save_figure_writes_a_png_atomically(tmp_path):
    fig = plots.plot_history({"loss": [1.0, 0.5]})
    path = plots.save_figure(fig, tmp_path / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]
    with pytest.raises(SteepestError, match="does not exist"):
        plots.save_figure(fig, tmp_path / "missing" / "curves.png")


def test_write_model_plots_for_images(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.uniform(size=(40, 25)), rng.integers(0, 3, size=40)
    net = Network([25, 6, 3], activation="relu", loss="cross_entropy", seed=0)
    monitor = GradientMonitor(X, y)
    net.fit(X, y, epochs=2, callbacks=[monitor])
    paths = plots.write_model_plots(net, X, y, tmp_path / "out", classes=["a", "b", "c"],
                                    monitor=monitor)
    names = [p.name for p in paths]
    assert names == ["training-curves.png", "gradient-norms.png", "activations.png",
                     "confusion-matrix.png", "first-layer-weights.png", "misclassified.png"]
    for p in paths:
        with Image.open(p) as image:
            assert image.format == "PNG" and image.size[0] > 200


def test_write_model_plots_for_2d_data_and_regression(moons_run, tmp_path):
    net, X, y, *_ = moons_run
    names = [p.name for p in plots.write_model_plots(net, X, y, tmp_path, classes=["0", "1"])]
    assert "decision-boundary.png" in names and "first-layer-weights.png" not in names
    regression = Network([3, 4, 1], activation="tanh", output_activation="identity", loss="mse")
    rows = np.random.default_rng(0).normal(size=(10, 3))
    names = [p.name for p in plots.write_model_plots(regression, rows, rows[:, 0], tmp_path)]
    assert names == ["activations.png"]


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ConfigError, match=r'pip install "steepest\[plots\]"'):
        plots.plot_history({"loss": [1.0]})


def test_figure_gives_off_screen_panels_to_draw_into(moons_run):
    fig, axes = plots.figure(2)
    assert isinstance(fig, Figure) and len(axes) == 2
    assert plots.plot_gradient_norms(moons_run[3], which="both", ax=axes) is fig
    assert [len(ax.get_lines()) for ax in axes] == [2, 2]
