"""``steepest export``: the formats by name or by the file's suffix, the files it
writes, its JSON report, its help, and one-line errors."""

from __future__ import annotations

import json
import runpy
import sys

import numpy as np
import pytest
from cli_helpers import assert_user_error, run, run_json, run_ok, user_error

import steepest
from steepest.cli import build_parser
from steepest.datasets import TableSchema


def test_python_file_predicts_like_the_model(csv_model, tmp_path):
    _, model = csv_model
    out = run_ok("export", model, "--format", "python", "--out", tmp_path / "table.py",
                 cwd=tmp_path).stdout
    assert out == f"wrote {(tmp_path / 'table.py').resolve()}\n"
    net = steepest.load(model)
    X = np.random.default_rng(0).normal(size=(20, net.sizes[0])).astype(np.float32)
    found = runpy.run_path(str(tmp_path / "table.py"))
    np.testing.assert_allclose(found["predict"](X), net.predict(X), atol=1e-6)
    # The CSV's encoded columns are named in the file.
    schema = TableSchema.from_dict(net.record["csv"]["schema"])
    assert "color=" in " ".join(schema.feature_names)
    assert ", ".join(schema.feature_names)[:40] in (tmp_path / "table.py").read_text()


def test_the_default_file_names(xor_model, tmp_path):
    report = run_json("export", xor_model, "--format", "python", cwd=tmp_path)
    assert report == {"model": str(xor_model.resolve()), "format": "python",
                      "written": [str((tmp_path / "xor.py").resolve())]}
    report = run_json("export", xor_model, "--format", "json", cwd=tmp_path)
    assert report["written"] == [str((tmp_path / "xor.json").resolve())]
    doc = json.loads((tmp_path / "xor.json").read_text())
    assert doc["sizes"] == steepest.load(xor_model).sizes
    model = tmp_path / "my-model 2.npz"
    model.write_bytes(xor_model.read_bytes())
    report = run_json("export", model, "--format", "python", cwd=tmp_path)
    assert report["written"] == [str((tmp_path / "my_model_2.py").resolve())]


def test_the_suffix_of_out_names_the_format(xor_model, tmp_path):
    run_ok("export", xor_model, "--out", tmp_path / "w.json", cwd=tmp_path)
    assert json.loads((tmp_path / "w.json").read_text())["format"] == "steepest.weights"
    written = run_json("export", xor_model, "--out", tmp_path / "p.py", "--weights", "npz",
                       cwd=tmp_path)["written"]
    assert [p.rsplit("/", 1)[1] for p in written] == ["p.py", "p_weights.npz"]


def test_onnx_with_classes_in_the_metadata(xor_model, tmp_path):
    onnx = pytest.importorskip("onnx", reason='the onnx package: pip install -e ".[interop]"')
    run_ok("export", xor_model, "--out", tmp_path / "xor.onnx", cwd=tmp_path)
    model = onnx.load(str(tmp_path / "xor.onnx"))
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["classes"]) == ["0", "1"]


def test_without_onnx_the_error_names_the_extra(xor_model, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` fails
    message = user_error("export", xor_model, "--format", "onnx", cwd=tmp_path)
    assert message == ('steepest export: error: ONNX export and import needs onnx: pip '
                       'install "steepest[onnx]"')
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "fragment"), [
    ((), "name a format with --format (onnx, python, json) or a file with --out ending in "
         ".onnx, .py, .json"),
    (("--out", "model.txt"), "cannot tell the format from the file name 'model.txt'"),
    (("--format", "json", "--weights", "npz"), "--weights is for --format python, not json"),
    (("--format", "onnx", "--out", "no/such/folder/m.onnx"), "folder no/such/folder does not "
                                                              "exist"),
    (("--out", "folder.json"), "--out folder.json is a folder; give a file name such as "
                               "model.json"),
])
def test_user_errors_are_one_line(xor_model, tmp_path, args, fragment):
    (tmp_path / "folder.json").mkdir()
    assert fragment in user_error("export", xor_model, *args, cwd=tmp_path)


def test_a_missing_or_corrupt_model(tmp_path):
    assert "no such model file" in user_error("export", "none.npz", "--format", "json",
                                              cwd=tmp_path)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    assert "not a readable model file" in user_error("export", "bad.npz", "--format", "json",
                                                     cwd=tmp_path)
    result = run("export", "x.npz", "--format", "torch", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice: 'torch'" in result.stderr


def test_help_lists_the_formats():
    helps = build_parser()._subparsers._group_actions[0].choices["export"].format_help()
    for text in ("onnx:", "python:", "json:", ".onnx", ".py", ".json", "--weights"):
        assert text in helps
    top = build_parser().format_help()
    assert "export" in top and "ONNX" in top


def test_python_weights_beside_the_file_never_replace_the_model(xor_model, tmp_path):
    """``steepest export m.npz --format python`` in the model's folder writes m.py and
    its weights beside it: m_weights.npz, never m.npz, the model itself."""
    model = tmp_path / "m.npz"
    model.write_bytes(xor_model.read_bytes())
    before = model.read_bytes()
    report = run_json("export", "m.npz", "--format", "python", "--weights", "npz",
                      cwd=tmp_path)
    assert report["written"] == [str((tmp_path / "m.py").resolve()),
                                 str((tmp_path / "m_weights.npz").resolve())]
    assert model.read_bytes() == before
    net = steepest.load(model)
    X = np.random.default_rng(0).normal(size=(8, net.sizes[0])).astype(np.float32)
    found = runpy.run_path(str(tmp_path / "m.py"))
    np.testing.assert_allclose(found["predict"](X), net.predict(X), atol=1e-6)


def test_the_python_file_may_not_put_its_weights_over_the_model(xor_model, tmp_path):
    model = tmp_path / "m_weights.npz"
    model.write_bytes(xor_model.read_bytes())
    message = user_error("export", "m_weights.npz", "--out", "m.py", "--weights", "npz",
                         cwd=tmp_path)
    assert message == ("steepest export: error: m_weights.npz is the model being exported; "
                       "give --out another name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m_weights.npz"]


@pytest.mark.parametrize("taken", ["other-model.npz", "data.csv"])
def test_export_never_writes_over_a_file_it_did_not_export(xor_model, tmp_path, taken):
    """Another model, the user's CSV: refused, even with --force, and left as they were."""
    (tmp_path / "other-model.npz").write_bytes(xor_model.read_bytes())
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    what = "a steepest model file" if taken.endswith(".npz") else "not a file steepest exported"
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for force in ((), ("--force",)):
        result = run("export", xor_model, "--format", "json", "--out", taken, *force,
                     cwd=tmp_path)
        assert_user_error(result, f"--out {taken} exists and is {what}; export replaces only "
                          "its own earlier exports, and those only with --force: give another "
                          "name")
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("args", [("--format", "json"), ("--format", "python"),
                                  ("--format", "python", "--weights", "npz")])
def test_an_earlier_export_is_replaced_only_with_force(xor_model, tmp_path, args):
    out = "x.json" if "json" in args else "x.py"
    first = run_json("export", xor_model, *args, "--out", out, cwd=tmp_path)["written"]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = run("export", xor_model, *args, "--out", out, cwd=tmp_path)
    assert_user_error(result, f"--out {out} already holds a steepest export; add --force to "
                      "replace it, or give another name")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert run_json("export", xor_model, *args, "--out", out, "--force",
                    cwd=tmp_path)["written"] == first


def test_an_earlier_onnx_export_is_replaced_only_with_force(xor_model, tmp_path):
    pytest.importorskip("onnx", reason='the onnx package: pip install -e ".[interop]"')
    run_ok("export", xor_model, "--out", "x.onnx", cwd=tmp_path)
    assert_user_error(run("export", xor_model, "--out", "x.onnx", cwd=tmp_path),
                      "--out x.onnx already holds a steepest export; add --force")
    run_ok("export", xor_model, "--out", "x.onnx", "--force", cwd=tmp_path)


def test_a_weights_file_beside_it_is_checked_only_when_written(xor_model, tmp_path):
    weights = tmp_path / "x_weights.npz"
    np.savez(weights, mine=np.arange(3))
    before = weights.read_bytes()
    result = run("export", xor_model, "--out", "x.py", "--weights", "npz", "--force",
                 cwd=tmp_path)
    assert_user_error(result, "the weights file x_weights.npz exists and is not a file "
                      "steepest exported")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x_weights.npz"]
    run_ok("export", xor_model, "--out", "x.py", cwd=tmp_path)  # inline: not its file
    assert weights.read_bytes() == before


def test_help_explains_force():
    helps = build_parser()._subparsers._group_actions[0].choices["export"].format_help()
    assert "--force" in helps and "earlier export" in " ".join(helps.split())
