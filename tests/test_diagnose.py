"""The doctor, lr_find and overfit_check: constructed cases that must be flagged,
healthy networks that must not, and the network passed in never changes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import steepest
from steepest import Network, diagnose, lr_find, overfit_check
from steepest.datasets import xor
from steepest.errors import ConfigError


def tutorial_network(**kwargs) -> Network:
    """The first tutorial's failure: [2, 1000, 1000, 2], plain sigmoid, uniform [0, 1) init."""
    settings = {"activation": "sigmoid", "loss": "sse", "init": "uniform01", "seed": 0}
    return Network([2, 1000, 1000, 2], **(settings | kwargs))


def snapshot(net: Network) -> tuple:
    return net.params.copy(), net.rng.bit_generator.state, net.optimizer, len(net.history)


def assert_unchanged(net: Network, before: tuple) -> None:
    params, rng_state, optimizer, history = before
    np.testing.assert_array_equal(net.params, params)
    assert net.rng.bit_generator.state == rng_state
    assert net.optimizer is optimizer
    assert len(net.history) == history


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)).astype("float32")
    return X, (X[:, 0] + X[:, 1] > 0).astype(np.int64)


# ---------------------------------------------------------------------- diagnose


def test_tutorial_network_has_no_gradient_and_saturated_layers():
    X, y = xor()
    net = tutorial_network()
    before = snapshot(net)
    result = diagnose(net, X, y, optimizer="sgd", learning_rate=0.01)
    assert_unchanged(net, before)
    assert not result.healthy
    assert result.codes()[:2] == ["no_gradient", "saturated_units"]
    saturated = result.findings[1]
    assert saturated.layers == [1, 2] and "Sigmoid(c=0.01)" in saturated.fix
    assert [s.saturated for s in result.layers] == [0.0, 1.0, 1.0]
    assert all(s.grad_norm == 0 for s in result.layers)
    assert result.layers[1].mean_abs_sum > 100            # sums of 1000 positive terms
    assert result.losses == [result.losses[0]] * 6        # 5 steps, nothing moves


def test_glorot_init_fixes_the_tutorial_network():
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


def regression_net() -> tuple[Network, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 5)).astype("float32")
    y = X @ rng.normal(size=5)
    net = Network([5, 16, 1], activation="relu", output_activation="identity", loss="mse",
                  seed=0)
    return net, X, y


def test_a_learning_rate_that_makes_the_loss_rise_or_overflow_is_flagged():
    net, X, y = regression_net()
    before = snapshot(net)
    rising = diagnose(net, X, y, optimizer="sgd", learning_rate=1.0)
    assert rising.codes() == ["loss_rises"]
    assert "try 0.1" in rising.findings[0].fix
    assert rising.losses[-1] > rising.losses[0]
    diverging = diagnose(net, X, y, optimizer="sgd", learning_rate=1e6)
    assert "loss_diverges" in diverging.codes()
    assert not math.isfinite(diverging.losses[-1])
    assert_unchanged(net, before)
    fine = diagnose(net, X, y, optimizer="sgd", learning_rate=0.01)
    assert fine.healthy and fine.losses[-1] < fine.losses[0]


def test_update_to_weight_ratios_per_step():
    net, X, y = regression_net()
    result = diagnose(net, X, y, optimizer="sgd", learning_rate=0.01, steps=3)
    for stats in result.layers:
        assert len(stats.update_ratios) == 3
        # Plain SGD's first step is lr * dW.
        assert stats.update_ratios[0] == pytest.approx(0.01 * stats.grad_ratio, rel=1e-4)
    big = diagnose(net, X, y, optimizer="adam", learning_rate=0.1)
    assert "large_updates" in big.codes()
    tiny = diagnose(net, X, y, optimizer="sgd", learning_rate=1e-9)
    assert tiny.codes() == ["small_updates"] and tiny.healthy   # a note, not a warning


def test_exploding_gradients_are_flagged():
    rng = np.random.default_rng(0)
    net = Network([10, 64, 64, 64, 64, 1], activation="relu", output_activation="identity",
                  loss="mse", init="uniform01", seed=0)
    result = diagnose(net, rng.random((100, 10)), rng.random(100))
    exploding = next(f for f in result.findings if f.code == "exploding_gradients")
    assert exploding.layers[0] == 0
    assert result.layers[0].signal > 100 * result.layers[3].signal
    assert "large_sums" in result.codes()


def test_the_network_s_own_optimizer_and_rate_are_used(blobs):
    X, y = blobs
    net = Network([5, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    assert diagnose(net, X, y).optimizer == "sgd"             # a new network: fit's default
    net.fit(X, y, epochs=1, optimizer="rmsprop", learning_rate=3e-3)
    before = snapshot(net)
    result = diagnose(net, X, y)
    assert (result.optimizer, result.learning_rate) == ("rmsprop", 3e-3)
    assert diagnose(net, X, y, learning_rate=0.5).learning_rate == 0.5
    assert_unchanged(net, before)
    assert net.optimizer.steps > 0


def test_report_text_and_json(blobs):
    X, y = blobs
    net = Network([5, 16, 2], activation="relu", loss="cross_entropy", seed=0)
    result = diagnose(net, X * 1000, y, batch_size=64, steps=2)
    text = str(result)
    assert result.samples == 64 and result.steps == 2
    assert "layer  activation  W shape" in text and "update/|W|" in text
    assert "fix: scale inputs to [0, 1]" in text
    per_step = text.splitlines()[text.splitlines().index(
        "update-to-weight ratio |W_after - W_before| / |W_before| per step (about 1e-3 is "
        "typical):") + 1]
    assert per_step == "layer 0  " + "  ".join(f"{r:.2e}" for r in result.layers[0].update_ratios)
    assert text.splitlines()[-1].startswith("verdict: not healthy (")
    record = json.loads(json.dumps(result.to_dict()))
    assert record["healthy"] is False
    assert [f["code"] for f in record["findings"]] == result.codes()
    assert len(record["layers"][0]["update_ratios"]) == 2


def test_bad_arguments_raise_config_errors(blobs):
    X, y = blobs
    net = Network([5, 4, 2], loss="cross_entropy")
    with pytest.raises(ConfigError, match="steps must be a whole number >= 1, got 0"):
        diagnose(net, X, y, steps=0)
    with pytest.raises(ConfigError, match="learning_rate must be a positive number"):
        diagnose(net, X, y, learning_rate=-1)
    with pytest.raises(steepest.errors.ShapeError):
        diagnose(net, X[:, :3], y)


# ---------------------------------------------------------------------- lr_find


def linear_problem() -> tuple[Network, np.ndarray, np.ndarray]:
    """Least squares on standardised inputs: the Hessian of mse is about 2 I, so
    plain gradient descent diverges for learning rates above about 1."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 3.0])
    net = Network([4, 1], activation="identity", loss="mse", init="glorot", seed=0)
    return net, X, y


def test_lr_find_suggests_a_rate_below_divergence():
    net, X, y = linear_problem()
    before = snapshot(net)
    result = lr_find(net, X, y, start=1e-5, stop=100.0, steps=80, optimizer="sgd")
    assert_unchanged(net, before)
    assert result.stopped_early and len(result.learning_rates) < 80
    assert len(result.losses) == len(result.learning_rates) == len(result.smoothed)
    np.testing.assert_allclose(result.learning_rates[:3], np.geomspace(1e-5, 100.0, 80)[:3])
    assert 1e-2 < result.suggestion < 1.0
    assert result.suggestion < result.min_loss_rate < 10.0   # the average lags a little
    assert min(result.smoothed) < 0.5 * result.smoothed[0]
    assert "suggested learning rate" in str(result)


def test_lr_find_rejects_a_bad_range():
    net, X, y = linear_problem()
    with pytest.raises(ConfigError, match="start must be below stop"):
        lr_find(net, X, y, start=1.0, stop=0.1)
    with pytest.raises(ConfigError, match="steps must be a whole number >= 5"):
        lr_find(net, X, y, steps=2)


def test_lr_find_plot_draws_the_curve_and_the_suggestion():
    pytest.importorskip("matplotlib")
    net, X, y = linear_problem()
    result = lr_find(net, X, y, start=1e-4, stop=10.0, steps=40, optimizer="sgd")
    figure = result.plot()
    ax = figure.axes[0]
    raw, smooth, marker = ax.lines
    np.testing.assert_allclose(raw.get_xdata(), result.learning_rates)
    np.testing.assert_allclose(raw.get_ydata(), result.losses)
    np.testing.assert_allclose(smooth.get_ydata(), result.smoothed)
    assert marker.get_xdata()[0] == result.suggestion
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate"
    # The exploded tail does not decide the scale.
    assert ax.get_ylim()[1] < max(result.losses)


# ---------------------------------------------------------------------- overfit_check


def test_a_healthy_network_overfits_a_tiny_batch(blobs):
    X, y = blobs
    net = Network([5, 32, 2], activation="relu", loss="cross_entropy", dropout=0.5, seed=0)
    before = snapshot(net)
    result = overfit_check(net, X, y, n_samples=8, epochs=200)
    assert_unchanged(net, before)
    assert result.passed and not result.diverged
    assert result.final_loss < 0.01 * result.initial_loss
    assert len(result.losses) == 200 and result.n_samples == 8
    assert "PASSED" in str(result)


def test_the_tutorial_network_cannot_overfit():
    X, y = xor()
    result = overfit_check(tutorial_network(), X, y, epochs=20)
    assert not result.passed
    assert result.final_loss == pytest.approx(result.initial_loss)
    assert "FAILED: the loss did not reach ~0" in str(result)


def test_labels_that_contradict_the_rows_cannot_be_overfitted():
    X = np.repeat(np.eye(4, dtype="float32"), 2, axis=0)   # each row twice...
    y = np.tile([0, 1], 4)                                  # ...with both labels
    net = Network([4, 16, 2], activation="relu", loss="cross_entropy", seed=0)
    result = overfit_check(net, X, y, epochs=200)
    assert not result.passed
    assert result.final_loss > 0.6                          # stuck near log 2


def test_overfit_check_reports_divergence():
    net, X, y = regression_net()
    result = overfit_check(net, X * 1e3, y * 1e3, optimizer="sgd", learning_rate=1e3,
                           epochs=50)
    assert not result.passed and result.diverged
    assert "NaN or infinite" in str(result)


def test_a_network_whose_weights_have_diverged():
    net, X, y = regression_net()
    net.weights[1][0, 0] = np.inf
    result = diagnose(net, X, y)
    assert "loss_not_finite" in result.codes() and not result.healthy
    assert len(result.losses) == 1


def test_an_optimizer_object_is_used_fresh_at_the_given_rate(blobs):
    from steepest.optimizers import Momentum

    X, y = blobs
    momentum = Momentum(0.05, momentum=0.5)
    net = Network([5, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    result = diagnose(net, X, y, optimizer=momentum, learning_rate=0.02)
    assert (result.optimizer, result.learning_rate) == ("momentum", 0.02)
    assert momentum.steps == 0 and momentum.state == {}


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


def test_the_doctor_measures_the_training_step_itself_dropout_included():
    from steepest.optimizers import SGD

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)
    net = Network([4, 8, 8, 3], activation="relu", loss="cross_entropy", dropout=0.5, seed=0)
    result = diagnose(net, X, y, optimizer="sgd", learning_rate=0.05, steps=1, batch_size=40)
    done = net.copy().train_step(X, y, SGD(0.05))  # the same random state: the same masks
    assert done.trace.masks[0] is not None
    assert result.losses[0] == done.loss
    for stats, dW, psi in zip(result.layers, done.gradients.weights, done.gradients.psis,
                              strict=True):
        assert stats.grad_norm == pytest.approx(np.linalg.norm(dW.astype(np.float64)), rel=1e-6)
        rms = np.sqrt(np.mean(np.square(psi.astype(np.float64)))) * len(psi)
        assert stats.signal == pytest.approx(rms, rel=1e-6)
