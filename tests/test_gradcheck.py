"""Tests of steepest.gradcheck: backpropagation agrees with central differences.

The property tests draw random architectures (1-4 weight layers, widths 1-6),
every hidden activation, every loss with each output activation it accepts,
float32 and float64 networks, with and without sample weights, and require a
relative error below 1e-6 for every weight matrix and bias vector, using the
library's default step ``eps = 1e-6``.

Two kinds of draw are rejected (``hypothesis.assume``) rather than loosening
that tolerance, because on them the finite-difference referee itself is
wrong, whatever backpropagation does:

1. ReLU kinks. A central difference approximates a derivative only where the
   loss is differentiable on all of ``[p - eps, p + eps]``. Perturbing one
   parameter by ``eps = 1e-6`` moves any weighted sum by at most about
   ``eps * |input| * (product of downstream weights)`` -- with inputs and
   weights of order 1 and at most 4 layers, well under 1e-5. A ReLU/leaky-ReLU
   unit whose sum ``|z| < 1e-4`` (a 10x margin) might switch branch between
   the two evaluations, making the "numerical gradient" a secant across the
   kink; such draws are rejected. They are rare (~1 in 1000 draws).

2. Gradients below the referee's resolution. Each numerical derivative
   ``(L(p+eps) - L(p-eps)) / (2 eps)`` carries a rounding error of about
   ``u * |L| / eps`` (``u = 2.2e-16``), i.e. ~2e-10 * |L| at eps = 1e-6, however
   exact backpropagation is. The relative error of an array whose gradient has
   RMS ``r`` is therefore at least ~``2e-10 * |L| / r``; it says nothing about
   backpropagation once ``r`` is tiny (vanishing gradients through saturated
   sigmoids or width-1 bottlenecks give r/|L| of 1e-5 and relative errors of
   1e-5 from rounding alone). Draws where some W or b gradient is not exactly 0
   yet has ``RMS < 1e-3 * |L|`` are rejected: above that bound the rounding
   floor is ~2e-7 at worst (observed <= 1e-7 over thousands of draws), below
   the 1e-6 tolerance. This rejects ~8% of draws. A gradient that is exactly
   zero (dead ReLU layer) is kept: the numerical one must then be 0 too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import steepest
from steepest import GradCheckResult, gradcheck
from steepest.activations import (
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from steepest.errors import ConfigError, DataError, ShapeError
from steepest.losses import BinaryCrossEntropy, CrossEntropy, SumSquaredError

TOLERANCE = 1e-6
KINK_MARGIN = 1e-4
RESOLUTION = 1e-3  # minimal RMS(gradient) / |loss| the referee can resolve at eps=1e-6

# Flat lists (one sampled_from each) so that every choice is drawn about equally often.
HIDDEN = st.sampled_from(
    [
        Sigmoid(), Sigmoid(c=0.5), Sigmoid(c=2.0), Sigmoid(c=3.0), Tanh(), ReLU(),
        LeakyReLU(), LeakyReLU(slope=0.0), LeakyReLU(slope=0.3), Identity(),
    ]
)
SIGMOIDS = [Sigmoid(), Sigmoid(c=0.25), Sigmoid(c=0.5), Sigmoid(c=2.0), Sigmoid(c=3.0)]
REGRESSION_OUTPUTS = [
    Sigmoid(), Sigmoid(c=0.5), Sigmoid(c=3.0), Tanh(), Identity(), ReLU(), LeakyReLU(),
    LeakyReLU(slope=0.3), Softmax(),
]
OUTPUTS = {
    "sse": st.sampled_from(REGRESSION_OUTPUTS),
    "mse": st.sampled_from(REGRESSION_OUTPUTS),
    "binary_cross_entropy": st.sampled_from(SIGMOIDS),
    "cross_entropy": st.just(Softmax()),
}


@st.composite
def problems(draw: st.DrawFn, loss: str) -> dict[str, Any]:
    """A network description for ``loss`` and a seed for its data."""
    output = draw(OUTPUTS[loss])
    n_layers = draw(st.integers(1, 4))
    n_hidden = n_layers - 1
    n_out = draw(st.integers(2 if isinstance(output, Softmax) else 1, 6))
    return {
        "sizes": [
            draw(st.integers(1, 6)),
            *draw(st.lists(st.integers(1, 6), min_size=n_hidden, max_size=n_hidden)),
            n_out,
        ],
        "activations": [
            *draw(st.lists(HIDDEN, min_size=n_hidden, max_size=n_hidden)),
            output,
        ],
        "loss": loss,
        "dtype": draw(st.sampled_from(["float32", "float64"])),
        "n_samples": draw(st.integers(1, 6)),
        "weighted": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def _build(
    p: dict[str, Any],
) -> tuple[steepest.Network, np.ndarray, np.ndarray, np.ndarray | None]:
    rng = np.random.default_rng(p["seed"])
    net = steepest.Network(
        p["sizes"], activation=p["activations"], loss=p["loss"], dtype=p["dtype"],
        seed=int(rng.integers(2**31)),
    )
    # random biases too (the initialisers set them to 0), so bias paths carry values
    for b in net.biases:
        b[...] = rng.normal(0.0, 0.5, size=b.shape)
    n, n_out = p["n_samples"], p["sizes"][-1]
    X = rng.normal(size=(n, p["sizes"][0]))
    if p["loss"] == "cross_entropy":
        if rng.random() < 0.5:
            y = rng.integers(0, n_out, size=n)  # class labels, one-hot inside
        else:
            y = rng.dirichlet(np.ones(n_out), size=n)  # soft targets
    elif p["loss"] == "binary_cross_entropy":
        y = rng.uniform(0.0, 1.0, size=(n, n_out))
        y[rng.random(size=y.shape) < 0.3] = 1.0
    else:
        y = rng.normal(size=(n, n_out))
    w = None
    if p["weighted"]:
        w = rng.uniform(0.0, 3.0, size=n)
        w[rng.random(size=n) < 0.25] = 0.0  # some samples not counted at all
        w[rng.integers(n)] = 1.0 + rng.random()  # a positive sum
    return net, X, y, w


def _away_from_kinks(net: steepest.Network, X: np.ndarray) -> bool:
    """No ReLU-family unit has a weighted sum within KINK_MARGIN of 0 (see module doc)."""
    trace = net.astype("float64").forward(X)
    return all(
        np.abs(Z).min() >= KINK_MARGIN
        for Z, f in zip(trace.sums, net.activations, strict=True)
        if isinstance(f, ReLU | LeakyReLU)
    )


def _resolvable(
    net: steepest.Network, X: np.ndarray, y: np.ndarray, w: np.ndarray | None
) -> bool:
    """Every W/b gradient is exactly 0 or above the referee's rounding floor."""
    twin = net.astype("float64")
    loss = abs(twin.evaluate(X, y, sample_weight=w)["loss"])
    for g in twin.gradients(X, y, sample_weight=w):
        rms = float(np.sqrt(np.mean(g * g)))
        if 0 < rms < RESOLUTION * loss:
            return False
    return True


def _check_property(p: dict[str, Any]) -> None:
    net, X, y, w = _build(p)
    assume(_away_from_kinks(net, X))
    assume(_resolvable(net, X, y, w))
    result = gradcheck(net, X, y, sample_weight=w)
    assert isinstance(result, GradCheckResult)
    assert len(result.errors) == net.n_layers
    assert result.weight_shapes == [W.shape for W in net.weights]
    assert result.max_error < TOLERANCE, f"{result}\n{net!r}"
    assert result.passed()


PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


@PROPERTY_SETTINGS
@given(problems("sse"))
def test_backprop_matches_finite_differences_sse(p: dict[str, Any]) -> None:
    _check_property(p)


@PROPERTY_SETTINGS
@given(problems("mse"))
def test_backprop_matches_finite_differences_mse(p: dict[str, Any]) -> None:
    _check_property(p)


@PROPERTY_SETTINGS
@given(problems("binary_cross_entropy"))
def test_backprop_matches_finite_differences_binary_cross_entropy(p: dict[str, Any]) -> None:
    _check_property(p)


@PROPERTY_SETTINGS
@given(problems("cross_entropy"))
def test_backprop_matches_finite_differences_cross_entropy(p: dict[str, Any]) -> None:
    _check_property(p)


# ---------------------------------------------------------------------- fixed networks


def _data(n: int, n_in: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, n_in))


CASES = [
    ("sse", "sigmoid", None, np.random.default_rng(1).normal(size=(6, 2))),
    ("mse", "tanh", "identity", np.random.default_rng(2).normal(size=(6, 2))),
    ("binary_cross_entropy", "tanh", None, np.array([[0, 1], [1, 1], [0, 0], [1, 0],
                                                      [0, 1], [1, 1]], dtype=float)),
    ("cross_entropy", "tanh", None, np.array([0, 1, 1, 0, 1, 0])),
    ("sse", "tanh", "softmax", np.eye(2)[[0, 1, 1, 0, 1, 0]]),
    ("mse", "sigmoid", "softmax", np.random.default_rng(3).uniform(size=(6, 2))),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("loss", "hidden", "output", "y"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES]
)
def test_gradcheck_default_call_passes(loss: str, hidden: str, output: str | None,
                                       y: np.ndarray, dtype: str) -> None:
    net = steepest.Network([3, 4, 3, 2], activation=hidden, output_activation=output,
                           loss=loss, seed=5, dtype=dtype)
    result = gradcheck(net, _data(6, 3), y)
    assert result.eps == 1e-6
    assert result.weight_shapes == [(3, 4), (4, 3), (3, 2)]
    assert len(result.weight_errors) == len(result.bias_errors) == 3
    assert result.errors == [max(a, b) for a, b in zip(result.weight_errors,
                                                       result.bias_errors, strict=True)]
    assert result.max_error == max(result.errors)
    assert result.max_error < TOLERANCE
    assert result.passed()
    report = str(result)
    lines = report.splitlines()
    assert lines[0] == "gradient check (central differences, eps=1e-06, float64)"
    assert lines[1].split() == ["layer", "W", "shape", "error", "W", "error", "b", "resolution"]
    assert len(lines) == 3 + net.n_layers
    assert lines[2].startswith("0     (3, 4)")
    assert lines[4].startswith("2     (3, 2)")
    assert lines[-1] == f"max relative error {result.max_error:.2e}: OK"
    assert "MISMATCH" not in report


EVERY_HIDDEN = [
    Sigmoid(), Sigmoid(c=0.5), Sigmoid(c=3.0), Tanh(), ReLU(), LeakyReLU(),
    LeakyReLU(slope=0.3), Identity(),
]


@pytest.mark.parametrize("hidden", EVERY_HIDDEN, ids=repr)
def test_gradcheck_every_hidden_activation(hidden: Any) -> None:
    net = steepest.Network([3, 5, 4, 2], activation=hidden, output_activation="identity",
                           loss="mse", seed=21, dtype="float64")
    for b in net.biases:
        b[...] = 0.3
    X, y = _data(7, 3, seed=4), _data(7, 2, seed=5)
    assert _away_from_kinks(net, X)
    assert _resolvable(net, X, y, None)
    result = gradcheck(net, X, y)
    assert result.max_error < TOLERANCE, str(result)


def test_gradcheck_with_sample_weight_and_custom_eps() -> None:
    net = steepest.Network([2, 5, 3], activation="relu", loss="cross_entropy", seed=11,
                           dtype="float64")
    X = _data(8, 2, seed=3)
    y = np.array([0, 1, 2, 2, 1, 0, 1, 2])
    w = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 3.0, 1.0, 1.0])
    assert _away_from_kinks(net, X)
    result = gradcheck(net, X, y, eps=1e-5, sample_weight=w)
    assert result.eps == 1e-5
    assert str(result).startswith("gradient check (central differences, eps=1e-05, float64)")
    assert result.max_error < TOLERANCE


def test_gradcheck_ignores_dropout() -> None:
    # The loss must be a deterministic function of the weights: no dropout masks.
    net = steepest.Network([3, 6, 6, 2], activation="tanh", loss="cross_entropy",
                           dropout=0.5, seed=2)
    X, y = _data(5, 3), np.array([0, 1, 1, 0, 1])
    first = gradcheck(net, X, y)
    assert first.max_error < TOLERANCE
    assert gradcheck(net, X, y).weight_errors == first.weight_errors


def test_result_fields_and_passed_threshold() -> None:
    r = GradCheckResult(
        weight_errors=[1e-3, 1e-9], bias_errors=[1e-9, 2e-3],
        weight_shapes=[(2, 3), (3, 1)], eps=1e-6,
    )
    assert r.errors == [1e-3, 2e-3]
    assert r.max_error == 2e-3
    assert not r.passed()
    assert r.passed(tolerance=1e-2)
    assert not r.passed(tolerance=2e-3)  # strictly below
    lines = str(r).splitlines()
    assert lines[2].split() == ["0", "(2,", "3)", "1.00e-03", "1.00e-09", "0.00e+00"]
    assert lines[3].split() == ["1", "(3,", "1)", "1.00e-09", "2.00e-03", "0.00e+00"]
    assert lines[-1] == "max relative error 2.00e-03: MISMATCH: backpropagation disagrees"


def test_result_all_zero_errors_pass() -> None:
    r = GradCheckResult([0.0], [0.0], [(1, 1)], 1e-6)
    assert r.max_error == 0.0
    assert r.passed()
    assert str(r).endswith("max relative error 0.00e+00: OK")


# ---------------------------------------------------------------------- the check catches bugs


def _scaled(method: Callable[..., np.ndarray], factor: float) -> Callable[..., np.ndarray]:
    def wrong(self: object, *args: Any) -> np.ndarray:
        return method(self, *args) * factor

    return wrong


def test_catches_wrong_hidden_activation_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    net = steepest.Network([3, 4, 2], activation="tanh", output_activation="identity",
                           loss="sse", seed=0)
    X, y = _data(5, 3), _data(5, 2, seed=1)
    assert gradcheck(net, X, y).passed()
    monkeypatch.setattr(Tanh, "backward", _scaled(Tanh.backward, 1.5))
    result = gradcheck(net, X, y)
    # layer 0's gradient is 1.5x the true one: relative error 0.5 / 2.5 = 0.2
    assert result.errors[0] > 1e-2
    assert result.errors[0] == pytest.approx(0.2, rel=1e-4)
    assert result.errors[1] < TOLERANCE  # the output layer does not use tanh'
    assert result.max_error > 1e-2
    assert not result.passed()
    assert "MISMATCH" in str(result)


def test_catches_sigmoid_slope_forgotten_in_backward(monkeypatch: pytest.MonkeyPatch) -> None:
    net = steepest.Network([2, 3, 1], activation=Sigmoid(c=3.0), loss="sse", seed=4)
    X, y = _data(4, 2), _data(4, 1, seed=9)
    assert gradcheck(net, X, y).passed()

    def backward_without_c(self: Sigmoid, Z: np.ndarray, A: np.ndarray, g: np.ndarray
                           ) -> np.ndarray:
        return g * A * (1.0 - A)

    monkeypatch.setattr(Sigmoid, "backward", backward_without_c)
    result = gradcheck(net, X, y)
    assert min(result.errors) > 1e-2  # every layer goes through a sigmoid
    assert "MISMATCH: backpropagation disagrees" in str(result)


@pytest.mark.parametrize(("cls", "loss", "y"), [
    (CrossEntropy, "cross_entropy", np.array([0, 1, 1, 0, 1])),
    (BinaryCrossEntropy, "binary_cross_entropy", np.array([[0, 1], [1, 1], [0, 0], [1, 0],
                                                           [0, 1]], dtype=float)),
    (SumSquaredError, "sse", _data(5, 2, seed=7)),
])
def test_catches_wrong_output_delta(monkeypatch: pytest.MonkeyPatch, cls: type, loss: str,
                                    y: np.ndarray) -> None:
    net = steepest.Network([3, 4, 2], activation="tanh", loss=loss, seed=1,
                           output_activation="sigmoid" if loss == "sse" else None)
    X = _data(5, 3)
    assert gradcheck(net, X, y).passed()
    monkeypatch.setattr(cls, "output_delta", _scaled(cls.output_delta, 2.0))
    result = gradcheck(net, X, y)
    # every gradient doubled: relative error (2 - 1) / (2 + 1) = 1/3 in every layer
    np.testing.assert_allclose(result.errors, 1 / 3, rtol=1e-4)
    assert not result.passed()
    assert "MISMATCH" in str(result)


def test_catches_missing_activation_derivative(monkeypatch: pytest.MonkeyPatch) -> None:
    # A psi recursion that forgets the derivative of the hidden activation.
    net = steepest.Network([2, 3, 3, 1], activation="sigmoid", loss="sse", seed=0)
    X, y = _data(4, 2), _data(4, 1, seed=5)
    monkeypatch.setattr(Sigmoid, "backward", lambda self, Z, A, g: g)
    result = gradcheck(net, X, y)
    assert result.max_error > 1e-2
    assert not result.passed()


# ---------------------------------------------------------------------- side effects


def test_gradcheck_leaves_float32_network_untouched() -> None:
    net = steepest.Network([3, 5, 2], activation="tanh", loss="cross_entropy", seed=8)
    assert net.params.dtype == np.float32
    before = net.params.copy()
    weights_before = net.get_weights()
    rng_state = net.rng.bit_generator.state
    X, y = _data(6, 3), np.array([0, 1, 0, 1, 1, 0])
    result = gradcheck(net, X, y)
    assert result.passed()
    assert net.params.dtype == np.float32
    assert net.dtype == np.float32
    np.testing.assert_array_equal(net.params, before)
    assert net.params.tobytes() == before.tobytes()
    for now, then in zip(net.get_weights(), weights_before, strict=True):
        assert now.dtype == np.float32
        np.testing.assert_array_equal(now, then)
    assert net.rng.bit_generator.state == rng_state
    # the weights are still views into params, as before
    net.weights[0][0, 0] = 123.0
    assert net.params[0] == np.float32(123.0)


def test_gradcheck_float32_same_as_float64_copy() -> None:
    net = steepest.Network([2, 4, 1], activation="sigmoid", loss="binary_cross_entropy",
                           seed=3)
    X, y = _data(5, 2), np.array([0, 1, 1, 0, 1])
    r32 = gradcheck(net, X, y)
    r64 = gradcheck(net.astype("float64"), X, y)
    assert r32 == r64


def test_gradcheck_does_not_modify_inputs() -> None:
    net = steepest.Network([2, 3, 2], activation="tanh", loss="mse", seed=0, dtype="float64")
    X, y, w = _data(4, 2), _data(4, 2, seed=1), np.array([1.0, 2.0, 0.0, 1.0])
    copies = (X.copy(), y.copy(), w.copy())
    gradcheck(net, X, y, sample_weight=w)
    for now, then in zip((X, y, w), copies, strict=True):
        np.testing.assert_array_equal(now, then)


def test_gradcheck_validates_data() -> None:
    net = steepest.Network([3, 2], activation="sigmoid", loss="sse", seed=0)
    with pytest.raises(ShapeError, match="X has 2 features"):
        gradcheck(net, _data(4, 2), _data(4, 2))
    with pytest.raises(ShapeError, match="sample_weight has 3 values but X has 4 rows"):
        gradcheck(net, _data(4, 3), _data(4, 2), sample_weight=np.ones(3))
    with pytest.raises(DataError, match="NaN or infinity"):
        gradcheck(net, np.full((4, 3), np.nan), _data(4, 2))


@pytest.mark.parametrize("eps", [0, 0.0, float("nan"), -1])
def test_gradcheck_rejects_non_positive_eps(blobs, classifier, eps):
    X, y = blobs(8, gap=1.5)
    with pytest.raises(ConfigError, match="eps"):
        gradcheck(classifier(), X, y, eps=eps)


# ---------------------------------------------------------------------- tiny gradients


def _deep_sigmoid(seed: int = 0):
    """Eight sigmoid layers of 20 with mse: the first layers' gradients vanish."""
    rng = np.random.default_rng(seed)
    net = steepest.Network([3, *[20] * 8, 3], activation="sigmoid", loss="mse", seed=seed)
    for b in net.biases:
        b[...] = rng.normal(0.0, 0.5, b.shape)
    return net, rng.normal(size=(8, 3)), rng.uniform(0, 1, (8, 3))


def test_deep_sigmoid_networks_pass_within_the_resolution_of_finite_differences():
    net, X, y = _deep_sigmoid()
    result = gradcheck(net, X, y)
    # Layer 0's gradient is tiny: rounding in the loss differences dominates its
    # numerical gradient (a relative error near 1e-4), and the resolution says so.
    assert result.weight_errors[0] > 1e-5
    assert result.weight_errors[0] <= result.weight_resolutions[0]
    assert result.weight_errors[-1] < 1e-8 and result.weight_resolutions[-1] < 1e-7
    assert result.passed()
    assert str(result).splitlines()[-1].startswith(
        f"max relative error {result.max_error:.2e}: OK (within the resolution of finite "
        "differences in layer 0")


def test_a_sigmoid_with_a_small_slope_passes():
    rng = np.random.default_rng(1)
    net = steepest.Network([2, 50, 50, 2], activation=Sigmoid(c=0.01), loss="mse", seed=0)
    result = gradcheck(net, rng.normal(size=(8, 2)), rng.uniform(0, 1, (8, 2)))
    assert result.passed(), str(result)


@pytest.mark.slow
@pytest.mark.parametrize("make", [_deep_sigmoid, lambda: (
    steepest.Network([3, 5, 4, 3], activation="sigmoid", loss="mse", seed=0),
    np.random.default_rng(2).normal(size=(6, 3)), np.random.default_rng(3).random((6, 3)))])
def test_a_derivative_wrong_by_one_part_in_a_hundred_thousand_is_caught(make, monkeypatch):
    net, X, y = make()
    assert gradcheck(net, X, y).passed()
    exact = Sigmoid.backward

    def slightly_off(self, Z, A, grad_A):
        return exact(self, Z, A, grad_A) * (1 + 1e-5)

    monkeypatch.setattr(Sigmoid, "backward", slightly_off)
    result = gradcheck(net, X, y)
    assert not result.passed()
    assert str(result).endswith("MISMATCH: backpropagation disagrees")


@pytest.mark.slow
def test_a_big_network_has_a_sample_of_its_parameters_checked_in_seconds():
    rng = np.random.default_rng(0)
    net = steepest.Network([784, 800, 800, 10], activation="relu", loss="cross_entropy",
                           seed=0)
    for b in net.biases:
        b[...] = rng.normal(0.0, 0.5, b.shape)
    X, y = rng.normal(size=(4, 784)), rng.integers(0, 10, 4)
    result = gradcheck(net, X, y)
    assert result.total == net.n_params == 1_276_810
    assert 60 <= result.checked < 1_000  # every W and b has at least 10 checked
    assert result.passed(), str(result)
    assert "parameters, sampled per layer" in str(result).splitlines()[0]
    again = gradcheck(net, X, y)  # the same sample (seed 0), the same figures
    assert again.weight_errors == result.weight_errors
    assert gradcheck(net, X, y, max_params=100).checked <= result.checked
