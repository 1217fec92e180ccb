"""``steepest info``: a saved model's architecture, optimiser and training history."""

from __future__ import annotations

import argparse
from pathlib import Path

from ...io import load
from ..command import Command, Console


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a saved model file")


def run(args: argparse.Namespace, console: Console) -> int:
    net = load(args.model)
    net.summary(file=console.out)
    meta, history = net.metadata, net.history
    console.print(f"file: {Path(args.model).resolve()}")
    if meta.get("data"):
        classes = f", {len(meta['classes'])} classes" if meta.get("classes") else ""
        console.print(f"trained on: {meta['data']}{classes}")
    optimizer = net.optimizer
    if optimizer is not None:
        console.print(f"optimizer: {optimizer.name}, learning rate {optimizer.learning_rate:g}, "
                      f"{optimizer.steps:,} steps")
    console.print(f"epochs trained: {net.epochs_trained}")
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        if history.get(key):
            values = history[key]
            best = max(values) if "accuracy" in key else min(values)
            console.print(f"  {key:<13} first {values[0]:.4f}   last {values[-1]:.4f}   "
                          f"best {best:.4f}")
    if "test" in meta:
        console.print("test: " + "   ".join(f"{k} {v:.4f}" for k, v in meta["test"].items()))
    return 0


COMMAND = Command("info", "architecture, shapes, training history of a saved model",
                  add_arguments, run)
