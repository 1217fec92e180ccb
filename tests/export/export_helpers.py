"""Networks for the converters' tests: every activation and every output type."""

from __future__ import annotations

from steepest import Network

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
        net.record["classes"] = [f"class {k}" for k in range(net.sizes[-1])]
    return net
