"""``steepest explain``: one training step, every matrix printed."""

from __future__ import annotations

import argparse

from ..._parsing import positive_int
from ...errors import ConfigError
from ..command import Command, Console
from ..options import Defaults, argument_type
from ._doctor import add_doctor_options, examined


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_doctor_options(parser, Defaults(values={"lr": 0.1}), unused={
        "optimizer": "the step explained is plain gradient descent, W - lr * dW"})
    parser.add_argument("--samples", type=argument_type(positive_int), default=1,
                        help="training rows in the step (default: 1)")


def run(args: argparse.Namespace, console: Console) -> int:
    from ...explain import format_step, step_summary, training_step

    if args.model is not None and args.seed is not None:
        raise ConfigError("--seed draws a new network's weights; the step on a model file "
                          "takes its first training rows, with nothing random")
    subject = examined(args)
    rows = slice(0, args.samples)
    step = training_step(subject.net, subject.data.X_train[rows], subject.data.y_train[rows],
                         args.lr)
    if args.json:
        console.json({"data": subject.data.name, **step_summary(step)})
    else:
        console.print(format_step(subject.net, step))
    return 0


COMMAND = Command("explain", "print one training step: every matrix, psi, gradient and update",
                  add_arguments, run)
