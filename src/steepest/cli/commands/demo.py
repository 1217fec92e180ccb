"""``steepest demo``: the tutorials' stories, run from scratch."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from ...errors import ConfigError
from ..command import Command, Console
from ..files import check_plot_folder
from ..options import non_empty

NAMES = ("tutorials", "vanishing")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=NAMES,
                        help="tutorials: the tutorials' three examples; vanishing: the first "
                        "tutorial's vanishing gradients and their fixes")
    parser.add_argument("--plots", type=non_empty, metavar="DIR",
                        help="vanishing: write its figures into DIR (default: none)")


def run(args: argparse.Namespace, console: Console) -> int:
    from ...demos import DEMOS, PLOTTING_DEMOS

    if args.plots is not None:
        if args.name not in PLOTTING_DEMOS:
            raise ConfigError(f"demo {args.name} draws no figures; --plots works with "
                              f"{', '.join(sorted(PLOTTING_DEMOS))}")
        check_plot_folder(args.plots, names=PLOTTING_DEMOS[args.name])
    plots = {} if args.plots is None else {"plots": Path(args.plots)}
    with contextlib.redirect_stdout(console.out):  # the demos print their story
        DEMOS[args.name](**plots)
    return 0


COMMAND = Command("demo", "the tutorials' stories, run from scratch", add_arguments, run)
