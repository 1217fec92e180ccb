"""PyTorch both ways: a network as an ``nn.Sequential`` with the same outputs, and
a Sequential of ``nn.Linear`` layers and activations as a network.

``nn.Linear`` computes ``x @ weight.T + bias`` with ``weight`` of shape
``(n_out, n_in)``: it holds ``W_i.T``. The activations map one to one
(``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``, ``nn.LeakyReLU(slope)``,
``nn.Softmax(dim=-1)``; the identity is no module), a sigmoid with slope ``c != 1``
becomes :class:`ScaledSigmoid` (``sigmoid(c * x)``, so training in PyTorch follows
the same gradients), and a hidden layer's dropout an ``nn.Dropout``. PyTorch is
imported when a function here is called: ``pip install "steepest[torch]"``.

To go on training in PyTorch with steepest's loss: ``cross_entropy`` is
``nn.CrossEntropyLoss()`` on the logits, ``model[:-1](X)`` (the Sequential
without its softmax); ``mse`` is ``nn.MSELoss()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from ..errors import ConfigError
from ..network import Network
from ._layers import layers, network_from_layers, require


def _torch() -> Any:
    return require("torch", "torch", "PyTorch conversion")


def __getattr__(name: str) -> Any:
    # ScaledSigmoid subclasses torch's nn.Module, so it exists once torch is imported;
    # made on first use, and found by name (pickle, torch.save) like any class here.
    if name == "ScaledSigmoid":
        return _scaled_sigmoid()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _scaled_sigmoid() -> type:
    """The class :class:`ScaledSigmoid`, made once."""
    cls = globals().get("ScaledSigmoid")
    if cls is None:
        cls = globals()["ScaledSigmoid"] = _make_scaled_sigmoid()
    return cls


def _make_scaled_sigmoid() -> type:
    nn = _torch().nn

    class ScaledSigmoid(nn.Module):
        """``sigmoid(c * x)``: steepest's sigmoid with slope ``c``."""

        def __init__(self, c: float = 1.0) -> None:
            super().__init__()
            self.c = float(c)

        def forward(self, x: Any) -> Any:
            return (x * self.c).sigmoid()

        def extra_repr(self) -> str:
            return f"c={self.c:g}"

    ScaledSigmoid.__module__, ScaledSigmoid.__qualname__ = __name__, "ScaledSigmoid"
    return ScaledSigmoid


def to_torch(net: Network) -> Any:
    """``net`` as a ``torch.nn.Sequential`` in the network's precision, with the
    same weights and outputs (``(n, n_0)`` in, ``(n, n_L)`` out); new, so in
    training mode (call ``.eval()`` to leave dropout out)."""
    torch = _torch()
    nn = torch.nn
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    modules: list[Any] = []
    for i, layer in enumerate(layers(net, "PyTorch")):
        linear = nn.Linear(*layer.W.shape, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.W.T)))
            linear.bias.copy_(torch.from_numpy(layer.b.copy()))
        modules.append(linear)
        activation = _module(nn, layer.activation)
        if activation is not None:
            modules.append(activation)
        if i < net.n_layers - 1 and net.dropout[i] > 0:
            modules.append(nn.Dropout(net.dropout[i]))
    return nn.Sequential(*modules)


def _module(nn: Any, f: Activation) -> Any:
    if isinstance(f, Sigmoid):
        return nn.Sigmoid() if f.c == 1.0 else _scaled_sigmoid()(f.c)
    if isinstance(f, LeakyReLU):
        return nn.LeakyReLU(f.slope)
    if isinstance(f, Softmax):
        return nn.Softmax(dim=-1)
    if isinstance(f, Identity):
        return None
    return {Tanh: nn.Tanh, ReLU: nn.ReLU}[type(f)]()


def from_torch(model: Any, *, loss: str | None = None) -> Network:
    """A :class:`~steepest.Network` from an ``nn.Sequential`` of ``nn.Linear``
    layers, each followed by at most one activation (``Sigmoid``,
    :class:`ScaledSigmoid`, ``Tanh``, ``ReLU``, ``LeakyReLU``, ``Softmax`` on the
    last dimension, ``Identity``) and an ``nn.Dropout`` after a hidden layer's.
    Weights and biases are copied, in float64 if the model's are, else float32.
    ``loss`` as for ``Network`` (default: cross-entropy after a softmax, binary
    cross-entropy after a sigmoid, else mse).

    Anything else is refused with a :class:`~steepest.errors.ConfigError` naming
    the module; weights of the wrong shape or not finite, with a
    :class:`~steepest.errors.DataError`.
    """
    torch = _torch()
    nn = torch.nn
    if not isinstance(model, nn.Sequential):
        raise ConfigError(f"from_torch takes an nn.Sequential of nn.Linear layers and "
                          f"activations, got {type(model).__name__}")
    reader = _Reader(torch)
    for index, module in enumerate(model):
        reader.add(index, module)
    return reader.network(loss)


class _Reader:
    """The layers of a Sequential, read module by module."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        self.weights: list[tuple[np.ndarray, np.ndarray]] = []
        self.activations: list[Activation | None] = []
        self.dropout: list[float] = []
        self.float64 = False

    def add(self, index: int, module: Any) -> None:
        nn = self.torch.nn
        where = f"module {index} ({module})"
        if isinstance(module, nn.Linear):
            self._linear(module)
        elif isinstance(module, nn.Identity):
            return
        elif not self.weights:
            raise ConfigError(f"{where} comes before any nn.Linear layer; a network starts "
                              "with one")
        elif isinstance(module, nn.Dropout):
            if self.dropout[-1]:
                raise ConfigError(f"{where}: a second dropout after one layer")
            self.dropout[-1] = float(module.p)
        elif self.activations[-1] is not None or self.dropout[-1]:
            raise ConfigError(f"{where} follows layer {len(self.weights) - 1}'s activation or "
                              "dropout; each nn.Linear takes at most one activation, then "
                              "dropout")
        else:
            self.activations[-1] = self._activation(module, where)

    def _linear(self, module: Any) -> None:
        self.float64 = self.float64 or module.weight.dtype == self.torch.float64
        W = module.weight.detach().cpu().double().numpy().T
        b = (module.bias.detach().cpu().double().numpy() if module.bias is not None
             else np.zeros(W.shape[1]))
        self.weights.append((W, b))
        self.activations.append(None)
        self.dropout.append(0.0)

    def _activation(self, module: Any, where: str) -> Activation:
        nn = self.torch.nn
        if isinstance(module, nn.Softmax):
            if module.dim not in (-1, 1):
                raise ConfigError(f"{where}: a softmax over dimension {module.dim}; steepest's "
                                  "runs over each row (dim=-1)")
            return Softmax()
        if isinstance(module, nn.LeakyReLU):
            return LeakyReLU(slope=module.negative_slope)
        if isinstance(module, _scaled_sigmoid()):
            return Sigmoid(c=module.c)
        simple = {nn.Sigmoid: Sigmoid, nn.Tanh: Tanh, nn.ReLU: ReLU}
        if type(module) not in simple:
            raise ConfigError(
                f"{where} cannot be part of a steepest network: it holds nn.Linear layers and "
                "the activations Sigmoid, ScaledSigmoid, Tanh, ReLU, LeakyReLU, Softmax, "
                "Identity, with Dropout after a hidden layer")
        return simple[type(module)]()

    def network(self, loss: str | None) -> Network:
        if self.dropout and self.dropout[-1]:
            raise ConfigError("dropout after the output layer; steepest drops hidden units "
                              "only")
        activations = [f if f is not None else Identity() for f in self.activations]
        return network_from_layers(self.weights, activations, loss=loss,
                                   dtype="float64" if self.float64 else "float32",
                                   where="the Sequential", dropout=self.dropout[:-1])
