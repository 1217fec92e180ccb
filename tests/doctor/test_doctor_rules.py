"""Each of the doctor's rules on hand-made measurements: flagged, and not flagged
just the other side of its threshold."""

from __future__ import annotations

import math

import pytest

from steepest.doctor import LayerStats
from steepest.doctor import rules as r
from steepest.doctor.measure import Measurement
from steepest.doctor.thresholds import DEFAULT


def layer(index: int = 0, **changes) -> LayerStats:
    """A healthy layer's figures, with ``changes``."""
    figures = {"index": index, "activation": "tanh", "shape": (4, 4), "weight_norm": 1.0,
               "grad_norm": 0.01, "grad_ratio": 0.01, "signal": 0.1, "mean_abs_sum": 1.0,
               "max_abs_sum": 3.0, "saturated": 0.0, "dead": None, "update_ratios": [1e-3]}
    return LayerStats(**(figures | changes))


def measured(*layers: LayerStats, losses=(1.0, 0.9), largest_input: float = 1.0,
             twins=(), learning_rate: float = 0.01) -> Measurement:
    """A measurement of ``layers`` (default: two healthy hidden layers and the output)."""
    layers = layers or (layer(0), layer(1), layer(2))
    return Measurement(list(layers), list(losses), largest_input, list(twins), learning_rate)


def codes(m: Measurement) -> list[str]:
    """What every rule finds in ``m``, in the order they run."""
    return [f.code for rule in r.RULES for f in rule(m, DEFAULT)]


def test_the_rules_run_in_the_order_of_the_report():
    assert [rule.__name__ for rule in r.RULES] == [
        "inputs_not_scaled", "symmetric_weights", "saturated_units", "dead_relus", "large_sums",
        "gradient_not_finite", "no_gradient", "converged", "vanishing_gradients",
        "exploding_gradients", "loss_not_finite", "loss_diverges", "loss_rises",
        "large_updates", "small_updates"]


@pytest.mark.parametrize("rule", r.RULES, ids=lambda rule: rule.__name__)
def test_a_healthy_measurement_makes_no_finding(rule):
    assert rule(measured(), DEFAULT) == []


def test_inputs_not_scaled():
    assert r.inputs_not_scaled(measured(largest_input=10.0), DEFAULT) == []
    (finding,) = r.inputs_not_scaled(measured(largest_input=255.0), DEFAULT)
    assert finding.code == "inputs_not_scaled" and finding.severity == "warning"
    assert "values reach 255" in finding.message and "255 for pixels" in finding.fix


def test_symmetric_weights():
    (finding,) = r.symmetric_weights(measured(twins=[0, 2]), DEFAULT)
    assert finding.severity == "error" and finding.layers == [0, 2]
    assert "every unit of layer 0, 2 has the same incoming weights" in finding.message


def test_saturated_units_over_half_of_a_layer():
    assert r.saturated_units(measured(layer(0, saturated=0.5), layer(1)), DEFAULT) == []
    m = measured(layer(0, saturated=0.6, mean_abs_sum=40.0), layer(1, saturated=None))
    (finding,) = r.saturated_units(m, DEFAULT)
    assert finding.layers == [0] and finding.severity == "warning"
    assert finding.message == ("saturated tanh units, where the derivative is ~0: layer 0 60% "
                               "(mean |Z| 40)")


def test_dead_relus_over_half_of_a_layer():
    assert r.dead_relus(measured(layer(0, dead=0.5), layer(1)), DEFAULT) == []
    (finding,) = r.dead_relus(measured(layer(0, dead=0.75), layer(1, dead=0.1)), DEFAULT)
    assert finding.layers == [0] and "layer 0 75%" in finding.message


def test_large_sums_except_in_saturated_layers():
    assert r.large_sums(measured(layer(0, mean_abs_sum=10.0), layer(1)), DEFAULT) == []
    m = measured(layer(0, mean_abs_sum=50.0), layer(1, mean_abs_sum=50.0, saturated=0.9))
    (finding,) = r.large_sums(m, DEFAULT)
    assert finding.layers == [0]                # layer 1 is a saturated_units finding
    assert finding.message == "large weighted sums: layer 0 mean |Z| 50"


def test_a_gradient_that_is_not_finite():
    m = measured(layer(0, grad_norm=math.nan), layer(1, grad_norm=math.inf), layer(2))
    (finding,) = r.gradient_not_finite(m, DEFAULT)
    assert (finding.code, finding.severity, finding.layers) == ("exploding_gradients", "error",
                                                                [0, 1])
    assert codes(m) == ["exploding_gradients"]  # no other gradient rule judges it


def test_no_gradient_anywhere_unless_converged():
    stuck = [layer(i, grad_ratio=1e-11, grad_norm=1e-11) for i in range(3)]
    (finding,) = r.no_gradient(measured(*stuck), DEFAULT)
    assert finding.severity == "error" and finding.layers == [0, 1, 2]
    assert "the largest |dW|/|W| is 1.0e-11" in finding.message
    assert r.converged(measured(*stuck), DEFAULT) == []
    at_minimum = measured(*stuck, losses=(0.0, 0.0))
    assert r.no_gradient(at_minimum, DEFAULT) == []
    (finding,) = r.converged(at_minimum, DEFAULT)
    assert finding.severity == "info" and "already fits these rows" in finding.message
    # One layer with a gradient is not "no gradient".
    some = measured(*stuck[:2], layer(2))
    assert r.no_gradient(some, DEFAULT) == [] == r.converged(some, DEFAULT)


def test_vanishing_gradients_relative_to_the_last_hidden_layer():
    m = measured(layer(0, signal=1e-4), layer(1, signal=0.1), layer(2, signal=1e-9))
    (finding,) = r.vanishing_gradients(m, DEFAULT)
    assert finding.severity == "error" and finding.layers == [0]
    assert "relative to layer 1's is layer 0 1.0e-03" in finding.message
    assert finding.message.startswith("the vanishing gradient problem")
    assert r.vanishing_gradients(measured(layer(0, signal=2e-3), layer(1, signal=0.1),
                                          layer(2)), DEFAULT) == []
    # Without a gradient the signals say nothing more: no_gradient is the finding.
    stuck = [layer(0, signal=1e-9, grad_ratio=0.0), layer(1, signal=0.1, grad_ratio=0.0),
             layer(2, grad_ratio=0.0)]
    assert r.vanishing_gradients(measured(*stuck), DEFAULT) == []


def test_exploding_gradients_by_ratio_or_by_signal():
    (by_ratio,) = r.exploding_gradients(measured(layer(0), layer(1), layer(2, grad_ratio=11.0)),
                                        DEFAULT)
    assert by_ratio.severity == "warning" and by_ratio.layers == [2]
    (by_signal,) = r.exploding_gradients(measured(layer(0, signal=20.0), layer(1, signal=0.1),
                                                  layer(2)), DEFAULT)
    assert by_signal.layers == [0] and "rms psi 20" in by_signal.message
    assert r.exploding_gradients(measured(layer(0, signal=10.0), layer(1, signal=0.1),
                                          layer(2, grad_ratio=10.0)), DEFAULT) == []


def test_a_loss_not_finite_before_any_step():
    (finding,) = r.loss_not_finite(measured(losses=[math.nan]), DEFAULT)
    assert finding.severity == "error" and "already NaN or infinite" in finding.message
    assert codes(measured(losses=[math.nan])) == ["loss_not_finite"]


def test_a_loss_that_diverges_during_the_steps():
    m = measured(losses=[1.0, 5.0, math.inf], learning_rate=0.5)
    (finding,) = r.loss_diverges(m, DEFAULT)
    assert finding.message == "the loss became NaN or infinite within 2 steps at learning rate 0.5"
    assert "try 0.05" in finding.fix
    assert codes(m) == ["loss_diverges"]


def test_a_loss_that_rises():
    assert r.loss_rises(measured(losses=[1.0, 1.1]), DEFAULT) == []
    m = measured(losses=[1.0, 2.0, 3.0])
    (finding,) = r.loss_rises(m, DEFAULT)
    assert finding.message == "the loss rose from 1 to 3 in 2 steps at learning rate 0.01"
    assert "try 0.001" in finding.fix
    assert r.loss_rises(measured(losses=[1.0, math.nan]), DEFAULT) == []


def test_large_updates_unless_the_loss_already_rose():
    big = measured(layer(0, update_ratios=[0.2, 0.4]), layer(1), layer(2))
    (finding,) = r.large_updates(big, DEFAULT)
    assert finding.layers == [0] and "more than 10% of their size (layer 0 0.3" in finding.message
    assert r.large_updates(measured(layer(0, update_ratios=[0.1])), DEFAULT) == []
    rising = measured(*big.layers, losses=[1.0, 2.0])
    assert codes(rising) == ["loss_rises"]


def test_small_updates_only_where_a_gradient_flows():
    tiny = [layer(i, update_ratios=[1e-8, math.nan]) for i in range(3)]
    (finding,) = r.small_updates(measured(*tiny), DEFAULT)
    assert finding.severity == "info" and "less than 1.0e-08" in finding.message
    assert r.small_updates(measured(*tiny[:2], layer(2, update_ratios=[1e-6])), DEFAULT) == []
    vanishing = measured(layer(0, signal=1e-5, update_ratios=[1e-8]), *tiny[1:])
    assert codes(vanishing) == ["vanishing_gradients"]
    # Ratios of weights that start all 0 (NaN) are no measure of the step size.
    assert r.small_updates(measured(layer(0, update_ratios=[math.nan])), DEFAULT) == []
