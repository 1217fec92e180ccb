"""``steepest predict``: a saved model's predictions for .npy, .csv or image files."""

from __future__ import annotations

import argparse
import contextlib
import csv
from pathlib import Path
from typing import Any

import numpy as np

from ...datasets.tables import TableSchema, read_csv_rows
from ...errors import DataError
from ...images import IMAGE_SUFFIXES, load_image
from ...io import load
from ...network import Network
from ..command import Command, Console
from ..options import Defaults, add_output_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a saved model file")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="a .npy (one row or many), a .csv or an image (PNG, JPEG...)")
    add_output_options(parser, Defaults(), out=False)


def run(args: argparse.Namespace, console: Console) -> int:
    net = load(args.model)
    rows, names = [], []
    for item in args.inputs:
        X = read_input(net, Path(item))
        rows.append(X)
        names += [item] if len(X) == 1 else [f"{item}[{i}]" for i in range(len(X))]
    results = _predictions(net, np.vstack(rows), names)
    if args.json:
        console.json({"model": str(Path(args.model).resolve()), "predictions": results})
        return 0
    classes = net.record.get("classes")
    for r in results:
        if "class" in r:
            p = r["probabilities"]
            top = np.argsort(p)[::-1][:3]
            others = ", ".join(f"{_label(classes, k)} {p[k]:.1%}" for k in top[1:])
            console.print(f"{r['input']}: {r['label']} ({p[r['class']]:.1%}; then {others})")
        else:
            console.print(f"{r['input']}: {', '.join(f'{v:.6g}' for v in r['output'])}")
    return 0


def _predictions(net: Network, X: np.ndarray, names: list[str]) -> list[dict[str, Any]]:
    """One result per row of ``X`` ``(n, n_features)``: the class and its
    probabilities for a classifier whose outputs are probabilities, else the
    outputs."""
    classes = net.record.get("classes")
    if classes is None or not net.output_activation.probabilities:
        return [{"input": name, "output": [float(v) for v in out]}
                for name, out in zip(names, net.predict(X), strict=True)]
    probabilities = net.predict_proba(X)
    return [{"input": name, "class": int(k), "label": _label(classes, k),
             "probabilities": [float(v) for v in p]}
            for name, k, p in zip(names, probabilities.argmax(axis=1), probabilities,
                                  strict=True)]


def read_input(net: Network, path: Path) -> np.ndarray:
    """Rows ``(n, n_features)`` from a .npy, .csv or image file."""
    n_features = net.sizes[0]
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: no such input file")
    if suffix in IMAGE_SUFFIXES:
        image = net.record.get("image")
        if image is None:
            raise DataError(f"{path}: this model was not trained on images, so it cannot read one")
        return load_image(path, tuple(image["shape"]), image["style"])[None, :]
    if suffix == ".npy":
        X = _read_npy(path, n_features)
    elif suffix == ".csv":
        X = _read_csv(net, path)
    else:
        raise DataError(f"{path}: unknown input type; expected .npy, .csv or an image "
                        f"({', '.join(sorted(IMAGE_SUFFIXES))})")
    if X.ndim != 2 or X.shape[1] != n_features:
        raise DataError(f"{path}: the model expects {n_features} features per row, the input "
                        f"has shape {X.shape}")
    return X


def _read_npy(path: Path, n_features: int) -> np.ndarray:
    """One row (an array of ``n_features`` values, any shape) or many (one per
    first index)."""
    try:
        X = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: not a readable .npy file ({exc})") from None
    if X.ndim == 0 or X.size == 0:
        raise DataError(f"{path}: expected rows of {n_features} features, got an array of "
                        f"shape {X.shape}")
    X = X.reshape(1, -1) if X.size == n_features else X.reshape(len(X), -1)
    if X.shape[0] == 1 and X.shape[1] != n_features:
        raise DataError(f"{path}: the model expects {n_features} features per row, the "
                        f"input has {X.shape[1]}")
    return X


def _read_csv(net: Network, path: Path) -> np.ndarray:
    """A table with the columns of the model's CSV file, or rows of numbers (a first
    row of names is skipped)."""
    csv_info = net.record.get("csv")
    if csv_info is not None:
        header, rows = read_csv_rows(path)
        return TableSchema.from_dict(csv_info["schema"]).encode(header, rows, str(path))
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            lines = [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
        numbers = [[float(cell) for cell in row] for row in lines[1:]]
        with contextlib.suppress(ValueError):  # a first row of numbers is data, not a header
            numbers.insert(0, [float(cell) for cell in lines[0]])
        return np.array(numbers, dtype=np.float64)
    except (ValueError, IndexError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: expected rows of numbers separated by commas ({exc})") from None


def _label(classes: list[str] | None, k: int) -> str:
    return classes[k] if classes and k < len(classes) else str(k)


COMMAND = Command("predict", "classify .npy, .csv or image inputs with a saved model",
                  add_arguments, run,
                  description="A saved model's predictions for each INPUT: the class and its "
                  "probabilities (or the outputs, for a numeric target). Images of any size "
                  "are converted like the training data.")
