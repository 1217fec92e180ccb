"""steepest.playground.export: the network as a model file (steepest.load and the
command line read it) and as code (tests/playground/test_playground_session.py runs it)."""

from __future__ import annotations

import io

import numpy as np

import steepest
from steepest.cli import main
from steepest.playground.export import model_file, python_code
from steepest.playground.session import Session
from steepest.playground.settings import Limits, Settings


def test_the_model_file_is_a_steepest_model_file(tmp_path):
    s = Session(Limits(), Settings().updated({"dataset": "spiral", "classes": 3,
                                              "optimizer": "adam"}, Limits()))
    s.train(4)
    path = tmp_path / "playground-model.npz"
    path.write_bytes(model_file(s))
    net = steepest.load(path)
    np.testing.assert_array_equal(net.params, s.net.params)
    assert net.history.to_dict() == s.net.history.to_dict() and net.epochs_trained == 4
    assert net.optimizer.name == "adam" and net.optimizer.steps == s.optimizer.steps
    assert net.record["classes"] == ["0", "1", "2"]
    assert net.record["playground"]["features"] == ["x1", "x2"]
    np.testing.assert_array_equal(net.predict(s.test_inputs), s.net.predict(s.test_inputs))
    out, err = io.StringIO(), io.StringIO()
    assert main(["info", str(path)], stdout=out, stderr=err) == 0, err.getvalue()
    assert out.getvalue().startswith("Network 2 -> 4 -> 2 -> 3   loss: cross_entropy")
    assert "epochs trained: 4" in out.getvalue()


def test_the_code_names_the_librarys_calls():
    s = Session(Limits(), Settings().updated({"features": ["x1", "sinx2"], "layers": [3],
                                              "regularization": "l2", "reg_rate": 0.01},
                                             Limits()))
    code = python_code(s)
    compile(code, "playground.py", "exec")
    assert "from steepest.datasets import circles, train_test_split" in code
    assert "circles(n_samples=500, noise=0.0, factor=0.5, seed=0)" in code
    assert "np.column_stack([x1, np.sin(x2)])" in code
    assert "Network([2, 3, 2], activation=['tanh'], loss='cross_entropy', seed=0)" in code
    assert "epochs=0, batch_size=10, optimizer='sgd', learning_rate=0.03, l2=0.01" in code
