"""``steepest plot``: a saved model's pictures (PNG) for the test rows of its dataset."""

from __future__ import annotations

import argparse

from ..command import Command, Console
from ..data import check_data_options, data_for_model, saved_model
from ..files import check_plot_folder, write_plots
from ..options import Defaults, add_data_options, non_empty


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=non_empty, metavar="MODEL", help="a saved model file")
    add_data_options(parser, Defaults(texts={"data": "default: the one the model was trained "
                                                     "on"}))
    parser.add_argument("--out", required=True, type=non_empty, metavar="DIR",
                        help="folder for the PNG files (required)")


def run(args: argparse.Namespace, console: Console) -> int:
    net, spec = saved_model(args.model, args.data)
    check_data_options(spec, args.data_dir)  # before the folder is made
    check_plot_folder(args.out, "--out")
    data = data_for_model(net, spec, args.data_dir)
    for path in write_plots(net, data, args.out):
        console.print(f"wrote {path.resolve()}")
    return 0


COMMAND = Command("plot", "draw a saved model's pictures (PNG)", add_arguments, run,
                  description="Write a saved model's pictures for the test rows of its "
                  "dataset: training curves, confusion matrix, activation histograms, and for "
                  "images first-layer weights and mistakes; for 2-D data the decision "
                  "boundary. Needs matplotlib.")
