"""steepest.diagnose end to end: constructed cases that must be flagged, healthy
networks that must not, and the network passed in never changes."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

import steepest
from steepest import Network, diagnose
from steepest.datasets import xor
from steepest.errors import ConfigError, SteepestError


def test_tutorial_network_has_no_gradient_and_saturated_layers(tutorial_network, unchanged):
    X, y = xor()
    net = tutorial_network()
    with unchanged(net):
        result = diagnose(net, X, y, optimizer="sgd", learning_rate=0.01)
    assert not result.healthy
    assert result.codes()[:2] == ["no_gradient", "saturated_units"]
    saturated = result.findings[1]
    assert saturated.layers == [1, 2] and "Sigmoid(c=0.01)" in saturated.fix
    assert [s.saturated for s in result.layers] == [0.0, 1.0, 1.0]
    assert all(s.grad_norm == 0 for s in result.layers)
    assert result.layers[1].mean_abs_sum > 100            # sums of 1000 positive terms
    assert result.losses == [result.losses[0]] * 6        # 5 steps, nothing moves


def test_glorot_init_fixes_the_tutorial_network(tutorial_network):
    X, y = xor()
    result = diagnose(tutorial_network(init="glorot"), X, y, optimizer="sgd", learning_rate=0.01)
    assert result.healthy and result.findings == []
    assert all(0 < s.grad_ratio < 1 for s in result.layers)
    assert result.losses[-1] < result.losses[0]


def test_deep_sigmoid_network_has_vanishing_gradients(blobs):
    X, y = blobs
    sigmoid = diagnose(Network([5, *[32] * 6, 2], activation="sigmoid", loss="cross_entropy",
                               seed=0), X, y)
    vanishing = [f for f in sigmoid.findings if f.code == "vanishing_gradients"]
    assert len(vanishing) == 1 and vanishing[0].severity == "error"
    assert vanishing[0].layers[0] == 0 and 5 not in vanishing[0].layers
    signals = [s.signal for s in sigmoid.layers[:-1]]
    assert signals == sorted(signals)                      # shrinking towards the input
    assert "leaky_relu" in vanishing[0].fix
    # named as the tutorials name it
    assert vanishing[0].message.startswith("the vanishing gradient problem: the error signal")


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_deep_networks_with_suitable_activations_are_healthy(blobs, activation):
    X, y = blobs
    net = Network([5, *[32] * 6, 2], activation=activation, loss="cross_entropy", seed=0)
    result = diagnose(net, X, y, optimizer="adam", learning_rate=1e-3)
    assert result.healthy, str(result)


def test_dead_relus_are_counted_and_flagged(blobs):
    X, y = blobs
    net = Network([5, 16, 16, 2], activation="relu", loss="cross_entropy", seed=0)
    net.biases[0][:12] = -100.0                            # 12 of 16 units never fire
    result = diagnose(net, X, y)
    assert result.layers[0].dead == 0.75
    dead = next(f for f in result.findings if f.code == "dead_relus")
    assert dead.layers == [0] and "leaky_relu" in dead.fix
    healthy = diagnose(Network([5, 16, 16, 2], activation="relu", loss="cross_entropy",
                               seed=0), X, y)
    assert "dead_relus" not in healthy.codes() and healthy.layers[0].dead < 0.5


def test_unscaled_inputs_are_flagged(blobs):
    X, y = blobs
    net = Network([5, 16, 2], activation="relu", loss="cross_entropy", seed=0)
    flagged = diagnose(net, X * 1000, y)
    finding = next(f for f in flagged.findings if f.code == "inputs_not_scaled")
    assert "standardi" in finding.fix and "[0, 1]" in finding.fix
    assert "inputs_not_scaled" not in diagnose(net, X, y).codes()


def test_a_learning_rate_that_makes_the_loss_rise_or_overflow_is_flagged(regression_net,
                                                                         unchanged):
    net, X, y = regression_net
    with unchanged(net):
        rising = diagnose(net, X, y, optimizer="sgd", learning_rate=1.0)
        diverging = diagnose(net, X, y, optimizer="sgd", learning_rate=1e6)
    assert rising.codes() == ["loss_rises"]
    assert "try 0.1" in rising.findings[0].fix
    assert rising.losses[-1] > rising.losses[0]
    assert "loss_diverges" in diverging.codes()
    assert not math.isfinite(diverging.losses[-1])
    fine = diagnose(net, X, y, optimizer="sgd", learning_rate=0.01)
    assert fine.healthy and fine.losses[-1] < fine.losses[0]


def test_exploding_gradients_are_flagged():
    rng = np.random.default_rng(0)
    net = Network([10, 64, 64, 64, 64, 1], activation="relu", output_activation="identity",
                  loss="mse", init="uniform01", seed=0)
    result = diagnose(net, rng.random((100, 10)), rng.random(100))
    exploding = next(f for f in result.findings if f.code == "exploding_gradients")
    assert exploding.layers[0] == 0
    assert result.layers[0].signal > 100 * result.layers[3].signal
    assert "large_sums" in result.codes()


def test_the_network_s_own_optimizer_and_rate_are_used(blobs, unchanged):
    X, y = blobs
    net = Network([5, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    assert diagnose(net, X, y).optimizer == "sgd"             # a new network: fit's default
    net.fit(X, y, epochs=1, optimizer="rmsprop", learning_rate=3e-3)
    with unchanged(net):
        result = diagnose(net, X, y)
        assert (result.optimizer, result.learning_rate) == ("rmsprop", 3e-3)
        assert diagnose(net, X, y, learning_rate=0.5).learning_rate == 0.5
    assert net.optimizer.steps > 0


def test_an_optimizer_object_is_used_fresh_at_the_given_rate(blobs):
    from steepest.optimizers import Momentum

    X, y = blobs
    momentum = Momentum(0.05, momentum=0.5)
    net = Network([5, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    result = diagnose(net, X, y, optimizer=momentum, learning_rate=0.02)
    assert (result.optimizer, result.learning_rate) == ("momentum", 0.02)
    assert momentum.steps == 0 and momentum.state == {}


def test_bad_arguments_raise_config_errors(blobs):
    X, y = blobs
    net = Network([5, 4, 2], loss="cross_entropy")
    with pytest.raises(ConfigError, match="steps must be a whole number >= 1, got 0"):
        diagnose(net, X, y, steps=0)
    with pytest.raises(ConfigError, match="learning_rate must be a positive number"):
        diagnose(net, X, y, learning_rate=-1)
    with pytest.raises(steepest.errors.ShapeError):
        diagnose(net, X[:, :3], y)


def test_doctor_bad_inputs_raise_steepest_errors():
    X, y = xor()
    net = Network([2, 4, 2], activation="tanh", loss="cross_entropy", seed=0)
    Xn = X.astype(float)
    Xn[0, 0] = np.nan
    for call in (lambda: steepest.diagnose(net, Xn, y), lambda: steepest.lr_find(net, Xn, y),
                 lambda: steepest.overfit_check(net, Xn, y),
                 lambda: steepest.diagnose(net, X, y + 5),
                 lambda: steepest.diagnose(net, X[:, :1], y),
                 lambda: net.explain(X, y - 1, file=io.StringIO())):
        with pytest.raises(SteepestError):
            call()


def test_a_network_whose_weights_have_diverged(regression_net):
    net, X, y = regression_net
    net.weights[1][0, 0] = np.inf
    result = diagnose(net, X, y)
    assert "loss_not_finite" in result.codes() and not result.healthy
    assert len(result.losses) == 1


def test_weights_all_equal_are_flagged_as_symmetric(blobs):
    X, y = blobs
    net = Network([5, 8, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    for W in net.weights:       # every hidden unit: same incoming, bias and outgoing weights
        W[...] = 0.0
    result = diagnose(net, X, y)
    finding = next(f for f in result.findings if f.code == "symmetric_weights")
    assert finding.layers == [0, 1] and finding.severity == "error" and "init=" in finding.fix
    # Units of layer 1 that share incoming weights and bias but not outgoing ones get
    # different error signals: they drift apart, so they are not twins.
    net.weights[2][...] = np.arange(16.0).reshape(8, 2) / 16
    again = diagnose(net, X, y)
    assert next(f for f in again.findings if f.code == "symmetric_weights").layers == [0]
    fresh = Network([5, 8, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    assert "symmetric_weights" not in diagnose(fresh, X, y).codes()


def test_zero_output_layer_is_not_a_symmetry_error(spiral_data):
    # Zeroing the last layer is a legitimate initialisation: the output units are told
    # apart by their targets, so they get different gradients and do not stay twins.
    X, y = spiral_data
    y3 = y.copy()
    y3[:20] = 2
    net = Network([2, 16, 3], activation="tanh", loss="cross_entropy", seed=0)
    W0, b0, W1, b1 = net.get_weights()
    net.set_weights([W0, b0, np.zeros_like(W1), b1])
    dW1 = net.gradients(X, y3)[2]
    assert not np.allclose(dW1[:, :1], dW1)          # the units do not stay twins...
    report = steepest.diagnose(net, X, y3, optimizer="sgd", learning_rate=0.1)
    # ...so no 'symmetric_weights'; and ratios over |W| = 0 are "no data" (NaN), not
    # infinite: no 'exploding_gradients' nor 'large_updates' either.
    assert report.codes() == [], report.codes()
    output = report.layers[-1]
    assert np.isnan(output.grad_ratio) and np.isnan(output.update_ratio)
    assert output.grad_norm > 0 and np.isfinite(report.layers[0].update_ratio)


def test_zero_hidden_layer_with_random_neighbours_is_not_symmetric(spiral_data):
    X, y = spiral_data
    net = Network([2, 8, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    net.weights[1][...] = 0.0
    dW1 = net.gradients(X, y)[2]
    # W2's rows differ, so each unit of layer 1 gets its own gradient: no twins.
    assert not np.allclose(dW1[:, :1], dW1)
    assert "symmetric_weights" not in steepest.diagnose(net, X, y).codes()


def test_converged_network_is_not_an_error():
    X = np.linspace(-1, 1, 9)[:, None]
    net = Network([1, 1], activation="identity", loss="mse", dtype="float64", seed=0)
    net.set_weights([np.array([[2.0]]), np.array([0.5])])
    report = steepest.diagnose(net, X, 2 * X + 0.5)
    assert report.losses[0] == 0.0
    assert "no_gradient" not in report.codes(), str(report)
    assert report.codes() == ["converged"] and report.healthy
    # Away from the minimum, the same zero gradient (dead ReLUs) is still an error.
    dead = Network([1, 1], activation="relu", output_activation="relu", loss="mse",
                   dtype="float64", seed=0)
    dead.set_weights([np.array([[1.0]]), np.array([-5.0])])
    assert "no_gradient" in steepest.diagnose(dead, X, 2 * X + 0.5).codes()


def test_doctor_tools_leave_a_trained_network_untouched(spiral_data, unchanged):
    X, y = spiral_data
    net = Network([2, 16, 16, 2], activation="relu", loss="cross_entropy", dropout=0.2, seed=0)
    net.fit(X, y, epochs=2, optimizer="adam", learning_rate=0.01)
    with unchanged(net):
        steepest.diagnose(net, X, y)
    with unchanged(net):
        steepest.lr_find(net, X, y, steps=20)
    with unchanged(net):
        steepest.overfit_check(net, X, y, epochs=20)
    with unchanged(net):
        net.explain(X[:3], y[:3], file=io.StringIO())
