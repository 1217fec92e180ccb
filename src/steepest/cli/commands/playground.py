"""``steepest playground``: the live playground in the browser."""

from __future__ import annotations

import argparse
import contextlib
import threading
import webbrowser
from pathlib import Path

from ..._files import read_problem
from ..._parsing import positive_int
from ...datasets.download import data_home
from ...datasets.mnist import MNIST, find_files
from ...errors import ConfigError, DatasetError, ModelFileError
from ..command import Command, Console
from ..data import check_data_options
from ..options import argument_type, non_empty

#: The port the playground listens on unless told otherwise.
PORT = 8765


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on; another than this machine's own "
                        "lets other machines use the playground (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=PORT,
                        help=f"the port; 0 picks a free one (default: {PORT})")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open the page in a browser (default: open it)")
    parser.add_argument("--model", type=non_empty, metavar="FILE",
                        help="the model the digits page reads drawings with (default: one "
                        "trained when the page is first opened)")
    parser.add_argument("--digits-data", choices=("auto", "digits", "mnist"), default="auto",
                        help="what the digits page's model is trained on without --model: "
                        "auto is MNIST when its files are in the data folder, else the 8x8 "
                        "digits (default: auto)")
    parser.add_argument("--data-dir", type=non_empty, metavar="DIR",
                        help="the folder of the MNIST files (default: the cache, nothing is "
                        "downloaded)")
    parser.add_argument("--max-sessions", type=argument_type(positive_int), default=8,
                        help="how many browser tabs may use the playground at once "
                        "(default: 8)")


def run(args: argparse.Namespace, console: Console) -> int:
    try:
        from ...playground.server import Options, Server, is_loopback
        from ...playground.settings import Limits
    except ImportError as exc:
        raise ConfigError(f"the playground needs its extra ({exc.name} is missing): "
                          "pip install 'steepest[playground]'") from None
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must lie in 0..65535, got {args.port}")
    check_digits_options(args)
    options = Options(host=args.host, limits=Limits(sessions=args.max_sessions),
                      model=args.model, digits_data=args.digits_data, data_dir=args.data_dir)
    server = Server(options, args.port)
    if not is_loopback(args.host):
        console.message(f"steepest playground: warning: listening on {args.host}: anyone who "
                        "can reach this machine can use the playground, and its processor")
    console.print(f"steepest playground: {server.url} (the digits page: {server.url}digits); "
                  "Ctrl-C stops it", flush=True)
    if not args.no_browser:
        threading.Timer(0.5, webbrowser.open, [server.url]).start()
    # Ctrl-C is how a server is stopped: uvicorn shuts down, then raises it again.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    console.print("steepest playground: stopped")
    return 0


def check_digits_options(args: argparse.Namespace) -> None:
    """Refuse, before serving, what the digits page would report only once opened:
    a ``--model`` that is not a readable model file or does not read pictures, a
    ``--data-dir`` that is no folder, and ``--digits-data mnist`` without the MNIST
    files (the playground downloads nothing)."""
    from ...playground.digits import DigitsModel

    if args.model is not None:
        problem = read_problem(args.model, "model file")
        if problem is not None:  # a FIFO is refused here, never opened
            raise ModelFileError(f"{args.model}: {problem}")
        DigitsModel(args.model).reader()  # loads it as the page will
    if args.data_dir is not None:
        check_data_options(MNIST.name, args.data_dir)
    if args.model is None and args.digits_data == MNIST.name:
        folder = Path(args.data_dir) if args.data_dir is not None else data_home() / MNIST.name
        missing = [name for name, file in find_files(folder).items() if file is None]
        if missing:
            elsewhere = "" if args.data_dir is not None else ", give --data-dir"
            raise DatasetError(f"--digits-data mnist: missing "
                               f"{', '.join(f'{name}[.gz]' for name in missing)} in {folder} "
                               f"(the playground downloads nothing); put the files there"
                               f"{elsewhere}, or use --digits-data digits")


COMMAND = Command("playground", "the live playground in the browser: watch a network learn",
                  add_arguments, run,
                  description="A local web app where a small network learns a 2-D dataset "
                  "live, every picture computed by steepest itself; and a page to draw a "
                  "digit for a model to read. Needs the playground extra.")
