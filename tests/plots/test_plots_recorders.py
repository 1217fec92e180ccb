"""The recorders the pictures are drawn from: GradientMonitor, WeightPath, Snapshots
(and weight_index, which names a weight)."""

from __future__ import annotations

import numpy as np
import pytest

from steepest import GradientMonitor, Network, WeightPath
from steepest.callbacks import weight_index
from steepest.datasets import moons, xor
from steepest.errors import ConfigError


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


def test_weight_path_follows_gradient_descent_exactly(line_model):
    net, X, y = line_model
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


def test_gradient_monitor_does_not_change_training(spiral_data):
    X, y = spiral_data

    def run(callbacks, dtype="float32"):
        net = Network([2, 8, 8, 2], activation="relu", loss="cross_entropy", dropout=0.2,
                      seed=1, dtype=dtype)
        net.fit(X, y, epochs=3, batch_size=16, optimizer="adam", learning_rate=0.01,
                validation_split=0.2, callbacks=callbacks)
        return net

    plain = run([])
    monitor = GradientMonitor(X, y)
    watched = run([monitor])
    np.testing.assert_array_equal(plain.params, watched.params)
    assert monitor.grad_norms.shape == (4, 3)
    by_step = GradientMonitor(X, y, per="step", every=5)
    run([by_step], dtype="float64")
    assert np.all(np.diff(by_step.epochs) > 0) and np.all(np.isfinite(by_step.grad_norms))
