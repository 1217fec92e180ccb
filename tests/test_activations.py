"""Tests of steepest.activations: values, derivatives, stability and the registry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from steepest.activations import (
    ACTIVATIONS,
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    get_activation,
)
from steepest.errors import ConfigError

# Points that stay well away from the ReLU kink at 0, so central differences
# with a step of 1e-6 never straddle it.
Z_SMOOTH = np.array(
    [[-3.0, -1.25, -0.5, -0.1], [0.1, 0.5, 1.25, 3.0], [-7.5, 2.2, -0.3, 0.9]],
    dtype=np.float64,
)

ELEMENTWISE = [
    Sigmoid(),
    Sigmoid(c=0.01),
    Sigmoid(c=0.5),
    Sigmoid(c=3.0),
    Tanh(),
    ReLU(),
    LeakyReLU(),
    LeakyReLU(slope=0.3),
    LeakyReLU(slope=0.0),
    Identity(),
]


def _ids(acts: list[Activation]) -> list[str]:
    return [repr(a) for a in acts]


# ---------------------------------------------------------------------- values


def test_sigmoid_values_match_formula() -> None:
    Z = Z_SMOOTH
    expected = np.vectorize(lambda z: 1.0 / (1.0 + math.exp(-z)))(Z)
    np.testing.assert_allclose(Sigmoid().forward(Z), expected, rtol=1e-14, atol=0)
    assert Sigmoid().forward(np.zeros((1, 1)))[0, 0] == 0.5


@pytest.mark.parametrize("c", [0.01, 0.5, 1.0, 3.0])
def test_sigmoid_slope_c_values(c: float) -> None:
    Z = Z_SMOOTH * 100  # c=0.01 only bends for sums in the hundreds
    expected = np.vectorize(lambda z: 1.0 / (1.0 + math.exp(-c * z)) if c * z > -700 else 0.0)(Z)
    np.testing.assert_allclose(Sigmoid(c=c).forward(Z), expected, rtol=1e-13, atol=1e-300)


def test_sigmoid_slope_c_tutorial_example() -> None:
    # With c = 0.01 a weighted sum of 500 is sigmoid(5), not deep in the flat tail.
    a = Sigmoid(c=0.01).forward(np.array([[500.0]]))[0, 0]
    assert a == pytest.approx(1.0 / (1.0 + math.exp(-5.0)), rel=1e-14)
    assert a < 0.9934


def test_tanh_values() -> None:
    expected = np.vectorize(math.tanh)(Z_SMOOTH)
    np.testing.assert_allclose(Tanh().forward(Z_SMOOTH), expected, rtol=1e-14)


def test_relu_values() -> None:
    Z = np.array([[-2.0, -0.0, 0.0, 1e-300, 3.5]])
    out = ReLU().forward(Z)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.0, 1e-300, 3.5]])


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2, 1.0])
def test_leaky_relu_values(slope: float) -> None:
    Z = np.array([[-4.0, -0.5, 0.0, 0.5, 4.0]])
    expected = np.array([[-4.0 * slope, -0.5 * slope, 0.0, 0.5, 4.0]])
    np.testing.assert_allclose(LeakyReLU(slope=slope).forward(Z), expected, rtol=1e-15)


def test_leaky_relu_default_slope_is_0_01() -> None:
    assert LeakyReLU().slope == 0.01
    assert LeakyReLU().forward(np.array([[-100.0]]))[0, 0] == pytest.approx(-1.0, rel=1e-15)


def test_identity_returns_a_copy() -> None:
    Z = np.array([[1.0, -2.0], [3.5, 0.0]])
    out = Identity().forward(Z)
    np.testing.assert_array_equal(out, Z)
    out[0, 0] = 99.0
    assert Z[0, 0] == 1.0


def test_softmax_values_match_formula() -> None:
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 5.0, 0.5]])
    e = np.exp(Z)
    expected = e / e.sum(axis=1, keepdims=True)
    out = Softmax().forward(Z)
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    np.testing.assert_allclose(out[1], [1 / 3, 1 / 3, 1 / 3], rtol=1e-15)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-15)


def test_softmax_is_shift_invariant() -> None:
    Z = np.array([[0.3, -1.2, 2.0, 0.0]])
    np.testing.assert_allclose(Softmax().forward(Z + 1000.0), Softmax().forward(Z), rtol=1e-12)


@pytest.mark.parametrize("act", [*ELEMENTWISE, Softmax()], ids=_ids([*ELEMENTWISE, Softmax()]))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_keeps_shape_and_dtype_and_input(act: Activation, dtype: type) -> None:
    Z = Z_SMOOTH.astype(dtype)
    before = Z.copy()
    out = act.forward(Z)
    assert out.shape == Z.shape
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(Z, before)  # forward never writes into Z


# ---------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("act", ELEMENTWISE, ids=_ids(ELEMENTWISE))
def test_derivative_matches_central_differences(act: Activation) -> None:
    Z = Z_SMOOTH
    h = 1e-6
    numeric = (act.forward(Z + h) - act.forward(Z - h)) / (2 * h)
    analytic = act.derivative(Z.copy())
    assert analytic.shape == Z.shape
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


def test_derivative_hand_formulas() -> None:
    z = np.array([[-2.0, 0.0, 1.5]])
    for c in (1.0, 0.25):
        a = 1 / (1 + np.exp(-c * z))
        np.testing.assert_allclose(Sigmoid(c=c).derivative(z), c * a * (1 - a), rtol=1e-14)
    assert Sigmoid().derivative(np.zeros((1, 1)))[0, 0] == 0.25
    np.testing.assert_allclose(Tanh().derivative(z), 1 - np.tanh(z) ** 2, rtol=1e-14)
    np.testing.assert_array_equal(ReLU().derivative(z), [[0.0, 0.0, 1.0]])  # 0 at the kink
    np.testing.assert_array_equal(LeakyReLU(0.1).derivative(z), [[0.1, 0.1, 1.0]])
    np.testing.assert_array_equal(Identity().derivative(z), [[1.0, 1.0, 1.0]])


@pytest.mark.parametrize("act", ELEMENTWISE, ids=_ids(ELEMENTWISE))
def test_backward_is_derivative_times_upstream_gradient(act: Activation) -> None:
    Z = Z_SMOOTH
    g = np.linspace(-2.0, 3.0, Z.size).reshape(Z.shape)
    out = act.backward(Z, act.forward(Z), g.copy())
    np.testing.assert_allclose(out, act.derivative(Z) * g, rtol=1e-14, atol=1e-300)


def test_softmax_has_no_elementwise_derivative() -> None:
    with pytest.raises(ConfigError, match="Jacobian"):
        Softmax().derivative(np.zeros((2, 3)))


def _softmax_jacobian_fd(z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """J[i, j] = d softmax(z)_i / d z_j by central differences, for one row z."""
    k = z.size
    J = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = h
        up = Softmax().forward((z + e)[None, :])[0]
        down = Softmax().forward((z - e)[None, :])[0]
        J[:, j] = (up - down) / (2 * h)
    return J


def test_softmax_backward_is_jacobian_vector_product() -> None:
    rng = np.random.default_rng(1234)
    Z = rng.normal(scale=2.0, size=(5, 4))
    G = rng.normal(size=(5, 4))
    A = Softmax().forward(Z)
    out = Softmax().backward(Z, A, G.copy())
    assert out.shape == Z.shape
    for r in range(Z.shape[0]):
        J = _softmax_jacobian_fd(Z[r])
        np.testing.assert_allclose(out[r], J.T @ G[r], rtol=1e-7, atol=1e-10)
        # and the closed form diag(a) - a a^T
        a = A[r]
        np.testing.assert_allclose(J, np.diag(a) - np.outer(a, a), rtol=1e-6, atol=1e-10)


def test_softmax_backward_kills_constant_gradient() -> None:
    # Softmax is invariant to adding a constant to every logit, so a gradient
    # that is the same for every output has no effect on Z.
    Z = np.array([[0.2, -1.0, 3.0]])
    out = Softmax().backward(Z, Softmax().forward(Z), np.full((1, 3), 7.0))
    np.testing.assert_allclose(out, 0.0, atol=1e-14)


# ---------------------------------------------------------------------- stability

EXTREMES = [-3.4e38, -1e4, -1e3, 1e3, 1e4, 3.4e38]
EXPECTED_01 = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c", [0.01, 1.0])
def test_sigmoid_never_overflows(dtype: type, c: float) -> None:
    # filterwarnings=error turns any overflow RuntimeWarning into a failure.
    # c*z must still be large enough to saturate: scale the middle values by 1/c
    values = [v if abs(v) > 1e30 else v / c for v in EXTREMES]
    Z = np.array([values], dtype=dtype)
    out = Sigmoid(c=c).forward(Z)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, [EXPECTED_01])
    assert np.isfinite(Sigmoid(c=c).derivative(Z)).all()
    np.testing.assert_array_equal(Sigmoid(c=c).derivative(Z), 0.0)


def test_sigmoid_never_overflows_float64_extremes() -> None:
    Z = np.array([[-1.7e308, -1e300, 1e300, 1.7e308]])
    np.testing.assert_array_equal(Sigmoid().forward(Z), [[0.0, 0.0, 1.0, 1.0]])


def test_sigmoid_large_slope_never_overflows_float32() -> None:
    Z = np.array([[-3.4e38, -1e4, 1e4, 3.4e38]], dtype=np.float32)
    np.testing.assert_array_equal(Sigmoid(c=2.0).forward(Z), [[0.0, 0.0, 1.0, 1.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_huge_logits_finite_and_normalised(dtype: type) -> None:
    Z = np.array(
        [[1e30, -1e30, 0.0], [-1e30, -1e30, -1e30], [1e30, 1e30, -1e30], [1e4, 0.0, -1e4]],
        dtype=dtype,
    )
    out = Softmax().forward(Z)
    assert out.dtype == np.dtype(dtype)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(
        out, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0], [1, 0, 0]], rtol=1e-6, atol=0
    )


def test_softmax_extreme_float32_logits_no_warning() -> None:
    Z = np.array([[3.4e38, -3.4e38]], dtype=np.float32)
    np.testing.assert_array_equal(Softmax().forward(Z), [[1.0, 0.0]])


def test_tanh_saturates_without_warning() -> None:
    Z = np.array([[-3.4e38, -1e4, 1e4, 3.4e38]], dtype=np.float32)
    np.testing.assert_array_equal(Tanh().forward(Z), [[-1.0, -1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(Tanh().derivative(Z), 0.0)


# ---------------------------------------------------------------------- registry


def test_registry_lists_the_six_activations() -> None:
    assert sorted(ACTIVATIONS) == [
        "identity", "leaky_relu", "relu", "sigmoid", "softmax", "tanh"
    ]


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("sigmoid", Sigmoid),
        ("tanh", Tanh),
        ("relu", ReLU),
        ("leaky_relu", LeakyReLU),
        ("softmax", Softmax),
        ("identity", Identity),
    ],
)
def test_get_activation_by_name(name: str, cls: type) -> None:
    act = get_activation(name)
    assert type(act) is cls
    assert act.name == name
    assert act.label == name
    assert act == cls()


def test_get_activation_by_dict_with_parameters() -> None:
    s = get_activation({"name": "sigmoid", "c": 0.01})
    assert isinstance(s, Sigmoid)
    assert s.c == 0.01
    leaky = get_activation({"name": "leaky_relu", "slope": 0.2})
    assert isinstance(leaky, LeakyReLU)
    assert leaky.slope == 0.2
    assert isinstance(get_activation({"name": "tanh"}), Tanh)


def test_get_activation_dict_is_not_mutated() -> None:
    spec = {"name": "sigmoid", "c": 2.0}
    get_activation(spec)
    assert spec == {"name": "sigmoid", "c": 2.0}


def test_get_activation_instance_is_returned_as_is() -> None:
    s = Sigmoid(c=0.5)
    assert get_activation(s) is s


def test_unknown_activation_name_raises_config_error() -> None:
    with pytest.raises(ConfigError, match=r"unknown activation 'swish'") as info:
        get_activation("swish")
    assert "relu" in str(info.value)  # lists the valid names
    assert isinstance(info.value, ValueError)
    with pytest.raises(ConfigError, match="unknown activation 'gelu'"):
        get_activation({"name": "gelu"})


@pytest.mark.parametrize("spec", [42, None, {"c": 1.0}, ["relu"]])
def test_get_activation_bad_spec_type(spec: object) -> None:
    with pytest.raises(ConfigError, match="an activation is a name"):
        get_activation(spec)  # type: ignore[arg-type]


def test_get_activation_bad_parameters() -> None:
    with pytest.raises(ConfigError, match="bad parameters for activation 'tanh'"):
        get_activation({"name": "tanh", "c": 2.0})
    with pytest.raises(ConfigError, match="bad parameters for activation 'sigmoid'"):
        get_activation({"name": "sigmoid", "slope": 2.0})


@pytest.mark.parametrize("c", [0.0, -1.0, float("nan"), float("inf")])
def test_sigmoid_rejects_bad_slope(c: float) -> None:
    with pytest.raises(ConfigError, match="sigmoid slope c must be a positive number"):
        Sigmoid(c=c)
    with pytest.raises(ConfigError):
        get_activation({"name": "sigmoid", "c": c})


@pytest.mark.parametrize("slope", [-0.01, float("nan"), float("inf")])
def test_leaky_relu_rejects_bad_slope(slope: float) -> None:
    with pytest.raises(ConfigError, match="leaky_relu slope must be a number >= 0"):
        LeakyReLU(slope=slope)


ALL_CONFIGURED = [
    Sigmoid(),
    Sigmoid(c=0.01),
    Tanh(),
    ReLU(),
    LeakyReLU(),
    LeakyReLU(slope=0.25),
    Softmax(),
    Identity(),
]


@pytest.mark.parametrize("act", ALL_CONFIGURED, ids=_ids(ALL_CONFIGURED))
def test_config_round_trips_through_get_activation(act: Activation) -> None:
    config = act.config()
    assert config["name"] == act.name
    twin = get_activation(config)
    assert type(twin) is type(act)
    assert twin == act
    assert twin.config() == config
    assert hash(twin) == hash(act)
    Z = Z_SMOOTH
    np.testing.assert_array_equal(twin.forward(Z), act.forward(Z))


@pytest.mark.parametrize("act", [Sigmoid(), Tanh(), ReLU(), LeakyReLU(), Softmax(), Identity()])
def test_default_label_round_trips_through_get_activation(act: Activation) -> None:
    assert act.label == act.name
    assert get_activation(act.label) == act


def test_label_shows_only_non_default_parameters() -> None:
    assert Sigmoid(c=0.01).label == "sigmoid(c=0.01)"
    assert Sigmoid(c=1.0).label == "sigmoid"
    assert LeakyReLU(slope=0.2).label == "leaky_relu(slope=0.2)"
    assert LeakyReLU(slope=0.01).label == "leaky_relu"
    # the label's name part and the parameters rebuild the same activation
    act = LeakyReLU(slope=0.2)
    name, params = act.label.rstrip(")").split("(")
    key, value = params.split("=")
    assert get_activation({"name": name, key: float(value)}) == act


def test_config_values_and_repr() -> None:
    assert Sigmoid(c=0.5).config() == {"name": "sigmoid", "c": 0.5}
    assert LeakyReLU(slope=0.1).config() == {"name": "leaky_relu", "slope": 0.1}
    assert Tanh().config() == {"name": "tanh"}
    assert repr(Sigmoid(c=0.5)) == "Sigmoid(c=0.5)"
    assert repr(ReLU()) == "ReLU()"


def test_equality_depends_on_parameters() -> None:
    assert Sigmoid(c=0.5) != Sigmoid(c=1.0)
    assert Sigmoid() != Tanh()
    assert ReLU() != LeakyReLU(slope=0.0)  # different names, same function
    assert Sigmoid() != "sigmoid"
    assert len({Sigmoid(), Sigmoid(c=1), Sigmoid(c=2)}) == 2
