"""Network.explain: one training step, checked against a hand calculation."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from steepest import Network
from steepest.errors import ConfigError
from steepest.explain import MAX_VALUES, step_summary, training_step


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def f6(value: float) -> str:
    """How explain prints a number: 6 significant digits."""
    return f"{value:.6g}"


def hand_network() -> Network:
    """Two inputs, one hidden sigmoid unit, one sigmoid output, sse; known weights."""
    net = Network([2, 1, 1], activation="sigmoid", loss="sse", dtype="float64")
    net.set_weights([np.array([[0.4], [-0.2]]), np.array([0.0]),
                     np.array([[0.1]]), np.array([0.0])])
    return net


X_HAND, Y_HAND, LR = np.array([[0.1, 0.3]]), np.array([1.0]), 0.5


def hand_calculation() -> dict[str, float]:
    """The step written out with scalars, as on paper."""
    x1, x2, w1, w2, v, y = 0.1, 0.3, 0.4, -0.2, 0.1, 1.0
    z0 = x1 * w1 + x2 * w2                     # hidden weighted sum: -0.02
    h = sigmoid(z0)                            # hidden output
    z1 = h * v                                 # output weighted sum
    out = sigmoid(z1)
    loss = 0.5 * (y - out) ** 2                # sse: 1/2 (y - a)^2
    psi1 = (out - y) * out * (1 - out)         # dLoss/dz1 = (a - y) f'(z1)
    dv, db1 = h * psi1, psi1
    psi0 = h * (1 - h) * psi1 * v              # f'(z0) * psi1 * v
    dw1, dw2, db0 = x1 * psi0, x2 * psi0, psi0
    return {"z0": z0, "h": h, "z1": z1, "out": out, "loss": loss, "psi1": psi1, "dv": dv,
            "db1": db1, "psi0": psi0, "dw1": dw1, "dw2": dw2, "db0": db0,
            "w1_new": w1 - LR * dw1, "w2_new": w2 - LR * dw2, "b0_new": -LR * db0,
            "v_new": v - LR * dv, "b1_new": -LR * db1}


def test_a_2_1_1_network_reproduces_the_hand_calculation_digit_for_digit(capsys):
    hand = hand_calculation()
    assert f6(hand["z0"]) == "-0.02" and f6(hand["h"]) == "0.495"
    net = hand_network()
    before = net.params.copy()
    text = net.explain(X_HAND, Y_HAND, learning_rate=LR)
    assert capsys.readouterr().out == text + "\n"
    np.testing.assert_array_equal(net.params, before)       # apply=False: unchanged
    lines = text.splitlines()
    expected = [
        "forward phase: Z_i = X_i @ W_i + b_i, then X_{i+1} = f_i(Z_i)",
        "layer 0 (sigmoid)",
        "    X_0  shape (1, 2)  [[0.1, 0.3]]",
        f"    Z_0 = X_0 @ W_0 + b_0  shape (1, 1)  [[{f6(hand['z0'])}]]",
        f"    X_1 = sigmoid(Z_0)  shape (1, 1)  [[{f6(hand['h'])}]]",
        f"    Z_1 = X_1 @ W_1 + b_1  shape (1, 1)  [[{f6(hand['z1'])}]]",
        f"    X_2 = sigmoid(Z_1)  shape (1, 1)  [[{f6(hand['out'])}]]",
        "targets y  shape (1, 1)  [[1]]",
        f"loss (sse, mean over 1 sample) = {f6(hand['loss'])}",
        f"    psi_1 = dLoss/dZ_1 (from the loss and sigmoid')  shape (1, 1)  "
        f"[[{f6(hand['psi1'])}]]",
        f"    dW_1 = X_1.T @ psi_1  shape (1, 1)  [[{f6(hand['dv'])}]]",
        f"    db_1 = psi_1 summed over rows  shape (1,)  [{f6(hand['db1'])}]",
        f"    psi_0 = sigmoid'(Z_0) * (psi_1 @ W_1.T)  shape (1, 1)  [[{f6(hand['psi0'])}]]",
        "    dW_0 = X_0.T @ psi_0  shape (2, 1)",
        f"        [[{f6(hand['dw1'])}],",
        f"         [{f6(hand['dw2'])}]]",
        f"    db_0 = psi_0 summed over rows  shape (1,)  [{f6(hand['db0'])}]",
        "update: W_i <- W_i - 0.5 * dW_i, b_i <- b_i - 0.5 * db_i",
        f"        [[{f6(hand['w1_new'])}],",
        f"         [{f6(hand['w2_new'])}]]",
        f"    b_0 - 0.5 * db_0  shape (1,)  [{f6(hand['b0_new'])}]",
        f"    W_1 - 0.5 * dW_1  shape (1, 1)  [[{f6(hand['v_new'])}]]",
        f"    b_1 - 0.5 * db_1  shape (1,)  [{f6(hand['b1_new'])}]",
    ]
    positions = [lines.index(line) for line in expected]
    assert positions == sorted(positions)                  # in the order the maths goes


def test_apply_makes_the_plain_gradient_descent_update():
    hand = hand_calculation()
    net = hand_network()
    net.explain(X_HAND, Y_HAND, learning_rate=LR, apply=True, file=io.StringIO())
    W0, b0, W1, b1 = net.get_weights()
    np.testing.assert_allclose(W0[:, 0], [hand["w1_new"], hand["w2_new"]], rtol=1e-12)
    np.testing.assert_allclose([b0[0], W1[0, 0], b1[0]],
                               [hand["b0_new"], hand["v_new"], hand["b1_new"]], rtol=1e-12)


def test_float32_network_prints_the_same_step_to_float32_precision():
    hand = hand_calculation()
    net = hand_network().astype("float32")
    out = io.StringIO()
    text = net.explain(X_HAND, Y_HAND, learning_rate=LR, file=out)
    assert out.getvalue() == text + "\n"
    step = training_step(net, X_HAND, Y_HAND, LR)
    assert step.psis[0][0, 0] == pytest.approx(hand["psi0"], rel=1e-5)
    assert step.loss == pytest.approx(hand["loss"], rel=1e-6)


@pytest.mark.parametrize("loss", ["sse", "mse", "binary_cross_entropy", "cross_entropy"])
def test_the_explained_gradients_are_the_ones_training_uses(loss):
    rng = np.random.default_rng(0)
    n_out = 1 if loss == "binary_cross_entropy" else 3
    net = Network([4, 5, 6, n_out], activation=["tanh", "leaky_relu"], loss=loss, seed=0,
                  dtype="float64")
    X = rng.normal(size=(7, 4))
    y = rng.integers(0, 2, size=7) if n_out == 1 else rng.integers(0, 3, size=7)
    step = training_step(net, X, y, 0.1)
    grads = net.gradients(X, y)
    for i in range(net.n_layers):
        np.testing.assert_allclose(step.weight_grads[i], grads[2 * i], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(step.bias_grads[i], grads[2 * i + 1], rtol=1e-10,
                                   atol=1e-14)
    assert step.loss == pytest.approx(net.evaluate(X, y)["loss"], rel=1e-12)


def test_large_arrays_are_summarised_not_printed():
    rng = np.random.default_rng(0)
    net = Network([64, 32, 10], activation="relu", loss="cross_entropy", dropout=0.2, seed=0)
    X = rng.random((5, 64))
    text = net.explain(X, rng.integers(0, 10, size=5), file=io.StringIO())
    lines = text.splitlines()
    assert lines[1].startswith("dropout as in training: M_i is 0 for a dropped unit")
    assert any(line.startswith("    M_0 (dropout mask)  shape (5, 32)") for line in lines)
    assert any(line.startswith("    psi_0 = relu'(Z_0) * (psi_1 @ W_1.T) * M_0") for line in lines)
    W0 = next(line for line in lines if line.startswith("    W_0  shape (64, 32)"))
    W = net.weights[0].astype(np.float64)
    assert f"mean {W.mean():.6g}  std {W.std():.6g}  min {W.min():.6g}  max {W.max():.6g}" in W0
    # b_1 (10 values) is small enough to print in full.
    assert any(line.startswith("    b_1  shape (10,)  [0, 0,") for line in lines)
    assert len(text) < 12_000
    summary = step_summary(training_step(net, X, np.zeros(5, dtype=int), 0.1))
    assert set(summary["layers"][0]["W"]) == {"shape", "mean", "std", "min", "max"}
    assert summary["layers"][1]["b"]["values"] == [0.0] * 10
    assert MAX_VALUES == 64


def test_bad_learning_rate_is_a_config_error():
    with pytest.raises(ConfigError, match="learning_rate must be a positive number, got 0"):
        hand_network().explain(X_HAND, Y_HAND, learning_rate=0)
