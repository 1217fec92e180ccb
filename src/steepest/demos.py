"""``steepest demo tutorials``: the tutorials' examples, trained from scratch in seconds.

Offline and with no data files: each example's data is written out or generated.
"""

from __future__ import annotations

import time

import numpy as np

from .datasets import and_first_last, xor
from .network import Network


def one_input_one_output() -> None:
    """First tutorial: a [2, 3, 3, 2] sigmoid network learns [.2, .3] -> [.3, .67]."""
    X, y = np.array([[0.2, 0.3]]), np.array([[0.3, 0.67]])
    net = Network([2, 3, 3, 2], activation="sigmoid", loss="sse", init="uniform01", seed=0)
    before = net.predict(X)[0]
    net.fit(X, y, epochs=3000, batch_size=None, optimizer="sgd", learning_rate=1.0)
    after = net.predict(X)[0]
    print(f"[2, 3, 3, 2] maps [.2, .3] to {np.round(before, 3)} before, {np.round(after, 3)} "
          "after training (target [.3, .67])")


def xor_example() -> None:
    """XOR: not linearly separable, so it needs the hidden layer."""
    X, y = xor()
    net = Network([2, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=1)
    net.fit(X, y, epochs=500, batch_size=None, optimizer="adam", learning_rate=0.05)
    print(f"XOR: outputs {np.round(net.predict(X)[:, 0], 3)} for targets {y}, "
          f"accuracy {net.evaluate(X, y)['accuracy']:.0%}")


def and_of_first_and_last() -> None:
    """Third tutorial: learn 'first AND last' from 5 rows, then predict 3 unseen ones."""
    (X_train, y_train), (X_test, _) = and_first_last()
    net = Network([3, 2, 1], activation="sigmoid", loss="binary_cross_entropy",
                  init="uniform", seed=0)
    net.fit(X_train, y_train, epochs=5000, batch_size=None, optimizer="sgd", learning_rate=1.6)
    print(f"first AND last, unseen rows {X_test.astype(int).tolist()}: predicted "
          f"{np.round(net.predict(X_test)[:, 0], 3)} (expected [0, 1, 0])")


def tutorials() -> None:
    """Run the three examples, printing what each network learned."""
    started = time.perf_counter()
    one_input_one_output()
    xor_example()
    and_of_first_and_last()
    print(f"done in {time.perf_counter() - started:.1f} s")


DEMOS = {"tutorials": tutorials}
