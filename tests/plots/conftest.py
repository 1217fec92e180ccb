"""A trained run with every recorder attached, and data, for the plots' tests.

Figures are drawn off-screen (matplotlib's Agg canvas, no display); each test
checks the data the artists hold, not just that drawing did not fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from steepest import GradientMonitor, Network, Snapshots, WeightPath
from steepest.datasets import moons, spirals


@pytest.fixture(scope="module")
def moons_run():
    """A small classifier trained on moons with every recorder attached:
    ``(net, X, y, monitor, snapshots, path, initial_weights)``."""
    X, y = moons(n_samples=120, noise=0.1, seed=0)
    net = Network([2, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    monitor = GradientMonitor(X, y)
    snapshots = Snapshots(every=2)
    path = WeightPath((0, 0, 0), (0, 1, 0))
    initial = net.get_weights()
    net.fit(X, y, epochs=6, batch_size=40, optimizer="adam", learning_rate=0.05,
            validation_split=0.25, callbacks=[monitor, snapshots, path])
    return net, X, y, monitor, snapshots, path, initial


@pytest.fixture(scope="module")
def spiral_data() -> tuple[np.ndarray, np.ndarray]:
    return spirals(n_samples=200, seed=0)


@pytest.fixture
def line_model() -> tuple[Network, np.ndarray, np.ndarray]:
    """A single identity unit ``w x + b`` and three rows of ``y = 2 x + 1``."""
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([[1.0], [3.0], [5.0]])
    net = Network([1, 1], activation="identity", loss="mse", seed=0, dtype="float64")
    return net, X, y
