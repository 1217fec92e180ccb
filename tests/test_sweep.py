"""steepest.sweep and `steepest sweep`: grid parsing, GridSearchCV through joblib on
loky and on a real dask.distributed LocalCluster (worker processes on this machine)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import steepest
from steepest.cli import main
from steepest.datasets import moons, train_test_split
from steepest.errors import ConfigError
from steepest.sklearn import NetworkClassifier
from steepest.sweep import format_table, format_value, parse_grid, sweep

ENV = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1"}
GRID = "layers=8;16,8 lr=1e-3;1e-2"
FIXED = {"epochs": 5, "random_state": 0}


def run(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "steepest.cli", *map(str, args)], cwd=cwd,
                          env=ENV, capture_output=True, text=True, timeout=300, check=False)


def run_json(*args: object, cwd: Path) -> dict:
    result = run(*args, "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1, result.stdout
    return json.loads(result.stdout)


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


# ---------------------------------------------------------------------- command line


def check_saved_model(report: dict, tmp_path: Path) -> None:
    net = steepest.load(report["model"])
    assert Path(report["model"]) == (tmp_path / "best.npz").resolve()
    assert net.metadata["sweep"]["best"] == " ".join(
        f"{k}={v}" for k, v in report["best_params"].items())
    assert net.metadata["classes"] == ["0", "1"]
    (X, y) = moons(n_samples=1000, seed=0)
    _, X_test, _, y_test = train_test_split(X, y, 0.25, seed=0)
    accuracy = float((net.predict_classes(X_test) == y_test).mean())
    assert accuracy == pytest.approx(report["test_accuracy"])


@pytest.fixture(scope="module")
def loky_report(tmp_path_factory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("loky")
    return run_json("sweep", "--data", "moons", "--grid", GRID, "--epochs", 5, "--cv", 2,
                    "--jobs", 2, "--out", "best.npz", cwd=folder), folder


def test_cli_sweep_loky(loky_report):
    report, folder = loky_report
    assert report["backend"] == "loky" and report["scoring"] == "accuracy"
    candidates = report["candidates"]
    assert len(candidates) == 4
    assert {tuple(c["params"].items()) for c in candidates} == {
        (("layers", layers), ("lr", lr)) for layers in ("8", "16,8") for lr in ("0.001", "0.01")}
    scores = [c["mean_score"] for c in candidates]
    assert scores == sorted(scores, reverse=True) and report["best_score"] == scores[0]
    # A dict in the grid's names and notation, as every candidate's params.
    assert report["best_params"] == candidates[0]["params"]
    check_saved_model(report, folder)


def test_cli_sweep_on_a_local_dask_cluster(tmp_path, loky_report):
    pytest.importorskip("distributed")
    report = run_json("sweep", "--data", "moons", "--grid", GRID, "--epochs", 5, "--cv", 2,
                      "--backend", "dask", "--workers", 2, "--out", "best.npz", cwd=tmp_path)
    assert report["backend"] == "dask"
    # The same fits, seeded the same way: Dask changes where they run, not what they give.
    assert report["candidates"] == [
        c | {"fit_seconds": d["fit_seconds"]}
        for c, d in zip(loky_report[0]["candidates"], report["candidates"], strict=True)]
    check_saved_model(report, tmp_path)


def test_cli_sweep_human_output(tmp_path):
    result = run("sweep", "--data", "xor", "--grid", "lr=0.05;0.5", "--epochs", 50, "--cv", 2,
                 "--jobs", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "data: xor (4 train / 4 test rows, 2 features)"
    assert lines[1] == ("sweep: 2 candidates x 2 folds = 4 fits, backend loky on this "
                        "machine")
    assert lines[2].split() == ["rank", "mean", "accuracy", "std", "fit", "s", "lr"]
    assert lines[-2].startswith("best: lr=")
    assert lines[-1] == f"model saved to {(tmp_path / 'xor-sweep-model.npz').resolve()}"


@pytest.mark.parametrize(("args", "message"), [
    (["--grid", "units=4"], "grid: unknown name 'units'"),
    (["--grid", "lr=0.1", "--scheduler", "tcp://localhost:8786"],
     "--scheduler needs --backend dask"),
    (["--grid", "lr=0.1", "--out", "missing/model.npz"], "folder missing does not exist"),
    (["--grid", "lr=0.1", "--cv", "1"], "argument --cv: must be >= 2"),
])
def test_cli_sweep_user_errors_are_one_line(tmp_path, args, message):
    result = run("sweep", "--data", "xor", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert message in result.stderr


# ---------------------------------------------------------------------- command line, in process
# (from the review of issue 6)


def cli(args, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sweep_bad_scheduler_address_is_one_line(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    code, _, err = cli(["sweep", "--data", "moons", "--grid", "lr=1e-2", "--backend", "dask",
                        "--scheduler", "notanaddress", "--json"], tmp_path, monkeypatch, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "cannot connect to the Dask scheduler at 'notanaddress'" in err


def test_sweep_too_many_folds_is_one_line(tmp_path, monkeypatch, capsys):
    # xor: 4 training rows, 2 of each class; the default --cv is 3.
    code, _, err = cli(["sweep", "--data", "xor", "--grid", "lr=1e-2", "--jobs", 1, "--json"],
                       tmp_path, monkeypatch, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "cv=3 stratified folds need at least 3 rows of every class; class 0 has 2" in err


@pytest.mark.parametrize(("grid", "message"), [
    ("layers=8;;16", "layers value ''"),
    ("lr=0", "lr value '0'"),
    ("layers=8 layers=16", "given twice"),
    ("", "grid: empty"),
])
def test_sweep_bad_grid_is_one_line(tmp_path, monkeypatch, capsys, grid, message):
    code, _, err = cli(["sweep", "--data", "moons", "--grid", grid], tmp_path, monkeypatch,
                       capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err


def test_sweep_table_sorted_and_model_loads_and_evaluates(tmp_path, monkeypatch, capsys):
    code, out, _ = cli(["sweep", "--data", "moons", "--grid", "layers=4;8 lr=1e-3;1e-2",
                        "--epochs", 3, "--cv", 2, "--jobs", 1, "--json"],
                       tmp_path, monkeypatch, capsys)
    assert code == 0
    report = json.loads(out)
    scores = [c["mean_score"] for c in report["candidates"]]
    assert scores == sorted(scores, reverse=True)
    assert [c["rank"] for c in report["candidates"]] == [1, 2, 3, 4]
    assert set(report["best_params"]) == {"layers", "lr"}
    net = steepest.load(report["model"])
    assert net.sizes[0] == 2 and net.sizes[-1] == 2
    assert net.sizes[1:-1] == [int(report["best_params"]["layers"])]
    assert net.metadata["classes"] == ["0", "1"]
    code, out, _ = cli(["evaluate", report["model"], "--json"], tmp_path, monkeypatch, capsys)
    assert code == 0
    assert json.loads(out)["accuracy"] == pytest.approx(report["test_accuracy"])
