#!/usr/bin/env python
"""steepest's estimators against scikit-learn's MLPs, both with their defaults.

Usage (from the repository root)::

    python benchmarks/estimators.py                  # every dataset, 5-fold CV (a few minutes)
    python benchmarks/estimators.py --data iris,diabetes --folds 3
    python benchmarks/estimators.py --ours l2=0 --ours epochs=100   # other settings of ours

Each dataset is scored by cross-validation (stratified for classes, shuffled,
``random_state=0``) of ``make_pipeline(StandardScaler(), model)``, where model is
``MLPClassifier``/``MLPRegressor`` or ``NetworkClassifier``/``NetworkRegressor``
with default parameters but ``random_state=0``. The score is accuracy for classes
and R^2 for numbers; the table shows the mean over the folds (and their standard
deviation), then the seconds a fit takes on average. Standard output: the
Markdown table, then one JSON object per dataset.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # installed or not

from steepest.sklearn import NetworkClassifier, NetworkRegressor


def _generated_classes() -> tuple[np.ndarray, np.ndarray]:
    return datasets.make_classification(n_samples=500, n_features=20, n_informative=8,
                                        n_classes=3, random_state=0)


def _generated_numbers() -> tuple[np.ndarray, np.ndarray]:
    return datasets.make_regression(n_samples=500, n_features=10, n_informative=6,
                                    noise=10.0, random_state=0)


#: name -> (loader of (X, y), True for classes / False for numbers, what it is)
DATASETS: dict[str, tuple[Callable[[], tuple[np.ndarray, np.ndarray]], bool, str]] = {
    "iris": (lambda: datasets.load_iris(return_X_y=True), True, "150 x 4, 3 classes"),
    "wine": (lambda: datasets.load_wine(return_X_y=True), True, "178 x 13, 3 classes"),
    "breast_cancer": (lambda: datasets.load_breast_cancer(return_X_y=True), True,
                      "569 x 30, 2 classes"),
    "digits": (lambda: datasets.load_digits(return_X_y=True), True, "1,797 x 64, 10 classes"),
    "moons": (lambda: datasets.make_moons(n_samples=500, noise=0.3, random_state=0), True,
              "generated, 500 x 2, 2 classes"),
    "classification": (_generated_classes, True, "generated, 500 x 20, 3 classes"),
    "diabetes": (lambda: datasets.load_diabetes(return_X_y=True), False,
                 "442 x 10, a number"),
    "friedman1": (lambda: datasets.make_friedman1(n_samples=500, noise=1.0, random_state=0),
                  False, "generated, 500 x 10, a number"),
    "regression": (_generated_numbers, False, "generated, 500 x 10, a number"),
}


def _value(text: str) -> object:
    """An estimator parameter's value from ``--ours`` text: a number, None, a tuple..."""
    try:
        return json.loads(text.replace("(", "[").replace(")", "]"))
    except json.JSONDecodeError:
        return None if text == "None" else text


def score(name: str, folds: int, ours: dict[str, object]) -> dict[str, object]:
    """Cross-validated scores and fit times of both models on one dataset."""
    load, classes, _ = DATASETS[name]
    X, y = load()
    split = (StratifiedKFold if classes else KFold)(folds, shuffle=True, random_state=0)
    models = {
        "sklearn": (MLPClassifier if classes else MLPRegressor)(random_state=0),
        "steepest": (NetworkClassifier if classes else NetworkRegressor)(random_state=0,
                                                                         **ours),
    }
    record: dict[str, object] = {"data": name, "metric": "accuracy" if classes else "r2",
                                 "rows": len(X), "features": X.shape[1]}
    for system, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # scikit-learn's 200 epochs
            result = cross_validate(make_pipeline(StandardScaler(), model), X, y, cv=split)
        record[system] = {"mean": float(np.mean(result["test_score"])),
                          "std": float(np.std(result["test_score"])),
                          "fit_seconds": float(np.mean(result["fit_time"]))}
    return record


def table(records: list[dict]) -> str:
    """The Markdown table of the records."""
    lines = ["| data | what | metric | scikit-learn MLP | steepest | s/fit (sklearn, steepest) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in records:
        sk, st = r["sklearn"], r["steepest"]
        lines.append(f"| {r['data']} | {DATASETS[r['data']][2]} | {r['metric']} | "
                     f"{sk['mean']:.3f} ± {sk['std']:.3f} | {st['mean']:.3f} ± {st['std']:.3f} "
                     f"| {sk['fit_seconds']:.2f}, {st['fit_seconds']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=",".join(DATASETS),
                        help=f"datasets, comma-separated (default: all: {', '.join(DATASETS)})")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (5)")
    parser.add_argument("--ours", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter of steepest's estimators other than its default")
    args = parser.parse_args(argv)
    names = args.data.split(",")
    unknown = sorted(set(names) - set(DATASETS))
    if unknown:
        parser.error(f"unknown datasets {unknown}; expected some of {', '.join(DATASETS)}")
    ours = {k: _value(v) for k, _, v in (o.partition("=") for o in args.ours)}
    records = []
    for name in names:
        started = time.perf_counter()
        records.append(score(name, args.folds, ours))
        print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(table(records))
    for record in records:
        print(json.dumps(record | {"ours": ours}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
