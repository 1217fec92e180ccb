"""``steepest diagnose``: why a network does not learn."""

from __future__ import annotations

import argparse

from ..._parsing import positive_int
from ..command import Command, Console, in_cli_words
from ..options import Defaults, argument_type
from ._doctor import add_doctor_options, examined, the_models_else


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_doctor_options(parser, Defaults(texts={"optimizer": the_models_else("optimizer"),
                                                  "lr": the_models_else("lr")}))
    parser.add_argument("--batch-size", type=argument_type(positive_int), default=256,
                        help="rows examined (default: 256)")
    parser.add_argument("--steps", type=argument_type(positive_int), default=5,
                        help="optimiser steps taken to watch the loss (default: 5)")


def run(args: argparse.Namespace, console: Console) -> int:
    from ...doctor import diagnose

    subject = examined(args)
    data = subject.data
    result = diagnose(subject.net, data.X_train, data.y_train, optimizer=subject.optimizer,
                      learning_rate=subject.learning_rate, batch_size=args.batch_size,
                      steps=args.steps, seed=args.seed or 0)
    if args.json:
        report = result.to_dict()
        report["findings"] = [{**finding, "message": in_cli_words(finding["message"]),
                               "fix": in_cli_words(finding["fix"])}
                              for finding in report["findings"]]
        console.json({"data": data.name, **report})
    else:
        console.print(in_cli_words(str(result)))
    return 0


COMMAND = Command("diagnose", "why a network does not learn: per-layer gradients, "
                  "saturation, dead units, and fixes", add_arguments, run)
