"""scikit-learn's fitted ``MLPClassifier`` and ``MLPRegressor`` as networks, so
the doctor, ``explain``, the plots and ``steepest`` commands work on a model
fitted there.

scikit-learn's ``coefs_[i]`` is ``(n_in, n_out)``, like steepest's ``W_i``, and
``intercepts_[i]`` is ``b_i``. Its hidden ``activation`` maps to steepest's
(``logistic`` is the sigmoid), its output layer (``out_activation_``) to the
loss steepest learns with: softmax and cross-entropy for several classes, one
sigmoid and binary cross-entropy for two classes or per label (multi-label), the
identity and squared error (``mse``) for numbers. The other way round,
:class:`~steepest.sklearn.NetworkClassifier` and
:class:`~steepest.sklearn.NetworkRegressor` have ``coefs_`` and ``intercepts_``.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ..network import Network
from ._layers import network_from_layers

#: scikit-learn's activations -> steepest's.
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
               "softmax": "softmax"}
#: The output layer -> the loss steepest trains it with.
LOSSES = {"softmax": "cross_entropy", "logistic": "binary_cross_entropy", "identity": "mse"}


def from_sklearn(mlp: Any) -> Network:
    """A :class:`~steepest.Network` with the weights of a fitted ``MLPClassifier``
    or ``MLPRegressor``, in their precision (float64 unless it was fitted on
    float32), predicting the same; ``record["classes"]`` holds the classes and
    ``record["feature_names"]`` the column names where the model has them.

    A :class:`~steepest.sklearn.NetworkClassifier` or ``NetworkRegressor`` gives a
    copy of its ``network_``. Anything else, or a model not fitted yet, is a
    :class:`~steepest.errors.ConfigError`.
    """
    network = getattr(mlp, "network_", None)
    if isinstance(network, Network):
        return network.copy()
    kind = type(mlp).__name__
    if kind not in ("MLPClassifier", "MLPRegressor"):
        hint = (" (for a Pipeline pass its last step, model[-1], and transform X with "
                "model[:-1])") if hasattr(mlp, "steps") else ""
        raise ConfigError(f"from_sklearn takes a fitted MLPClassifier or MLPRegressor, got "
                          f"{kind}{hint}")
    if not hasattr(mlp, "coefs_"):
        raise ConfigError(f"the {kind} is not fitted yet: call fit first")
    hidden, output = mlp.activation, mlp.out_activation_
    for name in (hidden, output):
        if name not in ACTIVATIONS:
            raise ConfigError(f"the {kind}'s activation {name!r} has no steepest counterpart "
                              f"({', '.join(ACTIVATIONS)})")
    weights = list(zip(mlp.coefs_, mlp.intercepts_, strict=True))
    activations = [ACTIVATIONS[hidden]] * (len(weights) - 1) + [ACTIVATIONS[output]]
    record: dict[str, Any] = {"estimator": kind}
    if hasattr(mlp, "classes_"):
        record["classes"] = [str(c) for c in mlp.classes_]
    if hasattr(mlp, "feature_names_in_"):
        record["feature_names"] = [str(n) for n in mlp.feature_names_in_]
    return network_from_layers(weights, activations, loss=LOSSES[output], dtype=None,
                               where=f"the {kind}", record=record)
