"""Bad data is refused before any computation (steepest._validation, through
every entry point: fit, predict, evaluate, gradients), with a message that says
what was expected and what was found."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from steepest import Network
from steepest.errors import (
    DataError,
    ShapeError,
)


def test_one_dimensional_x_one_sample_hint(fit_fails, trained):
    net, _, y = trained
    message = fit_fails(net, ShapeError, np.array([0.1, 0.2, 0.3]), y[:1])
    assert "X must be 2-D" in message
    assert "(3,)" in message
    assert "for one sample use X.reshape(1, -1)" in message


def test_one_dimensional_x_one_feature_hint(fit_fails):
    X = np.linspace(0, 1, 10)
    net = Network([1, 3, 1], seed=0)
    message = fit_fails(net, ShapeError, X, X)
    assert "X must be 2-D (n_samples, n_features=1)" in message
    assert "(10,)" in message
    assert "for one feature use X.reshape(-1, 1)" in message


def test_one_dimensional_x_with_many_features_says_reshape_column(fit_fails, trained):
    net, _, y = trained
    message = fit_fails(net, ShapeError, np.zeros(12), y)
    assert "for one feature use X.reshape(-1, 1)" in message


def test_three_dimensional_x(fit_fails, trained):
    net, _, y = trained
    message = fit_fails(net, ShapeError, np.zeros((12, 3, 1)), y)
    assert "X must be 2-D (n_samples, n_features=3)" in message
    assert "(12, 3, 1)" in message
    assert "reshape" not in message


def test_scalar_x(fit_fails, trained):
    net, _, y = trained
    message = fit_fails(net, ShapeError, 3.0, y)
    assert "X must be 2-D" in message


def test_row_counts_differ(fit_fails, trained):
    net, X, y = trained
    message = fit_fails(net, ShapeError, X, y[:-2])
    assert "X has 12 rows but y has 10" in message


def test_wrong_feature_count(fit_fails, trained):
    net, X, y = trained
    message = fit_fails(net, ShapeError, X[:, :2], y)
    assert "X has 2 features" in message
    assert "input layer has 3" in message


def test_empty_x(fit_fails, trained):
    net, _, _ = trained
    message = fit_fails(net, DataError, np.empty((0, 3)), np.empty(0, dtype=int))
    assert "X is empty" in message
    assert "(0, 3)" in message


@pytest.mark.parametrize(
    "bad, where", [(np.nan, (4, 1)), (np.inf, (0, 2)), (-np.inf, (11, 0))], ids=str
)
def test_non_finite_x(fit_fails, trained, bad, where):
    net, X, y = trained
    X = X.copy()
    X[where] = bad
    message = fit_fails(net, DataError, X, y)
    assert "X contains NaN or infinity" in message
    assert "1 value(s)" in message
    assert f"index ({where[0]}, {where[1]})" in message


def test_non_finite_x_counts_all_and_names_the_first(fit_fails, trained):
    net, X, y = trained
    X = X.copy()
    X[7, 0] = np.nan
    X[3, 2] = np.inf
    message = fit_fails(net, DataError, X, y)
    assert "2 value(s), the first at index (3, 2)" in message


def test_non_finite_float32_x(fit_fails, trained):
    net, X, y = trained
    X = X.astype(np.float32)
    X[2, 2] = np.nan
    message = fit_fails(net, DataError, X, y)
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
def test_non_numeric_x(fit_fails, trained, X):
    net, _, y = trained
    message = fit_fails(net, DataError, X, y)
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


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_y(fit_fails, labelled, bad):
    X, _ = labelled()
    y = np.linspace(0, 1, 12)
    y[5] = bad
    net = Network([3, 4, 1], seed=0)
    message = fit_fails(net, DataError, X, y)
    assert "y contains NaN or infinity" in message
    assert "index (5)" in message


def test_non_finite_two_dimensional_y(fit_fails, trained):
    net, X, y = trained
    Y = np.eye(3)[y]
    Y[9, 1] = np.nan
    message = fit_fails(net, DataError, X, Y)
    assert "y contains NaN or infinity" in message
    assert "(9, 1)" in message


@pytest.mark.parametrize(
    "labels, found",
    [([0, 1, 2, 3] * 3, "from 0 to 3"), ([-1, 0, 1, 2] * 3, "from -1 to 2"),
     ([5] * 12, "from 5 to 5")],
    ids=["too_big", "negative", "all_out"],
)
def test_labels_outside_range(fit_fails, trained, labels, found):
    net, X, _ = trained
    message = fit_fails(net, DataError, X, np.array(labels))
    assert "class labels must lie in 0..2" in message
    assert "3 outputs" in message
    assert f"found labels {found}" in message


def test_labels_outside_range_for_sse_net_with_several_outputs(fit_fails, labelled):
    X, _ = labelled()
    net = Network([3, 4, 2], seed=0)
    message = fit_fails(net, DataError, X, np.arange(12) % 3)
    assert "class labels must lie in 0..1" in message
    assert "from 0 to 2" in message


def test_non_integer_labels_for_multi_output_net(fit_fails, trained):
    net, X, y = trained
    labels = y.astype(float)
    labels[4] = 1.5
    message = fit_fails(net, DataError, X, labels)
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
def test_cross_entropy_targets_not_probability_rows(fit_fails, trained, Y):
    net, X, _ = trained
    message = fit_fails(net, DataError, X, Y)
    assert "cross_entropy targets must be class labels or rows of probabilities" in message


def test_cross_entropy_soft_targets_are_accepted(trained):
    net, X, _ = trained
    Y = np.tile([0.2, 0.3, 0.5], (12, 1))
    assert np.isfinite(net.fit(X, Y, epochs=1)["loss"][0])


@pytest.mark.parametrize(
    "values, found", [([-0.5, 0.0, 1.0], "from -0.5 to 1"), ([0.0, 2.0, 1.0], "from 0 to 2")]
)
def test_binary_cross_entropy_targets_outside_unit_interval(fit_fails, labelled, values, found):
    X, _ = labelled()
    y = np.array(values * 4)
    net = Network([3, 4, 1], activation="tanh", loss="binary_cross_entropy", seed=0)
    message = fit_fails(net, DataError, X, y)
    assert "binary_cross_entropy targets must lie in [0, 1]" in message
    assert f"found values {found}" in message


def test_binary_cross_entropy_two_dimensional_targets_outside_unit_interval(fit_fails, labelled):
    X, _ = labelled()
    Y = np.zeros((12, 2))
    Y[3, 1] = 3.0
    net = Network([3, 4, 2], activation="tanh", loss="binary_cross_entropy", seed=0)
    message = fit_fails(net, DataError, X, Y)
    assert "found values from 0 to 3" in message


def test_y_wrong_number_of_columns(fit_fails, trained):
    net, X, _ = trained
    message = fit_fails(net, ShapeError, X, np.zeros((12, 2)))
    assert "y has 2 columns but the network has 3 outputs" in message


def test_y_three_dimensional(fit_fails, trained):
    net, X, _ = trained
    message = fit_fails(net, ShapeError, X, np.zeros((12, 3, 1)))
    assert "y must be 1-D labels or 2-D (n_samples, 3)" in message
    assert "(12, 3, 1)" in message


def test_y_scalar(fit_fails, trained):
    net, X, _ = trained
    message = fit_fails(net, ShapeError, X, 1)
    assert "y must be 1-D labels or 2-D" in message


@pytest.mark.parametrize(
    "y", [np.array(["a", "b", "c"] * 4), np.array([0, 1, None] * 4, dtype=object)],
    ids=["str", "object"],
)
def test_non_numeric_y(fit_fails, trained, y):
    net, X, _ = trained
    message = fit_fails(net, DataError, X, y)
    assert "y must be numeric" in message
    assert str(y.dtype) in message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_sample_weight(fit_fails, trained, bad):
    net, X, y = trained
    w = np.ones(12)
    w[6] = bad
    message = fit_fails(net, DataError, X, y, sample_weight=w)
    assert "sample_weight contains NaN or infinity" in message
    assert "index (6)" in message


@pytest.mark.parametrize(
    "w", [np.r_[np.ones(11), -0.5], np.zeros(12)], ids=["negative", "all_zero"]
)
def test_negative_or_zero_sample_weights(fit_fails, trained, w):
    net, X, y = trained
    message = fit_fails(net, DataError, X, y, sample_weight=w)
    assert "sample_weight must be >= 0 with a positive sum" in message


def test_sample_weight_wrong_length(fit_fails, trained):
    net, X, y = trained
    message = fit_fails(net, ShapeError, X, y, sample_weight=np.ones(11))
    assert "sample_weight has 11 values but X has 12 rows" in message


def test_sample_weight_non_numeric(fit_fails, trained):
    net, X, y = trained
    message = fit_fails(net, DataError, X, y, sample_weight=np.array(["1"] * 12))
    assert "sample_weight must be numeric" in message


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


def test_values_beyond_float32_range_raise_data_error():
    net = Network([2, 3, 3], loss="cross_entropy", seed=0)
    X, y = np.ones((4, 2)), np.array([0, 1, 2, 0])
    huge = X.copy()
    huge[2, 1] = 1e39
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="too large for float32"):
            net.fit(huge, y)
        with pytest.raises(DataError, match="too large for float32"):
            net.predict(huge)
        with pytest.raises(DataError, match=r"found labels from 0 to 1e\+30"):
            net.fit(X, np.array([0.0, 1.0, 1e30, 2.0]))
        weights = [a.astype(np.float64) for a in net.get_weights()]
        weights[0][0, 0] = 1e39
        with pytest.raises(DataError, match="too large for float32"):
            net.set_weights(weights)
        with pytest.raises(DataError, match="sample_weight is too large: its sum overflows"):
            net.fit(X, y, sample_weight=np.full(4, 1e308))


def test_ragged_lists_raise_data_error():
    ragged = "must be a rectangular numeric array"
    with pytest.raises(DataError, match=f"^X {ragged}"):
        Network([3, 2], loss="cross_entropy").fit([[1, 2, 3], [1, 2]], [0, 1])
    net = Network([2, 2])
    with pytest.raises(DataError, match=f"^y {ragged}"):
        net.fit([[1, 2], [3, 4]], [[1, 0], [0]])
    with pytest.raises(DataError, match=f"^W0 {ragged}"):
        net.set_weights([[[1, 2], [3]], [0, 0]])


def test_two_dimensional_sample_weight_is_a_shape_error(blobs, classifier, fit_fails):
    X, y = blobs(20, gap=1.5)
    net = classifier()
    # 20 rows of 5 weights: the right number of rows, but not one weight per row
    message = fit_fails(net, ShapeError, X, y, sample_weight=np.ones((20, 5)))
    assert message == "sample_weight must have shape (20,), one weight per row; got (20, 5)"
    h = net.fit(X, y, sample_weight=np.ones((20, 1)))
    assert np.isfinite(h["loss"]).all()
