"""What the doctor measures: the training step itself, per-layer figures, update
ratios, and the facts about the data and the weights the rules look at."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steepest import Network, diagnose
from steepest.doctor.measure import Measurement, measure, ratio_of, share
from steepest.optimizers import SGD


def test_update_to_weight_ratios_per_step(regression_net):
    net, X, y = regression_net
    result = diagnose(net, X, y, optimizer="sgd", learning_rate=0.01, steps=3)
    for stats in result.layers:
        assert len(stats.update_ratios) == 3
        # Plain SGD's first step is lr * dW.
        assert stats.update_ratios[0] == pytest.approx(0.01 * stats.grad_ratio, rel=1e-4)
    big = diagnose(net, X, y, optimizer="adam", learning_rate=0.1)
    assert "large_updates" in big.codes()
    tiny = diagnose(net, X, y, optimizer="sgd", learning_rate=1e-9)
    assert tiny.codes() == ["small_updates"] and tiny.healthy   # a note, not a warning


def test_the_doctor_measures_the_training_step_itself_dropout_included():
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


def test_measure_gathers_what_the_rules_look_at(unchanged):
    X = np.array([[0.5, -12.0], [1.0, 3.0]])
    net = Network([2, 3, 2], activation="tanh", loss="cross_entropy", seed=0, dtype="float64")
    net.weights[0][...] = 0.0          # layer 0's units: same incoming weights and bias...
    net.biases[0][...] = 0.0
    net.weights[1][...] = 1.0          # ...and the same outgoing weights: twins
    Y = np.eye(2)
    with unchanged(net):
        measured = measure(net, X, Y, SGD(0.1), steps=2)
    assert isinstance(measured, Measurement)
    assert measured.largest_input == 12.0
    assert measured.twins == [0]
    assert measured.learning_rate == 0.1
    assert len(measured.losses) == 3 and len(measured.layers) == 2
    assert [len(s.update_ratios) for s in measured.layers] == [2, 2]
    assert math.isnan(measured.layers[0].update_ratio)   # weights that start all 0


def test_ratios_over_nothing_are_no_data_and_shares_stay_none():
    assert ratio_of(1.0, 4.0) == 0.25
    assert ratio_of(0.0, 0.0) == 0.0
    assert math.isnan(ratio_of(1.0, 0.0))
    assert share(np.array([[True, False], [False, False]])) == 0.25
    assert share(None) is None
