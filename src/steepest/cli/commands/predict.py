"""``steepest predict``: a saved model's predictions for .npy, .csv or image files.

Each input is read on its own: a file that cannot be read is reported (one line
on standard error) and the others are still predicted; the exit code then says
that some failed (1), or that none could be read (2).
"""

from __future__ import annotations

import argparse
import csv
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..._files import read_problem
from ..._parsing import Number
from ..._validation import BINARY, as_float
from ...datasets.tables import TableSchema, read_csv_rows
from ...errors import ConfigError, DataError, SteepestError
from ...images import IMAGE_SUFFIXES, load_image
from ...io import load
from ...network import Network
from ..command import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Command, Console, one_line
from ..options import Defaults, add_output_options, argument_type, non_empty

#: Multi-label models: a label is predicted when its probability is at least this.
THRESHOLD = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=non_empty, metavar="MODEL", help="a saved model file")
    parser.add_argument("inputs", nargs="+", type=non_empty, metavar="INPUT",
                        help="a .npy (one row or many), a .csv or an image (PNG, JPEG...)")
    parser.add_argument("--threshold", metavar="P",
                        type=argument_type(Number(float, lambda v: 0 < v < 1, "in (0, 1)")),
                        help="multi-label models (sigmoid outputs, binary_cross_entropy): "
                        f"the labels whose probability is at least P (default: {THRESHOLD:g})")
    add_output_options(parser, Defaults(), out=False)


def run(args: argparse.Namespace, console: Console) -> int:
    net = load(args.model)
    multi_label = is_multi_label(net)
    if args.threshold is not None and not multi_label:
        raise ConfigError("--threshold is for multi-label models (several sigmoid outputs "
                          f"with binary_cross_entropy); {args.model} predicts one class or "
                          "a number per row")
    rows, names, errors = [], [], []
    for item in args.inputs:
        try:
            X = read_input(net, Path(item))
        except (SteepestError, OSError) as exc:
            errors.append({"input": item, "error": one_line(exc)})
            console.error("predict", one_line(exc))
            continue
        rows.append(X)
        names += [item] if len(X) == 1 else [f"{item}[{i}]" for i in range(len(X))]
    if not rows:
        return EXIT_USAGE
    threshold = THRESHOLD if args.threshold is None else args.threshold
    X = np.vstack(rows)
    results = (_labels(net, X, names, threshold) if multi_label
               else _predictions(net, X, names))
    if args.json:
        report: dict[str, Any] = {"model": str(Path(args.model).resolve()),
                                  "predictions": results, "errors": errors}
        if multi_label:
            report["threshold"] = threshold
        console.json(report)
    else:
        for r in results:
            console.print(f"{r['input']}: {_shown(net, r, threshold)}")
    return EXIT_FAILED if errors else EXIT_OK


def is_multi_label(net: Network) -> bool:
    """Whether the model gives each of several labels its own probability (sigmoid
    outputs trained on 0/1 targets), rather than one class per row."""
    return (net.loss.targets == BINARY and net.sizes[-1] > 1
            and net.output_activation.probabilities)


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


def _labels(net: Network, X: np.ndarray, names: list[str], threshold: float
            ) -> list[dict[str, Any]]:
    """One result per row of ``X`` ``(n, n_features)`` of a multi-label model: the
    labels whose probability is at least ``threshold``, most probable first, and
    every label's probability."""
    classes = net.record.get("classes")
    results = []
    for name, p in zip(names, net.predict(X), strict=True):
        chosen = [int(k) for k in np.argsort(-p, kind="stable") if p[k] >= threshold]
        results.append({"input": name, "classes": chosen,
                        "labels": [_label(classes, k) for k in chosen],
                        "probabilities": [float(v) for v in p]})
    return results


def _shown(net: Network, result: dict[str, Any], threshold: float) -> str:
    """A result as printed: the class and the next two, the labels above the
    threshold, or the outputs."""
    classes = net.record.get("classes")
    p = result.get("probabilities")
    if "classes" in result:  # multi-label
        if result["classes"]:
            return ", ".join(f"{_label(classes, k)} {p[k]:.1%}" for k in result["classes"])
        top = int(np.argmax(p))
        return (f"no label reaches the threshold {threshold:g} (the most probable: "
                f"{_label(classes, top)} {p[top]:.1%})")
    if "class" in result:
        top = np.argsort(p)[::-1][:3]
        others = ", ".join(f"{_label(classes, k)} {p[k]:.1%}" for k in top[1:])
        return f"{result['label']} ({p[result['class']]:.1%}; then {others})"
    return ", ".join(f"{v:.6g}" for v in result["output"])


def read_input(net: Network, path: Path) -> np.ndarray:
    """Rows ``(n, n_features)`` from a .npy, .csv or image file, in the network's
    dtype: checked here as :meth:`Network.predict` checks them, so that a bad file
    is reported by its path and the others are still predicted."""
    n_features = net.sizes[0]
    suffix = path.suffix.lower()
    problem = read_problem(path, "input file")
    if problem is not None:
        raise DataError(f"{path}: {problem}")
    if suffix in IMAGE_SUFFIXES:
        image = net.record.get("image")
        if image is None:
            raise DataError(f"{path}: this model was not trained on images, so it cannot read one")
        X = load_image(path, tuple(image["shape"]), image["style"])[None, :]
    elif suffix == ".npy":
        X = _read_npy(path, n_features)
    elif suffix == ".csv":
        X = _read_csv(net, path)
    else:
        raise DataError(f"{path}: unknown input type; expected .npy, .csv or an image "
                        f"({', '.join(sorted(IMAGE_SUFFIXES))})")
    if X.ndim != 2 or X.shape[1] != n_features:
        raise DataError(f"{path}: the model expects {n_features} features per row, the input "
                        f"has shape {X.shape}")
    # Values beyond the dtype's range (1e39 in float32) would become inf in the cast.
    return as_float(X, net.dtype, f"{path}: the input")


def _read_npy(path: Path, n_features: int) -> np.ndarray:
    """One row (an array of ``n_features`` values, any shape) or many (one per
    first index), every value a finite number."""
    try:
        with open(path, "rb") as f:  # np.load leaves its own file open on a broken zip
            X = np.load(f, allow_pickle=False)
    except EOFError:  # what np.load says of an empty file
        raise DataError(f"{path}: not a readable .npy file (it is empty)") from None
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: not a readable .npy file ({exc})") from None
    except zipfile.BadZipFile as exc:  # it begins as a zip file does
        raise DataError(f"{path}: not a readable .npy file (it begins like an .npz archive "
                        f"but is not one: {exc})") from None
    if not isinstance(X, np.ndarray):  # np.load opens an .npz archive whatever its name
        X.close()
        raise DataError(f"{path}: an .npz archive, not a .npy array")
    if X.dtype.kind not in "biuf":  # the numbers Network.predict takes
        raise DataError(f"{path}: expected numbers, got an array of dtype {X.dtype}")
    if X.ndim == 0 or X.size == 0:
        raise DataError(f"{path}: expected rows of {n_features} features, got an array of "
                        f"shape {X.shape}")
    X = X.reshape(1, -1) if X.size == n_features else X.reshape(len(X), -1)
    if X.shape[0] == 1 and X.shape[1] != n_features:
        raise DataError(f"{path}: the model expects {n_features} features per row, the "
                        f"input has {X.shape[1]}")
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        row = int(np.argmin(np.isfinite(X).all(axis=1)))
        raise DataError(f"{path}: row {row} holds NaN or infinity")
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
            reader = csv.reader(f)
            lines = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: expected rows of numbers separated by commas ({exc})"
                        ) from None
    if lines and _numbers(lines[0][1]) is None:
        lines = lines[1:]  # a first row of names
    rows = []
    for line, cells in lines:
        values = _numbers(cells)
        if values is None:
            raise DataError(f"{path}: line {line}: expected numbers separated by commas, got "
                            f"{','.join(cells)!r}")
        if not all(map(math.isfinite, values)):
            raise DataError(f"{path}: line {line}: not a finite number (NaN or infinity)")
        if rows and len(values) != len(rows[0]):
            raise DataError(f"{path}: line {line} has {len(values)} numbers, the first row "
                            f"{len(rows[0])}")
        rows.append(values)
    if not rows:
        raise DataError(f"{path}: expected rows of numbers, the file has none")
    return np.array(rows, dtype=np.float64)


def _numbers(cells: list[str]) -> list[float] | None:
    """The cells as numbers, or None if one is not a number."""
    try:
        return [float(cell) for cell in cells]
    except ValueError:
        return None


def _label(classes: list[str] | None, k: int) -> str:
    return classes[k] if classes and k < len(classes) else str(k)


COMMAND = Command("predict", "classify .npy, .csv or image inputs with a saved model",
                  add_arguments, run,
                  description="A saved model's predictions for each INPUT: the class and its "
                  "probabilities, the labels of a multi-label model, or the outputs for a "
                  "numeric target. Images of any size are converted like the training data. "
                  "An input that cannot be read is reported and the others predicted (exit "
                  "code 1; 2 if none could be read).")
