"""``steepest info`` on the default digits model."""

from __future__ import annotations

import re

from cli_helpers import run_ok

import steepest


def test_info(digits_model):
    out = run_ok("info", digits_model, cwd=digits_model.parent).stdout
    net = steepest.load(digits_model)
    for W, b in zip(net.weights, net.biases, strict=True):
        assert str(W.shape) in out and str(b.shape) in out
    assert f"total parameters: {net.n_params:,}" in out
    assert "total parameters: 85,002" in out
    assert f"file: {digits_model.resolve()}" in out
    assert "trained on: digits, 10 classes" in out
    assert re.search(r"^optimizer: adam, learning rate 0\.001, [\d,]+ steps$", out, re.M)
    assert "epochs trained: 60" in out
    history = net.history
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        values = history[key]
        best = max(values) if "accuracy" in key else min(values)
        line = next(line for line in out.splitlines() if line.split()[:1] == [key])
        assert f"first {values[0]:.4f}" in line
        assert f"last {values[-1]:.4f}" in line
        assert f"best {best:.4f}" in line
    assert re.search(r"^test: loss [\d.]+\s+accuracy 0\.9\d+$", out, re.M)
