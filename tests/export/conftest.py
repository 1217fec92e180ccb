"""Fixtures of the converters' tests: networks with every activation and output
type, random inputs that reach the activations' tails, and a network trained on
the real digits."""

from __future__ import annotations

import numpy as np
import pytest
from export_helpers import NETWORKS, make_network

from steepest import Network
from steepest.datasets import load_digits


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
    net.record["classes"] = [str(d) for d in range(10)]
    return net, X_test
