"""Network structure, weights, the forward phase, gradients, prediction and evaluation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steepest import Network, Trace
from steepest.activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from steepest.errors import (
    ConfigError,
    DataError,
    ShapeError,
)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------- structure


def test_shapes_784_128_10():
    net = Network([784, 128, 10], seed=0)
    assert [W.shape for W in net.weights] == [(784, 128), (128, 10)]
    assert [b.shape for b in net.biases] == [(128,), (10,)]
    assert net.n_layers == 2
    assert net.n_params == 785 * 128 + 129 * 10 == 101_770
    assert net.params.shape == (101_770,)


def test_shapes_2_3_3_2():
    net = Network([2, 3, 3, 2], seed=0)
    assert [W.shape for W in net.weights] == [(2, 3), (3, 3), (3, 2)]
    assert [b.shape for b in net.biases] == [(3,), (3,), (2,)]
    assert net.n_params == 9 + 12 + 8 == 29
    assert [a.shape for a in net.get_weights()] == [(2, 3), (3,), (3, 3), (3,), (3, 2), (2,)]


def test_weights_are_views_into_params():
    net = Network([2, 3, 2], seed=0, dtype="float64")
    net.weights[0][1, 2] = 42.0
    net.biases[1][0] = -7.0
    # layout: W0 row-major, b0, W1, b1
    assert net.params[1 * 3 + 2] == 42.0
    assert net.params[6 + 3 + 6] == -7.0
    net.params[...] = np.arange(net.n_params)
    np.testing.assert_array_equal(net.weights[0], [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(net.biases[0], [6, 7, 8])
    np.testing.assert_array_equal(net.weights[1], [[9, 10], [11, 12], [13, 14]])
    np.testing.assert_array_equal(net.biases[1], [15, 16])


@pytest.mark.parametrize(
    "sizes", [[2], [], [2, 0, 1], [2, -1], [2.5, 3], "ab", [2, 3.0000001]]
)
def test_bad_sizes(sizes):
    with pytest.raises(ConfigError, match="sizes must"):
        Network(sizes)


@pytest.mark.parametrize("flag", [True, np.True_])
def test_a_flag_is_not_a_layer_size(flag):
    with pytest.raises(ConfigError, match=r"^sizes must be a list of whole numbers, got \[2, "):
        Network([2, flag, 2])


def test_get_set_weights_round_trip_copies():
    net = Network([2, 3, 3, 2], seed=1)
    weights = net.get_weights()
    # get_weights returns copies: changing them does not touch the network
    before = net.params.copy()
    for a in weights:
        a += 100.0
    np.testing.assert_array_equal(net.params, before)
    for a in weights:
        assert not np.shares_memory(a, net.params)

    rng = np.random.default_rng(2)
    new = [rng.normal(size=a.shape) for a in weights]
    net.set_weights(new)
    got = net.get_weights()
    for g, n in zip(got, new, strict=True):
        np.testing.assert_allclose(g, n.astype(np.float32))
        assert g.dtype == np.float32
    # set_weights copies too: changing the source afterwards does nothing
    snapshot = net.params.copy()
    for a in new:
        a[...] = 0.0
    np.testing.assert_array_equal(net.params, snapshot)
    # the views still alias params after set_weights
    np.testing.assert_array_equal(net.weights[2], got[4])


def test_set_weights_errors():
    net = Network([2, 3, 2], seed=0)
    w = net.get_weights()
    with pytest.raises(
        ShapeError, match=r"expected 4 arrays \[W0, b0, W1, b1, ...\] for 2 layers, got 3"
    ):
        net.set_weights(w[:3])
    bad = list(w)
    bad[2] = np.zeros((2, 3))
    with pytest.raises(ShapeError, match=r"W1 must have shape \(3, 2\), got \(2, 3\)"):
        net.set_weights(bad)
    bad = list(w)
    bad[1] = np.array([1.0, np.nan, 0.0])
    before = net.params.copy()
    with pytest.raises(ValueError, match="b0 contains NaN"):
        net.set_weights(bad)
    np.testing.assert_array_equal(net.params, before)  # nothing half-set


def test_augmented_weights_layout():
    net = Network([2, 3, 3, 2], seed=4)
    mats = net.augmented_weights()
    assert [M.shape for M in mats] == [(3, 3), (3, 4), (2, 4)]
    for M, W, b in zip(mats, net.weights, net.biases, strict=True):
        np.testing.assert_array_equal(M[:, :-1], W.T)
        np.testing.assert_array_equal(M[:, -1], b)


def test_augmented_forward_on_column_vector_equals_predict():
    # The first tutorial: x a column vector, z = M @ [x; 1], output = sigmoid(z).
    net = Network([2, 3, 3, 2], init="uniform01", seed=7, dtype="float64")
    mats = net.augmented_weights()
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.random(2)
        col = x.reshape(-1, 1)
        for M in mats:
            col = sigmoid(M @ np.vstack([col, [[1.0]]]))
        assert col.shape == (2, 1)
        np.testing.assert_allclose(col[:, 0], net.predict(x.reshape(1, -1))[0], rtol=1e-12)


def test_set_augmented_weights_round_trip():
    net = Network([2, 3, 3, 2], seed=0, dtype="float64")
    rng = np.random.default_rng(5)
    mats = [rng.normal(size=(3, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))]
    net.set_augmented_weights(mats)
    for got, M in zip(net.augmented_weights(), mats, strict=True):
        np.testing.assert_array_equal(got, M)
    np.testing.assert_array_equal(net.weights[1], mats[1][:, :3].T)
    np.testing.assert_array_equal(net.biases[2], mats[2][:, 3])
    with pytest.raises(ShapeError, match="expected 3 matrices, got 2"):
        net.set_augmented_weights(mats[:2])
    with pytest.raises(ShapeError, match=r"augmented matrix 1 must have shape \(3, 4\)"):
        net.set_augmented_weights([mats[0], mats[1].T, mats[2]])


# --------------------------------------------------------------------------- forward


def test_forward_trace_shapes():
    net = Network([2, 3, 4, 2], seed=0)
    X = np.random.default_rng(0).normal(size=(5, 2))
    trace = net.forward(X)
    assert isinstance(trace, Trace)
    assert [a.shape for a in trace.inputs] == [(5, 2), (5, 3), (5, 4)]
    assert [a.shape for a in trace.sums] == [(5, 3), (5, 4), (5, 2)]
    assert [a.shape for a in trace.outputs] == [(5, 3), (5, 4), (5, 2)]
    assert trace.masks == [None, None, None]
    xs = trace.x_s
    assert len(xs) == 4
    assert [a.shape for a in xs] == [(5, 2), (5, 3), (5, 4), (5, 2)]
    for a, b in zip(xs[:3], trace.inputs, strict=True):
        assert a is b
    assert xs[-1] is trace.outputs[-1]
    assert trace.output is trace.outputs[-1]
    np.testing.assert_array_equal(trace.outputs[-1], net.predict(X))
    # without dropout each layer's input is the previous layer's output
    np.testing.assert_array_equal(trace.inputs[1], trace.outputs[0])
    np.testing.assert_array_equal(trace.inputs[2], trace.outputs[1])
    np.testing.assert_array_equal(trace.inputs[0], X.astype(np.float32))


def test_forward_sums_and_outputs_by_hand():
    net = Network([3, 2, 2], activation="tanh", output_activation="identity", seed=3,
                  dtype="float64")
    X = np.random.default_rng(1).normal(size=(4, 3))
    trace = net.forward(X)
    W0, b0, W1, b1 = net.get_weights()
    Z0 = X @ W0 + b0
    np.testing.assert_allclose(trace.sums[0], Z0, rtol=1e-14)
    np.testing.assert_allclose(trace.outputs[0], np.tanh(Z0), rtol=1e-14)
    Z1 = np.tanh(Z0) @ W1 + b1
    np.testing.assert_allclose(trace.sums[1], Z1, rtol=1e-13)
    np.testing.assert_allclose(trace.outputs[1], Z1, rtol=1e-13)


def test_forward_checks_input():
    net = Network([3, 2, 1], seed=0)
    with pytest.raises(ShapeError, match="X has 2 features"):
        net.forward(np.zeros((4, 2)))
    with pytest.raises(ShapeError, match=r"X.reshape\(1, -1\)"):
        net.predict(np.zeros(3))


# --------------------------------------------------------------------------- gradients


def test_gradients_order_and_shapes():
    net = Network([4, 5, 3, 2], seed=0)
    X = np.random.default_rng(0).normal(size=(6, 4))
    y = np.random.default_rng(1).random((6, 2))
    grads = net.gradients(X, y)
    assert [g.shape for g in grads] == [w.shape for w in net.get_weights()]
    assert all(g.dtype == np.float32 for g in grads)
    assert all(np.abs(g).max() > 0 for g in grads)


def test_gradients_by_hand_tiny_sigmoid_sse():
    # [2, 1, 1], sigmoid everywhere, sse, one sample; all scalars worked by hand.
    net = Network([2, 1, 1], activation="sigmoid", loss="sse", dtype="float64")
    w1, w2, b_h, v, c = 0.3, -0.8, 0.1, 1.7, -0.4
    net.set_weights([np.array([[w1], [w2]]), np.array([b_h]), np.array([[v]]), np.array([c])])
    x1, x2, y = 0.9, -0.35, 0.25

    z_h = w1 * x1 + w2 * x2 + b_h
    h = 1.0 / (1.0 + math.exp(-z_h))
    z_o = v * h + c
    a = 1.0 / (1.0 + math.exp(-z_o))
    delta_o = (a - y) * a * (1.0 - a)  # dE/dz_o for E = 1/2 (a - y)^2
    d_v = delta_o * h
    d_c = delta_o
    delta_h = delta_o * v * h * (1.0 - h)
    d_w1, d_w2, d_bh = delta_h * x1, delta_h * x2, delta_h

    dW0, db0, dW1, db1 = net.gradients(np.array([[x1, x2]]), np.array([y]))
    assert dW0.shape == (2, 1) and db0.shape == (1,) and dW1.shape == (1, 1) and db1.shape == (1,)
    assert dW0[0, 0] == pytest.approx(d_w1, rel=1e-12)
    assert dW0[1, 0] == pytest.approx(d_w2, rel=1e-12)
    assert db0[0] == pytest.approx(d_bh, rel=1e-12)
    assert dW1[0, 0] == pytest.approx(d_v, rel=1e-12)
    assert db1[0] == pytest.approx(d_c, rel=1e-12)
    assert net.predict(np.array([[x1, x2]]))[0, 0] == pytest.approx(a, rel=1e-14)
    assert net.evaluate(np.array([[x1, x2]]), np.array([y]))["loss"] == pytest.approx(
        0.5 * (a - y) ** 2, rel=1e-12
    )


def test_gradients_match_finite_differences():
    net = Network([3, 4, 2], activation="tanh", loss="cross_entropy", seed=2, dtype="float64")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(7, 3))
    y = rng.integers(0, 2, size=7)
    flat = np.concatenate([g.ravel() for g in net.gradients(X, y)])
    numeric = np.empty_like(flat)
    h = 1e-6
    for k in range(net.n_params):
        old = net.params[k]
        net.params[k] = old + h
        up = net.evaluate(X, y)["loss"]
        net.params[k] = old - h
        down = net.evaluate(X, y)["loss"]
        net.params[k] = old
        numeric[k] = (up - down) / (2 * h)
    np.testing.assert_allclose(flat, numeric, rtol=1e-6, atol=1e-9)


def test_batch_gradient_is_mean_of_sample_gradients():
    net = Network([3, 4, 2], activation="relu", loss="mse", seed=8, dtype="float64")
    rng = np.random.default_rng(9)
    X = rng.normal(size=(5, 3))
    Y = rng.normal(size=(5, 2))
    batch = net.gradients(X, Y)
    singles = [net.gradients(X[i : i + 1], Y[i : i + 1]) for i in range(5)]
    for k, g in enumerate(batch):
        np.testing.assert_allclose(g, np.mean([s[k] for s in singles], axis=0), rtol=1e-12,
                                   atol=1e-15)


def test_gradients_sample_weight():
    net = Network([3, 4, 2], loss="sse", seed=8, dtype="float64")
    rng = np.random.default_rng(9)
    X = rng.normal(size=(4, 3))
    Y = rng.random((4, 2))
    w = np.array([2.0, 0.0, 1.0, 1.0])
    weighted = net.gradients(X, Y, sample_weight=w)
    rows = [0, 0, 2, 3]
    duplicated = net.gradients(X[rows], Y[rows])
    for a, b in zip(weighted, duplicated, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- activations and init


def test_default_output_activation_rules():
    net = Network([2, 3, 1], activation="sigmoid", loss="sse")
    assert [type(a) for a in net.activations] == [Sigmoid, Sigmoid]
    net = Network([2, 3, 1], activation="tanh", loss="mse")
    assert [type(a) for a in net.activations] == [Tanh, Tanh]
    net = Network([2, 3, 3], activation="relu", loss="cross_entropy")
    assert [type(a) for a in net.activations] == [ReLU, Softmax]
    net = Network([2, 3, 1], activation="relu", loss="binary_cross_entropy")
    assert [type(a) for a in net.activations] == [ReLU, Sigmoid]
    net = Network([2, 3, 1], activation="relu", output_activation="identity", loss="mse")
    assert [type(a) for a in net.activations] == [ReLU, Identity]
    assert net.output_activation.name == "identity"


def test_activation_list_per_hidden_layer():
    net = Network([2, 3, 4, 1], activation=["relu", "tanh"], loss="sse")
    # the output falls back to the last hidden layer's activation
    assert [type(a) for a in net.activations] == [ReLU, Tanh, Tanh]
    net = Network([2, 3, 4, 2], activation=["relu", "tanh"], loss="cross_entropy")
    assert [type(a) for a in net.activations] == [ReLU, Tanh, Softmax]
    net = Network([2, 3, 4, 1], activation=["relu", "tanh"], output_activation="identity")
    assert [type(a) for a in net.activations] == [ReLU, Tanh, Identity]


def test_activation_list_per_layer_including_output():
    net = Network([2, 3, 4, 1], activation=["relu", LeakyReLU(0.2), "identity"], loss="mse")
    assert [type(a) for a in net.activations] == [ReLU, LeakyReLU, Identity]
    assert net.activations[1].slope == 0.2
    with pytest.raises(ConfigError, match="do not pass output_activation too"):
        Network([2, 3, 4, 1], activation=["relu", "tanh", "identity"],
                output_activation="sigmoid")
    with pytest.raises(ConfigError, match="activation lists 1 names; expected 2"):
        Network([2, 3, 4, 1], activation=["relu"])


def test_activation_configuration_errors():
    with pytest.raises(ConfigError, match="cross_entropy needs a softmax output layer"):
        Network([2, 3, 2], output_activation="sigmoid", loss="cross_entropy")
    with pytest.raises(ConfigError, match="softmax output needs at least 2 units"):
        Network([2, 3, 1], loss="cross_entropy")
    with pytest.raises(ConfigError, match="softmax belongs on the output layer only"):
        Network([2, 3, 2], activation="softmax")
    with pytest.raises(ConfigError, match="unknown activation 'swish'"):
        Network([2, 3, 2], activation="swish")


@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        ("relu", "he"),
        ("leaky_relu", "he"),
        (["tanh", "relu"], "he"),
        ("sigmoid", "glorot"),
        ("tanh", "glorot"),
        (["tanh", "sigmoid"], "glorot"),
    ],
)
def test_default_init(activation, expected):
    net = Network([3, 4, 4, 2], activation=activation, output_activation="identity", seed=0)
    assert net.init == expected


def test_explicit_init_kept():
    assert Network([2, 3, 1], activation="relu", init="glorot").init == "glorot"
    with pytest.raises(ConfigError, match="unknown init 'zeros'"):
        Network([2, 3, 1], init="zeros")


def test_default_init_draws_he_for_relu():
    # default init of a relu net draws exactly what init="he" draws with the same seed
    a = Network([50, 40, 3], activation="relu", seed=11)
    b = Network([50, 40, 3], activation="relu", init="he", seed=11)
    c = Network([50, 40, 3], activation="relu", init="glorot", seed=11)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_init_uniform01():
    net = Network([300, 200], init="uniform01", seed=0, dtype="float64")
    W, b = net.weights[0], net.biases[0]
    assert W.min() >= 0.0 and W.max() < 1.0
    assert b.min() >= 0.0 and b.max() < 1.0
    assert np.abs(b).min() > 0  # biases are drawn too, not zero
    assert W.mean() == pytest.approx(0.5, abs=0.01)
    assert W.std() == pytest.approx(math.sqrt(1 / 12), rel=0.02)
    assert b.mean() == pytest.approx(0.5, abs=0.06)


def test_init_uniform():
    net = Network([300, 200], init="uniform", seed=0, dtype="float64")
    W = net.weights[0]
    assert W.min() > -0.5 and W.max() < 0.5
    assert W.min() < -0.49 and W.max() > 0.49
    assert W.mean() == pytest.approx(0.0, abs=0.01)
    assert W.std() == pytest.approx(math.sqrt(1 / 12), rel=0.02)
    np.testing.assert_array_equal(net.biases[0], 0.0)


def test_init_glorot():
    net = Network([300, 200, 50], init="glorot", seed=0, dtype="float64")
    for W, b, (n_in, n_out) in zip(net.weights, net.biases, [(300, 200), (200, 50)], strict=True):
        limit = math.sqrt(6 / (n_in + n_out))
        assert np.abs(W).max() <= limit
        assert np.abs(W).max() > 0.99 * limit
        assert W.std() == pytest.approx(limit / math.sqrt(3), rel=0.03)
        np.testing.assert_array_equal(b, 0.0)


def test_init_he():
    net = Network([1000, 500], activation="relu", init="he", seed=0, dtype="float64")
    W = net.weights[0]
    assert W.std() == pytest.approx(math.sqrt(2 / 1000), rel=0.01)
    assert W.mean() == pytest.approx(0.0, abs=0.001)
    # normal, not uniform: a few weights beyond 3 standard deviations
    assert (np.abs(W) > 3 * math.sqrt(2 / 1000)).mean() == pytest.approx(0.0027, abs=0.0008)
    np.testing.assert_array_equal(net.biases[0], 0.0)


def test_same_seed_same_init_different_seed_differs():
    a = Network([5, 6, 2], seed=3)
    b = Network([5, 6, 2], seed=3)
    c = Network([5, 6, 2], seed=4)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


# --------------------------------------------------------------------------- dtype


def test_float32_default():
    net = Network([3, 4, 2], seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    y = np.array([0, 1, 1, 0, 1])
    assert net.dtype == np.float32
    assert net.params.dtype == np.float32
    assert all(w.dtype == np.float32 for w in net.get_weights())
    assert net.predict(X).dtype == np.float32
    assert net.forward(X).output.dtype == np.float32
    assert all(g.dtype == np.float32 for g in net.gradients(X, y))
    net.fit(X, y, epochs=1)
    assert net.params.dtype == np.float32


def test_float64_option():
    net = Network([3, 4, 2], seed=0, dtype="float64")
    X = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    y = np.array([0, 1, 1, 0, 1])
    assert net.params.dtype == np.float64
    assert all(w.dtype == np.float64 for w in net.get_weights())
    assert net.predict(X).dtype == np.float64
    assert all(a.dtype == np.float64 for a in net.forward(X).x_s)
    assert all(g.dtype == np.float64 for g in net.gradients(X, y))
    net.fit(X, y, epochs=1, optimizer="adam")
    assert net.params.dtype == np.float64


def test_float32_and_float64_agree():
    a = Network([3, 4, 2], seed=0, dtype="float64")
    b = Network([3, 4, 2], seed=0, dtype=np.float32)
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(a.params, b.params, rtol=1e-6)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float16", "int32", "complex128", np.int64])
def test_bad_dtype(dtype):
    with pytest.raises(ConfigError, match="dtype must be 'float32' or 'float64'"):
        Network([2, 1], dtype=dtype)


def test_unknown_dtype_string_is_rejected():
    with pytest.raises(ConfigError, match="dtype must be 'float32' or 'float64'"):
        Network([2, 1], dtype="bogus")


# --------------------------------------------------------------------------- summary


def test_summary_lists_layers_and_total(capsys):
    net = Network([784, 128, 10], seed=0)
    net.summary()
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert "784 -> 128 -> 10" in lines[0]
    assert "sse" in lines[0] and "float32" in lines[0]
    assert "(784, 128)" in out and "(128, 10)" in out
    assert "(128,)" in out and "(10,)" in out
    assert "100,480" in out and "1,290" in out
    assert lines[-1] == "total parameters: 101,770"
    assert len(lines) == 1 + 1 + 2 + 1  # title, header, one row per layer, total


def test_summary_every_layer(capsys):
    net = Network([2, 3, 3, 2], activation="tanh", loss="cross_entropy", seed=0)
    net.summary()
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line[:1].isdigit()]
    assert len(rows) == 3
    for row, shape, act in zip(rows, ["(2, 3)", "(3, 3)", "(3, 2)"],
                               ["tanh", "tanh", "softmax"], strict=True):
        assert shape in row
        assert act in row
    assert out.strip().endswith("total parameters: 29")


def test_summary_to_file(capsys):
    import io

    buf = io.StringIO()
    Network([2, 3, 3, 2], seed=0).summary(file=buf)
    assert capsys.readouterr().out == ""
    assert "total parameters: 29" in buf.getvalue()


# --------------------------------------------------------------------------- prediction


def test_predict_proba_softmax_rows_sum_to_one():
    net = Network([4, 6, 3], activation="relu", loss="cross_entropy", seed=0, dtype="float64")
    X = np.random.default_rng(0).normal(size=(20, 4)) * 3
    P = net.predict_proba(X)
    assert P.shape == (20, 3)
    assert (P > 0).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(P, net.predict(X))


def test_predict_proba_single_sigmoid_output():
    net = Network([4, 6, 1], loss="binary_cross_entropy", seed=0, dtype="float64")
    X = np.random.default_rng(0).normal(size=(10, 4))
    p = net.predict(X)[:, 0]
    P = net.predict_proba(X)
    assert P.shape == (10, 2)
    np.testing.assert_allclose(P[:, 1], p)
    np.testing.assert_allclose(P[:, 0], 1 - p)
    np.testing.assert_array_equal(P.argmax(axis=1), net.predict_classes(X))


def test_predict_proba_needs_probabilities():
    net = Network([2, 3, 1], activation="relu", output_activation="identity", loss="mse")
    with pytest.raises(ConfigError, match="predict_proba needs a softmax or sigmoid output"):
        net.predict_proba(np.zeros((1, 2)))


def test_predict_classes():
    net = Network([2, 3], activation="identity", loss="sse", dtype="float64")
    net.set_weights([np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]]), np.zeros(3)])
    X = np.array([[2.0, 1.0], [0.0, 3.0], [-2.0, 1.0], [0.5, 0.0]])
    classes = net.predict_classes(X)
    np.testing.assert_array_equal(classes, [0, 1, 2, 0])
    assert classes.dtype == np.int64

    single = Network([1, 1], activation="identity", dtype="float64")
    single.set_weights([np.array([[1.0]]), np.array([0.0])])
    np.testing.assert_array_equal(
        single.predict_classes(np.array([[0.2], [0.5], [0.7], [-3.0]])), [0, 1, 1, 0]
    )

    multi = Network([2, 2], loss="binary_cross_entropy", dtype="float64")
    multi.set_weights([np.eye(2) * 10, np.zeros(2)])
    got = multi.predict_classes(np.array([[1.0, -1.0], [-1.0, -1.0], [1.0, 1.0]]))
    np.testing.assert_array_equal(got, [[1, 0], [0, 0], [1, 1]])


def test_predict_large_batch_is_chunked_consistently():
    net = Network([3, 5, 2], seed=0, dtype="float64")
    X = np.random.default_rng(0).normal(size=(8192 + 100, 3))
    out = net.predict(X)
    assert out.shape == (8292, 2)
    np.testing.assert_allclose(out[-100:], net.predict(X[-100:]), rtol=1e-14)
    np.testing.assert_allclose(out, net.forward(X).output, rtol=1e-14)


# --------------------------------------------------------------------------- evaluate


def test_evaluate_cross_entropy_loss_and_accuracy():
    net = Network([3, 5, 3], activation="tanh", loss="cross_entropy", seed=1, dtype="float64")
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3))
    y = rng.integers(0, 3, size=30)
    result = net.evaluate(X, y)
    assert set(result) == {"loss", "accuracy"}
    P = net.predict(X)
    assert result["loss"] == pytest.approx(-np.log(P[np.arange(30), y]).mean(), rel=1e-10)
    assert result["accuracy"] == pytest.approx((P.argmax(axis=1) == y).mean())
    # one-hot targets give the same figures
    assert net.evaluate(X, np.eye(3)[y]) == pytest.approx(result)


def test_evaluate_binary_cross_entropy():
    net = Network([2, 4, 1], loss="binary_cross_entropy", seed=1, dtype="float64")
    rng = np.random.default_rng(2)
    X = rng.normal(size=(25, 2))
    y = rng.integers(0, 2, size=25)
    result = net.evaluate(X, y)
    p = net.predict(X)[:, 0]
    assert result["loss"] == pytest.approx(
        -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(), rel=1e-10
    )
    assert result["accuracy"] == pytest.approx(((p >= 0.5) == (y == 1)).mean())


def test_evaluate_sse_with_integer_labels_has_accuracy():
    net = Network([3, 4, 3], loss="sse", seed=0, dtype="float64")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 3))
    y = rng.integers(0, 3, size=40)
    result = net.evaluate(X, y)
    assert set(result) == {"loss", "accuracy"}
    A = net.predict(X)
    Y = np.eye(3)[y]
    assert result["loss"] == pytest.approx((0.5 * ((A - Y) ** 2).sum(axis=1)).mean(), rel=1e-12)
    assert result["accuracy"] == pytest.approx((A.argmax(axis=1) == y).mean())
    assert 0 < result["accuracy"] < 1


def test_evaluate_regression_has_no_accuracy():
    net = Network([3, 4, 2], activation="tanh", output_activation="identity", loss="mse",
                  seed=0, dtype="float64")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(20, 3))
    Y = rng.normal(size=(20, 2))
    result = net.evaluate(X, Y)
    assert set(result) == {"loss"}
    A = net.predict(X)
    assert result["loss"] == pytest.approx(((A - Y) ** 2).mean(), rel=1e-12)
    # a single regression output with 1-D targets: still no accuracy
    single = Network([3, 4, 1], output_activation="identity", loss="sse", seed=0)
    assert set(single.evaluate(X, rng.normal(size=20))) == {"loss"}


def test_evaluate_with_sample_weight():
    net = Network([3, 4, 3], loss="cross_entropy", seed=0, dtype="float64")
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 3, size=6)
    w = np.array([1, 3, 0, 2, 1, 1])
    rows = np.repeat(np.arange(6), w)
    assert net.evaluate(X, y, sample_weight=w) == pytest.approx(net.evaluate(X[rows], y[rows]))


def test_repr():
    net = Network([2, 3, 2], activation="relu", loss="cross_entropy", dtype="float64")
    assert repr(net) == (
        "Network([2, 3, 2], hidden=relu, output=softmax, loss=cross_entropy, dtype=float64)"
    )


def test_predict_in_float64_widens_a_float32_network_and_rows_do_not_depend_on_the_batch():
    net = Network([5, 16, 3], activation="tanh", loss="mse", seed=0)
    X = np.random.default_rng(1).normal(size=(40, 5))
    wide = net.predict(X, dtype="float64")
    assert wide.dtype == np.float64 and net.params.dtype == np.float32
    rows = np.vstack([net.predict(X[i : i + 1], dtype="float64") for i in range(len(X))])
    np.testing.assert_allclose(rows, wide, rtol=1e-12, atol=0)
    # the same weights, only the arithmetic widened: agrees with float32 to its rounding
    np.testing.assert_allclose(wide, net.predict(X), rtol=1e-5, atol=1e-6)
    with pytest.raises(ConfigError, match="dtype must be 'float32' or 'float64'"):
        net.predict(X, dtype="int8")


def test_set_weights_wrong_shape_names_the_array():
    net = Network([2, 3, 2], seed=0)
    before = net.get_weights()
    bad = net.get_weights()
    bad[2] = np.zeros((2, 3))  # W1 should be (3, 2)
    with pytest.raises(ShapeError) as info:
        net.set_weights(bad)
    assert isinstance(info.value, ValueError)
    assert "W1 must have shape (3, 2), got (2, 3)" in str(info.value)
    for a, b in zip(before, net.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_set_weights_wrong_bias_shape_names_the_array():
    net = Network([2, 3, 2], seed=0)
    bad = net.get_weights()
    bad[1] = np.zeros((3, 1))
    with pytest.raises(ShapeError, match=r"b0 must have shape \(3,\), got \(3, 1\)"):
        net.set_weights(bad)


def test_set_weights_checks_everything_before_changing_anything():
    net = Network([2, 3, 2], seed=0)
    before = net.get_weights()
    new = [np.full_like(a, 7.0) for a in before]
    new[-1] = np.zeros(5)  # the last array is wrong: nothing may be written
    with pytest.raises(ShapeError, match="b1 must have shape"):
        net.set_weights(new)
    for a, b in zip(before, net.get_weights(), strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("count", [0, 3, 5])
def test_set_weights_wrong_count(count):
    net = Network([2, 3, 2], seed=0)
    weights = (net.get_weights() * 2)[:count]
    with pytest.raises(ShapeError) as info:
        net.set_weights(weights)
    assert f"expected 4 arrays [W0, b0, W1, b1, ...] for 2 layers, got {count}" in str(info.value)


def test_set_weights_non_finite_and_non_numeric():
    net = Network([2, 3, 2], seed=0)
    before = net.get_weights()
    bad = net.get_weights()
    bad[3] = np.array([0.0, np.inf])
    with pytest.raises(DataError, match=r"b1 contains NaN or infinity.*\(1\)"):
        net.set_weights(bad)
    bad = net.get_weights()
    bad[0] = np.array([["a"] * 3] * 2)
    with pytest.raises(DataError, match="W0 must be numeric"):
        net.set_weights(bad)
    for a, b in zip(before, net.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_set_augmented_weights_wrong_shape():
    net = Network([2, 3, 2], seed=0)
    before = net.get_weights()
    matrices = net.augmented_weights()
    assert [M.shape for M in matrices] == [(3, 3), (2, 4)]
    matrices[1] = np.zeros((2, 3))  # the bias column is missing
    with pytest.raises(ShapeError) as info:
        net.set_augmented_weights(matrices)
    assert isinstance(info.value, ValueError)
    assert "augmented matrix 1 must have shape (2, 4) (n_out, n_in + 1), got (2, 3)" in str(
        info.value
    )
    for a, b in zip(before, net.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_set_augmented_weights_wrong_count():
    net = Network([2, 3, 2], seed=0)
    with pytest.raises(ShapeError, match="expected 2 matrices, got 1"):
        net.set_augmented_weights(net.augmented_weights()[:1])


@pytest.mark.parametrize(
    "sizes",
    [[3], [], [2, 0, 1], [2, -1, 1], [2, 2.5, 1], "abc", [2, "x", 1], None],
    ids=["one", "empty", "zero", "negative", "fraction", "string", "str_item", "none"],
)
def test_bad_sizes_are_config_errors(sizes):
    with pytest.raises(ConfigError) as info:
        Network(sizes)
    assert isinstance(info.value, ValueError)
    assert "sizes must" in str(info.value)


def test_bad_sizes_message_shows_example_and_value():
    with pytest.raises(ConfigError) as info:
        Network([2, 0, 1])
    assert "like [2, 3, 3, 2]" in str(info.value)
    assert "[2, 0, 1]" in str(info.value)


def test_activation_list_of_wrong_length():
    with pytest.raises(ConfigError) as info:
        Network([2, 3, 3, 2], activation=["relu"] * 4)
    message = str(info.value)
    assert "activation lists 4 names" in message
    assert "expected 2 (one per hidden layer) or 3 (one per layer, output included)" in message


def test_activation_list_and_output_activation_both_name_the_output():
    with pytest.raises(ConfigError, match="do not pass output_activation too"):
        Network([2, 3, 1], activation=["relu", "sigmoid"], output_activation="sigmoid")


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"activation": "relux"}, "unknown activation 'relux'"),
        ({"activation": ["tanh", "swish"]}, "unknown activation 'swish'"),
        ({"output_activation": "softplus"}, "unknown activation 'softplus'"),
        ({"activation": {"name": "sigmoid", "slope": 2}}, "bad parameters for activation"),
        ({"activation": 5}, "an activation is a name"),
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"init": "orthogonal"}, "unknown init 'orthogonal'"),
        ({"dropout": 1.0}, "dropout rates must lie in [0, 1)"),
        ({"dropout": -0.1}, "dropout rates must lie in [0, 1)"),
        ({"dropout": [0.1]}, "dropout needs one rate per hidden layer (2), got 1"),
        ({"dtype": "int32"}, "dtype must be 'float32' or 'float64'"),
        ({"dtype": "float16"}, "dtype must be 'float32' or 'float64'"),
        ({"dtype": "nonsense"}, "dtype must be 'float32' or 'float64'"),
        ({"dtype": None}, "dtype must be 'float32' or 'float64'"),
        ({"loss": "cross_entropy", "output_activation": "sigmoid"},
         "cross_entropy needs a softmax output layer"),
        ({"loss": "binary_cross_entropy", "output_activation": "tanh"},
         "binary_cross_entropy needs a sigmoid output layer"),
        ({"activation": "softmax", "output_activation": "identity"},
         "softmax belongs on the output layer only"),
    ],
)
def test_bad_constructor_arguments(kwargs, expected):
    with pytest.raises(ConfigError) as info:
        Network([3, 4, 4, 2], **kwargs)
    assert isinstance(info.value, ValueError)
    assert expected in str(info.value)


def test_bad_activation_parameters():
    with pytest.raises(ConfigError, match="sigmoid slope c must be a positive number"):
        Network([2, 2, 1], activation=Sigmoid(c=-1))


def test_softmax_output_with_one_unit():
    with pytest.raises(ConfigError, match="a softmax output needs at least 2 units"):
        Network([3, 4, 1], output_activation="softmax")


def test_no_hidden_layer_needs_output_activation_for_list():
    with pytest.raises(ConfigError, match="without hidden layers needs an output activation"):
        Network([3, 1], activation=[])


def test_dropout_none_means_no_dropout(blobs, classifier):
    X, y = blobs(20, gap=1.5)
    net = Network([2, 4, 2], activation="tanh", loss="cross_entropy", dropout=None, seed=0)
    assert net.dropout == [0.0]
    twin = classifier()
    net.fit(X, y, epochs=2)
    twin.fit(X, y, epochs=2)
    np.testing.assert_array_equal(net.params, twin.params)


@pytest.mark.parametrize("seed", [-1, 1.5, "abc", True, [1]])
def test_bad_seeds_are_config_errors(seed):
    with pytest.raises(ConfigError, match=r"seed must be a whole number >= 0 or None, got "):
        Network([2, 3, 1], seed=seed)


def test_a_network_too_big_for_the_memory_is_refused_before_allocating():
    with pytest.raises(ConfigError, match=r"4,000,000,000,001 weights and biases, 14,901\.2 "
                       r"GiB as float32: more than this machine's .* GiB of memory"):
        Network([2, 10**12, 1])
