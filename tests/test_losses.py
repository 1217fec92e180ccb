"""Tests of steepest.losses: per-sample values, stability, output_delta and pairings."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import steepest
from steepest.activations import (
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from steepest.errors import ConfigError
from steepest.losses import (
    LOSSES,
    BinaryCrossEntropy,
    CrossEntropy,
    Loss,
    MeanSquaredError,
    SumSquaredError,
    get_loss,
)

Y3 = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]])
A3 = np.array([[0.2, 0.7, 0.5], [0.4, 0.1, 1.0]])


def _logsumexp_by_hand(row: list[float]) -> float:
    m = max(row)
    return m + math.log(math.fsum(math.exp(v - m) for v in row))


# ---------------------------------------------------------------------- per_sample values


def test_sse_per_sample_by_hand() -> None:
    out = SumSquaredError().per_sample(Y3, A3, A3, Identity())
    # row 0: 0.5 * (0.04 + 0.09 + 0) ; row 1: 0.5 * (0.36 + 0.01 + 0.5625)
    np.testing.assert_allclose(out, [0.065, 0.46625], rtol=1e-14)
    assert out.shape == (2,)


def test_mse_per_sample_by_hand() -> None:
    out = MeanSquaredError().per_sample(Y3, A3, A3, Identity())
    np.testing.assert_allclose(out, [0.13 / 3, 0.9325 / 3], rtol=1e-14)
    assert out.shape == (2,)


def test_sse_and_mse_single_output() -> None:
    Y = np.array([[1.0], [0.0], [3.0]])
    A = np.array([[0.0], [2.0], [3.0]])
    np.testing.assert_allclose(SumSquaredError().per_sample(Y, A, A, Identity()), [0.5, 2.0, 0.0])
    np.testing.assert_allclose(MeanSquaredError().per_sample(Y, A, A, Identity()), [1.0, 4.0, 0.0])


@pytest.mark.parametrize("c", [1.0, 0.5, 3.0])
def test_bce_per_sample_by_hand_from_logits(c: float) -> None:
    Z = np.array([[-1.5, 0.0, 2.0], [0.3, -0.7, 4.0]])
    Y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]])
    act = Sigmoid(c=c)
    A = act.forward(Z)

    def bce(y: float, z: float) -> float:
        a = 1.0 / (1.0 + math.exp(-c * z))
        return -(y * math.log(a) + (1 - y) * math.log(1 - a))

    expected = [sum(bce(Y[i, k], Z[i, k]) for k in range(3)) / 3 for i in range(2)]
    out = BinaryCrossEntropy().per_sample(Y, A, Z, act)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert out.shape == (2,)


def test_bce_at_zero_logit_is_log_2() -> None:
    Z = np.zeros((1, 2))
    Y = np.array([[0.0, 1.0]])
    out = BinaryCrossEntropy().per_sample(Y, Sigmoid().forward(Z), Z, Sigmoid())
    assert out[0] == pytest.approx(math.log(2.0), rel=1e-15)


def test_cross_entropy_per_sample_by_hand() -> None:
    Z = np.array([[1.0, 2.0, 3.0], [0.5, -0.5, 0.0]])
    Y = np.array([[0.0, 0.0, 1.0], [0.2, 0.5, 0.3]])
    A = Softmax().forward(Z)
    expected = [
        -math.log(math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3))),
        -sum(Y[1, k] * math.log(A[1, k]) for k in range(3)),
    ]
    out = CrossEntropy().per_sample(Y, A, Z, Softmax())
    np.testing.assert_allclose(out, expected, rtol=1e-13)
    # uniform logits, one-hot target: log K
    Zu = np.zeros((1, 4))
    Yu = np.array([[0.0, 1.0, 0.0, 0.0]])
    assert CrossEntropy().per_sample(Yu, Softmax().forward(Zu), Zu, Softmax())[0] == (
        pytest.approx(math.log(4.0), rel=1e-15)
    )


# ---------------------------------------------------------------------- stability


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_huge_logits_match_hand_logsumexp(dtype: type) -> None:
    rows = [[1e4, 0.0, -1e4], [1e4, 1e4 - 3.0, 5.0], [-1e4, -1e4, -1e4], [3.0, 1e4, -2.0]]
    labels = [1, 1, 2, 0]
    Z = np.array(rows, dtype=dtype)
    Y = np.eye(3, dtype=dtype)[labels]
    out = CrossEntropy().per_sample(Y, Softmax().forward(Z), Z, Softmax())
    assert np.isfinite(out).all()
    expected = [_logsumexp_by_hand(r) - r[k] for r, k in zip(rows, labels, strict=True)]
    # e.g. row 0: class 1 has logit 0 against a rival of 1e4, so the loss is 1e4
    assert expected[0] == 1e4
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=1e-3 if dtype == np.float32 else 1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_correct_class_with_huge_logit_costs_nothing(dtype: type) -> None:
    Z = np.array([[1e4, 0.0, -1e4]], dtype=dtype)
    Y = np.array([[1.0, 0.0, 0.0]], dtype=dtype)
    out = CrossEntropy().per_sample(Y, Softmax().forward(Z), Z, Softmax())
    assert out[0] == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c", [1.0, 0.01])
def test_bce_huge_logits_finite_and_exact(dtype: type, c: float) -> None:
    big = 1e4 / c if c != 1.0 else 1e4  # c*z = +-1e4 either way
    Z = np.array([[big, -big, big, -big, big]], dtype=dtype)
    Y = np.array([[1.0, 0.0, 0.0, 1.0, 0.3]], dtype=dtype)
    act = Sigmoid(c=c)
    A = act.forward(Z)
    np.testing.assert_array_equal(A, [[1.0, 0.0, 1.0, 0.0, 1.0]])  # saturated outputs
    out = BinaryCrossEntropy().per_sample(Y, A, Z, act)
    assert np.isfinite(out).all()
    # per output: 0, 0, 1e4, 1e4, 1e4 * (1 - 0.3); mean over the 5 outputs
    assert out[0] == pytest.approx((0 + 0 + 1e4 + 1e4 + 7e3) / 5, rel=1e-6)
    delta = BinaryCrossEntropy().output_delta(Y, A, Z, act, np.ones(1, dtype=dtype))
    assert np.isfinite(delta).all()
    np.testing.assert_allclose(delta, c * (A - Y) / 5, rtol=1e-6)


# ---------------------------------------------------------------------- output_delta

# Each valid (loss, output activation) pairing.
PAIRS: list[tuple[Loss, Activation]] = [
    *[
        (loss, act)
        for loss in (SumSquaredError(), MeanSquaredError())
        for act in (
            Sigmoid(), Sigmoid(c=0.3), Tanh(), Identity(), ReLU(), LeakyReLU(), LeakyReLU(0.2),
            Softmax(),
        )
    ],
    (BinaryCrossEntropy(), Sigmoid()),
    (BinaryCrossEntropy(), Sigmoid(c=0.3)),
    (BinaryCrossEntropy(), Sigmoid(c=2.5)),
    (CrossEntropy(), Softmax()),
]


def _targets(loss: Loss, rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    if isinstance(loss, CrossEntropy):
        # mix one-hot rows and soft probability rows
        Y = rng.dirichlet(np.ones(k), size=n)
        Y[: n // 2] = np.eye(k)[rng.integers(0, k, size=n // 2)]
        return Y
    if isinstance(loss, BinaryCrossEntropy):
        return rng.uniform(0.0, 1.0, size=(n, k))
    return rng.normal(size=(n, k))


def _logits(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    # |z| in [0.05, 2.5] with random signs: never within a finite-difference step of
    # the ReLU kink at 0.
    return rng.uniform(0.05, 2.5, size=(n, k)) * rng.choice([-1.0, 1.0], size=(n, k))


@pytest.mark.parametrize("weighted", [False, True], ids=["mean", "weighted"])
@pytest.mark.parametrize(("loss", "act"), PAIRS, ids=[f"{lo.name}-{a!r}" for lo, a in PAIRS])
def test_output_delta_matches_finite_differences(loss: Loss, act: Activation, weighted: bool
                                                 ) -> None:
    rng = np.random.default_rng(20240601)
    n, k = 5, 3
    Z = _logits(rng, n, k)
    Y = _targets(loss, rng, n, k)
    w = rng.uniform(0.0, 3.0, size=n) if weighted else np.ones(n)
    row_weights = w / w.sum()

    def batch_loss(Zp: np.ndarray) -> float:
        return float(np.dot(row_weights, loss.per_sample(Y, act.forward(Zp), Zp, act)))

    h = 1e-6
    numeric = np.empty_like(Z)
    for idx in np.ndindex(*Z.shape):
        up, down = Z.copy(), Z.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (batch_loss(up) - batch_loss(down)) / (2 * h)

    A = act.forward(Z)
    delta = loss.output_delta(Y, A.copy(), Z.copy(), act, row_weights)
    assert delta.shape == Z.shape
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9)
    assert np.abs(numeric).max() > 1e-3  # the check compared real gradients


def test_output_delta_fused_forms() -> None:
    Z = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, -3.0]])
    Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    rw = np.array([0.25, 0.75])
    A = Softmax().forward(Z)
    np.testing.assert_allclose(
        CrossEntropy().output_delta(Y, A, Z, Softmax(), rw), (A - Y) * rw[:, None], rtol=1e-15
    )
    s = Sigmoid(c=0.5)
    A = s.forward(Z)
    np.testing.assert_allclose(
        BinaryCrossEntropy().output_delta(Y, A, Z, s, rw),
        0.5 * (A - Y) * rw[:, None] / 3,
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        SumSquaredError().output_delta(Y, Z.copy(), Z, Identity(), rw),
        (Z - Y) * rw[:, None],
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        MeanSquaredError().output_delta(Y, Z.copy(), Z, Identity(), rw),
        2 * (Z - Y) * rw[:, None] / 3,
        rtol=1e-15,
    )


@pytest.mark.parametrize(("loss", "act"), PAIRS, ids=[f"{lo.name}-{a!r}" for lo, a in PAIRS])
def test_output_delta_keeps_float32_and_losses_are_float64(loss: Loss, act: Activation) -> None:
    rng = np.random.default_rng(7)
    Z = _logits(rng, 4, 3).astype(np.float32)
    Y = _targets(loss, rng, 4, 3).astype(np.float32)
    A = act.forward(Z)
    delta = loss.output_delta(Y, A, Z, act, np.full(4, 0.25, dtype=np.float32))
    assert delta.dtype == np.float32
    assert loss.per_sample(Y, A, Z, act).dtype == np.float64


def test_grad_output_of_squared_errors() -> None:
    np.testing.assert_allclose(SumSquaredError().grad_output(Y3, A3), A3 - Y3, rtol=1e-15)
    np.testing.assert_allclose(
        MeanSquaredError().grad_output(Y3, A3), 2 * (A3 - Y3) / 3, rtol=1e-15
    )


# ---------------------------------------------------------------------- registry and pairings


@pytest.mark.parametrize(
    ("name", "cls", "targets", "output"),
    [
        ("sse", SumSquaredError, None, None),
        ("mse", MeanSquaredError, None, None),
        ("binary_cross_entropy", BinaryCrossEntropy, "binary", "sigmoid"),
        ("cross_entropy", CrossEntropy, "classes", "softmax"),
    ],
)
def test_get_loss_by_name(name: str, cls: type, targets: str | None, output: str | None) -> None:
    loss = get_loss(name)
    assert type(loss) is cls
    assert loss.name == name
    assert loss.targets == targets  # what accuracy counts: classes, 0/1 labels or none
    assert loss.output_activation == output  # the output layer it asks for by default
    assert name in LOSSES
    instance = cls()
    assert get_loss(instance) is instance


@pytest.mark.parametrize("spec", ["hinge", "SSE", "", None, 3])
def test_unknown_loss_raises_config_error(spec: object) -> None:
    with pytest.raises(ConfigError, match="unknown loss") as info:
        get_loss(spec)  # type: ignore[arg-type]
    assert "cross_entropy" in str(info.value)
    with pytest.raises(ConfigError, match="unknown loss"):
        steepest.Network([2, 2], loss=spec)  # type: ignore[arg-type]


@pytest.mark.parametrize("out", ["sigmoid", "tanh", "identity", "relu", {"name": "sigmoid",
                                                                          "c": 0.5}])
def test_cross_entropy_needs_softmax_output(out: object) -> None:
    with pytest.raises(ConfigError, match="cross_entropy needs a softmax output layer, got"):
        steepest.Network([3, 4, 2], activation="tanh", output_activation=out, loss="cross_entropy")


@pytest.mark.parametrize("out", ["softmax", "tanh", "identity", "relu", "leaky_relu"])
def test_binary_cross_entropy_needs_sigmoid_output(out: str) -> None:
    with pytest.raises(
        ConfigError, match=f"binary_cross_entropy needs a sigmoid output layer, got {out}"
    ):
        steepest.Network(
            [3, 4, 2], activation="tanh", output_activation=out, loss="binary_cross_entropy"
        )


def test_cross_entropy_via_full_activation_list_is_checked_too() -> None:
    with pytest.raises(ConfigError, match="cross_entropy needs a softmax output layer, got tanh"):
        steepest.Network([3, 4, 2], activation=["relu", "tanh"], loss="cross_entropy")


@pytest.mark.parametrize("loss", ["sse", "mse", "cross_entropy"])
def test_softmax_output_needs_two_units(loss: str) -> None:
    with pytest.raises(ConfigError, match="a softmax output needs at least 2 units"):
        steepest.Network([3, 4, 1], activation="tanh", output_activation="softmax", loss=loss)
    with pytest.raises(ConfigError, match="a softmax output needs at least 2 units"):
        steepest.Network([3, 1], output_activation="softmax", loss=loss)


def test_cross_entropy_default_softmax_with_one_output_is_rejected() -> None:
    with pytest.raises(ConfigError, match="a softmax output needs at least 2 units"):
        steepest.Network([3, 4, 1], activation="relu", loss="cross_entropy")


@pytest.mark.parametrize(
    ("activation", "output"),
    [("softmax", "identity"), ("softmax", None), (["tanh", "softmax"], "softmax")],
)
def test_softmax_on_hidden_layer_is_rejected(activation: object, output: object) -> None:
    with pytest.raises(ConfigError, match="softmax belongs on the output layer only"):
        steepest.Network([3, 4, 4, 2], activation=activation, output_activation=output,
                         loss="sse")


def test_valid_pairings_build_with_expected_output_activation() -> None:
    ce = steepest.Network([3, 4, 2], activation="relu", loss="cross_entropy")
    assert isinstance(ce.output_activation, Softmax)
    bce = steepest.Network([3, 4, 1], activation="relu", loss="binary_cross_entropy")
    assert isinstance(bce.output_activation, Sigmoid)
    bce_c = steepest.Network(
        [3, 4, 2], activation="tanh", output_activation=Sigmoid(c=0.5), loss="binary_cross_entropy"
    )
    assert bce_c.output_activation == Sigmoid(c=0.5)
    sse_sm = steepest.Network([3, 4, 2], activation="tanh", output_activation="softmax")
    assert isinstance(sse_sm.output_activation, Softmax)
    assert isinstance(sse_sm.loss, SumSquaredError)
    mse = steepest.Network([3, 4, 1], activation="tanh", loss="mse")
    assert isinstance(mse.output_activation, Tanh)  # falls back to the hidden activation


def test_network_loss_matches_per_sample_mean() -> None:
    net = steepest.Network([2, 3, 2], activation="tanh", loss="cross_entropy", seed=3,
                           dtype="float64")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    y = np.array([0, 1, 1, 0, 1, 0])
    trace = net.forward(X)
    Y = np.eye(2)[y]
    per = CrossEntropy().per_sample(Y, trace.output, trace.sums[-1], Softmax())
    assert net.evaluate(X, y)["loss"] == pytest.approx(per.mean(), rel=1e-12)
    w = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 1.5])
    assert net.evaluate(X, y, sample_weight=w)["loss"] == pytest.approx(
        np.dot(w, per) / w.sum(), rel=1e-12
    )


def test_binary_cross_entropy_finite_for_huge_float32_logits_and_steep_sigmoid():
    sigmoid = Sigmoid(c=4)
    Z = np.array([[1e38], [-1e38], [1e38]], dtype=np.float32)
    Y = np.array([[0], [1], [1]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = sigmoid.forward(Z.copy())
        loss = BinaryCrossEntropy().per_sample(Y, A, Z, sigmoid)
    assert np.isfinite(loss).all()
    expected = 4 * float(np.float32(1e38))
    np.testing.assert_allclose(loss, [expected, expected, 0.0], rtol=1e-12)
