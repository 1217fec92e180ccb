"""``steepest sweep``: on loky and a local Dask cluster, its output, its errors, and
what it takes from ``steepest train``'s defaults. (The sweep itself, in Python,
is tested in tests/test_sweep.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import assert_user_error, hide_modules, run, run_json, run_ok

import steepest
from steepest.datasets import moons, train_test_split

GRID = "layers=8;16,8 lr=1e-3;1e-2"


def check_saved_model(report: dict, tmp_path: Path) -> None:
    net = steepest.load(report["model"])
    assert Path(report["model"]) == (tmp_path / "best.npz").resolve()
    assert net.record["sweep"]["best"] == " ".join(
        f"{k}={v}" for k, v in report["best_params"].items())
    assert net.record["classes"] == ["0", "1"]
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
    lines = run_ok("sweep", "--data", "xor", "--grid", "lr=0.05;0.5", "--epochs", 50, "--cv",
                   2, "--jobs", 1, cwd=tmp_path).stdout.splitlines()
    assert lines[0] == "data: xor (4 train / 4 test rows, 2 features)"
    assert lines[1] == ("sweep: 2 candidates x 2 folds = 4 fits, backend loky on this "
                        "machine")
    # One line per candidate as its fits finish, then the table.
    counters, progress = zip(*(line.split(" ", 1) for line in lines[2:4]), strict=True)
    assert counters == ("[1/2]", "[2/2]")
    # (Held-out xor rows are the opposite of what the other fold teaches: accuracy 0.)
    assert sorted(re.sub(r"\(\d+\.\d\d s per fit\)$", "(T s per fit)", line)
                  for line in progress) == ["lr=0.05: mean accuracy 0.0000 (T s per fit)",
                                            "lr=0.5: mean accuracy 0.0000 (T s per fit)"]
    assert lines[4].split() == ["rank", "mean", "accuracy", "std", "fit", "s", "lr"]
    assert lines[-2].startswith("best: lr=")
    assert lines[-1] == f"model saved to {(tmp_path / 'xor-sweep-model.npz').resolve()}"


def test_what_the_grid_does_not_vary_is_what_train_uses(tmp_path):
    """xor's train defaults: one hidden layer of 4 tanh units, Adam, full batch."""
    report = run_json("sweep", "--data", "xor", "--grid", "lr=0.05;0.1", "--epochs", 3,
                      "--cv", 2, "--jobs", 1, cwd=tmp_path)
    net = steepest.load(report["model"])
    assert net.sizes == [2, 4, 2] and net.activations[0].name == "tanh"
    assert net.optimizer.name == "adam" and net.epochs_trained == 3
    assert net.optimizer.steps == 3  # full batch: one step per epoch


def test_grid_activation_with_parameters(tmp_path):
    report = run_json("sweep", "--data", "moons", "--grid",
                      "activation=sigmoid(c=0.01);leaky_relu(slope=0.1) layers=4",
                      "--epochs", 2, "--cv", 2, "--jobs", 1, cwd=tmp_path)
    assert {c["params"]["activation"] for c in report["candidates"]} == {
        "sigmoid(c=0.01)", "leaky_relu(slope=0.1)"}
    best = steepest.load(report["model"]).activations[0]
    assert best.label == report["best_params"]["activation"]


@pytest.mark.parametrize(("args", "message"), [
    (["--grid", "units=4"], "grid: unknown name 'units'"),
    (["--grid", "lr=0.1", "--scheduler", "tcp://localhost:8786"],
     "--scheduler needs --backend dask"),
    (["--grid", "lr=0.1", "--out", "missing/model.npz"], "folder missing does not exist"),
    (["--grid", "lr=0.1", "--cv", "1"], "argument --cv: must be >= 2"),
    (["--grid", "activation=sigmoid(c=-1)"], "c must be a positive number"),
])
def test_cli_sweep_user_errors_are_one_line(tmp_path, args, message):
    result = run("sweep", "--data", "xor", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert message in result.stderr


def test_sweep_bad_scheduler_address_is_one_line(tmp_path):
    pytest.importorskip("distributed")
    result = run("sweep", "--data", "moons", "--grid", "lr=1e-2", "--backend", "dask",
                 "--scheduler", "notanaddress", "--json", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot connect to the Dask scheduler at 'notanaddress'" in result.stderr


def test_sweep_too_many_folds_is_one_line(tmp_path):
    # xor: 4 training rows, 2 of each class; the default --cv is 3.
    result = run("sweep", "--data", "xor", "--grid", "lr=1e-2", "--jobs", 1, "--json",
                 cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert ("cv=3 stratified folds need at least 3 rows of every class; class 0 has 2"
            in result.stderr)


@pytest.mark.parametrize(("grid", "message"), [
    ("layers=8;;16", "layers value ''"),
    ("lr=0", "lr value '0'"),
    ("layers=8 layers=16", "given twice"),
    ("", "grid: empty"),
])
def test_sweep_bad_grid_is_one_line(tmp_path, grid, message):
    result = run("sweep", "--data", "moons", "--grid", grid, cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_sweep_table_sorted_and_model_loads_and_evaluates(tmp_path):
    report = run_json("sweep", "--data", "moons", "--grid", "layers=4;8 lr=1e-3;1e-2",
                      "--epochs", 3, "--cv", 2, "--jobs", 1, cwd=tmp_path)
    scores = [c["mean_score"] for c in report["candidates"]]
    assert scores == sorted(scores, reverse=True)
    assert [c["rank"] for c in report["candidates"]] == [1, 2, 3, 4]
    assert set(report["best_params"]) == {"layers", "lr"}
    net = steepest.load(report["model"])
    assert net.sizes[0] == 2 and net.sizes[-1] == 2
    assert net.sizes[1:-1] == [int(report["best_params"]["layers"])]
    assert net.record["classes"] == ["0", "1"]
    evaluation = run_json("evaluate", report["model"], cwd=tmp_path)
    assert evaluation["accuracy"] == pytest.approx(report["test_accuracy"])


def test_sweep_reports_why_a_candidate_failed(tmp_path):
    args = ("sweep", "--data", "moons", "--grid", "lr=1e-2;1e9", "--epochs", 2, "--cv", 2,
            "--jobs", 1)
    lines = run_ok(*args, cwd=tmp_path).stdout.splitlines()
    failed = next(line for line in lines if "lr=1e+09" in line and line.startswith("["))
    assert re.fullmatch(r"\[\d/2\] lr=1e\+09: failed: training diverged at epoch 1, batch \d+: "
                        r"the loss .* \(learning rate 1e\+09\)", failed), failed
    assert lines[-2].startswith("best: lr=0.01 ")
    report = run_json(*args, "--out", "json.npz", cwd=tmp_path)
    assert report["candidates"][0]["error"] is None
    assert report["candidates"][1]["error"] == failed.split(": failed: ")[1]
    assert report["candidates"][1]["mean_score"] is None


@pytest.mark.parametrize("missing", ["sklearn", "joblib"])
def test_sweep_without_scikit_learn_or_joblib_names_the_extra(tmp_path, monkeypatch, missing):
    hide_modules(monkeypatch, missing)
    result = run("sweep", "--data", "moons", "--grid", "lr=1e-2", cwd=tmp_path)
    package = {"sklearn": "scikit-learn"}.get(missing, missing)
    assert_user_error(result, f'a sweep needs {package}: pip install "steepest[sweep]"')
    assert list(tmp_path.iterdir()) == []


def test_sweep_on_dask_without_distributed_names_the_extra(tmp_path, monkeypatch):
    hide_modules(monkeypatch, "distributed")
    result = run("sweep", "--data", "moons", "--grid", "lr=1e-2", "--backend", "dask",
                 cwd=tmp_path)
    assert_user_error(result, 'the dask backend needs dask.distributed: pip install '
                      '"steepest[sweep]"')


@pytest.mark.parametrize(("args", "message"), [
    (["--workers", "3"], "--workers needs --backend dask"),
    (["--backend", "dask", "--jobs", "2"], "--jobs is for --backend loky"),
    (["--backend", "dask", "--scheduler", "tcp://localhost:1", "--workers", "3"],
     "--workers sets the size of the LocalCluster"),
    (["--grid", "epochs=2;3", "--epochs", "4"], "--epochs and the grid's epochs"),
    (["--data-dir", "."], "--data-dir is for the IDX files of mnist and fashion-mnist"),
    (["--one-hot", "a"], "--one-hot is for CSV data (--data PATH.csv), not for --data moons"),
    (["--standardize"], "--standardize is for CSV data"),
])
def test_sweep_refuses_options_that_do_not_apply(tmp_path, args, message):
    grid = [] if "--grid" in args else ["--grid", "lr=1e-2"]
    assert_user_error(run("sweep", "--data", "moons", *grid, *args, cwd=tmp_path), message)
    assert list(tmp_path.iterdir()) == []
