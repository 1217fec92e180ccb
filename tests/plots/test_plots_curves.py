"""steepest.plots.curves: training curves, several runs' losses, gradient norms."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402

from steepest import GradientMonitor, Network, plots  # noqa: E402
from steepest.datasets import xor  # noqa: E402
from steepest.errors import ConfigError, DataError  # noqa: E402


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
