"""ONNX: a network as an ONNX graph for ONNX Runtime and every other runtime, and
back.

The graph has one input ``"X"`` ``(batch, n_0)`` float32, with a dynamic batch
dimension, and one output ``"Y"`` ``(batch, n_L)``. Each layer is a ``Gemm``
node (``Z = X @ W + b``, the weights as initializers ``W0, b0, ...``) followed by
its activation: ``Sigmoid`` (after a ``Mul`` by ``c`` when the slope is not 1),
``Tanh``, ``Relu``, ``LeakyRelu`` with the slope as ``alpha``, ``Softmax`` on the
last axis, nothing for the identity. The model's metadata holds the class names
and the feature names where the network records them (JSON lists under
``"classes"`` and ``"feature_names"``), and steepest's description of the network
(``"steepest.network"``). Needs the ``onnx`` package: ``pip install
"steepest[onnx]"``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_write
from ..activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from ..errors import ConfigError, ModelFileError
from ..network import Network
from ._layers import (
    arrows,
    classes,
    feature_names,
    layers,
    network_from_layers,
    require,
    shortest,
    version,
)

#: The operator set the graphs use: Softmax on one axis needs 13 or later.
OPSET = 17
#: The ONNX file format version that goes with it, so older runtimes read the file.
IR_VERSION = 8
PRODUCER = "steepest"
#: How an ONNX file steepest exported begins: the protobuf's ir_version (field 1,
#: a varint), then its producer_name (field 2, of 8 bytes).
MARK = re.compile(rb"\x08[\x00-\x7f]\x12" + bytes([len(PRODUCER)]) + PRODUCER.encode())
INPUT, OUTPUT = "X", "Y"

#: ONNX operators of one input that are an activation, and the activation.
_ELEMENTWISE = {"Sigmoid": Sigmoid, "Tanh": Tanh, "Relu": ReLU, "Identity": Identity}


def _onnx() -> Any:
    return require("onnx", "onnx", "ONNX export and import")


def to_onnx(net: Network) -> Any:
    """``net`` as an ``onnx.ModelProto``, checked by ``onnx.checker``: float32
    weights and computation, input ``"X"`` ``(batch, n_0)``, output ``"Y"``."""
    onnx = _onnx()
    helper = onnx.helper
    nodes, initializers = [], []
    current = INPUT
    for i, layer in enumerate(layers(net, "ONNX")):
        initializers += [onnx.numpy_helper.from_array(layer.W.astype(np.float32), f"W{i}"),
                         onnx.numpy_helper.from_array(layer.b.astype(np.float32), f"b{i}")]
        last = i == net.n_layers - 1
        Z = f"Z{i}" if not (last and isinstance(layer.activation, Identity)) else OUTPUT
        nodes.append(helper.make_node("Gemm", [current, f"W{i}", f"b{i}"], [Z], name=f"layer{i}"))
        current = _activation_nodes(onnx, nodes, initializers, layer.activation, Z, i,
                                    OUTPUT if last else f"A{i}")
    graph = helper.make_graph(
        nodes, f"steepest {arrows(net.sizes)}",
        [helper.make_tensor_value_info(INPUT, onnx.TensorProto.FLOAT, ["batch", net.sizes[0]])],
        [helper.make_tensor_value_info(OUTPUT, onnx.TensorProto.FLOAT,
                                       ["batch", net.sizes[-1]])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name=PRODUCER, producer_version=version(),
                              doc_string=repr(net))
    model.ir_version = IR_VERSION
    helper.set_model_props(model, _metadata(net))
    onnx.checker.check_model(model, full_check=True)
    return model


def _activation_nodes(onnx: Any, nodes: list, initializers: list, f: Activation, Z: str,
                      i: int, out: str) -> str:
    """Append the nodes of activation ``f`` on ``Z``; returns the name of its output."""
    helper = onnx.helper
    name = f"activation{i}"
    if isinstance(f, Identity):
        return Z
    if isinstance(f, Sigmoid) and f.c != 1.0:
        initializers.append(onnx.numpy_helper.from_array(np.array(f.c, np.float32), f"c{i}"))
        nodes.append(helper.make_node("Mul", [Z, f"c{i}"], [f"cZ{i}"], name=f"slope{i}"))
        Z = f"cZ{i}"
    if isinstance(f, LeakyReLU):
        nodes.append(helper.make_node("LeakyRelu", [Z], [out], name=name, alpha=f.slope))
    elif isinstance(f, Softmax):
        nodes.append(helper.make_node("Softmax", [Z], [out], name=name, axis=-1))
    else:
        op = next(op for op, cls in _ELEMENTWISE.items() if isinstance(f, cls))
        nodes.append(helper.make_node(op, [Z], [out], name=name))
    return out


def _metadata(net: Network) -> dict[str, str]:
    """The model's metadata: what it is, and its classes and features where known."""
    props = {"steepest.network": json.dumps(net.config()),
             "steepest.version": version()}
    for key, names in (("classes", classes(net)), ("feature_names", feature_names(net))):
        if names is not None:
            props[key] = json.dumps(names)
    return props


def export_onnx(net: Network, path: str | os.PathLike[str]) -> Path:
    """Write ``net`` as an ONNX file at ``path`` (atomically; see :func:`to_onnx`);
    returns the path."""
    data = to_onnx(net).SerializeToString()
    return atomic_write(path, lambda f: f.write(data))


# ---------------------------------------------------------------------- import


def import_onnx(source: str | os.PathLike[str] | Any, *, loss: str | None = None) -> Network:
    """A :class:`~steepest.Network` from an ONNX file (or ``ModelProto``) whose graph
    is a chain of dense layers: ``Gemm`` (or ``MatMul`` then ``Add``) nodes, each
    followed by at most one activation of those :func:`to_onnx` writes, as in
    the files :func:`export_onnx` writes. ``loss`` as for ``Network``; by default
    the one a steepest file records, else cross-entropy after a softmax, binary
    cross-entropy after a sigmoid, and mse after anything else. The class and
    feature names of the ONNX metadata go into the network's ``record``.

    A file that is not ONNX, or is corrupt, raises
    :class:`~steepest.errors.ModelFileError`; a graph with any other node, a
    :class:`~steepest.errors.ConfigError` naming it.
    """
    onnx = _onnx()
    where = str(source) if isinstance(source, str | os.PathLike) else "the ONNX model"
    model = _read(onnx, source, where)
    graph = model.graph
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    inputs = [v.name for v in graph.input if v.name not in weights]
    if len(inputs) != 1 or len(graph.output) != 1:
        raise ConfigError(f"{where}: a network has one input and one output; this graph has "
                          f"{len(inputs)} inputs and {len(graph.output)} outputs")
    chain = _Chain(weights, where)
    current = inputs[0]
    for node in graph.node:
        if current not in node.input:
            raise ConfigError(f"{where}: node {_describe(node)} does not follow the chain of "
                              "layers (a network is one chain from the input to the output)")
        current = chain.add(node, current, onnx)
    if current != graph.output[0].name:
        raise ConfigError(f"{where}: the graph's output {graph.output[0].name!r} is not the "
                          "end of its chain of layers")
    props = {p.key: _json(p.value) for p in model.metadata_props}
    record = {key: [str(v) for v in props[key]] for key in ("classes", "feature_names")
                if isinstance(props.get(key), list)}
    written = props.get("steepest.network")
    if loss is None and isinstance(written, dict):  # the loss it was trained with
        loss = written.get("loss")
    return network_from_layers(chain.weights, chain.activations(), loss=loss,
                               dtype=None, where=where, record=record)


def _read(onnx: Any, source: Any, where: str) -> Any:
    if isinstance(source, onnx.ModelProto):
        model = source
    else:
        if not Path(source).is_file():
            raise ModelFileError(f"{where}: no such ONNX file")
        try:
            model = onnx.load(os.fspath(source))
        except Exception as exc:  # protobuf's errors share no base class but Exception
            raise ModelFileError(f"{where}: not a readable ONNX file ({_short(exc)})") from None
    try:
        onnx.checker.check_model(model)
    except Exception as exc:  # onnx.checker.ValidationError and protobuf's own
        raise ModelFileError(f"{where}: not a valid ONNX model ({_short(exc)})") from None
    return model


class _Chain:
    """The layers read so far from a graph's nodes, in order."""

    def __init__(self, initializers: dict[str, np.ndarray], where: str) -> None:
        self.initializers, self.where = initializers, where
        self.weights: list[tuple[np.ndarray, np.ndarray]] = []
        self._activations: list[Activation | None] = []
        self._matmul: np.ndarray | None = None  # a MatMul's weights, awaiting its Add
        self._slope: float | None = None  # a Mul's factor, awaiting its Sigmoid

    def activations(self) -> list[Activation]:
        """One per layer: the identity where no activation followed a layer."""
        if self._matmul is not None or self._slope is not None:
            raise ConfigError(f"{self.where}: the graph ends inside a layer (a MatMul without "
                              "its Add, or a Mul without its Sigmoid)")
        return [f if f is not None else Identity() for f in self._activations]

    def add(self, node: Any, current: str, onnx: Any) -> str:
        """Read one node that takes ``current``; returns the name of its output."""
        op, others = node.op_type, [name for name in node.input if name != current]
        expected = "Add" if self._matmul is not None else (
            "Sigmoid" if self._slope is not None else None)
        if expected is not None and op != expected:
            raise ConfigError(f"{self.where}: node {_describe(node)} where the layer's "
                              f"{expected} belongs")
        if op in ("Gemm", "MatMul") and node.input[0] == current:
            self._dense(node, onnx)
        elif op == "Add" and self._matmul is not None:
            self._layer(self._matmul, self._constant(node, others))
            self._matmul = None
        elif op == "Mul" and self._awaits_activation():
            self._slope = shortest(self._constant(node, others).reshape(-1)[0])
        elif self._awaits_activation() and op in (*_ELEMENTWISE, "LeakyRelu", "Softmax"):
            self._activations[-1] = self._activation(node, onnx)
        else:
            raise ConfigError(
                f"{self.where}: node {_describe(node)} cannot be part of a steepest network; "
                "expected Gemm (or MatMul and Add) layers, each followed by at most one of "
                "Sigmoid, Tanh, Relu, LeakyRelu, Softmax, Identity")
        return node.output[0]

    def _awaits_activation(self) -> bool:
        return bool(self._activations) and self._activations[-1] is None

    def _dense(self, node: Any, onnx: Any) -> None:
        W = self._constant(node, node.input[1:2])
        if node.op_type == "MatMul":
            self._matmul = W
            return
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get(
                "beta", 1.0) != 1.0:
            raise ConfigError(f"{self.where}: node {_describe(node)} has alpha, beta or transA "
                              "set; a layer is X @ W + b")
        if attrs.get("transB", 0):
            W = W.T
        b = self._constant(node, node.input[2:3]) if len(node.input) > 2 else np.zeros(
            W.shape[1:], W.dtype)
        self._layer(W, b)

    def _layer(self, W: np.ndarray, b: np.ndarray) -> None:
        self.weights.append((W, b.reshape(-1)))
        self._activations.append(None)

    def _activation(self, node: Any, onnx: Any) -> Activation:
        op = node.op_type
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if op == "Sigmoid":
            slope, self._slope = self._slope, None
            return Sigmoid(c=slope if slope is not None else 1.0)
        if op == "LeakyRelu":
            # ONNX keeps the slope in float32: its shortest decimal is the one written.
            return LeakyReLU(slope=shortest(np.float32(attrs.get("alpha", 0.01))))
        if op == "Softmax" and attrs.get("axis", -1) not in (-1, 1):
            raise ConfigError(f"{self.where}: node {_describe(node)} is a softmax over axis "
                              f"{attrs['axis']}; steepest's runs over each row (axis -1)")
        return Softmax() if op == "Softmax" else _ELEMENTWISE[op]()

    def _constant(self, node: Any, names: list[str]) -> np.ndarray:
        name = names[0] if len(names) == 1 else ""
        if name not in self.initializers:
            raise ConfigError(f"{self.where}: node {_describe(node)} takes "
                              f"{', '.join(names) or 'nothing'} where a layer takes one "
                              "constant (an initializer)")
        return self.initializers[name]


def _describe(node: Any) -> str:
    return f"{node.name!r} ({node.op_type})" if node.name else node.op_type


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _json(text: str) -> Any:
    """A metadata value written as JSON, or None when it is not JSON."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
