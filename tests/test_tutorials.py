"""The tutorials' examples, reproduced with the library."""

from __future__ import annotations

import numpy as np
import pytest

from steepest import Network
from steepest.activations import Sigmoid

ONE_INPUT = np.array([[0.2, 0.3]])
ONE_TARGET = np.array([[0.3, 0.67]])


def test_2_3_3_2_sigmoid_network_learns_one_input_to_one_output():
    net = Network([2, 3, 3, 2], activation="sigmoid", loss="sse", init="uniform01", seed=0)
    assert [W.shape for W in net.augmented_weights()] == [(3, 3), (3, 4), (2, 4)]
    before = net.predict(ONE_INPUT)
    assert np.abs(before - ONE_TARGET).max() > 0.1  # it has something to learn

    net.fit(ONE_INPUT, ONE_TARGET, epochs=3000, batch_size=None, optimizer="sgd",
            learning_rate=1.0)

    np.testing.assert_allclose(net.predict(ONE_INPUT), ONE_TARGET, atol=1e-3)


def _wide() -> Network:
    return Network([2, 1000, 1000, 2], activation="sigmoid", init="uniform01", seed=0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_wide_plain_sigmoid_gradients_vanish(dtype):
    # With weights in [0, 1) and 1000 inputs per unit, the second layer's sums are
    # in the hundreds: sigmoid outputs are exactly 1, so a * (1 - a) is exactly 0
    # and no gradient reaches any layer.
    net = Network([2, 1000, 1000, 2], activation="sigmoid", init="uniform01", seed=0,
                  dtype=dtype)
    trace = net.forward(ONE_INPUT)
    assert trace.sums[1].min() > 100
    np.testing.assert_array_equal(trace.output, [[1.0, 1.0]])

    gradients = net.gradients(ONE_INPUT, ONE_TARGET)
    assert max(float(np.abs(g).max()) for g in gradients) == 0.0


@pytest.mark.slow
def test_wide_plain_sigmoid_does_not_learn_at_any_learning_rate():
    net = _wide()
    before = net.get_weights()
    net.fit(ONE_INPUT, ONE_TARGET, epochs=50, batch_size=None, optimizer="sgd",
            learning_rate=100.0)
    for old, new in zip(before, net.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    np.testing.assert_array_equal(net.predict(ONE_INPUT), [[1.0, 1.0]])


@pytest.mark.slow
def test_wide_network_learns_with_sigmoid_slope_c():
    net = Network([2, 1000, 1000, 2], activation=Sigmoid(c=0.01), init="uniform01", seed=0)
    gradients = net.gradients(ONE_INPUT, ONE_TARGET)
    assert min(float(np.abs(g).max()) for g in gradients) > 1e-9  # no layer is cut off

    net.fit(ONE_INPUT, ONE_TARGET, epochs=200, batch_size=None, optimizer="sgd",
            learning_rate=100.0)

    np.testing.assert_allclose(net.predict(ONE_INPUT), ONE_TARGET, atol=1e-3)


@pytest.mark.slow
def test_wide_network_learns_with_leaky_relu():
    net = Network([2, 1000, 1000, 2], activation="leaky_relu", init="he", seed=0)
    net.fit(ONE_INPUT, ONE_TARGET, epochs=200, batch_size=None, optimizer="sgd",
            learning_rate=0.01)
    np.testing.assert_allclose(net.predict(ONE_INPUT), ONE_TARGET, atol=1e-3)


def test_truth_table_and_of_first_and_last_generalises_to_unseen_rows():
    X_train = np.array([[1, 0, 1], [0, 0, 0], [1, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=float)
    y_train = np.array([[1], [0], [0], [0], [0]])
    X_test = np.array([[0, 1, 1], [1, 1, 1], [0, 1, 0]], dtype=float)

    net = Network([3, 2, 1], activation="sigmoid", loss="binary_cross_entropy",
                  init="uniform", seed=0)
    history = net.fit(X_train, y_train, epochs=5000, batch_size=None, optimizer="sgd",
                      learning_rate=1.6)

    assert history["loss"][-1] < history["loss"][0] / 10
    predicted = net.predict(X_test)[:, 0]
    assert predicted[0] < 0.1 and predicted[2] < 0.1
    assert predicted[1] > 0.9
    np.testing.assert_array_equal(net.predict_classes(X_test), [0, 1, 0])


def test_xor_with_one_hidden_layer_reaches_full_accuracy():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    net = Network([2, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=1)
    net.fit(X, y, epochs=500, batch_size=None, optimizer="adam", learning_rate=0.05)

    assert net.evaluate(X, y)["accuracy"] == 1.0
    np.testing.assert_array_equal(net.predict_classes(X), y)


def test_xor_with_sse_and_sigmoid_as_in_the_second_tutorial():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    net = Network([2, 3, 1], activation="sigmoid", loss="sse", init="uniform", seed=3)
    net.fit(X, y, epochs=4000, batch_size=None, optimizer="momentum", learning_rate=0.5)
    np.testing.assert_array_equal(net.predict(X)[:, 0] > 0.5, y[:, 0] > 0.5)
