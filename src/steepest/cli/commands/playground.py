"""``steepest playground``: the live playground in the browser."""

from __future__ import annotations

import argparse
import contextlib
import threading
import webbrowser

from ..._parsing import positive_int
from ...errors import ConfigError
from ..command import Command, Console
from ..options import argument_type

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
    parser.add_argument("--model", metavar="FILE",
                        help="the model the digits page reads drawings with (default: one "
                        "trained when the page is first opened)")
    parser.add_argument("--digits-data", choices=("auto", "digits", "mnist"), default="auto",
                        help="what the digits page's model is trained on without --model: "
                        "auto is MNIST when its files are in the data folder, else the 8x8 "
                        "digits (default: auto)")
    parser.add_argument("--data-dir", metavar="DIR",
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


COMMAND = Command("playground", "the live playground in the browser: watch a network learn",
                  add_arguments, run,
                  description="A local web app where a small network learns a 2-D dataset "
                  "live, every picture computed by steepest itself; and a page to draw a "
                  "digit for a model to read. Needs the playground extra.")
