"""steepest.playground.settings: every field of a page's settings checked, with a
message that says what was expected and what was found; the groups that decide
whether a change starts a new network."""

from __future__ import annotations

import pytest

from steepest.errors import ConfigError
from steepest.playground.settings import CHECKS, GROUPS, Limits, Settings

LIMITS = Limits()


def test_the_defaults_are_tensorflow_playgrounds():
    s = Settings()
    assert (s.dataset, s.layers, s.activations, s.learning_rate, s.batch_size) == (
        "circle", (4, 2), ("tanh", "tanh"), 0.03, 10)
    assert (s.noise, s.train_ratio, s.features) == (0, 50, ("x1", "x2"))


def test_every_field_has_a_check_and_a_group():
    fields = set(Settings().as_dict())
    assert set(CHECKS) == fields
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(fields)  # each field in exactly one group


def test_a_change_is_checked_and_the_rest_kept():
    s = Settings().updated({"noise": 20, "layers": [8, 8, 8], "learning_rate": 0.1,
                            "features": ["x2", "x1sq", "x1"], "stop_loss": 0.05}, LIMITS)
    assert s.noise == 20 and s.layers == (8, 8, 8) and s.learning_rate == 0.1
    assert s.features == ("x1", "x2", "x1sq")  # the page's order
    assert s.activations == ("tanh", "tanh", "tanh")  # the last one, for every layer
    assert s.stop_loss == 0.05 and s.dataset == "circle"
    assert s.updated({"activations": ["relu"]}, LIMITS).activations == ("relu",) * 3
    assert s.updated({"stop_loss": None}, LIMITS).stop_loss is None
    assert Settings().updated(s.as_dict(), LIMITS) == s  # as_dict round-trips


def test_the_groups_that_changed():
    s = Settings()
    assert s.changed(s.updated({"learning_rate": 0.3, "batch_size": 20}, LIMITS)) == {"training"}
    assert s.changed(s.updated({"layers": [3]}, LIMITS)) == {"architecture"}
    assert s.changed(s.updated({"noise": 10, "show_test": True}, LIMITS)) == {"data", "view"}


@pytest.mark.parametrize(("changes", "message"), [
    ({"nosie": 1}, "unknown setting 'nosie'; expected one of dataset, classes"),
    ({"dataset": "mnist"}, "dataset must be one of circle, xor, gauss, spiral, moons, plane, "
                           "hills, upload, got 'mnist'"),
    ({"noise": 80}, "noise must be a whole number from 0 to 50, got 80"),
    ({"noise": 2.5}, "noise must be a whole number from 0 to 50, got 2.5"),
    ({"noise": True}, "noise must be a whole number from 0 to 50, got True"),
    ({"points": 10**6}, "points must be a whole number from 20 to 4,000, got 1000000"),
    ({"layers": [4] * 11}, "layers must be a list of at most 10 hidden layer sizes"),
    ({"layers": [4, 65]}, "each of layers must be a whole number from 1 to 64, got 65"),
    ({"layers": "4,2"}, "layers must be a list of at most 10 hidden layer sizes, got '4,2'"),
    ({"activations": ["softmax"]}, "each of activations: softmax belongs on the output layer "
                                   "only"),
    ({"activations": ["tanh", "relu", "relu"]}, "activations lists 3 names for 2 hidden "
                                                "layers"),
    ({"activations": ["swish"]}, "unknown activation 'swish'"),
    ({"activations": []}, "activations must name at least one activation"),
    ({"loss": "sigmoid(c=__import__('os'))"}, "expected a loss as name or name(key=value"),
    ({"optimizer": "x" * 100}, "optimizer must be the name of an optimizer, got 'xxxx"),
    ({"learning_rate": 0}, "learning_rate must be a number above 0 and at most 10, got 0"),
    ({"learning_rate": float("nan")}, "learning_rate must be a number above 0 and at most 10"),
    ({"learning_rate": "0.1"}, "learning_rate must be a number above 0 and at most 10, got "
                               "'0.1'"),
    ({"dropout": 0.95}, "dropout must be a number from 0 to 0.9, got 0.95"),
    ({"features": []}, "features must list at least one of x1, x2, x1sq"),
    ({"features": ["x1", "x1"]}, "features must list at least one of"),
    ({"features": ["x3"]}, "features must list at least one of"),
    ({"columns": ["a", "b"]}, "columns must name three different columns (x1, x2, label)"),
    ({"hide": ["everything"]}, "hide must list dataset, classes"),
    ({"show_test": 1}, "show_test must be true or false, got 1"),
    ({"stop_epochs": 0}, "stop_epochs must be a whole number from 1 to 10,000,000, got 0"),
    ({"schedule": "cosine(epochs=-1)"}, "cosine schedule needs epochs >= 1"),
])
def test_bad_settings_say_what_was_expected_and_found(changes, message):
    with pytest.raises(ConfigError) as info:
        Settings().updated(changes, LIMITS)
    assert message in str(info.value)


def test_settings_must_be_an_object():
    with pytest.raises(ConfigError, match="settings must be an object of names and values, "
                                          "got list"):
        Settings().updated([1, 2], LIMITS)


def test_the_limits_are_the_servers():
    small = Limits(layers=2, neurons=5, points=100)
    with pytest.raises(ConfigError, match="at most 2 hidden layer sizes"):
        Settings().updated({"layers": [3, 3, 3]}, small)
    with pytest.raises(ConfigError, match="from 1 to 5, got 6"):
        Settings().updated({"layers": [6]}, small)
    assert Settings().updated({"layers": [32] * 8}, LIMITS).layers == (32,) * 8
    with pytest.raises(ConfigError, match="sessions must be a whole number >= 1"):
        Limits(sessions=0)


def test_parts_of_your_own_are_offered_too():
    import numpy as np

    from steepest import register
    from steepest.activations import Activation

    @register
    class Swish(Activation):
        name = "swish"

        def forward(self, Z):
            return Z / (1 + np.exp(-Z))

        def backward(self, Z, A, grad_A):
            s = 1 / (1 + np.exp(-Z))
            return grad_A * (s + Z * s * (1 - s))

    assert Settings().updated({"activations": ["swish"]}, LIMITS).activations == ("swish",) * 2
