"""Bad data and bad settings are refused before training, with a message that
says what was expected and what was found; divergence restores finite weights."""

from __future__ import annotations

import numpy as np
import pytest

from steepest import Network
from steepest.activations import Sigmoid
from steepest.errors import (
    ConfigError,
    DataError,
    DivergenceError,
    ShapeError,
    SteepestError,
)

# ---------------------------------------------------------------------- helpers


def _data(n: int = 12, n_features: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    labels = np.arange(n) % 3
    return X, labels


def _classifier(**kwargs) -> Network:
    return Network([3, 4, 3], activation="tanh", loss="cross_entropy", seed=0, **kwargs)


def _snapshot(net: Network):
    return (
        net.get_weights(),
        net.optimizer,
        net.history.to_dict(),
        net.epochs_trained,
        net.rng.bit_generator.state,
    )


def _assert_unchanged(net: Network, snapshot) -> None:
    weights, optimizer, history, epochs, rng_state = snapshot
    for before, after in zip(weights, net.get_weights(), strict=True):
        assert np.array_equal(before, after)
    assert net.optimizer is optimizer
    assert net.history.to_dict() == history
    assert net.epochs_trained == epochs
    assert net.rng.bit_generator.state == rng_state


def _fit_fails(net: Network, cls: type[SteepestError], X, y, **kwargs) -> str:
    """fit must raise ``cls`` (a ValueError too) and leave the network untouched."""
    snapshot = _snapshot(net)
    with pytest.raises(cls) as info:
        net.fit(X, y, epochs=2, **kwargs)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, SteepestError)
    _assert_unchanged(net, snapshot)
    return str(info.value)


@pytest.fixture
def trained() -> tuple[Network, np.ndarray, np.ndarray]:
    """A network with an optimiser and a history, so "unchanged" covers those too."""
    X, y = _data()
    net = _classifier()
    net.fit(X, y, epochs=2, batch_size=4, optimizer="adam", learning_rate=0.01)
    return net, X, y


# ---------------------------------------------------------------------- X


def test_one_dimensional_x_one_sample_hint(trained):
    net, _, y = trained
    message = _fit_fails(net, ShapeError, np.array([0.1, 0.2, 0.3]), y[:1])
    assert "X must be 2-D" in message
    assert "(3,)" in message
    assert "for one sample use X.reshape(1, -1)" in message


def test_one_dimensional_x_one_feature_hint():
    X = np.linspace(0, 1, 10)
    net = Network([1, 3, 1], seed=0)
    message = _fit_fails(net, ShapeError, X, X)
    assert "X must be 2-D (n_samples, n_features=1)" in message
    assert "(10,)" in message
    assert "for one feature use X.reshape(-1, 1)" in message


def test_one_dimensional_x_with_many_features_says_reshape_column(trained):
    net, _, y = trained
    message = _fit_fails(net, ShapeError, np.zeros(12), y)
    assert "for one feature use X.reshape(-1, 1)" in message


def test_three_dimensional_x(trained):
    net, _, y = trained
    message = _fit_fails(net, ShapeError, np.zeros((12, 3, 1)), y)
    assert "X must be 2-D (n_samples, n_features=3)" in message
    assert "(12, 3, 1)" in message
    assert "reshape" not in message


def test_scalar_x(trained):
    net, _, y = trained
    message = _fit_fails(net, ShapeError, 3.0, y)
    assert "X must be 2-D" in message


def test_row_counts_differ(trained):
    net, X, y = trained
    message = _fit_fails(net, ShapeError, X, y[:-2])
    assert "X has 12 rows but y has 10" in message


def test_wrong_feature_count(trained):
    net, X, y = trained
    message = _fit_fails(net, ShapeError, X[:, :2], y)
    assert "X has 2 features" in message
    assert "input layer has 3" in message


def test_empty_x(trained):
    net, _, _ = trained
    message = _fit_fails(net, DataError, np.empty((0, 3)), np.empty(0, dtype=int))
    assert "X is empty" in message
    assert "(0, 3)" in message


@pytest.mark.parametrize(
    "bad, where", [(np.nan, (4, 1)), (np.inf, (0, 2)), (-np.inf, (11, 0))], ids=str
)
def test_non_finite_x(trained, bad, where):
    net, X, y = trained
    X = X.copy()
    X[where] = bad
    message = _fit_fails(net, DataError, X, y)
    assert "X contains NaN or infinity" in message
    assert "1 value(s)" in message
    assert f"index ({where[0]}, {where[1]})" in message


def test_non_finite_x_counts_all_and_names_the_first(trained):
    net, X, y = trained
    X = X.copy()
    X[7, 0] = np.nan
    X[3, 2] = np.inf
    message = _fit_fails(net, DataError, X, y)
    assert "2 value(s), the first at index (3, 2)" in message


def test_non_finite_float32_x(trained):
    net, X, y = trained
    X = X.astype(np.float32)
    X[2, 2] = np.nan
    message = _fit_fails(net, DataError, X, y)
    assert "X contains NaN or infinity" in message
    assert "(2, 2)" in message


@pytest.mark.parametrize(
    "X",
    [
        np.array([["a", "b", "c"]] * 12),
        np.array([[1, None, 2]] * 12, dtype=object),
        np.ones((12, 3), dtype=complex),
    ],
    ids=["str", "object", "complex"],
)
def test_non_numeric_x(trained, X):
    net, _, y = trained
    message = _fit_fails(net, DataError, X, y)
    assert "X must be numeric" in message
    assert str(X.dtype) in message


def test_integer_and_bool_x_are_accepted():
    X = np.array([[0, 1], [1, 0], [1, 1], [0, 0]])
    y = np.array([1.0, 1.0, 0.0, 0.0])
    for data in (X, X.astype(bool)):
        net = Network([2, 3, 1], seed=0)
        history = net.fit(data, y, epochs=1)
        assert len(history["loss"]) == 1
        assert np.isfinite(history["loss"][0])


# ---------------------------------------------------------------------- y


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_y(bad):
    X, _ = _data()
    y = np.linspace(0, 1, 12)
    y[5] = bad
    net = Network([3, 4, 1], seed=0)
    message = _fit_fails(net, DataError, X, y)
    assert "y contains NaN or infinity" in message
    assert "index (5)" in message


def test_non_finite_two_dimensional_y(trained):
    net, X, y = trained
    Y = np.eye(3)[y]
    Y[9, 1] = np.nan
    message = _fit_fails(net, DataError, X, Y)
    assert "y contains NaN or infinity" in message
    assert "(9, 1)" in message


@pytest.mark.parametrize(
    "labels, found",
    [([0, 1, 2, 3] * 3, "from 0 to 3"), ([-1, 0, 1, 2] * 3, "from -1 to 2"),
     ([5] * 12, "from 5 to 5")],
    ids=["too_big", "negative", "all_out"],
)
def test_labels_outside_range(trained, labels, found):
    net, X, _ = trained
    message = _fit_fails(net, DataError, X, np.array(labels))
    assert "class labels must lie in 0..2" in message
    assert "3 outputs" in message
    assert f"found labels {found}" in message


def test_labels_outside_range_for_sse_net_with_several_outputs():
    X, _ = _data()
    net = Network([3, 4, 2], seed=0)
    message = _fit_fails(net, DataError, X, np.arange(12) % 3)
    assert "class labels must lie in 0..1" in message
    assert "from 0 to 2" in message


def test_non_integer_labels_for_multi_output_net(trained):
    net, X, y = trained
    labels = y.astype(float)
    labels[4] = 1.5
    message = _fit_fails(net, DataError, X, labels)
    assert "integer class labels 0..2" in message
    assert "non-integer values such as 1.5" in message


def test_float_labels_that_are_whole_numbers_are_accepted(trained):
    net, X, y = trained
    history = net.fit(X, y.astype(float), epochs=1)
    assert "accuracy" in history


@pytest.mark.parametrize(
    "Y",
    [
        np.full((12, 3), 0.5),  # rows sum to 1.5
        np.tile([1.2, -0.1, -0.1], (12, 1)),  # sum to 1 but negative entries
        np.zeros((12, 3)),
    ],
    ids=["sum", "negative", "zeros"],
)
def test_cross_entropy_targets_not_probability_rows(trained, Y):
    net, X, _ = trained
    message = _fit_fails(net, DataError, X, Y)
    assert "cross_entropy targets must be class labels or rows of probabilities" in message


def test_cross_entropy_soft_targets_are_accepted(trained):
    net, X, _ = trained
    Y = np.tile([0.2, 0.3, 0.5], (12, 1))
    assert np.isfinite(net.fit(X, Y, epochs=1)["loss"][0])


@pytest.mark.parametrize(
    "values, found", [([-0.5, 0.0, 1.0], "from -0.5 to 1"), ([0.0, 2.0, 1.0], "from 0 to 2")]
)
def test_binary_cross_entropy_targets_outside_unit_interval(values, found):
    X, _ = _data()
    y = np.array(values * 4)
    net = Network([3, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    message = _fit_fails(net, DataError, X, y)
    assert "binary_cross_entropy targets must lie in [0, 1]" in message
    assert f"found values {found}" in message


def test_binary_cross_entropy_two_dimensional_targets_outside_unit_interval():
    X, _ = _data()
    Y = np.zeros((12, 2))
    Y[3, 1] = 3.0
    net = Network([3, 4, 2], activation="tanh", loss="binary_cross_entropy", seed=0)
    message = _fit_fails(net, DataError, X, Y)
    assert "found values from 0 to 3" in message


def test_y_wrong_number_of_columns(trained):
    net, X, _ = trained
    message = _fit_fails(net, ShapeError, X, np.zeros((12, 2)))
    assert "y has 2 columns but the network has 3 outputs" in message


def test_y_three_dimensional(trained):
    net, X, _ = trained
    message = _fit_fails(net, ShapeError, X, np.zeros((12, 3, 1)))
    assert "y must be 1-D labels or 2-D (n_samples, 3)" in message
    assert "(12, 3, 1)" in message


def test_y_scalar(trained):
    net, X, _ = trained
    message = _fit_fails(net, ShapeError, X, 1)
    assert "y must be 1-D labels or 2-D" in message


@pytest.mark.parametrize(
    "y", [np.array(["a", "b", "c"] * 4), np.array([0, 1, None] * 4, dtype=object)],
    ids=["str", "object"],
)
def test_non_numeric_y(trained, y):
    net, X, _ = trained
    message = _fit_fails(net, DataError, X, y)
    assert "y must be numeric" in message
    assert str(y.dtype) in message


# ---------------------------------------------------------------------- sample weights


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_sample_weight(trained, bad):
    net, X, y = trained
    w = np.ones(12)
    w[6] = bad
    message = _fit_fails(net, DataError, X, y, sample_weight=w)
    assert "sample_weight contains NaN or infinity" in message
    assert "index (6)" in message


@pytest.mark.parametrize(
    "w", [np.r_[np.ones(11), -0.5], np.zeros(12)], ids=["negative", "all_zero"]
)
def test_negative_or_zero_sample_weights(trained, w):
    net, X, y = trained
    message = _fit_fails(net, DataError, X, y, sample_weight=w)
    assert "sample_weight must be >= 0 with a positive sum" in message


def test_sample_weight_wrong_length(trained):
    net, X, y = trained
    message = _fit_fails(net, ShapeError, X, y, sample_weight=np.ones(11))
    assert "sample_weight has 11 values but X has 12 rows" in message


def test_sample_weight_non_numeric(trained):
    net, X, y = trained
    message = _fit_fails(net, DataError, X, y, sample_weight=np.array(["1"] * 12))
    assert "sample_weight must be numeric" in message


# ---------------------------------------------------------------------- validation data


def test_bad_validation_data_is_refused_before_training(trained):
    net, X, y = trained
    message = _fit_fails(net, ShapeError, X, y, validation_data=(X[:, :2], y))
    assert "X has 2 features" in message
    message = _fit_fails(net, DataError, X, y, validation_data=(X, y + 3))
    assert "class labels must lie in 0..2" in message
    message = _fit_fails(net, ConfigError, X, y, validation_data=(X,))
    assert "validation_data must be (X_val, y_val)" in message


def test_validation_split_too_small_for_the_data():
    X, y = _data(n=3)
    net = _classifier()
    message = _fit_fails(net, ConfigError, X, y, validation_split=0.1)
    assert "leaves no validation or no training data" in message


# ---------------------------------------------------------------------- other entry points


def test_predict_and_evaluate_check_x(trained):
    net, X, y = trained
    with pytest.raises(ShapeError, match=r"X has 4 features"):
        net.predict(np.zeros((2, 4)))
    with pytest.raises(ShapeError, match=r"reshape\(1, -1\)"):
        net.predict(np.zeros(3))
    bad = X.copy()
    bad[1, 1] = np.nan
    with pytest.raises(DataError, match=r"X contains NaN or infinity.*\(1, 1\)"):
        net.predict(bad)
    with pytest.raises(DataError, match=r"class labels must lie in 0\.\.2"):
        net.evaluate(X, y + 1)
    with pytest.raises(ShapeError, match="X has 12 rows but y has 11"):
        net.gradients(X, y[:11])


# ---------------------------------------------------------------------- set_weights


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


# ---------------------------------------------------------------------- constructor


@pytest.mark.parametrize(
    "sizes",
    [[3], [], [2, 0, 1], [2, -1, 1], [2, 2.5, 1], "abc", [2, "x", 1], None],
    ids=["one", "empty", "zero", "negative", "fraction", "string", "str_item", "none"],
)
def test_bad_sizes(sizes):
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


# ---------------------------------------------------------------------- fit settings


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
def test_bad_fit_settings(trained, kwargs, expected):
    net, X, y = trained
    kwargs = dict(kwargs)
    epochs = kwargs.pop("epochs", 2)
    snapshot = _snapshot(net)
    with pytest.raises(ConfigError) as info:
        net.fit(X, y, epochs=epochs, **kwargs)
    assert isinstance(info.value, ValueError)
    assert expected in str(info.value)
    _assert_unchanged(net, snapshot)


def test_validation_data_and_validation_split_together(trained):
    net, X, y = trained
    message = _fit_fails(net, ConfigError, X, y, validation_data=(X, y), validation_split=0.2)
    assert "pass validation_data or validation_split, not both" in message


def test_epochs_zero_is_allowed_and_changes_nothing(trained):
    net, X, y = trained
    before = net.get_weights()
    history = net.fit(X, y, epochs=0)
    assert len(history) == 0
    for a, b in zip(before, net.get_weights(), strict=True):
        assert np.array_equal(a, b)


# ---------------------------------------------------------------------- divergence


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
