"""Fixtures of the converters' tests: networks with every activation and output
type, random inputs that reach the activations' tails, and a network trained on
the real digits."""

from __future__ import annotations

import numpy as np
import pytest

from steepest import Network
from steepest.datasets import load_digits

#: id -> Network's arguments: together every activation (sigmoid with and without a
#: slope, tanh, relu, leaky_relu, identity, softmax) and every output type (softmax,
#: one and several sigmoids, identity, a hidden activation on the output), and both
#: precisions.
NETWORKS = {
    "sigmoid-slope-leaky-softmax": dict(sizes=[5, 7, 6, 3],
                                        activation=["sigmoid(c=0.3)", "leaky_relu(slope=0.2)"],
                                        loss="cross_entropy"),
    "tanh-multilabel-sigmoids": dict(sizes=[5, 7, 4], activation="tanh",
                                     loss="binary_cross_entropy"),
    "relu-one-sigmoid": dict(sizes=[5, 8, 1], activation="relu",
                             loss="binary_cross_entropy"),
    "relu-sigmoid-identity": dict(sizes=[5, 6, 6, 2], activation=["relu", "sigmoid"],
                                  output_activation="identity", loss="mse"),
    "tutorial-sigmoids-sse": dict(sizes=[5, 4, 3], activation="sigmoid", loss="sse"),
    "linear-no-hidden": dict(sizes=[5, 2], activation=[], output_activation="identity",
                             loss="mse"),
    "leaky-tanh-output-float64": dict(sizes=[5, 6, 3], activation="leaky_relu",
                                      output_activation="tanh", loss="mse",
                                      dtype="float64"),
}


def make_network(name: str) -> Network:
    """The network ``NETWORKS[name]``, its weights spread wider than at
    initialisation so that outputs reach the activations' flat tails."""
    spec = dict(NETWORKS[name])
    net = Network(spec.pop("sizes"), seed=3, **spec)
    net.params *= 2
    if net.sizes[-1] > 1:
        net.metadata["classes"] = [f"class {k}" for k in range(net.sizes[-1])]
    return net


@pytest.fixture(params=sorted(NETWORKS))
def network(request) -> Network:
    """Each of :data:`NETWORKS` in turn."""
    return make_network(request.param)


@pytest.fixture(scope="session")
def random_rows() -> np.ndarray:
    """``(64, 5)`` normal rows times 3, float32."""
    return (3 * np.random.default_rng(0).normal(size=(64, 5))).astype(np.float32)


@pytest.fixture(scope="session")
def digits_network() -> tuple[Network, np.ndarray]:
    """A ``[64, 32, 10]`` network trained for 3 epochs on the digits, with the
    class names, and the test rows ``(449, 64)``."""
    (X, y), (X_test, _) = load_digits()
    net = Network([64, 32, 10], activation="relu", loss="cross_entropy", seed=0)
    net.fit(X, y, epochs=3, optimizer="adam", learning_rate=1e-2)
    net.metadata["classes"] = [str(d) for d in range(10)]
    return net, X_test
