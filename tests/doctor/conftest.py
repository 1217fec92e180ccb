"""Networks and data the doctor's tests share, and the check that a tool left
the network it was given alone."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from steepest import Network
from steepest.datasets import spirals


def _state(net: Network) -> tuple:
    """Everything the doctor's tools promise to leave alone."""
    history = dict(net.history.items()) if hasattr(net.history, "items") else net.history
    return (net.params.tobytes(), repr(net.rng.bit_generator.state), net.epochs_trained,
            len(net.history), pickle.dumps(history), id(net.optimizer),
            pickle.dumps(net.optimizer))


@pytest.fixture
def unchanged() -> Callable:
    """``with unchanged(net): ...`` fails if the block changed ``net``: its weights,
    random state, history, epochs or optimiser (the same object, in the same state)."""

    @contextmanager
    def watch(net: Network) -> Iterator[None]:
        before = _state(net)
        yield
        assert _state(net) == before

    return watch


@pytest.fixture
def tutorial_network() -> Callable[..., Network]:
    """The first tutorial's failure: [2, 1000, 1000, 2], plain sigmoid, uniform [0, 1) init
    (keyword arguments override the settings)."""

    def build(**kwargs) -> Network:
        settings = {"activation": "sigmoid", "loss": "sse", "init": "uniform01", "seed": 0}
        return Network([2, 1000, 1000, 2], **(settings | kwargs))

    return build


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """300 rows of 5 standard-normal features, two classes split by x0 + x1 > 0."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5)).astype("float32")
    return X, (X[:, 0] + X[:, 1] > 0).astype(np.int64)


@pytest.fixture(scope="module")
def spiral_data() -> tuple[np.ndarray, np.ndarray]:
    return spirals(n_samples=200, seed=0)


@pytest.fixture
def regression_net() -> tuple[Network, np.ndarray, np.ndarray]:
    """A fresh relu regression network [5, 16, 1] and 200 rows of a linear target."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 5)).astype("float32")
    y = X @ rng.normal(size=5)
    net = Network([5, 16, 1], activation="relu", output_activation="identity", loss="mse",
                  seed=0)
    return net, X, y
