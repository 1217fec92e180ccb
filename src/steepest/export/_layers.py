"""What every converter shares: a network's layers checked against what a format
can express, the facts its record may hold (class names, feature names), the
network rebuilt from another framework's layers, and the optional packages."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from ..activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from ..errors import ConfigError, DataError
from ..network import Network

#: The activations every format expresses exactly (a class of your own it cannot).
BUILT_IN: tuple[type[Activation], ...] = (Sigmoid, Tanh, ReLU, LeakyReLU, Identity, Softmax)


@dataclass(frozen=True)
class Layer:
    """One layer as the formats write it: ``Z = X @ W + b``, then ``activation``.

    ``W`` is ``(n_in, n_out)`` and ``b`` ``(n_out,)``, both float32 or float64.
    """

    W: np.ndarray
    b: np.ndarray
    activation: Activation


def layers(net: Network, format_name: str) -> list[Layer]:
    """``net``'s layers, or a ConfigError naming the first activation that
    ``format_name`` cannot express (a class of your own: its code is Python)."""
    found = []
    for i, ((W, b), f) in enumerate(zip(net._layers, net.activations, strict=True)):
        if type(f) not in BUILT_IN:
            names = ", ".join(cls.name for cls in BUILT_IN)
            raise ConfigError(
                f"cannot export to {format_name}: layer {i}'s activation {f.label!r} is not "
                f"one of steepest's own ({names}), and {format_name} cannot hold the Python "
                "code of an activation of your own")
        found.append(Layer(W, b, f))
    return found


def classes(net: Network) -> list[str] | None:
    """The class names the model records (``record["classes"]``), as text: one per
    output, or two for a single sigmoid output; else None."""
    names = net.record.get("classes")
    if not names or len(names) not in (net.sizes[-1], 2 if net.sizes[-1] == 1 else -1):
        return None
    return [str(c) for c in names]


def feature_names(net: Network) -> list[str] | None:
    """The input columns' names, where the model records them: an estimator fitted
    on a DataFrame, or ``steepest train`` on a CSV file."""
    names = net.record.get("feature_names")
    if not names:
        schema = (net.record.get("csv") or {}).get("schema")
        if schema is None:
            return None
        from ..datasets.tables import TableSchema

        names = TableSchema.from_dict(schema).feature_names
    return [str(n) for n in names] if len(names) == net.sizes[0] else None


def shortest(value: np.floating) -> float:
    """The number with the shortest decimal that reads back as ``value`` in its own
    precision: a float32 0.1 is 0.1, not 0.10000000149011612."""
    return float(str(value))


def version() -> str:
    """steepest's version, for the files' producer fields."""
    from .. import __version__  # the package's __init__ imports this package first

    return __version__


def arrows(sizes: Sequence[int]) -> str:
    """``"64 -> 32 -> 10"``."""
    return " -> ".join(map(str, sizes))


def network_from_layers(weights: Sequence[tuple[np.ndarray, np.ndarray]],
                        activations: Sequence[Activation | str | dict[str, Any]], *,
                        loss: str | None, dtype: str | np.dtype | None, where: str,
                        dropout: Sequence[float] | float = 0.0,
                        record: dict[str, Any] | None = None) -> Network:
    """A :class:`Network` holding ``weights`` (``(W_i, b_i)`` pairs, ``W_i`` of shape
    ``(n_in, n_out)``) with one activation per layer; ``where`` names the source in
    messages. ``loss`` None: cross-entropy after a softmax, binary cross-entropy after
    a sigmoid, else mean squared error. ``dtype`` None: the weights' own;
    ``dropout`` as for ``Network``."""
    if not weights:
        raise ConfigError(f"{where} holds no layer with weights")
    sizes = [int(np.shape(weights[0][0])[0])]
    for i, (W, b) in enumerate(weights):
        if np.ndim(W) != 2 or np.shape(W)[0] != sizes[-1] or np.shape(b) != (np.shape(W)[1],):
            raise DataError(f"{where}: layer {i} has weights of shape {np.shape(W)} and biases "
                            f"of shape {np.shape(b)}; expected ({sizes[-1]}, n) and (n,)")
        sizes.append(int(np.shape(W)[1]))
    if dtype is None:
        dtype = "float64" if np.asarray(weights[0][0]).dtype == np.float64 else "float32"
    net = Network(sizes, activation=list(activations), loss=loss or _loss_for(activations[-1]),
                  dropout=dropout, dtype=dtype)
    net.set_weights([np.asarray(a) for pair in weights for a in pair])
    net.record = dict(record or {})
    return net


def _loss_for(output: Activation | str | dict[str, Any]) -> str:
    name = output.name if isinstance(output, Activation) else (
        output["name"] if isinstance(output, dict) else output)
    return {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy"}.get(name, "mse")


def require(package: str, extra: str, purpose: str) -> ModuleType:
    """Import ``package``, or a ConfigError naming the extra that installs it."""
    try:
        return importlib.import_module(package)
    except ImportError:
        raise ConfigError(f"{purpose} needs {package}: pip install \"steepest[{extra}]\"") from None
