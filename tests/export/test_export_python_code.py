"""Plain NumPy code: the written file runs in a Python where steepest cannot be
imported, in a folder of its own, and its predict(X) gives steepest's outputs for
every activation and output type, on random rows and the real digits; weights
inline or in NAME_weights.npz beside it; what it looks like."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from export_helpers import make_network

from steepest import Network
from steepest.errors import ConfigError
from steepest.export import export_python
from steepest.export.python_code import INLINE_LIMIT

pytestmark = pytest.mark.slow  # each test runs Python in a subprocess

# Runs FILE's predict on ROWS.npy into OUT.npy with steepest blocked: whatever is
# installed, `import steepest` fails in this process, so the file cannot use it.
RUNNER = """
import sys
sys.modules["steepest"] = None
try:
    import steepest
except ImportError:
    pass
else:
    raise SystemExit("steepest is importable")
import runpy
import numpy as np
found = runpy.run_path(sys.argv[1])
np.save(sys.argv[3], found["predict"](np.load(sys.argv[2])))
if "predict_class" in found:
    np.save(sys.argv[3] + ".classes.npy", found["predict_class"](np.load(sys.argv[2])))
"""


def run_alone(script: Path, X: np.ndarray, tmp_path: Path) -> tuple[np.ndarray, Path]:
    """``predict(X)`` of ``script`` in ``python -I`` (no PYTHONPATH, no user site),
    in a fresh folder outside the repository, with steepest blocked."""
    work = tmp_path / "elsewhere"
    work.mkdir(exist_ok=True)
    np.save(work / "rows.npy", X)
    (work / "runner.py").write_text(RUNNER)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {
        "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-I", "runner.py", str(script), "rows.npy",
                           "out.npy"], cwd=work, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return np.load(work / "out.npy"), work


def test_the_file_predicts_like_steepest_without_it(network, random_rows, tmp_path):
    [script] = export_python(network, tmp_path / "predict.py")
    got, _ = run_alone(script, random_rows, tmp_path)
    expected = network.predict(random_rows)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


def test_digits_with_the_weights_beside_the_file(digits_network, tmp_path):
    net, X_test = digits_network
    assert net.n_params > INLINE_LIMIT
    written = export_python(net, tmp_path / "digits.py")
    assert written == [tmp_path / "digits.py", tmp_path / "digits_weights.npz"]
    got, work = run_alone(written[0], X_test, tmp_path)
    np.testing.assert_allclose(got, net.predict(X_test), rtol=0, atol=1e-6)
    labels = np.load(work / "out.npy.classes.npy")
    assert labels.tolist() == [str(c) for c in net.predict_classes(X_test)]
    with np.load(written[1], allow_pickle=False) as saved:
        assert sorted(saved.files) == ["W0", "W1", "b0", "b1"]


def test_weights_inline_or_not_on_request(random_rows, tmp_path):
    net = make_network("relu-one-sigmoid")
    [inline] = export_python(net, tmp_path / "inline.py")
    assert "np.load(Path" not in inline.read_text() and "W0 = np.array(" in inline.read_text()
    written = export_python(net, tmp_path / "beside.py", inline=False)
    assert [p.name for p in written] == ["beside.py", "beside_weights.npz"]
    got, _ = run_alone(written[0], random_rows, tmp_path)
    np.testing.assert_allclose(got, net.predict(random_rows), atol=1e-6)


def test_the_file_reads_like_code_written_by_hand(tmp_path):
    net = make_network("sigmoid-slope-leaky-softmax")
    text = export_python(net, tmp_path / "model.py")[0].read_text()
    assert text.startswith('"""model.py: a 5 -> 7 -> 6 -> 3 network exported by steepest')
    assert "    from model import predict\n" in text
    assert "A = sigmoid(A @ W0 + b0, c=0.3)" in text
    assert "A = leaky_relu(A @ W1 + b1, slope=0.2)" in text
    assert "A = softmax(A @ W2 + b2)" in text
    for shape in ("# (n, 5)", "# (n, 7)", "# (n, 6)", "# (n, 3)", "# (5, 7)", "# (7,)"):
        assert shape in text
    assert "CLASSES = ['class 0', 'class 1', 'class 2']" in text
    assert "def relu" not in text and "def tanh" not in text  # only the functions used
    assert max(len(line) for line in text.splitlines()) <= 100
    # Clean by a linter's rules too (pycodestyle, pyflakes, import order, bugbear).
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select",
                           "E,F,W,I,B,UP", "--line-length", "100", str(tmp_path / "model.py")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert lint.returncode == 0, lint.stdout
    # Each weight is written exactly: the file's arrays are the network's.
    found: dict = {}
    exec(compile(text, "model.py", "exec"), found)
    for i, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        np.testing.assert_array_equal(found[f"W{i}"], W)
        np.testing.assert_array_equal(found[f"b{i}"], b)


def test_run_as_a_program_it_prints_one_prediction_per_row(tmp_path):
    net = make_network("relu-one-sigmoid")
    net.record["classes"] = ["no", "yes"]
    [script] = export_python(net, tmp_path / "predict.py")
    rows = np.random.default_rng(0).normal(size=(4, 5))
    np.savetxt(tmp_path / "rows.csv", rows, delimiter=",")
    done = subprocess.run([sys.executable, "-I", str(script), "rows.csv"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=True)
    expected = ["yes" if p >= 0.5 else "no" for p in net.predict(rows)[:, 0]]
    assert done.stdout.split() == expected


def test_activations_of_your_own_are_refused(tmp_path):
    from steepest.activations import Activation

    class Cube(Activation):
        name = "cube"

    with pytest.raises(ConfigError, match="cannot export to Python code: layer 1's activation "
                       "'cube'"):
        export_python(Network([2, 3, 3, 1], activation=["relu", Cube()],
                              output_activation="identity"), tmp_path / "p.py")
    assert list(tmp_path.iterdir()) == []
