"""``steepest lr-find``: the learning-rate range test."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..._parsing import positive_float, positive_int
from ..command import Command, Console
from ..files import check_picture_output
from ..options import Defaults, argument_type, non_empty
from ._doctor import add_doctor_options, examined, the_models_else


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_doctor_options(parser, Defaults(texts={"optimizer": the_models_else("optimizer")}),
                       unused={"lr": "the range test tries every rate from --start to --stop"})
    test = parser.add_argument_group("range test")
    test.add_argument("--start", type=argument_type(positive_float), default=1e-6,
                      help="first learning rate (default: 1e-06)")
    test.add_argument("--stop", type=argument_type(positive_float), default=1.0,
                      help="last learning rate (default: 1)")
    test.add_argument("--steps", type=argument_type(positive_int), default=100,
                      help="steps, one rate each (default: 100)")
    test.add_argument("--batch-size", type=argument_type(positive_int), default=32,
                      help="rows per step (default: 32)")
    test.add_argument("--plot", type=non_empty, metavar="FILE",
                      help="write the curve to this picture file, its name ending in .png "
                      "or .gif (needs matplotlib) (default: none)")


def run(args: argparse.Namespace, console: Console) -> int:
    from ...doctor import lr_find
    from ...plots import save_figure

    if args.plot:
        from ...plots import check_available

        check_picture_output(Path(args.plot), "--plot", inputs=[args.model, args.data])
        check_available()  # matplotlib, before the test rather than after it
    subject = examined(args)
    data = subject.data
    # The range test sets the rate itself: the optimiser's kind only.
    result = lr_find(subject.net, data.X_train, data.y_train, start=args.start, stop=args.stop,
                     steps=args.steps, batch_size=args.batch_size, optimizer=subject.optimizer,
                     seed=args.seed or 0)
    if args.plot:
        save_figure(result.plot(), Path(args.plot))
    if args.json:
        console.json({"data": data.name, **result.to_dict(), "plot": args.plot})
        return 0
    console.print(result)
    if args.plot:
        console.print(f"plot saved to {Path(args.plot).resolve()}")
    return 0


COMMAND = Command("lr-find", "learning-rate range test: loss against a rising learning rate, "
                  "and a suggested rate", add_arguments, run)
