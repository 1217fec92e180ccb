"""Thresholds: the numbers behind the findings, in one frozen dataclass that
changes the verdict when changed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import steepest
from steepest import Network, Thresholds, diagnose
from steepest.doctor import rules as r
from steepest.doctor.measure import LayerStats, Measurement
from steepest.doctor.thresholds import DEFAULT
from steepest.errors import ConfigError


def test_the_defaults_are_the_documented_ones():
    assert dataclasses.asdict(DEFAULT) == {
        "saturation_margin": 0.01, "unit_share": 0.5, "large_sum": 10.0, "vanishing": 1e-2,
        "exploding": 1e2, "exploding_ratio": 10.0, "no_gradient": 1e-10,
        "converged_loss": 1e-8, "input_scale": 10.0, "loss_rise": 1.1, "update_too_big": 0.1,
        "update_too_small": 1e-6}
    assert Thresholds() == DEFAULT and steepest.Thresholds is Thresholds


def test_thresholds_are_frozen_and_checked():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.unit_share = 0.1
    with pytest.raises(ConfigError, match="saturation_margin must be a positive number, got 0"):
        Thresholds(saturation_margin=0)
    with pytest.raises(ConfigError, match="loss_rise must be a positive number, got 'high'"):
        Thresholds(loss_rise="high")


def _one_layer(**changes) -> Measurement:
    figures = {"index": 0, "activation": "relu", "shape": (3, 2), "weight_norm": 1.0,
               "grad_norm": 0.01, "grad_ratio": 0.01, "signal": 0.1, "mean_abs_sum": 2.0,
               "max_abs_sum": 5.0, "saturated": None, "dead": 0.3, "update_ratios": [0.02]}
    return Measurement([LayerStats(**(figures | changes))], [1.0, 1.05], 5.0, [], 0.01)


@pytest.mark.parametrize("rule, changed", [
    (r.dead_relus, {"unit_share": 0.25}),
    (r.large_sums, {"large_sum": 1.0}),
    (r.inputs_not_scaled, {"input_scale": 1.0}),
    (r.loss_rises, {"loss_rise": 1.01}),
    (r.large_updates, {"update_too_big": 0.01}),
])
def test_a_stricter_threshold_flags_what_the_default_does_not(rule, changed):
    m = _one_layer()
    assert rule(m, DEFAULT) == []
    (finding,) = rule(m, Thresholds(**changed))
    assert finding.code == rule.__name__


def test_a_wider_saturation_margin_flags_a_layer_the_default_does_not():
    # tanh(2.3 .. 2.6) lies between 0.980 and 0.989: within 0.05 of 1, not within 0.01.
    X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    net = Network([1, 4, 2], activation="tanh", loss="cross_entropy", seed=0)
    net.weights[0][...] = [[2.3, 2.4, 2.5, 2.6]]
    net.biases[0][...] = 0.0
    y = np.array([0, 1, 0, 1])
    default = diagnose(net, X, y, steps=1)
    assert default.layers[0].saturated == 0.0 and "saturated_units" not in default.codes()
    wide = diagnose(net, X, y, steps=1, thresholds=Thresholds(saturation_margin=0.05))
    assert wide.layers[0].saturated == 1.0 and "saturated_units" in wide.codes()


def test_diagnose_takes_only_thresholds():
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ConfigError, match=r"thresholds must be a steepest\.Thresholds"):
        diagnose(Network([2, 2], loss="cross_entropy"), X, y,
                 thresholds={"saturation_margin": 0.1})
