"""ONNX export and import: the graph, checked by onnx.checker, runs in ONNX Runtime
with steepest's outputs (float32, within 1e-5) for every activation and output
type, on random rows and on the real digits; it reads back as the same network;
what it cannot express, and corrupt files, are refused with steepest's errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from export_helpers import make_network

import steepest
from steepest import Network
from steepest.errors import ConfigError, ModelFileError
from steepest.export import export_onnx, import_onnx
from steepest.export.onnx import to_onnx

onnx = pytest.importorskip("onnx", reason='the onnx package: pip install -e ".[interop]"')
ort = pytest.importorskip("onnxruntime",
                          reason='onnxruntime: pip install -e ".[interop]"')


def run_onnx(path, X: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    [output] = session.run(None, {"X": X.astype(np.float32)})
    return output


def test_onnx_runtime_gives_steepests_outputs(network, random_rows, tmp_path):
    path = export_onnx(network, tmp_path / "net.onnx")
    expected = network.predict(random_rows)
    got = run_onnx(path, random_rows)
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    # The weights are not trivial: the outputs differ from row to row.
    assert np.ptp(got, axis=0).max() > 0.01


def test_digits_in_onnx_runtime(digits_network, tmp_path):
    net, X_test = digits_network
    path = steepest.export_onnx(net, tmp_path / "digits.onnx")
    got = run_onnx(path, X_test)
    np.testing.assert_allclose(got, net.predict(X_test), rtol=0, atol=1e-5)
    assert (got.argmax(axis=1) == net.predict_classes(X_test)).all()


def test_the_graph_holds_names_shapes_and_metadata(tmp_path):
    net = make_network("sigmoid-slope-leaky-softmax")
    net.record["feature_names"] = ["a", "b", "c", "d", "e"]
    model = onnx.load(str(export_onnx(net, tmp_path / "net.onnx")))
    onnx.checker.check_model(model, full_check=True)
    [given], [output] = model.graph.input, model.graph.output
    assert given.name == "X" and output.name == "Y"
    dims = [(d.dim_param, d.dim_value) for d in given.type.tensor_type.shape.dim]
    assert dims == [("batch", 0), ("", 5)]  # a dynamic batch dimension
    assert [d.dim_value for d in output.type.tensor_type.shape.dim] == [0, 3]
    ops = [node.op_type for node in model.graph.node]
    assert ops == ["Gemm", "Mul", "Sigmoid", "Gemm", "LeakyRelu", "Gemm", "Softmax"]
    leaky = model.graph.node[4]
    assert onnx.helper.get_attribute_value(leaky.attribute[0]) == pytest.approx(0.2)
    softmax = model.graph.node[6]
    assert onnx.helper.get_attribute_value(softmax.attribute[0]) == -1
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["classes"]) == ["class 0", "class 1", "class 2"]
    assert json.loads(props["feature_names"]) == ["a", "b", "c", "d", "e"]
    assert json.loads(props["steepest.network"])["sizes"] == [5, 7, 6, 3]
    assert model.producer_name == "steepest"


def test_a_batch_of_any_size_runs(tmp_path, random_rows):
    net = make_network("relu-one-sigmoid")
    path = export_onnx(net, tmp_path / "net.onnx")
    for n in (1, 3, 64):
        assert run_onnx(path, random_rows[:n]).shape == (n, 1)


def test_import_reads_back_the_same_network(network, random_rows, tmp_path):
    back = import_onnx(export_onnx(network, tmp_path / "net.onnx"))
    assert back.sizes == network.sizes
    assert back.activations == network.activations
    assert back.loss.name == network.loss.name  # recorded in the metadata
    for before, after in zip(network.get_weights(), back.get_weights(), strict=True):
        np.testing.assert_array_equal(after, before.astype(np.float32))
    assert back.record.get("classes") == network.record.get("classes")


def test_import_of_a_matmul_add_graph(random_rows):
    # The other way to write a dense layer: MatMul then Add, biases first in the Add.
    helper = onnx.helper
    W = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    b = np.arange(3, dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["in", "W"], ["Z"]), helper.make_node("Add", ["b", "Z"],
                                                                           ["S"]),
         helper.make_node("Relu", ["S"], ["out"])], "g",
        [helper.make_tensor_value_info("in", onnx.TensorProto.FLOAT, ["n", 5])],
        [helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, ["n", 3])],
        [onnx.numpy_helper.from_array(W, "W"), onnx.numpy_helper.from_array(b, "b")])
    net = import_onnx(helper.make_model(graph))
    assert net.sizes == [5, 3] and net.activations[0].name == "relu"
    np.testing.assert_allclose(net.predict(random_rows), np.maximum(random_rows @ W + b, 0),
                               rtol=1e-6)


def test_what_onnx_cannot_hold_is_refused(tmp_path):
    class Swish(steepest.activations.Activation):
        name = "swish"

        def forward(self, Z):
            return Z / (1 + np.exp(-Z))

    net = Network([3, 4, 2], activation=Swish(), loss="cross_entropy")
    with pytest.raises(ConfigError, match="cannot export to ONNX: layer 0's activation 'swish' "
                       "is not one of steepest's own"):
        export_onnx(net, tmp_path / "net.onnx")
    assert not (tmp_path / "net.onnx").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either


def test_corrupt_or_foreign_files_are_model_file_errors(tmp_path):
    with pytest.raises(ModelFileError, match="no such ONNX file"):
        import_onnx(tmp_path / "missing.onnx")
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x08\x07this is not protobuf\xff\xff")
    with pytest.raises(ModelFileError, match=r"garbage.onnx: not a "):
        import_onnx(garbage)
    # A valid file cut short.
    whole = export_onnx(make_network("relu-one-sigmoid"), tmp_path / "whole.onnx").read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ModelFileError, match=r"cut.onnx: not a "):
        import_onnx(cut)


def test_graphs_that_are_no_chain_of_dense_layers_are_refused():
    helper = onnx.helper
    W = onnx.numpy_helper.from_array(np.ones((2, 2), np.float32), "W")
    X = helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, ["n", 2])
    Y = helper.make_tensor_value_info("Y", onnx.TensorProto.FLOAT, ["n", 2])

    def model(*nodes):
        return helper.make_model(helper.make_graph(list(nodes), "g", [X], [Y], [W]))

    with pytest.raises(ConfigError, match=r"node 'c' \(Conv\) cannot be part of a steepest "
                       "network"):
        import_onnx(model(helper.make_node("Gemm", ["X", "W"], ["Z"]),
                          helper.make_node("Conv", ["Z", "W"], ["Y"], name="c")))
    with pytest.raises(ConfigError, match=r"Gemm .*alpha, beta or transA"):
        import_onnx(model(helper.make_node("Gemm", ["X", "W"], ["Y"], alpha=2.0)))
    with pytest.raises(ConfigError, match="softmax over axis 0"):
        import_onnx(model(helper.make_node("Gemm", ["X", "W"], ["Z"]),
                          helper.make_node("Softmax", ["Z"], ["Y"], axis=0)))
    with pytest.raises(ConfigError, match="the graph ends inside a layer"):
        import_onnx(model(helper.make_node("MatMul", ["X", "W"], ["Y"])))


def test_to_onnx_is_checked_and_in_memory():
    model = to_onnx(make_network("tutorial-sigmoids-sse"))
    assert isinstance(model, onnx.ModelProto)
    assert model.opset_import[0].version == 17 and model.ir_version == 8
