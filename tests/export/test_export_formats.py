"""The table of formats: a format by name or by a file's suffix, and export_model."""

from __future__ import annotations

import json
import sys

import pytest
from export_helpers import make_network

from steepest.errors import ConfigError
from steepest.export import FORMATS, export_model, format_for


def test_a_format_by_name_or_by_suffix():
    assert list(FORMATS) == ["onnx", "python", "json"]
    assert format_for("model.ONNX").name == "onnx"
    assert format_for("predict.py").name == "python"
    assert format_for("anything.txt", "json").name == "json"
    with pytest.raises(ConfigError, match="unknown format 'keras'; expected one of onnx, "
                       "python, json"):
        format_for("m.h5", "keras")
    with pytest.raises(ConfigError, match=r"cannot tell the format from the file name 'm\.h5'"):
        format_for("m.h5")


def test_export_model_writes_by_the_suffix(tmp_path):
    net = make_network("relu-one-sigmoid")
    assert export_model(net, tmp_path / "w.json") == [tmp_path / "w.json"]
    assert json.loads((tmp_path / "w.json").read_text())["sizes"] == [5, 8, 1]
    assert export_model(net, tmp_path / "p.py") == [tmp_path / "p.py"]


def test_without_torch_or_onnx_the_error_names_the_extra(monkeypatch, tmp_path):
    from steepest.export import export_onnx

    net = make_network("relu-one-sigmoid")
    for package in ("torch", "onnx"):
        monkeypatch.setitem(sys.modules, package, None)  # `import torch` fails
    with pytest.raises(ConfigError, match=r'PyTorch conversion needs torch: pip install '
                       r'"steepest\[torch\]"'):
        net.to_torch()
    with pytest.raises(ConfigError, match=r'ONNX export and import needs onnx: pip install '
                       r'"steepest\[onnx\]"'):
        export_onnx(net, tmp_path / "net.onnx")
    assert list(tmp_path.iterdir()) == []
