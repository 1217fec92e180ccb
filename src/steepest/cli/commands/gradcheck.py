"""``steepest gradcheck``: backpropagation against finite differences, on a random
network."""

from __future__ import annotations

import argparse

import numpy as np

from ..._parsing import positive_int
from ..._validation import BINARY, CLASSES
from ...gradcheck import gradcheck
from ...network import Network
from ..command import EXIT_FAILED, EXIT_OK, Command, Console
from ..options import Defaults, add_network_options, argument_type

DEFAULTS = Defaults(values={"layers": (5, 4), "activation": "tanh", "loss": "cross_entropy",
                            "seed": 0})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_network_options(parser, DEFAULTS)
    sizes = parser.add_argument_group("data")
    for flag, default, what in (("--inputs", 3, "input features"),
                                ("--outputs", 3, "output units"),
                                ("--samples", 8, "random rows")):
        sizes.add_argument(flag, type=argument_type(positive_int), default=default,
                           help=f"{what} (default: {default})")


def run(args: argparse.Namespace, console: Console) -> int:
    rng = np.random.default_rng(args.seed)
    net = Network([args.inputs, *args.layers, args.outputs], activation=args.activation,
                  loss=args.loss, seed=args.seed)
    # Random biases: with zero biases a dead ReLU layer passes exactly 0 on, which
    # sits on the next ReLU's kink, where finite differences are meaningless.
    for b in net.biases:
        b[...] = rng.normal(0.0, 0.5, b.shape)
    X = rng.normal(size=(args.samples, args.inputs))
    result = gradcheck(net, X, _targets(net, rng, args.samples))
    console.print(net)
    console.print(result)
    return EXIT_OK if result.passed() else EXIT_FAILED


def _targets(net: Network, rng: np.random.Generator, n: int) -> np.ndarray:
    """Random targets of the kind the loss takes: ``(n,)`` class labels, an
    ``(n, n_outputs)`` 0/1 matrix, or ``(n, n_outputs)`` numbers in [0, 1)."""
    n_outputs = net.sizes[-1]
    if net.loss.targets == CLASSES:
        return rng.integers(0, n_outputs, size=n)
    if net.loss.targets == BINARY:
        return rng.integers(0, 2, size=(n, n_outputs))
    return rng.uniform(0, 1, size=(n, n_outputs))


COMMAND = Command("gradcheck", "check backpropagation on a random network", add_arguments, run,
                  description="Compare backpropagation's gradients with central finite "
                  "differences on a random network; exit code 1 if they disagree.")
