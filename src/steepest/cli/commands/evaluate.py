"""``steepest evaluate``: a saved model's loss, accuracy and per-class figures on
the test rows of its dataset."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from ...metrics import confusion_matrix
from ...network import Network
from ..command import Command, Console
from ..data import Data, data_for_model, saved_model
from ..options import Defaults, add_data_options, add_output_options, non_empty

DEFAULTS = Defaults(texts={
    "data": "default: the one the model was trained on",
    "data_dir": "default: the folder the model was trained from, else the cache, downloading "
                "what is missing",
})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=non_empty, metavar="MODEL", help="a saved model file")
    add_data_options(parser, DEFAULTS)
    add_output_options(parser, DEFAULTS, out=False)


def run(args: argparse.Namespace, console: Console) -> int:
    net, spec = saved_model(args.model, args.data)
    data = data_for_model(net, spec, args.data_dir)
    figures = net.evaluate(data.X_test, data.y_test)
    report: dict[str, Any] = {"model": str(Path(args.model).resolve()), "data": spec,
                              "samples": len(data.X_test), **figures}
    if "accuracy" in figures and data.classes is not None:
        report |= classification_report(net, data)
    if args.json:
        console.json(report)
        return 0
    console.print(f"model {args.model}   data {spec} ({len(data.X_test):,} test rows)")
    line = f"loss {figures['loss']:.4f}"
    if "accuracy" in figures:
        line += f"   accuracy {figures['accuracy']:.2%}"
    console.print(line)
    if "confusion_matrix" in report:
        console.print()
        console.print(format_report(report))
    return 0


def classification_report(net: Network, data: Data) -> dict[str, Any]:
    """Per class of the test rows: precision, recall, support, and the confusion
    matrix ``(n_classes, n_classes)`` (rows: true class, columns: predicted)."""
    k = len(data.classes)
    outputs = net.predict(data.X_test)  # one class per row, even from sigmoid outputs
    predicted = outputs.argmax(axis=1) if outputs.shape[1] > 1 else (outputs[:, 0] >= 0.5)
    confusion = confusion_matrix(data.y_test, predicted.astype(np.int64), n_classes=k)
    hits = np.diag(confusion).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(confusion.sum(0) > 0, hits / confusion.sum(0), 0.0)
        recall = np.where(confusion.sum(1) > 0, hits / confusion.sum(1), 0.0)
    return {
        "classes": list(data.classes),
        "precision": [float(v) for v in precision],
        "recall": [float(v) for v in recall],
        "support": [int(v) for v in confusion.sum(1)],
        "confusion_matrix": confusion.tolist(),
    }


def format_report(report: dict[str, Any]) -> str:
    """The per-class table and the confusion matrix, as printed."""
    classes = report["classes"]
    width = max(5, *(len(c) for c in classes))
    lines = [f"{'class':<{width}}  precision  recall  support"]
    for c, p, r, s in zip(classes, report["precision"], report["recall"], report["support"],
                          strict=True):
        lines.append(f"{c:<{width}}  {p:>9.3f}  {r:>6.3f}  {s:>7}")
    matrix = report["confusion_matrix"]
    cell = max(4, len(str(max(max(row) for row in matrix))) + 1)
    lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
    lines.append(" " * width + "".join(f"{k!s:>{cell}}" for k in range(len(classes))))
    for c, row in zip(classes, matrix, strict=True):
        lines.append(f"{c:<{width}}" + "".join(f"{v:>{cell}}" for v in row))
    return "\n".join(lines)


COMMAND = Command("evaluate", "loss, accuracy, per-class figures of a saved model", add_arguments,
                  run, description="A saved model's loss, accuracy, per-class precision and "
                  "recall and confusion matrix, on the test rows of its dataset (or --data; "
                  "of a CSV file other than the one it was trained on, every row).")
