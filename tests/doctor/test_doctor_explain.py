"""Network.explain (the README's "Explain one training step", part of the doctor):
the step it prints is the very step fit takes."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from steepest import Network


@pytest.mark.parametrize("loss, out, targets", [
    ("cross_entropy", None, lambda r: r.integers(0, 3, 5)),
    ("sse", "sigmoid", lambda r: r.random((5, 3))),
    ("binary_cross_entropy", None, lambda r: r.integers(0, 2, (5, 3))),
])
def test_explain_matches_gradients_and_loss_with_dropout_and_several_samples(loss, out,
                                                                             targets):
    from steepest.explain import training_step
    from steepest.optimizers import SGD

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 4)), targets(rng)
    net = Network([4, 6, 3], activation="tanh", output_activation=out, loss=loss,
                  dropout=0.5, seed=0, dtype="float64")
    step = training_step(net, X, y, 0.1)
    # Dropout as in training: the very step fit takes, masks and all (a copy holds
    # the same random state, so it draws the same masks).
    done = net.copy().train_step(X, y, SGD(0.1))
    assert done.applied and step.masks[0] is not None
    np.testing.assert_array_equal(step.masks[0], done.trace.masks[0])
    for k in range(net.n_layers):
        np.testing.assert_array_equal(step.weight_grads[k], done.gradients.weights[k])
        np.testing.assert_array_equal(step.bias_grads[k], done.gradients.biases[k])
        np.testing.assert_array_equal(step.psis[k], done.gradients.psis[k])
    assert step.loss == done.loss
    # Without dropout, the step's gradient is the one net.gradients gives.
    net.dropout = [0.0]
    plain, grads = training_step(net, X, y, 0.1), net.gradients(X, y)
    for k in range(net.n_layers):
        np.testing.assert_allclose(plain.weight_grads[k], grads[2 * k], atol=1e-12)
        np.testing.assert_allclose(plain.bias_grads[k], grads[2 * k + 1], atol=1e-12)
    assert plain.loss == pytest.approx(net.evaluate(X, y)["loss"], rel=1e-12)
    net.dropout = [0.5]
    text = net.explain(X, y, file=io.StringIO())
    assert "dropout as in training" in text and "M_0 (dropout mask)" in text
    assert "5 samples" in text


def test_explain_apply_is_one_sgd_step():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, 6)
    net = Network([3, 4, 2], activation="tanh", loss="cross_entropy", seed=0, dtype="float64")
    twin = net.copy()
    net.explain(X, y, learning_rate=0.3, apply=True, file=io.StringIO())
    twin.fit(X, y, epochs=1, batch_size=None, optimizer="sgd", learning_rate=0.3, shuffle=False)
    np.testing.assert_allclose(net.params, twin.params, atol=1e-12)


def test_explain_never_prints_minus_zero():
    # -0.0 (here an input; also X.T @ psi with a zero signal) used to print as "-0".
    net = Network([2, 1], activation="identity", loss="mse", dtype="float64", seed=0)
    net.set_weights([np.array([[1.0], [1.0]]), np.array([0.0])])
    X = np.array([[-0.0, -2.0]])
    text = net.explain(X, X.sum(axis=1, keepdims=True), file=io.StringIO())
    assert "[[0, -2]]" in text
    assert not re.search(r"(?<![\w.])-0(?![\w.])", text), text
