"""JSON weights: the documented layout, exact numbers, the round trip, and corrupt
files refused with ModelFileError."""

from __future__ import annotations

import json

import numpy as np
import pytest
from export_helpers import make_network

from steepest.errors import ModelFileError
from steepest.export import export_json, import_json


def test_the_document_is_as_documented(tmp_path):
    net = make_network("sigmoid-slope-leaky-softmax")
    doc = json.loads(export_json(net, tmp_path / "w.json").read_text())
    assert doc["format"] == "steepest.weights" and doc["format_version"] == 1
    assert doc["sizes"] == [5, 7, 6, 3] and doc["dtype"] == "float32"
    assert doc["loss"] == "cross_entropy" and doc["feature_names"] is None
    assert doc["classes"] == ["class 0", "class 1", "class 2"]
    assert [layer["activation"] for layer in doc["layers"]] == [
        {"name": "sigmoid", "c": 0.3}, {"name": "leaky_relu", "slope": 0.2},
        {"name": "softmax"}]
    first = doc["layers"][0]
    assert np.shape(first["W"]) == (5, 7) and np.shape(first["b"]) == (7,)
    # W[j][k] joins input j to output k: z = x @ W + b.
    np.testing.assert_array_equal(np.array(first["W"], dtype=np.float32), net.weights[0])
    # Shortest decimals: a float32 weight is not written with float64's 17 digits.
    assert max(len(repr(v)) for row in first["W"] for v in row) <= 16


def test_round_trip_is_exact(network, random_rows, tmp_path):
    back = import_json(export_json(network, tmp_path / "w.json"))
    assert back.sizes == network.sizes and back.activations == network.activations
    assert back.loss.name == network.loss.name and back.dtype == network.dtype
    np.testing.assert_array_equal(back.params, network.params)
    np.testing.assert_array_equal(back.predict(random_rows), network.predict(random_rows))
    assert back.record.get("classes") == network.record.get("classes")


def test_a_by_hand_forward_pass_over_the_json_matches(digits_network, tmp_path):
    net, X_test = digits_network
    doc = json.loads(export_json(net, tmp_path / "digits.json").read_text())
    A = X_test.astype(np.float64)
    for layer in doc["layers"]:
        Z = A @ np.array(layer["W"]) + np.array(layer["b"])
        name = layer["activation"]["name"]
        A = np.maximum(Z, 0) if name == "relu" else np.exp(Z - Z.max(1, keepdims=True))
        if name == "softmax":
            A /= A.sum(1, keepdims=True)
    np.testing.assert_allclose(A, net.predict(X_test), atol=1e-5)


@pytest.mark.parametrize(("text", "message"), [
    (b"\xff\xfe not text", "not a readable JSON file"),
    (b"[1, 2", "not a readable JSON file"),
    (b'{"format": "something else"}', 'not a steepest JSON weights file'),
    (b'{"format": "steepest.weights", "format_version": 9}', "format version 9"),
    (b'{"format": "steepest.weights", "format_version": 1}', "missing 'layers'"),
    (b'{"format": "steepest.weights", "format_version": 1, "layers": [{"W": [[1, 2]], '
     b'"b": [0], "activation": {"name": "relu"}}]}', r"layer 0 has weights of shape \(1, 2\)"),
    (b'{"format": "steepest.weights", "format_version": 1, "layers": [{"W": [[1, "a"]], '
     b'"b": [0, 0], "activation": "relu"}]}', "inconsistent JSON weights file"),
    (b'{"format": "steepest.weights", "format_version": 1, "layers": [{"W": [[1]], '
     b'"b": [0], "activation": "swish"}]}', "unknown activation 'swish'"),
])
def test_corrupt_files_are_model_file_errors(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_bytes(text)
    with pytest.raises(ModelFileError, match=message):
        import_json(path)


def test_a_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such JSON weights file"):
        import_json(tmp_path / "none.json")
