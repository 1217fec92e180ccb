"""steepest.sklearn: scikit-learn's own estimator checks, and the estimators at work
in Pipeline, GridSearchCV, cross_val_score, clone and pickle."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import steepest
from steepest.errors import ConfigError, DataError
from steepest.sklearn import NetworkClassifier, NetworkRegressor

# Small and quick: each check trains in a fraction of a second. Two settings: the
# defaults' mini-batches in float32, and full-batch float64, where sample weights are
# exactly equivalent to repeated rows (what check_sample_weight_equivalence asks).
QUICK_CHECKS = {"hidden_layer_sizes": (16,), "learning_rate": 0.02, "epochs": 30,
                "random_state": 0}
FULL_BATCH_CHECKS = {"hidden_layer_sizes": (16,), "learning_rate": 0.05, "epochs": 60,
                     "batch_size": None, "dtype": "float64", "random_state": 0}


def expected_failed_checks(estimator) -> dict[str, str]:
    if estimator.batch_size is None:
        return {}
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "mini-batch gradient descent: repeating a row changes which rows share a batch "
            "and how many steps an epoch takes, so weight 2 is not the same run as the row "
            "twice; with batch_size=None (checked too) it is"
        ),
    }


@parametrize_with_checks(
    [NetworkClassifier(**FULL_BATCH_CHECKS), NetworkRegressor(**FULL_BATCH_CHECKS),
     NetworkClassifier(**QUICK_CHECKS), NetworkRegressor(**QUICK_CHECKS)],
    expected_failed_checks=expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------- behaviour

QUICK = {"hidden_layer_sizes": (16,), "learning_rate": 0.02, "epochs": 40, "random_state": 0}


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


def test_pipeline_cross_val_score_learns_iris(iris):
    X, y = iris
    model = make_pipeline(StandardScaler(), NetworkClassifier(**QUICK))
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.85


def test_grid_search_picks_from_the_grid_and_refits(iris):
    X, y = iris
    search = GridSearchCV(
        make_pipeline(StandardScaler(), NetworkClassifier(**QUICK)),
        {"networkclassifier__hidden_layer_sizes": [(4,), (16, 8)],
         "networkclassifier__learning_rate": [1e-4, 0.02]},
        cv=3,
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    # 1e-4 for 40 epochs barely moves the weights: the search must prefer 0.02.
    assert search.best_params_["networkclassifier__learning_rate"] == 0.02
    net = search.best_estimator_[-1].network_
    assert net.sizes[0] == 4 and net.sizes[-1] == 3
    assert search.score(X, y) > 0.85


def test_classes_string_labels_and_probabilities(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = NetworkClassifier(**QUICK).fit(X, names)
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert clf.n_features_in_ == 4
    assert clf.network_.sizes == [4, 16, 3]
    assert clf.network_.record["classes"] == clf.classes_.tolist()
    P = clf.predict_proba(X)
    assert P.shape == (150, 3) and P.dtype == np.float64
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    assert (clf.predict(X) == clf.classes_[P.argmax(axis=1)]).all()
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), P)
    assert clf.n_iter_ == 40 and len(clf.loss_curve_) == 40
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_binary_uses_two_softmax_outputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = np.where(X[:, 0] > 0, "yes", "no")
    clf = NetworkClassifier(**QUICK).fit(X, y)
    assert clf.network_.output_activation.name == "softmax"
    assert clf.predict_proba(X).shape == (80, 2)
    assert clf.score(X, y) > 0.9


def test_multilabel_indicator_targets():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0]).astype(int)
    clf = NetworkClassifier(**QUICK).fit(X, Y)
    assert clf.classes_.tolist() == [0, 1, 2]
    assert clf.network_.loss.name == "binary_cross_entropy"
    assert clf.network_.output_activation.name == "sigmoid"
    assert clf.predict(X).shape == (120, 3)
    P = clf.predict_proba(X)
    assert P.shape == (120, 3) and ((P >= 0) & (P <= 1)).all()
    assert clf.score(X, Y) > 0.8   # subset accuracy: every label right


def test_multi_output_regression():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    Y = np.column_stack([X[:, 0] - X[:, 1], 0.5 * X[:, 2]])
    reg = NetworkRegressor(**QUICK).fit(X, Y)
    assert reg.network_.sizes == [3, 16, 2]
    assert reg.network_.output_activation.name == "identity"
    assert reg.predict(X).shape == (200, 2)
    assert reg.score(X, Y) > 0.9
    single = NetworkRegressor(**QUICK).fit(X, Y[:, 0])
    assert single.predict(X).shape == (200,)


def test_sample_weight_changes_what_is_learned():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    flipped = 1 - y
    # Same rows twice, opposite labels: the weights decide which labelling wins.
    X2, y2 = np.vstack([X, X]), np.concatenate([y, flipped])
    w = np.r_[np.full(60, 10.0), np.full(60, 0.1)]
    clf = NetworkClassifier(**QUICK).fit(X2, y2, sample_weight=w)
    assert (clf.predict(X) == y).mean() > 0.9
    clf = NetworkClassifier(**QUICK).fit(X2, y2, sample_weight=w[::-1])
    assert (clf.predict(X) == flipped).mean() > 0.9


def test_partial_fit_equals_fit_epoch_by_epoch(iris):
    X, y = iris
    settings = QUICK | {"epochs": 3}
    whole = NetworkClassifier(**settings).fit(X, y)
    steps = NetworkClassifier(**settings)
    for _ in range(3):
        steps.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_array_equal(whole.network_.params, steps.network_.params)
    assert steps.n_iter_ == 3


def test_warm_start_continues_and_cold_start_restarts(iris):
    X, y = iris
    warm = NetworkClassifier(**QUICK | {"epochs": 2, "warm_start": True})
    warm.fit(X, y).fit(X, y)
    four = NetworkClassifier(**QUICK | {"epochs": 4}).fit(X, y)
    np.testing.assert_array_equal(warm.network_.params, four.network_.params)
    cold = NetworkClassifier(**QUICK | {"epochs": 2})
    first = cold.fit(X, y).network_.params.copy()
    np.testing.assert_array_equal(cold.fit(X, y).network_.params, first)
    assert cold.n_iter_ == 2


def test_early_stopping_stops_and_keeps_best(iris):
    X, y = iris
    clf = NetworkClassifier(**QUICK | {"epochs": 500, "learning_rate": 0.05,
                                        "early_stopping": True, "n_iter_no_change": 3})
    clf.fit(X, y)
    val_loss = clf.network_.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert clf.n_iter_ == len(val_loss) < 500
    assert best < len(val_loss) - 1  # it went on past its best epoch...
    # ...and ends with that epoch's weights: the held-out rows (the network's own
    # split, 10 %) give the best epoch's validation loss again.
    order = np.random.default_rng(clf.network_.split_seed).permutation(len(X))
    rows = np.sort(order[: round(0.1 * len(X))])
    labels = np.searchsorted(clf.classes_, y[rows])
    assert clf.network_.evaluate(X[rows], labels)["loss"] == pytest.approx(val_loss[best],
                                                                             rel=1e-6)


def test_clone_and_pickle(tmp_path, iris):
    X, y = iris
    clf = NetworkClassifier(**QUICK).fit(X, y)
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params() and not hasattr(fresh, "network_")
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    # The unpickled network keeps training exactly like the original (weights
    # share one buffer, the optimiser state survives).
    for model in (clf, copy):
        model.set_params(warm_start=True, epochs=2).fit(X, y)
    np.testing.assert_array_equal(copy.network_.params, clf.network_.params)
    # steepest's own pickle-free file of the fitted network
    path = clf.network_.save(tmp_path / "iris.npz")
    np.testing.assert_array_equal(steepest.load(path).predict(X), clf.network_.predict(X))


def test_errors_are_one_line_value_errors(iris):
    X, y = iris
    with pytest.raises(ConfigError, match="hidden_layer_sizes must be whole numbers >= 1"):
        NetworkClassifier(hidden_layer_sizes=(8, 0)).fit(X, y)
    with pytest.raises(ConfigError, match="loss must be 'mse' or 'sse', got 'hinge'"):
        NetworkRegressor(loss="hinge").fit(X, y)
    with pytest.raises(ConfigError, match="needs classes="):
        NetworkClassifier().partial_fit(X, y)
    clf = NetworkClassifier(**QUICK).partial_fit(X[y < 2], y[y < 2], classes=[0, 1])
    with pytest.raises(DataError, match=r"labels not among the classes \[0, 1\]: \[2\]"):
        clf.partial_fit(X, y)
    with pytest.raises(DataError, match=r"classes=\[0, 1, 2\] differs from the first "):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="X has 3 features"):
        clf.predict(X[:, :3])
    with pytest.raises(DataError, match="at least 2 classes in y, found 1 class"):
        NetworkClassifier().fit(X[:10], y[:10])


def test_random_state_repeats_runs_and_accepts_a_random_state_object(iris):
    X, y = iris
    first = NetworkClassifier(**QUICK | {"epochs": 2}).fit(X, y).network_.params
    again = NetworkClassifier(**QUICK | {"epochs": 2}).fit(X, y).network_.params
    other = NetworkClassifier(**QUICK | {"epochs": 2, "random_state": 1}).fit(X, y)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other.network_.params)
    drawn = [NetworkClassifier(**QUICK | {"epochs": 1, "random_state":
                                          np.random.RandomState(5)}).fit(X, y).network_.seed
             for _ in range(2)]
    assert drawn[0] == drawn[1] and isinstance(drawn[0], int)


# ---------------------------------------------------------------------- edge cases
# (from the review of issue 6)

TINY = {"hidden_layer_sizes": (8,), "epochs": 3, "random_state": 0}


@pytest.fixture(scope="module")
def labelled():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.array(["a", "b", "c"])[rng.integers(0, 3, 60)]
    return X, y


def test_classifier_takes_a_loss_parameter(labelled):
    X, y = labelled
    clf = NetworkClassifier(loss="cross_entropy", **TINY)
    assert clf.get_params()["loss"] == "cross_entropy"
    assert NetworkClassifier().get_params()["loss"] == "cross_entropy"
    assert clf.fit(X, y).network_.loss.name == "cross_entropy"
    assert clf.network_.output_activation.name == "softmax"


@pytest.mark.parametrize("loss", ["mse", "sse"])
def test_classifier_squared_error_has_sigmoid_outputs_and_learns(iris, loss):
    X, y = iris
    clf = make_pipeline(StandardScaler(), NetworkClassifier(loss=loss, **QUICK)).fit(X, y)
    net = clf[-1].network_
    assert net.loss.name == loss and net.output_activation.name == "sigmoid"
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    assert (clf.predict(X) == P.argmax(axis=1)).all()
    # The saved network reads the same classes (argmax of its sigmoid outputs).
    np.testing.assert_array_equal(net.predict_classes(clf[0].transform(X)), clf.predict(X))
    assert clf.score(X, y) > 0.8


def test_classifier_loss_must_fit_the_targets(labelled):
    X, y = labelled
    with pytest.raises(ConfigError, match="loss must be one of 'cross_entropy', "
                       "'binary_cross_entropy', 'mse', 'sse', got 'hinge'"):
        NetworkClassifier(loss="hinge", **TINY).fit(X, y)
    with pytest.raises(ConfigError, match="'binary_cross_entropy' is for multi-label y"):
        NetworkClassifier(loss="binary_cross_entropy", **TINY).fit(X, y)
    Y = (X > 0).astype(int)  # multi-label: the default and binary_cross_entropy agree
    for loss in ("cross_entropy", "binary_cross_entropy"):
        net = NetworkClassifier(loss=loss, **TINY).fit(X, Y).network_
        assert (net.loss.name, net.output_activation.name) == ("binary_cross_entropy",
                                                              "sigmoid")
    with pytest.raises(ConfigError, match=r"multi-label y .* needs loss='cross_entropy' or "
                       "'binary_cross_entropy', got 'mse'"):
        NetworkClassifier(loss="mse", **TINY).fit(X, Y)


def test_estimator_cosine_schedule_follows_epochs():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    for epochs in (10, 120):
        clf = NetworkClassifier(hidden_layer_sizes=(4,), schedule="cosine", epochs=epochs,
                                batch_size=None, tol=None, random_state=0).fit(X, y)
        lr = clf.network_.history["lr"]
        # Down towards 0 at the last epoch (as `steepest train --schedule cosine`), and
        # never 0 before the end.
        assert len(lr) == epochs
        assert lr[epochs // 2] == pytest.approx(0.5 * lr[0])
        assert lr[-1] < 0.1 * lr[0]
        assert all(v > 0 for v in lr[:-1])


def test_partial_fit_cosine_schedule_spans_epochs():
    """partial_fit trains one epoch per call; the cosine still runs over ``epochs``."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    clf = NetworkClassifier(hidden_layer_sizes=(4,), schedule="cosine", epochs=4,
                            batch_size=None, random_state=0)
    for _ in range(4):
        clf.partial_fit(X, y, classes=[0, 1])
    lr = np.array(clf.network_.history["lr"]) / 1e-3
    np.testing.assert_allclose(lr, [1.0, 0.853553, 0.5, 0.146447], rtol=1e-5)


def test_early_stopping_on_tiny_data_holds_out_one_row():
    X = np.arange(10.0).reshape(5, 2)
    y = np.array([0, 1, 0, 1, 0])
    # 10 % of 5 rows rounds to none: one row is held out, as scikit-learn's MLPClassifier.
    clf = NetworkClassifier(early_stopping=True, **TINY).fit(X, y)
    assert len(clf.network_.history["val_loss"]) == clf.n_iter_ == 3
    # 90 % of 5 rows would leave none to train on: one is kept.
    NetworkClassifier(early_stopping=True, validation_fraction=0.9, **TINY).fit(X, y)
    # Small cross-validation folds work too.
    assert cross_val_score(NetworkClassifier(early_stopping=True, **TINY),
                           np.arange(24.0).reshape(12, 2), np.arange(12) % 2, cv=2).shape == (2,)


def test_early_stopping_errors_name_the_estimator_parameters():
    X = np.arange(10.0).reshape(5, 2)
    y = np.array([0, 1, 0, 1, 0])
    for fraction in (0.0, 1.0, -0.1, "half"):
        with pytest.raises(ConfigError, match=r"validation_fraction must be a number in "
                           r"\(0, 1\) with early_stopping=True, got"):
            NetworkClassifier(early_stopping=True, validation_fraction=fraction,
                              **TINY).fit(X, y)
    with pytest.raises(DataError, match="early_stopping=True needs at least 2 rows"):
        NetworkRegressor(early_stopping=True, **TINY).fit(X[:1], y[:1])
    # Without early stopping the fraction is not used, and not checked.
    NetworkClassifier(validation_fraction=0.0, **TINY).fit(X, y)


def test_feature_names_from_a_dataframe(iris):
    pd = pytest.importorskip("pandas")
    X, y = iris
    columns = ["sepal length", "sepal width", "petal length", "petal width"]
    frame = pd.DataFrame(X, columns=columns)
    for estimator, target in ((NetworkClassifier(**TINY), y),
                              (NetworkRegressor(**TINY), X[:, 0])):
        estimator.fit(frame, target)
        assert estimator.feature_names_in_.tolist() == columns
        assert estimator.predict(frame).shape == (150,)
        renamed = frame.rename(columns={"petal width": "width"})
        with pytest.raises(ValueError, match="feature names should match"):
            estimator.predict(renamed)
        with pytest.warns(UserWarning, match="X does not have valid feature names"):
            estimator.predict(X)
    # Fitted on a plain array: no names, and a DataFrame later warns.
    clf = NetworkClassifier(**TINY).fit(X, y)
    assert not hasattr(clf, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names"):
        clf.predict(frame)


def test_string_labels_and_wrong_width_and_zero_weights(labelled):
    X, y = labelled
    clf = NetworkClassifier(**TINY).fit(X, y)
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    assert clf.classes_.tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="3 features"):
        clf.predict(X[:, :2])
    with pytest.raises(ValueError, match="non-zero"):
        NetworkClassifier(**TINY).fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="non-zero"):
        NetworkRegressor(**TINY).fit(X, X[:, 0], sample_weight=np.zeros(len(y)))


def test_partial_fit_refuses_new_classes(labelled):
    X, y = labelled
    clf = NetworkClassifier(**TINY).partial_fit(X, y, classes=["a", "b", "c"])
    with pytest.raises(DataError, match="not among the classes"):
        clf.partial_fit(X, np.full(len(y), "d"))
    with pytest.raises(DataError, match="differs"):
        clf.partial_fit(X, y, classes=["a", "b", "c", "d"])


def test_pickled_estimator_continues_partial_fit_exactly(labelled):
    X, y = labelled
    clf = NetworkClassifier(**TINY).fit(X, y)
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    clf.partial_fit(X, y)
    copy.partial_fit(X, y)
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    assert copy.n_iter_ == clf.n_iter_ == 4


def test_pipeline_grid_search_over_hidden_layer_sizes(labelled):
    X, y = labelled
    search = GridSearchCV(make_pipeline(StandardScaler(), NetworkClassifier(**TINY)),
                          {"networkclassifier__hidden_layer_sizes": [(), (4,), (8, 4)]}, cv=2)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 3
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_params_["networkclassifier__hidden_layer_sizes"]
    # the refitted network has the hidden layers the search chose
    assert search.best_estimator_[-1].network_.sizes == [3, *best, 3]
    assert search.predict_proba(X[:3]).shape == (3, 3)
    for hidden in [(), (8, 4)]:
        alone = NetworkClassifier(**TINY | {"hidden_layer_sizes": hidden}).fit(X, y)
        assert alone.network_.sizes == [3, *hidden, 3]


def test_fit_for_no_epochs_is_a_config_error(iris):
    X, y = iris
    for estimator in (NetworkClassifier(epochs=0), NetworkRegressor(epochs=0)):
        with pytest.raises(ConfigError, match=r"^epochs must be a whole number >= 1 for fit, "
                                              r"got 0$"):
            estimator.fit(X, y)
        assert not hasattr(estimator, "network_")


def test_scikit_learns_input_checks_raise_steepests_data_error(iris):
    X, y = iris
    clf = NetworkClassifier(**QUICK | {"epochs": 2})
    holed = X.copy()
    holed[3, 1] = np.nan
    with pytest.raises(DataError, match=r"^Input X contains NaN"):
        clf.fit(holed, y)
    with pytest.raises(DataError, match=r"^Unknown label type: continuous"):
        clf.fit(X, y + 0.5)
    with pytest.raises(DataError, match=r"^sample_weight.shape == \(3,\), expected \(150,\)"):
        clf.fit(X, y, sample_weight=np.ones(3))
    clf.fit(X, y)
    with pytest.raises(DataError, match=r"^X has 2 features, but NetworkClassifier is "
                                        r"expecting 4 features"):
        clf.predict(X[:, :2])


def test_regression_targets_beyond_float32_are_refused_not_turned_into_nan():
    X = np.random.default_rng(0).normal(size=(40, 2))
    regressor = NetworkRegressor(hidden_layer_sizes=(4,), epochs=2, random_state=0)
    for y, largest in [(np.linspace(-1e39, 1e39, 40), "1e+39"), (np.full(40, 1e300), "1e+300")]:
        with pytest.raises(DataError, match=rf"^y holds values too large for float32 \(largest "
                                            rf"magnitude {re.escape(largest)}, limit 3.4e\+38\)"):
            regressor.fit(X, y)
    # float64 weights hold them
    wide = NetworkRegressor(hidden_layer_sizes=(4,), epochs=2, random_state=0, dtype="float64")
    assert np.isfinite(wide.fit(X, np.linspace(-1e39, 1e39, 40)).predict(X)).all()


def test_a_target_scale_the_output_layer_cannot_hold_leaves_the_regressor_unfitted():
    # y = 4.5e38 * x: the linear network learns W = 3 for the scaled targets, and
    # W times y's spread (1.5e38) overflows float32.
    t = np.linspace(-1, 1, 40)
    t = (t - t.mean()) / t.std()
    X, y = np.c_[t / 3, np.zeros(40)], t * 1.5e38
    regressor = NetworkRegressor(hidden_layer_sizes=(), epochs=200, learning_rate=0.05,
                                 random_state=0, tol=None)
    with pytest.raises(DataError, match=r"^y's spread \(1.5e\+38\) times the trained output "
                                        r"layer's weights is too large for float32"):
        regressor.fit(X, y)
    assert not hasattr(regressor, "network_")


# ---------------------------------------------------------------------- defaults for small tables
# (issue 14: scaled regression targets, a convergence stop, l2, one set of parameters)


def test_both_estimators_share_one_set_of_parameters():
    import inspect

    classifier = inspect.signature(NetworkClassifier.__init__).parameters
    regressor = inspect.signature(NetworkRegressor.__init__).parameters
    assert list(classifier) == list(regressor)
    differ = {n for n in classifier if classifier[n].default != regressor[n].default}
    assert differ == {"loss"}
    assert (NetworkClassifier().loss, NetworkRegressor().loss) == ("cross_entropy", "mse")
    defaults = NetworkRegressor().get_params()
    assert {k: defaults[k] for k in ("epochs", "l2", "tol", "n_iter_no_change",
                                     "batch_size")} == {
        "epochs": 200, "l2": 0.01, "tol": 1e-4, "n_iter_no_change": 10, "batch_size": 32}


def test_the_regressor_learns_targets_in_the_thousands_by_itself():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(300, 3))
    y = 1000 * (X[:, 0] - 2 * X[:, 1] ** 2) + 5000
    reg = NetworkRegressor(hidden_layer_sizes=(32,), learning_rate=0.01, epochs=100,
                           random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.95
    # The network learned mean 0, std 1, and predicts in y's units all the same.
    assert reg._y_mean[0] == pytest.approx(y.mean()) and reg._y_scale[0] == pytest.approx(
        y.std())
    np.testing.assert_allclose(reg.network_.predict(X, dtype="float64")[:, 0], reg.predict(X))
    assert max(reg.loss_curve_) < 5  # the loss of the scaled targets


def test_target_scaling_weighs_rows_and_survives_warm_start_and_partial_fit():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = 50 * X[:, 0] + 200
    w = np.r_[np.full(40, 3.0), np.ones(40)]
    reg = NetworkRegressor(**TINY).fit(X, y, sample_weight=w)
    assert reg._y_mean[0] == pytest.approx(np.average(y, weights=w))
    # Repeating rows is the same as weighing them (full batch, float64).
    settings = TINY | {"batch_size": None, "dtype": "float64"}
    weighted = NetworkRegressor(**settings).fit(X, y, sample_weight=np.r_[np.full(40, 2),
                                                                          np.ones(40)])
    repeated = NetworkRegressor(**settings).fit(np.vstack([X[:40], X]), np.r_[y[:40], y])
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-10)
    # A warm fit continues from the folded network: the same as one longer fit, up to
    # the rounding of folding the scaling in and out.
    warm = NetworkRegressor(**settings | {"warm_start": True, "tol": None})
    warm.fit(X, y).fit(X, y)
    longer = NetworkRegressor(**settings | {"epochs": 6, "tol": None}).fit(X, y)
    np.testing.assert_allclose(warm.predict(X), longer.predict(X), rtol=1e-9)
    steps = NetworkRegressor(**settings)
    for _ in range(3):
        steps.partial_fit(X, y)
    np.testing.assert_allclose(steps.predict(X), NetworkRegressor(**settings | {
        "tol": None}).fit(X, y).predict(X), rtol=1e-9)
    constant = NetworkRegressor(**TINY).fit(X, np.full(80, 7.0))
    assert constant._y_scale[0] == 1.0 and np.isfinite(constant.predict(X)).all()


def test_fit_stops_once_the_training_loss_settles(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    settled = NetworkClassifier(hidden_layer_sizes=(16,), learning_rate=0.05, epochs=2000,
                                tol=1e-3, random_state=0).fit(X, y)
    assert 10 < settled.n_iter_ < 2000
    curve = settled.loss_curve_
    # The last n_iter_no_change epochs improved on the best before them by no more than tol.
    assert min(curve[:-10]) - min(curve[-10:]) <= 1e-3
    every = NetworkClassifier(**QUICK | {"tol": None}).fit(X, y)
    assert every.n_iter_ == 40
    with pytest.raises(ConfigError, match="tol must be None or a number >= 0, got -1"):
        NetworkClassifier(**TINY | {"tol": -1}).fit(X, y)


def test_a_sweep_trains_its_configurations_epochs():
    from steepest.config import TrainingConfig
    from steepest.sklearn import estimator_params

    params = estimator_params(TrainingConfig(layers=(8,), epochs=7))
    assert params["tol"] is None and params["epochs"] == 7 and params["l2"] == 0.0
