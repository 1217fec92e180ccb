"""``steepest overfit-check``: can the network memorise a few rows?"""

from __future__ import annotations

import argparse

from ..._parsing import positive_int
from ...optimizers import learning_rate_in
from ..command import EXIT_FAILED, EXIT_OK, Command, Console, in_cli_words
from ..options import Defaults, argument_type
from ._doctor import add_doctor_options, examined

QUICK_RATE = 0.01  # the learning rate to memorise with, unless one is given


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_doctor_options(parser, Defaults(values={"optimizer": "adam"}, texts={
        "lr": f"default: a learning_rate inside --optimizer, else {QUICK_RATE}"}))
    parser.add_argument("--samples", type=argument_type(positive_int), default=8,
                        help="rows to memorise (default: 8)")
    parser.add_argument("--epochs", type=argument_type(positive_int), default=300,
                        help="full-batch epochs (default: 300)")


def run(args: argparse.Namespace, console: Console) -> int:
    from ...doctor import overfit_check

    data = (subject := examined(args)).data
    # Memorising wants a quick optimiser: the flags', Adam at 0.01 unless given, whatever
    # the network's own.
    rate = args.lr if args.lr is not None else learning_rate_in(args.optimizer) or QUICK_RATE
    result = overfit_check(subject.net, data.X_train, data.y_train, n_samples=args.samples,
                           epochs=args.epochs, optimizer=args.optimizer,
                           learning_rate=rate, seed=args.seed or 0)
    if args.json:
        console.json({"data": data.name, **result.to_dict()})
    else:
        console.print(in_cli_words(str(result)))
    return EXIT_OK if result.passed else EXIT_FAILED


COMMAND = Command("overfit-check", "can the network fit a few rows? (exit code 1 if not)",
                  add_arguments, run)
