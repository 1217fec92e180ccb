"""``steepest info``: a saved model's architecture, optimiser and training history,
which epoch's weights it holds, and how its run goes on."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ...io import TrainingState, load_checkpoint
from ...network import Network
from ..command import Command, Console
from ..options import non_empty
from ..runs import describe_monitor


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=non_empty, metavar="MODEL", help="a saved model file")


def run(args: argparse.Namespace, console: Console) -> int:
    net, state = load_checkpoint(args.model)
    net.summary(file=console.out)
    record, history = net.record, net.history
    path = Path(args.model).resolve()
    console.print(f"file: {path}")
    if record.get("data"):
        classes = f", {len(record['classes'])} classes" if record.get("classes") else ""
        console.print(f"trained on: {record['data']}{classes}")
    optimizer = net.optimizer
    if optimizer is not None:
        console.print(f"optimizer: {optimizer.name}, learning rate {optimizer.learning_rate:g}, "
                      f"{optimizer.steps:,} steps")
    console.print(f"epochs trained: {max(net.epochs_trained, len(history))}")
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        if history.get(key):
            values = history[key]
            best = max(values) if "accuracy" in key else min(values)
            console.print(f"  {key:<13} first {values[0]:.4f}   last {values[-1]:.4f}   "
                          f"best {best:.4f}")
    if "test" in record:
        console.print("test: " + "   ".join(f"{k} {v:.4f}" for k, v in record["test"].items()))
    console.print(weights_line(net, state))
    console.print(resume_line(net, state, path))
    if state is not None and state.blas_threads:
        console.print(f"BLAS threads: {state.blas_threads} (a resume repeats the run bit for "
                      "bit at this count)")
    if state is not None and state.update:
        console.print(f"optimizer update: {describe_update(state.update)}")
    return 0


def describe_update(path: str) -> str:
    """``"compiled (gcc 12.2.0)"`` -> ``"fused kernels, compiled (gcc 12.2.0)"``;
    ``"numpy"`` -> ``"NumPy"``."""
    return "NumPy" if path == "numpy" else f"fused kernels, {path}"


def weights_line(net: Network, state: TrainingState | None) -> str:
    """Which epoch's weights the file holds: ``"weights: epoch 49 of 60, the best
    validation loss"``."""
    epoch = net.epochs_trained
    if epoch == 0:
        return "weights: untrained"
    last = state.epochs if state is not None else max(epoch, len(net.history))
    best = _best_so_far(state)
    if best is None:
        return f"weights: epoch {epoch} of {last}, the last trained"
    basis = describe_monitor(best["monitor"])
    if best["best_epoch"] + 1 == epoch:
        return f"weights: epoch {epoch} of {last}, the best {basis}"
    return (f"weights: epoch {epoch} of {last}, the last trained (the best {basis} so far: "
            f"epoch {best['best_epoch'] + 1}, {best['best']:.4f})")


def resume_line(net: Network, state: TrainingState | None, path: Path) -> str:
    """Whether and how the file's run can go on."""
    if state is None:
        return ("resume: in Python only (steepest.load, then fit): the file holds no run "
                "settings for steepest train --resume")
    if not isinstance(net.record.get("run"), dict):
        return f"resume: in Python: steepest.resume({str(path)!r}, X, y) (a checkpoint of fit)"
    if net.epochs_trained < state.epochs and not state.stopped:
        return (f"resume: steepest train --resume {path} goes on from epoch "
                f"{net.epochs_trained} to {state.epochs}")
    return f"resume: the run is complete; steepest train --resume {path} --epochs N goes further"


def _best_so_far(state: TrainingState | None) -> dict[str, Any] | None:
    """The state of the run's first callback that keeps the best epoch, if it has one."""
    for entry in state.callbacks if state is not None else ():
        if entry["state"].get("best_epoch") is not None:
            return entry["state"]
    return None


COMMAND = Command("info", "architecture, shapes, training history of a saved model",
                  add_arguments, run)
