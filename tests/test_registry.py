"""The registries: parts looked up by name, by "name(key=value)" text, by dict or
as objects; a part of the user's own works everywhere once registered."""

from __future__ import annotations

import io

import numpy as np
import pytest

import steepest
from steepest import Network, diagnose, gradcheck
from steepest.activations import ACTIVATIONS, Activation, Sigmoid, get_activation
from steepest.errors import ConfigError, ModelFileError, UnknownNameError
from steepest.initializers import INITIALIZERS, Initializer, get_initializer
from steepest.losses import LOSSES, Loss, get_loss
from steepest.optimizers import OPTIMIZERS, SCHEDULES, Adam, CosineDecay, get_optimizer


class Swish(Activation):
    """``z * sigmoid(beta * z)``: a smooth ReLU, not one of steepest's own."""

    name = "swish"

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = float(beta)

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return Z / (1 + np.exp(-self.beta * Z))

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        s = 1 / (1 + np.exp(-self.beta * Z))
        grad_A *= s + self.beta * Z * s * (1 - s)
        return grad_A

    def config(self) -> dict:
        return {"name": self.name, "beta": self.beta}


@pytest.fixture
def swish(monkeypatch):
    monkeypatch.delitem(ACTIVATIONS._classes, "swish", raising=False)
    assert steepest.register(Swish) is Swish
    yield Swish
    ACTIVATIONS._classes.pop("swish", None)


def _blobs(n: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) + 3.0 * y[:, None]
    return X, y


def test_a_registered_activation_trains_checks_is_diagnosed_saved_and_loaded(swish, tmp_path):
    net = Network([2, 8, 2], activation="swish(beta=1.5)", loss="cross_entropy", seed=0)
    assert net.activations[0] == Swish(1.5) and net.activations[0].label == "swish(beta=1.5)"
    assert net.init == "glorot"  # what Activation.init asks for by default
    X, y = _blobs()
    history = net.fit(X, y, epochs=30, batch_size=16, optimizer="adam", learning_rate=0.02)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert net.evaluate(X, y)["accuracy"] > 0.9
    assert gradcheck(net, X[:8], y[:8]).max_error < 1e-6
    report = diagnose(net, X, y)
    assert report.layers[0].activation == "swish(beta=1.5)"
    assert report.layers[0].saturated is None and report.layers[0].dead is None
    net.explain(X[:2], y[:2], file=io.StringIO())
    path = net.save(tmp_path / "swish.npz")
    twin = steepest.load(path)
    assert twin.activations[0] == Swish(1.5)
    np.testing.assert_array_equal(twin.predict(X), net.predict(X))


def test_a_model_naming_an_unregistered_class_fails_to_load_and_says_which(swish, tmp_path):
    path = Network([2, 3, 1], activation=Swish(), loss="mse", seed=0).save(tmp_path / "m.npz")
    ACTIVATIONS._classes.pop("swish")
    before = path.read_bytes()
    with pytest.raises(ModelFileError, match=r"m\.npz: the model uses the activation 'swish', "
                       r"which this Python session does not know; .*steepest\.register"):
        steepest.load(path)
    assert path.read_bytes() == before


def test_register_refuses_what_it_cannot_use(swish):
    with pytest.raises(ConfigError, match="register takes a subclass of Activation"):
        steepest.register(int)

    class Nameless(Activation):
        pass

    with pytest.raises(ConfigError, match="needs a class attribute name"):
        steepest.register(Nameless)

    class Impostor(Activation):
        name = "relu"

    with pytest.raises(ConfigError, match="the activation name 'relu' is taken by ReLU"):
        steepest.register(Impostor)
    assert ACTIVATIONS["relu"] is not Impostor
    assert steepest.register(Swish) is Swish  # the same class again is fine


def test_every_kind_registers_through_the_one_function(monkeypatch):
    class Zeros(Initializer):
        name = "zeros_test"

        def __call__(self, rng, n_in, n_out):
            return np.zeros((n_in, n_out)), np.zeros(n_out)

    class Halved(Loss):
        name = "halved_test"

        def per_sample(self, Y, A, Z, activation):
            return 0.25 * np.sum((A - Y) ** 2, axis=1, dtype=np.float64)

        def grad_output(self, Y, A):
            return 0.5 * (A - Y)

    for cls, registry in ((Zeros, INITIALIZERS), (Halved, LOSSES)):
        monkeypatch.delitem(registry._classes, cls.name, raising=False)
        steepest.register(cls)
        assert registry[cls.name] is cls
    net = Network([3, 4, 2], activation="tanh", loss="halved_test", init="zeros_test", seed=0)
    assert not net.params.any() and net.init == "zeros_test"
    rng = np.random.default_rng(0)
    result = gradcheck(Network([3, 4, 2], activation="tanh", loss="halved_test", seed=0),
                       rng.normal(size=(5, 3)), rng.random((5, 2)))
    assert result.max_error < 1e-6
    INITIALIZERS._classes.pop("zeros_test")
    LOSSES._classes.pop("halved_test")


@pytest.mark.parametrize(("spec", "expected"), [
    ("relu", get_activation("relu")),
    ("sigmoid(c=0.01)", Sigmoid(0.01)),
    (" sigmoid( c = 0.5 ) ", Sigmoid(0.5)),
    ({"name": "sigmoid", "c": 2}, Sigmoid(2.0)),
    (Sigmoid(3.0), Sigmoid(3.0)),
])
def test_an_activation_from_a_name_a_text_a_dict_or_an_object(spec, expected):
    assert get_activation(spec) == expected


def test_texts_with_parameters_work_for_every_kind():
    adam = get_optimizer("adam(learning_rate=0.01, beta1=0.8)")
    assert isinstance(adam, Adam) and (adam.learning_rate, adam.beta1) == (0.01, 0.8)
    assert SCHEDULES.create("cosine(epochs=20, final=0.1)").config() == CosineDecay(20, 0.1
                                                                                  ).config()
    assert get_initializer("he").name == "he" and get_loss("mse").name == "mse"
    assert sorted(OPTIMIZERS) == ["adam", "momentum", "nesterov", "rmsprop", "sgd"]


@pytest.mark.parametrize(("text", "message"), [
    ("sigmoid(0.1)", "expected an activation as name or name\\(key=value, ...\\)"),
    ("sigmoid(c=)", "expected an activation as name or name\\(key=value"),
    ("sigmoid(c=__import__('os'))", "the value of c must be a number, a quoted text"),
    ("sigmoid(c=0.1", "expected an activation as name or name"),
    ("sigmoid(**{'c': 1})", "expected an activation as name or name"),
    ("swishy(beta=1)", "unknown activation 'swishy'; expected one of"),
    ("sigmoid(slope=1)", "bad parameters for activation 'sigmoid'"),
])
def test_bad_texts_are_config_errors_that_run_nothing(text, message):
    with pytest.raises(ConfigError, match=message):
        get_activation(text)


def test_an_unknown_name_says_its_kind_and_name():
    with pytest.raises(UnknownNameError) as info:
        get_loss("hinge")
    assert (info.value.kind, info.value.name) == ("loss", "hinge")
    assert isinstance(info.value, ConfigError)


def test_the_classes_answer_what_names_were_asked_before():
    relu, leaky, sigmoid, tanh, softmax = (get_activation(n) for n in
                                           ("relu", "leaky_relu", "sigmoid", "tanh", "softmax"))
    assert [f.init for f in (relu, leaky, sigmoid, tanh)] == ["he", "he", "glorot", "glorot"]
    assert not softmax.hidden and relu.hidden
    assert softmax.probabilities and sigmoid.probabilities and not relu.probabilities
    A = np.array([[0.001, 0.5, 0.999]])
    np.testing.assert_array_equal(sigmoid.saturated(A, 0.01), [[True, False, True]])
    np.testing.assert_array_equal(tanh.saturated(np.array([[-0.995, 0.2]]), 0.01),
                                  [[True, False]])
    assert relu.saturated(A, 0.01) is None
    Z = np.array([[-1.0, 2.0], [-3.0, -1.0]])
    np.testing.assert_array_equal(relu.dead(Z), [True, False])
    assert leaky.dead(Z) is None and tanh.dead(Z) is None
    with pytest.raises(ConfigError, match="softmax belongs on the output layer only"):
        Network([2, 3, 2], activation="softmax", output_activation="softmax",
                loss="cross_entropy")


class CarelessTanh(Activation):
    """``tanh(z / 2)`` with its constant a NumPy float64, so every result is float64."""

    name = "careless_tanh"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        return np.tanh(Z * np.float64(0.5))

    def backward(self, Z: np.ndarray, A: np.ndarray, grad_A: np.ndarray) -> np.ndarray:
        return grad_A * np.float64(0.5) * (1 - A * A)


def test_a_part_returning_float64_trains_a_float32_network_in_float32():
    net = Network([2, 8, 8, 2], activation=CarelessTanh(), loss="cross_entropy", seed=0)
    X, y = _blobs()
    history = net.fit(X, y, epochs=20, batch_size=16, optimizer="adam", learning_rate=0.02)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    trace = net.forward(X[:4])
    assert {A.dtype for A in trace.outputs} == {np.dtype(np.float32)}
    assert all(g.dtype == np.float32 for g in net.gradients(X[:8], y[:8]))
    assert gradcheck(net, X[:8], y[:8]).max_error < 1e-6
