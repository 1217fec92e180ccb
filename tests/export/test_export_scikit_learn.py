"""scikit-learn's fitted MLPs as networks, with equal predictions, for every hidden
activation and output type; the estimators' coefs_ and intercepts_ the other way."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from steepest import Network
from steepest.errors import ConfigError
from steepest.sklearn import NetworkClassifier, NetworkRegressor

ROWS = np.random.default_rng(0).normal(size=(120, 4))


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few epochs are enough here
        return model.fit(X, y)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_a_multiclass_classifier_predicts_the_same(activation):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    mlp = fitted(MLPClassifier((8, 6), activation=activation, max_iter=50, random_state=0),
                 X, names)
    net = Network.from_sklearn(mlp)
    assert net.sizes == [4, 8, 6, 3] and net.dtype == np.float64
    expected = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
    assert [f.name for f in net.activations] == [expected[activation]] * 2 + ["softmax"]
    assert net.loss.name == "cross_entropy"
    assert net.record["classes"] == ["setosa", "versicolor", "virginica"]
    np.testing.assert_allclose(net.predict(X), mlp.predict_proba(X), rtol=0, atol=1e-12)
    classes = np.array(net.record["classes"])[net.predict_classes(X)]
    assert (classes == mlp.predict(X)).all()


def test_binary_and_multilabel_classifiers_have_sigmoid_outputs():
    y = (ROWS[:, 0] > 0).astype(int)
    binary = fitted(MLPClassifier((5,), max_iter=30, random_state=0), ROWS, y)
    net = Network.from_sklearn(binary)
    assert net.sizes[-1] == 1 and net.output_activation.name == "sigmoid"
    assert net.loss.name == "binary_cross_entropy" and net.record["classes"] == ["0", "1"]
    np.testing.assert_allclose(net.predict_proba(ROWS), binary.predict_proba(ROWS), atol=1e-12)
    assert (net.predict_classes(ROWS) == binary.predict(ROWS)).all()
    Y = (ROWS[:, :3] > 0).astype(int)
    multilabel = fitted(MLPClassifier((5,), max_iter=30, random_state=0), ROWS, Y)
    net = Network.from_sklearn(multilabel)
    assert net.sizes[-1] == 3 and net.loss.name == "binary_cross_entropy"
    np.testing.assert_allclose(net.predict(ROWS), multilabel.predict_proba(ROWS), atol=1e-12)
    assert (net.predict_classes(ROWS) == multilabel.predict(ROWS)).all()


@pytest.mark.parametrize("n_targets", [1, 2])
def test_a_regressor_predicts_the_same(n_targets):
    y = ROWS[:, :n_targets] @ np.ones((n_targets, n_targets)) + ROWS[:, [3]]
    mlp = fitted(MLPRegressor(hidden_layer_sizes=(7,), activation="tanh", max_iter=40,
                              random_state=0), ROWS,
                 y[:, 0] if n_targets == 1 else y)
    net = Network.from_sklearn(mlp)
    assert net.output_activation.name == "identity" and net.loss.name == "mse"
    assert "classes" not in net.record
    np.testing.assert_allclose(net.predict(ROWS).reshape(mlp.predict(ROWS).shape),
                               mlp.predict(ROWS), rtol=0, atol=1e-12)


def test_float32_fits_and_feature_names_come_along():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ROWS.astype(np.float32), columns=["a", "b", "c", "d"])
    mlp = fitted(MLPRegressor(hidden_layer_sizes=(3,), max_iter=20, random_state=0), frame,
                 ROWS[:, 0])
    net = Network.from_sklearn(mlp)
    assert net.dtype == np.float32
    assert net.record["feature_names"] == ["a", "b", "c", "d"]


def test_the_doctor_and_explain_work_on_an_imported_model(capsys):
    from steepest import diagnose

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    net = Network.from_sklearn(fitted(MLPClassifier((8,), max_iter=20, random_state=0), X, y))
    assert net.explain(X[:4], y[:4]).startswith("one training step: Network 4 -> 8 -> 3")
    assert isinstance(diagnose(net, X, y).codes(), list)
    before = net.evaluate(X, y)["loss"]
    net.fit(X, y, epochs=20, optimizer="adam", learning_rate=1e-2)  # and it trains on
    assert net.evaluate(X, y)["loss"] < before


def test_what_is_not_a_fitted_mlp_is_refused():
    with pytest.raises(ConfigError, match="is not fitted yet"):
        Network.from_sklearn(MLPClassifier())
    pipeline = make_pipeline(StandardScaler(), MLPClassifier())
    with pytest.raises(ConfigError, match=r"got Pipeline \(for a Pipeline pass its last step"):
        Network.from_sklearn(pipeline)
    with pytest.raises(ConfigError, match="takes a fitted MLPClassifier or MLPRegressor, got "
                       "StandardScaler"):
        Network.from_sklearn(StandardScaler())
    poisson = fitted(MLPRegressor(loss="poisson", hidden_layer_sizes=(3,), max_iter=5), ROWS,
                     np.exp(ROWS[:, 0]))
    with pytest.raises(ConfigError, match="activation 'exp' has no steepest counterpart"):
        Network.from_sklearn(poisson)


def test_our_estimators_give_a_copy_of_their_network():
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier((8,), epochs=3, random_state=0).fit(X, y)
    net = Network.from_sklearn(clf)
    assert net is not clf.network_
    np.testing.assert_array_equal(net.params, clf.network_.params)


# ---------------------------------------------------------------------- coefs_, intercepts_


def mlp_forward(coefs, intercepts, X, hidden, output):
    """The forward pass the way one writes it over an MLP's coefs_ and intercepts_."""
    A = X
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        Z = A @ W + b
        A = output(Z) if i == len(coefs) - 1 else hidden(Z)
    return A


def test_classifier_coefs_and_intercepts_are_its_weights():
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier((8, 5), epochs=5, random_state=0).fit(X, y)
    assert [W.shape for W in clf.coefs_] == [(4, 8), (8, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (5,), (3,)]

    def softmax(Z):
        E = np.exp(Z - Z.max(1, keepdims=True))
        return E / E.sum(1, keepdims=True)

    P = mlp_forward(clf.coefs_, clf.intercepts_, X, lambda Z: np.maximum(Z, 0), softmax)
    np.testing.assert_allclose(P, clf.predict_proba(X), atol=1e-5)
    assert not hasattr(NetworkClassifier(), "coefs_")


def test_regressor_coefs_predict_in_the_units_of_y():
    y = 300 * ROWS[:, 0] - 50 * ROWS[:, 1] + 1000  # far from mean 0, std 1
    reg = NetworkRegressor((6,), epochs=30, random_state=0).fit(ROWS, y)
    out = mlp_forward(reg.coefs_, reg.intercepts_, ROWS, lambda Z: np.maximum(Z, 0),
                      lambda Z: Z)
    np.testing.assert_allclose(out[:, 0], reg.predict(ROWS), rtol=1e-5)
    np.testing.assert_allclose(reg.network_.predict(ROWS)[:, 0], reg.predict(ROWS), rtol=1e-5)
