"""steepest.sweep: grid parsing, GridSearchCV through joblib on loky and on a real
dask.distributed LocalCluster (worker processes on this machine). The command,
`steepest sweep`, is tested in tests/cli/test_cli_sweep.py."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from steepest.config import TrainingConfig
from steepest.datasets import moons
from steepest.errors import ConfigError
from steepest.sklearn import NetworkClassifier, estimator_params, parameter_name
from steepest.sweep import estimator_grid, format_table, format_value, parse_grid, sweep

GRID = "layers=8;16,8 lr=1e-3;1e-2"
FIXED = {"epochs": 5, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    X, y = moons(n_samples=300, noise=0.1, seed=0)
    return X, y


# ---------------------------------------------------------------------- the grid


def test_parse_grid_values_and_types():
    grid = parse_grid("layers=64;128,64;none lr=1e-3;0.01 batch-size=32;0 activation=tanh;relu")
    assert grid == {"layers": [(64,), (128, 64), ()], "lr": [1e-3, 0.01],
                    "batch_size": [32, None], "activation": ["tanh", "relu"]}
    assert [format_value(v) for v in grid["layers"]] == ["64", "128,64", "none"]
    assert [format_value(v) for v in grid["batch_size"]] == ["32", "0"]
    assert parse_grid("epochs=5 l2=0;1e-4 dropout=0.2 optimizer=sgd")["l2"] == [0.0, 1e-4]


@pytest.mark.parametrize(("text", "message"), [
    ("", "grid: empty"),
    ("layers", "expected name=value1;value2, got 'layers'"),
    ("layers=", "expected name=value1;value2"),
    ("units=64", "unknown name 'units'; expected one of layers, lr"),
    ("layers=64,0", "layers value '64,0' is not hidden sizes"),
    ("layers=64;abc", "layers value 'abc' is not hidden sizes"),
    ("lr=-1", "lr value '-1' is not a number > 0"),
    ("lr=nan", "lr value 'nan' is not a number > 0"),
    ("epochs=0", "epochs value '0' is not a whole number >= 1"),
    ("dropout=1", "dropout value '1' is not a rate in [0, 1)"),
    ("activation=softmax", "activation value 'softmax' is not one of identity"),
    ("lr=1e-3 lr=1e-2", "lr is given twice"),
    ("lr=0.01;1e-2", "lr lists a value twice"),
])
def test_parse_grid_errors_say_what_is_wrong(text, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")):
        parse_grid(text)


# ---------------------------------------------------------------------- in process


def test_sweep_sorts_candidates_and_refits_the_best(data):
    X, y = data
    result = sweep(X, y, GRID, fixed=FIXED, cv=2, n_jobs=1)
    assert len(result.candidates) == 4
    scores = [c.mean_score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)
    assert [c.rank for c in result.candidates] == [1, 2, 3, 4]
    assert result.best_params == result.candidates[0].params
    assert isinstance(result.best, NetworkClassifier)
    best_layers = result.best_params["layers"]
    assert result.best.network_.sizes == [2, *best_layers, 2]
    assert result.best.network_.optimizer.learning_rate == result.best_params["lr"]
    # Refitted on every row: the model is a plain estimator fitted on all of X.
    assert result.best.n_iter_ == 5 and math.isfinite(result.best.score(X, y))
    table = format_table(result).splitlines()
    assert table[0].split() == ["rank", "mean", "accuracy", "std", "fit", "s", "layers", "lr"]
    assert table[1].split()[:2] == ["1", f"{scores[0]:.4f}"]
    assert len(table) == 5


def test_failed_candidates_rank_last_and_all_failed_is_one_error(data):
    X, y = data
    fixed = FIXED | {"optimizer": "sgd"}
    result = sweep(X, y, "lr=0.1;1e30", fixed=fixed, cv=2, n_jobs=1)
    assert result.best_params == {"lr": 0.1}
    assert math.isnan(result.candidates[-1].mean_score)
    assert format_table(result).splitlines()[-1].split()[1] == "failed"
    with pytest.raises(ConfigError, match=r"every fit of the sweep failed.*diverged"):
        sweep(X, y, "lr=1e30;1e31", fixed=fixed, cv=2, n_jobs=1)


def test_sweep_regression_scores_r2():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    y = X[:, 0] - 0.5 * X[:, 1]
    result = sweep(X, y, "lr=1e-2;1e-4", classification=False, fixed=FIXED | {"epochs": 20},
                   cv=2, n_jobs=1)
    assert result.scoring == "r2"
    assert result.best_params == {"lr": 1e-2} and result.best_score > 0.5


def test_sweep_rejects_bad_settings(data):
    X, y = data
    with pytest.raises(ConfigError, match="backend must be one of loky, dask, got 'ray'"):
        sweep(X, y, GRID, backend="ray")
    with pytest.raises(ConfigError, match="cv must be a whole number of folds >= 2, got 1"):
        sweep(X, y, GRID, cv=1)


def test_sweep_refuses_more_folds_than_a_class_or_the_rows_fill(data):
    X, y = data
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:3]]  # class 1: 3 rows
    with pytest.raises(ConfigError, match=r"cv=4 stratified folds need at least 4 rows of "
                       r"every class; class 1 has 3"):
        sweep(X[keep], y[keep], "lr=1e-2", fixed=FIXED, cv=4, n_jobs=1)
    labels = np.array(["no", "yes"])[y[keep]]
    with pytest.raises(ConfigError, match="class 'yes' has 3"):
        sweep(X[keep], labels, "lr=1e-2", fixed=FIXED, cv=4, n_jobs=1)
    assert sweep(X[keep], y[keep], "lr=1e-2", fixed=FIXED, cv=3, n_jobs=1).cv == 3
    with pytest.raises(ConfigError, match="cv=5 folds need at least 5 rows, got 4"):
        sweep(X[:4], X[:4, 0], "lr=1e-2", classification=False, fixed=FIXED, cv=5, n_jobs=1)


def test_dask_cluster_runs_the_fits_in_its_worker_processes(data):
    distributed = pytest.importorskip("distributed")
    X, y = data
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client, \
            distributed.get_task_stream(client) as tasks:
        result = sweep(X, y, GRID, fixed=FIXED, cv=2, backend="dask",
                       scheduler=cluster.scheduler_address)
        worker_pids = client.run(os.getpid)              # {worker address: its pid}
    ran_on = {task["worker"] for task in tasks.data}
    assert ran_on and ran_on <= set(worker_pids)
    assert len(tasks.data) >= 8                       # 4 candidates x 2 folds, at least
    assert len(set(worker_pids.values())) == 2 and os.getpid() not in worker_pids.values()
    loky = sweep(X, y, GRID, fixed=FIXED, cv=2, n_jobs=1)
    assert [c.mean_score for c in result.candidates] == [c.mean_score for c in loky.candidates]


# ---------------------------------------------------------------------- one configuration


def test_grid_names_map_through_the_configuration_s_aliases():
    grid = parse_grid("layers=8;16 lr=1e-3 batch-size=0 dropout=0.1")
    assert estimator_grid(grid) == {"hidden_layer_sizes": [(8,), (16,)],
                                    "learning_rate": [1e-3], "batch_size": [None],
                                    "dropout": [0.1]}
    assert [parameter_name(name) for name in ("layers", "lr", "val_split", "seed", "l2")] == [
        "hidden_layer_sizes", "learning_rate", "validation_fraction", "random_state", "l2"]


def test_parts_with_parameters_in_a_grid():
    grid = parse_grid("activation=sigmoid(c=0.01);relu optimizer=adam(beta1=0.8)")
    assert grid == {"activation": ["sigmoid(c=0.01)", "relu"], "optimizer": ["adam(beta1=0.8)"]}
    with pytest.raises(ConfigError, match=r"activation value 'sigmoid\(c=-1\)' is not one of "
                       r"identity.*c must be a positive number"):
        parse_grid("activation=sigmoid(c=-1)")


def test_what_the_grid_does_not_vary_comes_from_the_config(data):
    X, y = data
    config = TrainingConfig(layers=(3,), activation="tanh", loss=None, epochs=2,
                            batch_size=None, optimizer="sgd", learning_rate=0.1, seed=0)
    assert estimator_params(config)["hidden_layer_sizes"] == (3,)
    assert "loss" not in estimator_params(config)  # left to the estimator, by its targets
    assert estimator_params(config.replace(loss="mse"))["loss"] == "mse"
    result = sweep(X, y, "l2=0;1e-4", config=config, fixed={"epochs": 3}, cv=2, n_jobs=1)
    net = result.best.network_
    assert net.sizes == [2, 3, 2] and net.activations[0].name == "tanh"
    assert net.optimizer.name == "sgd" and net.optimizer.learning_rate == 0.1
    assert net.epochs_trained == 3 and net.optimizer.steps == 3  # fixed over config


def test_an_optimizer_naming_its_own_learning_rate_keeps_it_unless_the_grid_varies_lr(data):
    X, y = data

    def score(grid, learning_rate):
        config = TrainingConfig.from_settings({"learning_rate": learning_rate})
        result = sweep(X, y, grid, classification=True, config=config, fixed=FIXED, cv=2,
                       n_jobs=1)
        return result.candidates[0].mean_score, result.best.network_.optimizer.learning_rate

    # The folds' fits and the refit run at the optimizer's own 0.2, not the config's 0.05.
    own = score({"optimizer": ["sgd(learning_rate=0.2)"]}, 0.05)
    assert own == score({"optimizer": ["sgd"]}, 0.2)
    assert own[1] == 0.2 and own[0] != score({"optimizer": ["sgd"]}, 0.05)[0]
    # lr in the grid sets the rate
    assert score({"optimizer": ["sgd(learning_rate=0.2)"], "lr": [0.05]}, 0.3) == score(
        {"optimizer": ["sgd"]}, 0.05)
