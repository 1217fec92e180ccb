"""Fixtures of the command-line tests: one BLAS thread, the default digits model
(``steepest train`` with no options, run once as a user runs it), and small
models trained on CSV files and on xor."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import (
    classification_rows,
    regression_rows,
    run_json,
    run_subprocess,
    write_csv,
)

from steepest.datasets import load_digits


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """One BLAS thread in this process, as the subprocesses get through
    OPENBLAS_NUM_THREADS=1: threaded BLAS on small matrices is far slower on a busy
    machine, and one thread keeps runs bit-reproducible."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory):
    """``steepest train`` with no options, once, in a subprocess: (folder, result,
    model path)."""
    folder = tmp_path_factory.mktemp("digits")
    result = run_subprocess("train", cwd=folder, timeout=600)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr)
    return folder, result, folder / "digits-model.npz"


@pytest.fixture(scope="session")
def digits_model(digits_run) -> Path:
    return digits_run[2]


@pytest.fixture(scope="session")
def digits_test_set():
    return load_digits()[1]


@pytest.fixture(scope="session")
def csv_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("csv")
    write_csv(folder / "table.csv", ["size", "weight", "color", "label"], classification_rows())
    write_csv(folder / "reg.csv", ["a", "b", "y"], regression_rows())
    return folder


@pytest.fixture(scope="session")
def csv_model(csv_dir):
    """A classifier trained on table.csv (one-hot colour, standardised numbers)."""
    report = run_json("train", "--data", "table.csv", "--one-hot", "color", "--standardize",
                      "--epochs", "60", cwd=csv_dir)
    return report, Path(report["model"])


@pytest.fixture(scope="session")
def reg_model(csv_dir):
    """A regressor trained on reg.csv."""
    report = run_json("train", "--data", "reg.csv", "--epochs", "40", cwd=csv_dir)
    return report, Path(report["model"])


@pytest.fixture(scope="session")
def xor_model(tmp_path_factory) -> Path:
    """A small xor model (20 epochs) for the doctor's commands."""
    folder = tmp_path_factory.mktemp("doctor")
    run_json("train", "--data", "xor", "--epochs", "20", "--out", folder / "xor.npz",
             cwd=folder)
    return folder / "xor.npz"
