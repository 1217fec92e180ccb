"""The fit loop: batches, determinism, sample weights, regularisation, validation,
history, verbosity, callbacks and optimiser continuity."""

from __future__ import annotations

import copy
import itertools
import math
import re

import numpy as np
import pytest

import steepest
from steepest import Callback, EarlyStopping, History, Network
from steepest.errors import (
    ConfigError,
    DataError,
    DivergenceError,
    ShapeError,
    SteepestError,
)
from steepest.optimizers import SGD, Adam, CosineDecay, Momentum, Schedule, StepDecay


def small_regression(n=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Y = np.stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]], axis=1) * 0.5 + 0.5
    return X, Y


def flat(grads):
    return np.concatenate([g.ravel() for g in grads])


class ParamsRecorder(Callback):
    """Keeps a copy of the parameters and the logs after every epoch."""

    def __init__(self):
        self.snapshots = {}
        self.logs = {}
        self.began = None
        self.ended = 0

    def on_train_begin(self, net, metric_names):
        self.began = list(metric_names)

    def on_epoch_end(self, net, epoch, logs):
        self.snapshots[epoch] = net.params.copy()
        self.logs[epoch] = dict(logs)

    def on_train_end(self, net):
        self.ended += 1


# --------------------------------------------------------------------------- batches


def test_full_batch_equals_manual_gradient_descent():
    X, Y = small_regression(12)
    net = Network([3, 4, 2], seed=3, dtype="float64")
    manual = net.copy()
    lr = 0.5
    net.fit(X, Y, epochs=5, batch_size=None, optimizer="sgd", learning_rate=lr)
    losses = []
    for _ in range(5):
        losses.append(manual.evaluate(X, Y)["loss"])
        grads = manual.gradients(X, Y)
        manual.set_weights([w - lr * g for w, g in zip(manual.get_weights(), grads, strict=True)])
    np.testing.assert_allclose(net.params, manual.params, rtol=1e-13, atol=1e-15)
    # the logged loss is the loss before each epoch's single step
    np.testing.assert_allclose(net.history["loss"], losses, rtol=1e-13)
    assert net.optimizer.steps == 5


def test_full_batch_float32_equals_manual_bitwise():
    X, Y = small_regression(12)
    net = Network([3, 4, 2], seed=3)
    manual = net.copy()
    lr = 0.5
    net.fit(X, Y, epochs=3, batch_size=None, optimizer="sgd", learning_rate=lr)
    for _ in range(3):
        grads = manual.gradients(X, Y)
        manual.params -= np.float32(lr) * flat(grads)
    np.testing.assert_array_equal(net.params, manual.params)


def test_batch_size_larger_than_data_is_full_batch():
    X, Y = small_regression(8)
    a = Network([3, 4, 2], seed=3, dtype="float64")
    b = a.copy()
    a.fit(X, Y, epochs=3, batch_size=None, optimizer="sgd", learning_rate=0.3)
    b.fit(X, Y, epochs=3, batch_size=100, optimizer="sgd", learning_rate=0.3)
    np.testing.assert_array_equal(a.params, b.params)
    assert b.optimizer.steps == 3


def test_online_learning_batch_size_one():
    X, Y = small_regression(7)
    net = Network([3, 4, 2], seed=1, dtype="float64")
    manual = net.copy()
    lr = 0.2
    net.fit(X, Y, epochs=2, batch_size=1, shuffle=False, optimizer="sgd", learning_rate=lr)
    for _ in range(2):
        for i in range(len(X)):
            grads = manual.gradients(X[i : i + 1], Y[i : i + 1])
            manual.params -= lr * flat(grads)
    np.testing.assert_allclose(net.params, manual.params, rtol=1e-13, atol=1e-15)
    assert net.optimizer.steps == 14


def test_minibatches_are_vectorised_steps_in_order():
    # 10 rows, batch_size 4: steps on rows 0-3, 4-7, 8-9, each one matrix step.
    X, Y = small_regression(10)
    net = Network([3, 5, 2], activation="tanh", seed=2, dtype="float64")
    manual = net.copy()
    lr = 0.3
    net.fit(X, Y, epochs=3, batch_size=4, shuffle=False, optimizer="momentum",
            learning_rate=lr)
    opt = Momentum(lr)
    for _ in range(3):
        for start in (0, 4, 8):
            opt.update(manual.params, flat(manual.gradients(X[start : start + 4],
                                                            Y[start : start + 4])))
    np.testing.assert_allclose(net.params, manual.params, rtol=1e-12, atol=1e-15)
    assert net.optimizer.steps == 9
    # the epoch loss is the size-weighted mean of the batch losses
    assert len(net.history["loss"]) == 3


def test_epoch_loss_is_weighted_mean_of_batch_losses():
    X, Y = small_regression(10)
    net = Network([3, 5, 2], seed=2, dtype="float64")
    manual = net.copy()
    lr = 0.3
    h = net.fit(X, Y, epochs=1, batch_size=4, shuffle=False, optimizer="sgd", learning_rate=lr)
    total = 0.0
    for start in (0, 4, 8):
        Xb, Yb = X[start : start + 4], Y[start : start + 4]
        total += manual.evaluate(Xb, Yb)["loss"] * len(Xb)
        manual.params -= lr * flat(manual.gradients(Xb, Yb))
    assert h["loss"][0] == pytest.approx(total / 10, rel=1e-12)


def test_shuffle_uses_network_rng_each_epoch():
    X, Y = small_regression(9)
    net = Network([3, 4, 2], seed=6, dtype="float64")
    manual = net.copy()
    rng = copy.deepcopy(net.rng)
    lr = 0.25
    net.fit(X, Y, epochs=3, batch_size=4, shuffle=True, optimizer="sgd", learning_rate=lr)
    orders = []
    for _ in range(3):
        order = rng.permutation(9)
        orders.append(order)
        for start in range(0, 9, 4):
            idx = order[start : start + 4]
            manual.params -= lr * flat(manual.gradients(X[idx], Y[idx]))
    assert not all(np.array_equal(o, np.arange(9)) for o in orders)
    np.testing.assert_allclose(net.params, manual.params, rtol=1e-12, atol=1e-15)


def test_shuffle_changes_the_result():
    X, Y = small_regression(16)
    a = Network([3, 4, 2], seed=6, dtype="float64")
    b = a.copy()
    a.fit(X, Y, epochs=2, batch_size=4, shuffle=True, optimizer="sgd", learning_rate=0.3)
    b.fit(X, Y, epochs=2, batch_size=4, shuffle=False, optimizer="sgd", learning_rate=0.3)
    assert not np.allclose(a.params, b.params)


# --------------------------------------------------------------------------- determinism


def _seeded_run(blobs, seed):
    X, y = blobs(60, seed=1)
    net = Network([2, 8, 6, 2], activation="relu", loss="cross_entropy", dropout=0.3,
                  seed=seed)
    h = net.fit(X, y, epochs=4, batch_size=8, shuffle=True, optimizer="adam",
                learning_rate=0.01, validation_split=0.2)
    return net, h


def test_same_seed_bitwise_identical(blobs):
    a, ha = _seeded_run(blobs, 7)
    b, hb = _seeded_run(blobs, 7)
    np.testing.assert_array_equal(a.params, b.params)
    assert ha.to_dict() == hb.to_dict()
    assert a.history.to_dict() == b.history.to_dict()
    for key in a.optimizer.state:
        np.testing.assert_array_equal(a.optimizer.state[key], b.optimizer.state[key])


def test_different_seeds_differ(blobs):
    a, ha = _seeded_run(blobs, 7)
    b, hb = _seeded_run(blobs, 8)
    assert not np.array_equal(a.params, b.params)
    assert ha["loss"] != hb["loss"]


def test_same_initial_weights_different_dropout_stream_differs(blobs):
    # same starting weights, but the random state (shuffle + dropout) moved on
    X, y = blobs(40, seed=1)
    a = Network([2, 8, 2], loss="cross_entropy", dropout=0.5, seed=3)
    b = a.copy()
    b.rng.random(5)
    a.fit(X, y, epochs=2, batch_size=8)
    b.fit(X, y, epochs=2, batch_size=8)
    assert not np.array_equal(a.params, b.params)


# --------------------------------------------------------------------------- sample weights


def test_integer_sample_weights_equal_duplicated_rows(blobs):
    X, y = blobs(8, seed=2)
    w = np.array([1, 2, 3, 1, 1, 2, 4, 1])
    rows = np.repeat(np.arange(8), w)
    a = Network([2, 5, 2], loss="cross_entropy", seed=0, dtype="float64")
    b = a.copy()
    ha = a.fit(X, y, sample_weight=w, epochs=4, batch_size=None, optimizer="adam",
               learning_rate=0.05)
    hb = b.fit(X[rows], y[rows], epochs=4, batch_size=None, optimizer="adam",
               learning_rate=0.05)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(ha["loss"], hb["loss"], rtol=1e-12)
    np.testing.assert_allclose(ha["accuracy"], hb["accuracy"], rtol=1e-12)
    assert not np.allclose(a.params, Network([2, 5, 2], loss="cross_entropy", seed=0,
                                             dtype="float64").params)


def test_zero_sample_weight_removes_row():
    X, Y = small_regression(8)
    w = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    a = Network([3, 4, 2], seed=0, dtype="float64")
    b = a.copy()
    a.fit(X, Y, sample_weight=w, epochs=3, batch_size=None, optimizer="sgd", learning_rate=0.5)
    b.fit(X[w > 0], Y[w > 0], epochs=3, batch_size=None, optimizer="sgd", learning_rate=0.5)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12, atol=1e-15)
    c = a.copy()
    c.params[...] = Network([3, 4, 2], seed=0, dtype="float64").params
    c.fit(X, Y, epochs=3, batch_size=None, optimizer="sgd", learning_rate=0.5)
    assert not np.allclose(a.params, c.params)


def test_sample_weight_in_minibatches():
    X, Y = small_regression(10)
    w = np.array([1.0, 3.0, 0.5, 0.0, 2.0, 1.0, 1.0, 4.0, 0.0, 2.5])
    net = Network([3, 4, 2], seed=0, dtype="float64")
    manual = net.copy()
    lr = 0.4
    h = net.fit(X, Y, sample_weight=w, epochs=2, batch_size=4, shuffle=False, optimizer="sgd",
                learning_rate=lr)
    losses = []
    for _ in range(2):
        loss_sum = 0.0
        for start in (0, 4, 8):
            sl = slice(start, start + 4)
            batch = manual.evaluate(X[sl], Y[sl], sample_weight=w[sl])["loss"]
            loss_sum += batch * w[sl].sum()
            # a batch's row weights are w_i / (m * mean(w)): gradients() normalises by
            # sum(w_batch), so rescale to make each batch an unbiased estimate
            scale = w[sl].sum() / (len(w[sl]) * w.mean())
            grads = flat(manual.gradients(X[sl], Y[sl], sample_weight=w[sl]))
            manual.params -= lr * scale * grads
        losses.append(loss_sum / w.sum())
    np.testing.assert_allclose(net.params, manual.params, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h["loss"], losses, rtol=1e-12)


def test_bad_sample_weight():
    X, Y = small_regression(4)
    net = Network([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match="sample_weight has 3 values but X has 4 rows"):
        net.fit(X, Y, sample_weight=[1, 1, 1])
    with pytest.raises(ValueError, match="sample_weight must be >= 0 with a positive sum"):
        net.fit(X, Y, sample_weight=[1, -1, 1, 1])


# --------------------------------------------------------------------------- dropout


def test_dropout_off_at_prediction(blobs):
    X, _ = blobs(30)
    net = Network([2, 50, 50, 2], activation="relu", loss="cross_entropy", dropout=0.5, seed=0)
    p1 = net.predict(X)
    p2 = net.predict(X)
    np.testing.assert_array_equal(p1, p2)
    trace = net.forward(X, training=False)
    np.testing.assert_array_equal(trace.output, p1)
    assert trace.masks == [None, None, None]
    np.testing.assert_array_equal(net.forward(X).output, p1)
    # training mode is random and differs from prediction
    t1 = net.forward(X, training=True).output
    t2 = net.forward(X, training=True).output
    assert not np.allclose(t1, p1)
    assert not np.allclose(t1, t2)


def test_dropout_training_forward_zeros_fraction_and_rescales():
    p = 0.3
    net = Network([10, 2000, 3], dropout=p, seed=1, dtype="float64")
    X = np.random.default_rng(0).normal(size=(50, 10))
    trace = net.forward(X, training=True)
    hidden = trace.outputs[0]  # sigmoid: never exactly 0 before dropout
    dropped = trace.inputs[1]
    assert (hidden > 0).all()
    zero_fraction = (dropped == 0).mean()
    assert zero_fraction == pytest.approx(p, abs=0.01)
    kept = dropped != 0
    np.testing.assert_allclose(dropped[kept], hidden[kept] / (1 - p), rtol=1e-14)
    mask = trace.masks[0]
    assert mask.shape == (50, 2000)
    np.testing.assert_allclose(np.unique(mask), [0.0, 1 / (1 - p)], rtol=1e-14)
    assert trace.masks[1] is None  # never on the output layer


def test_dropout_list_per_hidden_layer():
    net = Network([4, 300, 300, 2], dropout=[0.0, 0.5], seed=0, dtype="float64")
    trace = net.forward(np.ones((40, 4)), training=True)
    assert trace.masks[0] is None
    np.testing.assert_array_equal(trace.inputs[1], trace.outputs[0])
    assert (trace.inputs[2] == 0).mean() == pytest.approx(0.5, abs=0.02)
    with pytest.raises(ConfigError, match="dropout needs one rate per hidden layer"):
        Network([4, 3, 3, 2], dropout=[0.1])
    with pytest.raises(ConfigError, match=r"dropout rates must lie in \[0, 1\)"):
        Network([4, 3, 2], dropout=1.0)


# --------------------------------------------------------------------------- regularisation


def test_max_norm_limits_every_column(blobs):
    X, y = blobs(80)
    limit = 0.5
    net = Network([2, 16, 8, 2], activation="relu", loss="cross_entropy", seed=0)
    net.fit(X, y, epochs=5, batch_size=16, optimizer="sgd", learning_rate=0.5, max_norm=limit)
    for W in net.weights:
        norms = np.linalg.norm(W.astype(np.float64), axis=0)
        assert norms.max() <= limit * (1 + 1e-6)
    # the constraint was active: some column sits at the limit
    assert any(np.isclose(np.linalg.norm(W, axis=0), limit, rtol=1e-5).any() for W in net.weights)
    free = Network([2, 16, 8, 2], activation="relu", loss="cross_entropy", seed=0)
    free.fit(X, y, epochs=5, batch_size=16, optimizer="sgd", learning_rate=0.5)
    assert max(np.linalg.norm(W, axis=0).max() for W in free.weights) > limit


def test_clip_norm_limits_update_size():
    X, Y = small_regression(10)
    net = Network([3, 6, 2], init="uniform01", seed=0, dtype="float64")
    g = flat(net.gradients(X, Y))
    clip = 0.001
    assert np.linalg.norm(g) > 10 * clip
    before = net.params.copy()
    net.fit(X, Y, epochs=1, batch_size=None, optimizer="sgd", learning_rate=1.0, clip_norm=clip)
    step = before - net.params
    assert np.linalg.norm(step) == pytest.approx(clip, rel=1e-10)
    # the direction is the gradient's
    np.testing.assert_allclose(step, g * clip / np.linalg.norm(g), rtol=1e-9, atol=1e-15)


def test_clip_norm_leaves_small_gradients_alone():
    X, Y = small_regression(10)
    net = Network([3, 6, 2], seed=0, dtype="float64")
    g = flat(net.gradients(X, Y))
    before = net.params.copy()
    net.fit(X, Y, epochs=1, batch_size=None, optimizer="sgd", learning_rate=1.0,
            clip_norm=10 * np.linalg.norm(g))
    np.testing.assert_allclose(before - net.params, g, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("penalty", "rate", "term"), [
    ("l2", 0.1, lambda W: W),          # weight decay: l2 * W
    ("l1", 0.01, np.sign),             # the lasso: l1 * sign(W)
])
def test_a_penalty_one_step_adds_its_term_to_weights_not_biases(penalty, rate, term):
    X, Y = small_regression(10)
    a = Network([3, 4, 2], init="uniform01", seed=0, dtype="float64")
    assert all(np.abs(bias).min() > 0 for bias in a.biases)  # a term would show on biases
    b = a.copy()
    W_before = [W.copy() for W in a.weights]
    lr = 0.5
    a.fit(X, Y, epochs=1, batch_size=None, optimizer="sgd", learning_rate=lr, **{penalty: rate})
    b.fit(X, Y, epochs=1, batch_size=None, optimizer="sgd", learning_rate=lr)
    for bias_a, bias_b in zip(a.biases, b.biases, strict=True):
        np.testing.assert_array_equal(bias_a, bias_b)
    for Wa, Wb, W0 in zip(a.weights, b.weights, W_before, strict=True):
        np.testing.assert_allclose(Wa, Wb - lr * rate * term(W0), rtol=1e-12, atol=1e-15)


def test_l1_makes_weights_sparse_where_l2_only_shrinks(blobs):
    # Two informative inputs and four of noise: the lasso drives the noise's
    # weights to about 0, weight decay of the same total shrinkage does not.
    X, y = blobs(200)
    X = np.hstack([X, np.random.default_rng(1).normal(size=(200, 4))])
    lasso = Network([6, 2], loss="cross_entropy", output_activation="softmax", seed=0)
    ridge = lasso.copy()
    settings = {"epochs": 60, "batch_size": 20, "optimizer": "sgd", "learning_rate": 0.2}
    lasso.fit(X, y, l1=0.02, **settings)
    ridge.fit(X, y, l2=0.02, **settings)
    noise_lasso = np.abs(lasso.weights[0][2:]).max()
    noise_ridge = np.abs(ridge.weights[0][2:]).max()
    assert noise_lasso < 0.02 < noise_ridge
    assert lasso.evaluate(X, y)["accuracy"] > 0.95


def test_l2_shrinks_weights(blobs):
    X, y = blobs(60)
    a = Network([2, 10, 2], loss="cross_entropy", seed=0)
    b = a.copy()
    a.fit(X, y, epochs=30, batch_size=20, optimizer="sgd", learning_rate=0.5, l2=0.05)
    b.fit(X, y, epochs=30, batch_size=20, optimizer="sgd", learning_rate=0.5)
    norm_a = sum(float((W.astype(np.float64) ** 2).sum()) for W in a.weights)
    norm_b = sum(float((W.astype(np.float64) ** 2).sum()) for W in b.weights)
    assert norm_a < 0.8 * norm_b


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": -1}, "epochs must be a whole number >= 0"),
        ({"epochs": 1.5}, "epochs must be a whole number >= 0"),
        ({"batch_size": 0}, "batch_size must be a whole number >= 1 or None"),
        ({"l2": -0.1}, "l2 must be a number >= 0"),
        ({"l1": float("inf")}, "l1 must be a number >= 0"),
        ({"clip_norm": 0.0}, "clip_norm must be a positive number or None"),
        ({"max_norm": float("inf")}, "max_norm must be a positive number or None"),
        ({"validation_split": 1.0}, r"validation_split must lie in \[0, 1\)"),
        ({"validation_split": 0.01}, "leaves no validation or no training data"),
    ],
)
def test_bad_fit_settings(kwargs, message):
    X, Y = small_regression(10)
    net = Network([3, 4, 2], seed=0)
    before = net.params.copy()
    with pytest.raises(ConfigError, match=message):
        net.fit(X, Y, **kwargs)
    np.testing.assert_array_equal(net.params, before)
    assert len(net.history) == 0


def test_zero_epochs_changes_nothing():
    X, Y = small_regression(10)
    net = Network([3, 4, 2], seed=0)
    before = net.params.copy()
    h = net.fit(X, Y, epochs=0)
    assert len(h) == 0
    np.testing.assert_array_equal(net.params, before)


# --------------------------------------------------------------------------- validation


def test_validation_data_figures(blobs):
    X, y = blobs(80, seed=0)
    Xv, yv = blobs(40, seed=1)
    net = Network([2, 6, 2], loss="cross_entropy", seed=0, dtype="float64")
    h = net.fit(X, y, epochs=3, batch_size=16, optimizer="adam", learning_rate=0.05,
                validation_data=(Xv, yv))
    assert h.keys() == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert all(len(v) == 3 for v in h.to_dict().values())
    final = net.evaluate(Xv, yv)
    assert h["val_loss"][-1] == pytest.approx(final["loss"], rel=1e-12)
    assert h["val_accuracy"][-1] == pytest.approx(final["accuracy"])


def test_validation_data_for_regression_has_no_accuracy():
    X, Y = small_regression(20)
    Xv, Yv = small_regression(10, seed=5)
    net = Network([3, 4, 2], seed=0)
    h = net.fit(X, Y, epochs=2, validation_data=(Xv, Yv))
    assert h.keys() == ["loss", "val_loss", "lr"]


def test_validation_split_holds_rows_out(blobs):
    X, y = blobs(50, seed=3)
    net = Network([2, 6, 2], loss="cross_entropy", seed=4, dtype="float64")
    twin = net.copy()
    h = net.fit(X, y, epochs=3, batch_size=None, optimizer="sgd", learning_rate=0.5,
                validation_split=0.2)
    assert h.keys() == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    order = np.random.default_rng(net.split_seed).permutation(50)
    val_rows, train_rows = np.sort(order[:10]), np.sort(order[10:])
    final = net.evaluate(X[val_rows], y[val_rows])
    assert h["val_loss"][-1] == pytest.approx(final["loss"], rel=1e-12)
    assert h["val_accuracy"][-1] == pytest.approx(final["accuracy"])
    # training saw only the other 40 rows
    h_twin = twin.fit(X[train_rows], y[train_rows], epochs=3, batch_size=None, optimizer="sgd",
                      learning_rate=0.5)
    np.testing.assert_allclose(net.params, twin.params, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(h["loss"], h_twin["loss"], rtol=1e-10)


def test_validation_data_and_split_together_is_an_error(blobs):
    X, y = blobs(20)
    net = Network([2, 3, 2], loss="cross_entropy", seed=0)
    with pytest.raises(ConfigError, match="pass validation_data or validation_split, not both"):
        net.fit(X, y, validation_data=(X, y), validation_split=0.2)


# --------------------------------------------------------------------------- history and output


def test_history_contents_and_loss_decreases(blobs):
    X, y = blobs(100, seed=0)
    net = Network([2, 8, 2], activation="tanh", loss="cross_entropy", seed=0)
    h = net.fit(X, y, epochs=10, batch_size=None, optimizer="sgd", learning_rate=0.5)
    assert isinstance(h, History)
    assert h.keys() == ["loss", "accuracy", "lr"]
    assert len(h) == 10
    assert all(len(v) == 10 for v in h.to_dict().values())
    loss = h["loss"]
    assert all(b < a for a, b in itertools.pairwise(loss))
    assert loss[-1] < 0.5 * loss[0]
    assert all(0.0 <= acc <= 1.0 for acc in h["accuracy"])
    assert h["accuracy"][-1] >= 0.9
    assert h["lr"] == [0.5] * 10
    assert "val_loss" not in h
    assert net.epochs_trained == 10


def test_verbose_one_line_per_epoch(blobs, capsys):
    X, y = blobs(40)
    net = Network([2, 4, 2], loss="cross_entropy", seed=0)
    net.fit(X, y, epochs=3, verbose=1, validation_split=0.25)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for k, line in enumerate(lines, start=1):
        assert re.match(rf"epoch {k}/3  loss \d+\.\d{{4}}  accuracy \d\.\d{{4}}  "
                        rf"val_loss \d+\.\d{{4}}  val_accuracy \d\.\d{{4}}  lr 0\.01  ", line), line
    # a second fit counts on from the epochs already trained
    net.fit(X, y, epochs=2, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["4/5", "5/5"]


def test_verbose_zero_prints_nothing(blobs, capsys):
    X, y = blobs(40)
    net = Network([2, 4, 2], loss="cross_entropy", seed=0)
    net.fit(X, y, epochs=3, verbose=0, validation_split=0.25)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_history_accumulates_over_fits(blobs):
    X, y = blobs(40)
    net = Network([2, 4, 2], loss="cross_entropy", seed=0)
    h1 = net.fit(X, y, epochs=3)
    h2 = net.fit(X, y, epochs=2)
    assert len(h1) == 3 and len(h2) == 2
    assert len(net.history) == 5
    assert net.history["loss"] == h1["loss"] + h2["loss"]
    assert net.history["accuracy"] == h1["accuracy"] + h2["accuracy"]
    assert net.epochs_trained == 5
    assert h1 is not net.history and h2 is not net.history


def test_callback_hooks_and_epoch_numbers(blobs):
    X, y = blobs(40)
    net = Network([2, 4, 2], loss="cross_entropy", seed=0)
    rec = ParamsRecorder()
    net.fit(X, y, epochs=2, callbacks=[rec], validation_split=0.25)
    assert rec.began == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert sorted(rec.snapshots) == [0, 1]
    assert rec.ended == 1
    np.testing.assert_array_equal(rec.snapshots[1], net.params)
    # 30 training rows (10 held out), default batch_size 32: one step per epoch
    assert rec.params == {"epochs": 2, "steps": 1, "samples": 30}
    rec2 = ParamsRecorder()
    net.fit(X, y, epochs=2, batch_size=7, callbacks=[rec2])
    assert sorted(rec2.snapshots) == [2, 3]  # global epoch numbers
    assert rec2.params == {"epochs": 4, "steps": 6, "samples": 40}
    assert rec2.logs[3]["loss"] == net.history["loss"][3]


def test_callback_can_stop_training(blobs):
    class StopAfterTwo(Callback):
        def on_epoch_end(self, net, epoch, logs):
            if epoch == 1:
                net.stop_training = True

    X, y = blobs(40)
    net = Network([2, 4, 2], loss="cross_entropy", seed=0)
    h = net.fit(X, y, epochs=10, callbacks=[StopAfterTwo()])
    assert len(h) == 2
    assert net.epochs_trained == 2


# --------------------------------------------------------------------------- early stopping


def _early_stopping_problem():
    # A linear unit y = w x trained from w = 0 towards w = 1 on the training data, while the
    # validation targets are 0.5 x: the validation loss falls until w passes 0.5, then rises.
    X = np.linspace(-1, 1, 21).reshape(-1, 1)
    net = Network([1, 1], activation="identity", loss="sse", dtype="float64")
    net.set_weights([np.zeros((1, 1)), np.zeros(1)])
    return net, X, X[:, 0], X, 0.5 * X[:, 0]


def test_early_stopping_stops_and_restores_best_weights():
    net, X, y, Xv, yv = _early_stopping_problem()
    es = EarlyStopping(patience=3)
    rec = ParamsRecorder()
    h = net.fit(X, y, epochs=100, batch_size=None, optimizer="sgd", learning_rate=0.3,
                validation_data=(Xv, yv), callbacks=[rec, es])
    val = h["val_loss"]
    best = int(np.argmin(val))
    assert 2 <= best < 20  # a genuine turning point, not the first epoch
    assert es.best_epoch == best
    assert es.best == pytest.approx(val[best])
    assert es.stopped_epoch == best + 3
    assert len(h) == best + 4 < 100
    assert net.epochs_trained == len(h)
    # validation loss got worse after the best epoch
    assert all(v > val[best] for v in val[best + 1 :])
    # the weights are those at the best epoch, not the last
    np.testing.assert_array_equal(net.params, rec.snapshots[best])
    assert not np.array_equal(net.params, rec.snapshots[len(h) - 1])
    assert net.evaluate(Xv, yv)["loss"] == pytest.approx(val[best], rel=1e-12)


def test_early_stopping_without_restore_keeps_last_weights():
    net, X, y, Xv, yv = _early_stopping_problem()
    es = EarlyStopping(patience=2, restore_best_weights=False)
    rec = ParamsRecorder()
    h = net.fit(X, y, epochs=100, batch_size=None, optimizer="sgd", learning_rate=0.3,
                validation_data=(Xv, yv), callbacks=[rec, es])
    assert es.stopped_epoch == es.best_epoch + 2 == len(h) - 1
    np.testing.assert_array_equal(net.params, rec.snapshots[len(h) - 1])


def test_early_stopping_not_triggered_runs_all_epochs(blobs):
    X, y = blobs(60)
    net = Network([2, 6, 2], loss="cross_entropy", seed=0)
    es = EarlyStopping(monitor="loss", patience=5)
    h = net.fit(X, y, epochs=6, batch_size=None, optimizer="sgd", learning_rate=0.5,
                callbacks=[es])
    assert len(h) == 6
    assert es.stopped_epoch is None
    assert es.best_epoch == 5


def test_early_stopping_monitoring_val_loss_needs_validation(blobs):
    X, y = blobs(20)
    net = Network([2, 3, 2], loss="cross_entropy", seed=0)
    with pytest.raises(ConfigError, match=r"EarlyStopping monitors 'val_loss'.*validation_data"):
        net.fit(X, y, epochs=3, callbacks=[EarlyStopping()])
    assert net.epochs_trained == 0


def test_early_stopping_bad_settings():
    with pytest.raises(ConfigError, match="mode must be"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ConfigError, match="patience and min_delta must be >= 0"):
        EarlyStopping(patience=-1)
    assert EarlyStopping(monitor="val_accuracy").maximize
    assert not EarlyStopping(monitor="val_loss").maximize


# --------------------------------------------------------------------------- optimiser continuity


def test_fit_without_optimizer_uses_sgd():
    X, Y = small_regression(10)
    net = Network([3, 4, 2], seed=0, dtype="float64")
    manual = net.copy()
    net.fit(X, Y, epochs=2, batch_size=None)
    assert type(net.optimizer) is SGD
    assert net.optimizer.learning_rate == 0.01
    for _ in range(2):
        manual.params -= 0.01 * flat(manual.gradients(X, Y))
    np.testing.assert_allclose(net.params, manual.params, rtol=1e-13)


def test_fit_without_arguments_continues_optimizer_state():
    X, Y = small_regression(10)
    a = Network([3, 4, 2], seed=0, dtype="float64")
    b = a.copy()
    a.fit(X, Y, epochs=2, batch_size=5, shuffle=False, optimizer="adam", learning_rate=0.01)
    opt = a.optimizer
    a.fit(X, Y, epochs=2, batch_size=5, shuffle=False)
    assert a.optimizer is opt
    assert opt.steps == 8
    b.fit(X, Y, epochs=4, batch_size=5, shuffle=False, optimizer="adam", learning_rate=0.01)
    np.testing.assert_array_equal(a.params, b.params)


def test_fit_with_learning_rate_starts_fresh_optimizer_of_same_kind():
    X, Y = small_regression(10)
    net = Network([3, 4, 2], seed=0, dtype="float64")
    net.fit(X, Y, epochs=2, batch_size=5, optimizer={"name": "adam", "beta1": 0.7},
            learning_rate=0.01, schedule={"name": "step", "step_size": 1, "factor": 0.5})
    old = net.optimizer
    assert old.steps == 4
    h = net.fit(X, Y, epochs=1, batch_size=5, learning_rate=0.002)
    new = net.optimizer
    assert new is not old
    assert type(new) is Adam
    assert new.learning_rate == 0.002
    assert new.beta1 == 0.7  # other hyper-parameters carried over
    assert isinstance(new.schedule, StepDecay) and new.schedule.factor_ == 0.5
    assert new.steps == 2  # fresh: only this fit's steps
    assert new.first_epoch == 2
    assert h["lr"] == [pytest.approx(0.002)]  # the new optimiser's schedule starts afresh


def test_fit_with_schedule_alone_starts_fresh_optimizer():
    X, Y = small_regression(10)
    net = Network([3, 4, 2], seed=0, dtype="float64")
    net.fit(X, Y, epochs=1, optimizer="momentum", learning_rate=0.05)
    old = net.optimizer
    net.fit(X, Y, epochs=2, schedule="exponential")
    assert net.optimizer is not old
    assert type(net.optimizer) is Momentum
    assert net.optimizer.learning_rate == 0.05
    # the schedule counts from the new optimiser's first epoch, not the network's
    assert net.history["lr"][-2:] == [pytest.approx(0.05), pytest.approx(0.05 * 0.95)]


def test_fit_with_optimizer_object_uses_it_as_is():
    X, Y = small_regression(10)
    net = Network([3, 4, 2], seed=0)
    opt = Momentum(0.02, 0.5)
    net.fit(X, Y, epochs=1, batch_size=5, optimizer=opt)
    assert net.optimizer is opt
    assert opt.steps == 2
    with pytest.raises(ConfigError, match="optimizer object"):
        net.fit(X, Y, optimizer=opt, learning_rate=0.1)


# --------------------------------------------------------------------------- learning


def xor_blobs(n, seed, spread=0.6):
    """Four Gaussian blobs at (+-2, +-2); the class is the XOR of the signs (not linear)."""
    rng = np.random.default_rng(seed)
    corner = rng.integers(0, 2, size=(n, 2))
    X = (2 * corner - 1) * 2.0 + rng.normal(scale=spread, size=(n, 2))
    return X, corner[:, 0] ^ corner[:, 1]


def test_learns_xor_blobs():
    X, y = xor_blobs(400, seed=0)
    Xt, yt = xor_blobs(200, seed=1)
    net = Network([2, 16, 2], activation="relu", output_activation="softmax",
                  loss="cross_entropy", seed=0)
    before = net.evaluate(Xt, yt)
    assert before["accuracy"] < 0.7  # not solved by the initial weights
    h = net.fit(X, y, epochs=20, batch_size=32, optimizer="adam", learning_rate=0.01)
    assert h["accuracy"][-1] >= 0.95
    result = net.evaluate(Xt, yt)
    assert result["accuracy"] >= 0.95
    assert (net.predict_classes(Xt) == yt).mean() == pytest.approx(result["accuracy"])
    assert result["loss"] < 0.25 * before["loss"]
    assert math.isfinite(result["loss"])


def test_bad_validation_data_is_refused_before_training(fit_fails, trained):
    net, X, y = trained
    message = fit_fails(net, ShapeError, X, y, validation_data=(X[:, :2], y))
    assert "X has 2 features" in message
    message = fit_fails(net, DataError, X, y, validation_data=(X, y + 3))
    assert "class labels must lie in 0..2" in message
    message = fit_fails(net, ConfigError, X, y, validation_data=(X,))
    assert "validation_data must be (X_val, y_val)" in message


def test_validation_split_too_small_for_the_data(fit_fails, labelled, three_classes):
    X, y = labelled(n=3)
    net = three_classes()
    message = fit_fails(net, ConfigError, X, y, validation_split=0.1)
    assert "leaves no validation or no training data" in message


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"epochs": -1}, "epochs must be a whole number >= 0, got -1"),
        ({"epochs": 1.5}, "epochs must be a whole number >= 0, got 1.5"),
        ({"batch_size": 0}, "batch_size must be a whole number >= 1 or None, got 0"),
        ({"batch_size": 2.5}, "batch_size must be a whole number >= 1 or None, got 2.5"),
        ({"validation_split": 1.5}, "validation_split must lie in [0, 1), got 1.5"),
        ({"validation_split": 1.0}, "validation_split must lie in [0, 1), got 1.0"),
        ({"validation_split": -0.1}, "validation_split must lie in [0, 1), got -0.1"),
        ({"l2": -1.0}, "l2 must be a number >= 0"),
        ({"l2": float("nan")}, "l2 must be a number >= 0"),
        ({"clip_norm": 0.0}, "clip_norm must be a positive number or None"),
        ({"max_norm": -2.0}, "max_norm must be a positive number or None"),
        ({"optimizer": "adamw"}, "unknown optimizer 'adamw'"),
        ({"optimizer": {"lr": 0.1}}, "an optimizer is a name (one of adam, momentum"),
        ({"optimizer": {"name": "sgd", "beta": 0.1}}, "bad parameters for optimizer 'sgd'"),
        ({"optimizer": "sgd", "schedule": "linear"}, "unknown schedule 'linear'"),
        ({"optimizer": "sgd", "schedule": {"name": "step", "step_size": 0}},
         "step schedule needs step_size >= 1"),
        ({"optimizer": "sgd", "learning_rate": -0.1}, "learning_rate must be a positive number"),
        ({"optimizer": "sgd", "learning_rate": float("inf")},
         "learning_rate must be a positive number"),
        ({"optimizer": "momentum", "learning_rate": 0.1, "schedule": "cosine",
          "validation_split": 2.0}, "validation_split must lie in [0, 1)"),
    ],
)
def test_bad_fit_settings_leave_a_trained_network_unchanged(state_of, assert_unchanged, trained,
                                                            kwargs, expected):
    net, X, y = trained
    kwargs = dict(kwargs)
    epochs = kwargs.pop("epochs", 2)
    snapshot = state_of(net)
    with pytest.raises(ConfigError) as info:
        net.fit(X, y, epochs=epochs, **kwargs)
    assert isinstance(info.value, ValueError)
    assert expected in str(info.value)
    assert_unchanged(net, snapshot)


def test_validation_data_and_validation_split_together(fit_fails, trained):
    net, X, y = trained
    message = fit_fails(net, ConfigError, X, y, validation_data=(X, y), validation_split=0.2)
    assert "pass validation_data or validation_split, not both" in message


def test_epochs_zero_is_allowed_and_changes_nothing(trained):
    net, X, y = trained
    before = net.get_weights()
    history = net.fit(X, y, epochs=0)
    assert len(history) == 0
    for a, b in zip(before, net.get_weights(), strict=True):
        assert np.array_equal(a, b)


def _divergent_setup():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1000, size=(40, 3))
    y = rng.uniform(0, 1000, size=(40, 1))
    net = Network([3, 8, 1], activation="relu", output_activation="identity", loss="sse",
                  seed=0)
    return net, X, y


def test_divergence_raises_and_restores_finite_weights():
    net, X, y = _divergent_setup()
    with pytest.raises(DivergenceError) as info:
        net.fit(X, y, epochs=50, batch_size=8, optimizer="sgd", learning_rate=1e6)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, SteepestError)
    message = str(info.value)
    assert "training diverged at epoch" in message
    assert "learning rate 1e+06" in message
    assert "smaller learning rate" in message
    # the same kind of optimiser, with its settings, restarts afresh at the next fit
    assert net.optimizer.name == "sgd" and net.optimizer.learning_rate == 1e6
    assert net.optimizer.steps == 0 and net.optimizer.state == {}
    assert np.isfinite(net.params).all()
    for array in net.get_weights():
        assert np.isfinite(array).all()
    predictions = net.predict(X)
    assert predictions.shape == (40, 1)
    assert np.isfinite(predictions).all()
    assert np.isfinite(net.evaluate(X, y)["loss"])


@pytest.mark.parametrize("batch_size", [None, 1])
def test_divergence_full_batch_and_online(batch_size):
    net, X, y = _divergent_setup()
    with pytest.raises(DivergenceError, match=r"learning rate 1e\+06"):
        net.fit(X, y, epochs=50, batch_size=batch_size, optimizer="sgd", learning_rate=1e6)
    # the same kind of optimiser, with its settings, restarts afresh at the next fit
    assert net.optimizer.name == "sgd" and net.optimizer.learning_rate == 1e6
    assert net.optimizer.steps == 0 and net.optimizer.state == {}
    assert np.isfinite(net.params).all()
    assert np.isfinite(net.predict(X)).all()


def test_training_can_continue_after_divergence():
    net, X, y = _divergent_setup()
    with pytest.raises(DivergenceError):
        net.fit(X, y, epochs=50, batch_size=None, optimizer="sgd", learning_rate=1e6)
    epochs_before = net.epochs_trained
    history = net.fit(X / 1000, y / 1000, epochs=2, learning_rate=1e-3)
    assert net.optimizer is not None
    assert net.optimizer.name == "sgd"
    assert net.optimizer.learning_rate == 1e-3
    assert len(history["loss"]) == 2
    assert all(np.isfinite(history["loss"]))
    assert net.epochs_trained == epochs_before + 2


def held_out_rows(net, n, fraction):
    order = np.random.default_rng(net.split_seed).permutation(n)
    return np.sort(order[: round(n * fraction)])


def test_new_optimizer_schedule_starts_at_its_own_first_epoch(blobs, classifier):
    X, y = blobs(64, gap=1.5)
    net = classifier()
    net.fit(X, y, epochs=10, optimizer="sgd", learning_rate=0.1)
    before = net.params.copy()
    h = net.fit(X, y, epochs=5, optimizer="adam", learning_rate=0.01,
                schedule=CosineDecay(epochs=5))
    assert h["lr"][0] == 0.01  # the schedule's epoch 0, not the network's epoch 10 (lr 0)
    assert not np.array_equal(net.params, before)
    assert net.optimizer.first_epoch == 10


def test_divergence_restarts_the_same_optimizer_afresh():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1000, size=(40, 3))
    y = rng.uniform(0, 1000, size=(40, 1))
    net = Network([3, 8, 1], activation="relu", output_activation="identity", loss="sse",
                  seed=0)
    spec = {"name": "adam", "learning_rate": 1e20, "beta1": 0.8,
            "schedule": {"name": "step", "step_size": 3, "factor": 0.5}}
    with pytest.raises(DivergenceError):
        net.fit(X, y, epochs=20, batch_size=8, optimizer=spec)
    opt = net.optimizer
    assert type(opt) is Adam
    assert opt.steps == 0 and opt.state == {}
    expected = spec | {"beta2": 0.999, "eps": 1e-8, "schedule": spec["schedule"]}
    config = opt.config()
    assert config.pop("steps") == 0
    config.pop("first_epoch")
    assert config == expected


def test_minibatch_of_tiny_weights_takes_a_tiny_step(blobs, classifier):
    X, y = blobs(32, gap=1.5)
    # the same points with flipped labels and weight 1e-9, last so they form the
    # final batch of every epoch
    Xa, ya = np.vstack([X, X]), np.concatenate([y, 1 - y])
    w = np.concatenate([np.ones(32), np.full(32, 1e-9)])
    accuracy = {}
    for batch_size in (32, None):
        net = classifier()
        net.fit(Xa, ya, epochs=100, batch_size=batch_size, shuffle=False, optimizer="sgd",
                learning_rate=0.5, sample_weight=w)
        accuracy[batch_size] = net.evaluate(X, y)["accuracy"]
    assert accuracy[None] >= 0.95
    assert accuracy[32] >= 0.95


def test_clip_norm_with_a_gradient_whose_squared_norm_overflows_float32():
    net = Network([1, 1], activation="identity", loss="mse")
    net.set_weights([np.ones((1, 1)), np.zeros(1)])
    X, y = np.array([[1e10], [2e10]]), np.array([0.0, 0.0])
    before = net.params.astype(np.float64)
    net.fit(X, y, epochs=1, batch_size=None, optimizer="sgd", learning_rate=0.1,
            clip_norm=1.0)
    moved = np.linalg.norm(net.params.astype(np.float64) - before)
    assert moved == pytest.approx(0.1, rel=1e-5)


@pytest.mark.parametrize("zero_side", ["validation", "training"])
def test_validation_split_with_zero_weights_on_one_side(blobs, classifier, zero_side):
    X, y = blobs(20, gap=1.5)
    net = classifier()
    val_rows = held_out_rows(net, 20, 0.25)
    in_val = np.isin(np.arange(20), val_rows)
    w = np.where(in_val, 0.0, 1.0) if zero_side == "validation" else np.where(in_val, 1.0, 0.0)
    with pytest.raises(DataError, match="zero sample weights"):
        net.fit(X, y, epochs=1, validation_split=0.25, sample_weight=w)


@pytest.mark.parametrize(
    "setting",
    [
        {"batch_size": 32.0},
        {"batch_size": True},
        {"batch_size": "a"},
        {"epochs": 2.0},
        {"epochs": None},
        {"epochs": float("nan")},
        {"epochs": float("inf")},
        {"l2": None},
        {"l2": "0.1"},
        {"l1": None},
        {"clip_norm": "1"},
        {"validation_split": None},
        {"learning_rate": "x"},
        {"learning_rate": True},
    ],
    ids=lambda setting: ",".join(f"{k}={v!r}" for k, v in setting.items()),
)
def test_fit_settings_of_the_wrong_type_raise_config_error(blobs, classifier, setting):
    X, y = blobs(20, gap=1.5)
    net = classifier()
    (name, value), = setting.items()
    with pytest.raises(ConfigError, match=rf"^{name} must .*, got {re.escape(repr(value))}$"):
        net.fit(X, y, **({"optimizer": "sgd"} | setting))
    # NumPy integers are whole numbers
    h = net.fit(X, y, epochs=np.int64(2), batch_size=np.int64(16))
    assert len(h["loss"]) == 2


def test_fit_failing_its_checks_leaves_the_optimizer_alone(blobs, classifier):
    X, y = blobs(20, gap=1.5)
    net = classifier()
    net.fit(X, y, epochs=2, optimizer="adam")
    adam, steps = net.optimizer, net.optimizer.steps
    assert steps > 0
    with pytest.raises(ConfigError, match="val_loss"):
        net.fit(X, y, optimizer="sgd", callbacks=[EarlyStopping(monitor="val_loss")])
    assert net.optimizer is adam
    assert adam.steps == steps


def test_unseeded_network_holds_out_the_same_rows_every_fit(blobs, tmp_path):
    X, y = blobs(50, gap=1.5)
    net = Network([2, 4, 2], activation="tanh", loss="cross_entropy")  # seed=None
    split_seed = net.split_seed
    val_rows = held_out_rows(net, 50, 0.2)
    for _ in range(2):
        h = net.fit(X, y, epochs=1, validation_split=0.2)
        assert net.split_seed == split_seed
        final = net.evaluate(X[val_rows], y[val_rows])["loss"]
        assert h["val_loss"][-1] == pytest.approx(final, rel=1e-12)

    loaded = steepest.load(net.save(tmp_path / "net.npz"))
    assert loaded.split_seed == split_seed
    h = loaded.fit(X, y, epochs=1, validation_split=0.2)
    final = loaded.evaluate(X[val_rows], y[val_rows])["loss"]
    assert h["val_loss"][-1] == pytest.approx(final, rel=1e-12)


def test_non_finite_gradient_counts_as_divergence():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1000, size=(40, 3))
    y = rng.uniform(0, 1000, size=(40, 1))
    net = Network([3, 8, 1], activation="tanh", output_activation="identity", loss="mse",
                  seed=0)
    with pytest.raises(DivergenceError, match="gradient"):
        net.fit(X, y, epochs=30, batch_size=8, optimizer="sgd", learning_rate=1e18)
    assert np.isfinite(net.params).all()
    h = net.fit(X / 1000, y / 1000, epochs=20, batch_size=8, learning_rate=0.01)
    assert np.isfinite(h["loss"]).all()
    assert h["loss"][-1] < h["loss"][0]


class Halving(Schedule):
    """A user's own schedule (not one of the built-in names)."""

    name = "halving"

    def factor(self, epoch: int) -> float:
        return 0.5**epoch


def test_divergence_with_a_user_defined_schedule_raises_divergence_error():
    net, X, y = _divergent_setup()
    with pytest.raises(DivergenceError):
        net.fit(X, y, epochs=20, batch_size=8, optimizer=SGD(1e6, schedule=Halving()))
    assert net.optimizer.steps == 0


@pytest.mark.parametrize("learning_rate", [np.float32(0.01), np.int64(1)], ids=repr)
def test_numpy_scalar_learning_rate_is_accepted(blobs, classifier, learning_rate):
    X, y = blobs(20, gap=1.5)
    h = classifier().fit(X, y, optimizer="sgd", learning_rate=learning_rate)
    assert h["lr"] == [float(learning_rate)]


def test_a_loss_that_explodes_but_stays_finite_stops_training_and_keeps_good_weights():
    # Adam at 1e6 drives the loss to ~1e22 within a few steps, all finite.
    rng = np.random.default_rng(0)
    X, y = rng.random((200, 8)), rng.integers(0, 3, 200)
    net = Network([8, 32, 3], activation="relu", loss="cross_entropy", seed=0)
    start = net.evaluate(X, y)["loss"]
    with pytest.raises(DivergenceError, match=r"the loss exploded to .* \(more than 1e\+06 "
                       r"times .*\) \(learning rate 1e\+06\)") as info:
        net.fit(X, y, epochs=3, batch_size=16, optimizer="adam", learning_rate=1e6)
    error = info.value
    assert (error.epoch, error.reason.startswith("the loss exploded")) == (1, True)
    assert error.batch >= 2 and error.learning_rate == 1e6
    assert net.evaluate(X, y)["loss"] < 1e3 * start  # the weights before the explosion
    assert net.optimizer.steps == 0  # a fresh optimiser next time


def test_a_loss_that_rises_and_falls_within_bounds_is_not_divergence():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(64, 2)), rng.normal(size=(64, 1)) * 100  # loss starts ~1e4
    net = Network([2, 8, 1], activation="tanh", output_activation="identity", loss="mse",
                  seed=0)
    history = net.fit(X, y, epochs=5, batch_size=8, optimizer="sgd", learning_rate=0.01)
    assert len(history["loss"]) == 5


def test_callbacks_must_be_callbacks(trained):
    net, X, y = trained
    for bad in ([1], ["EarlyStopping"], 3):
        with pytest.raises(ConfigError, match="callbacks must be"):
            net.fit(X, y, callbacks=bad)


def test_one_optimizer_object_is_not_shared_between_two_networks(blobs):
    from steepest.optimizers import Adam

    X, y = blobs(40)
    first, second = (Network([2, 3, 2], loss="cross_entropy", seed=s) for s in (0, 1))
    adam = Adam(0.01)
    first.fit(X, y, optimizer=adam)
    first.fit(X, y, optimizer=adam)  # the same network may go on with it
    with pytest.raises(ConfigError, match=r"already trains another network.*optimizer\.fresh"):
        second.fit(X, y, optimizer=adam)
    assert second.optimizer is None and second.epochs_trained == 0
    second.fit(X, y, optimizer=adam.fresh())
    assert second.optimizer is not adam and second.optimizer.steps > 0
    assert adam.steps == 2 * len(range(0, 40, 32))


def test_fit_calls_on_batch_end_only_where_a_callback_has_one(blobs):
    # The running loss and accuracy of an epoch are worked out after each batch only
    # for callbacks that read them: one of their own, on the class or the instance.
    X, y = blobs()

    class Counting(Callback):
        def __init__(self) -> None:
            self.logs: list[dict[str, float]] = []

        def on_batch_end(self, net, step, logs) -> None:
            self.logs.append(dict(logs))

    class EpochsOnly(Callback):
        pass

    counting, hooked, steps = Counting(), EpochsOnly(), []
    hooked.on_batch_end = lambda net, step, logs: steps.append(step)
    assert counting.wants_batches and hooked.wants_batches
    assert not EpochsOnly().wants_batches and not steepest.EarlyStopping().wants_batches
    net = Network([2, 4, 2], loss="cross_entropy", seed=0)
    batches = -(-len(X) // 32)
    net.fit(X, y, epochs=2, batch_size=32, callbacks=[counting, hooked, EpochsOnly()])
    assert len(counting.logs) == 2 * batches and steps == list(range(batches)) * 2
    assert set(counting.logs[-1]) == {"loss", "accuracy"}
    assert counting.logs[-1]["loss"] == pytest.approx(net.history["loss"][-1])
    assert counting.logs[-1]["accuracy"] == pytest.approx(net.history["accuracy"][-1])
