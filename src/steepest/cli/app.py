"""The ``steepest`` command: the table of its commands, the parser built from it,
and :func:`main`, which runs one command and returns its exit code.

User errors (missing files, bad option values, corrupt models, inputs of the
wrong size) print one line on standard error and return exit code 2, never a
traceback. ``--json`` prints one JSON object on standard output instead of the
human summary; its keys are listed in the docs (how-to, "The command line") and
stay stable.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from typing import IO, NoReturn

from .. import __version__
from ..errors import SteepestError
from .command import EXIT_INTERRUPTED, EXIT_USAGE, Command, Console, PipeSafeStream, one_line
from .commands import (
    demo,
    diagnose,
    evaluate,
    explain,
    export,
    gradcheck,
    info,
    lr_find,
    overfit_check,
    playground,
    plot,
    predict,
    sweep,
    train,
)

#: Every command, in the order ``steepest --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    train.COMMAND, evaluate.COMMAND, predict.COMMAND, info.COMMAND, gradcheck.COMMAND,
    demo.COMMAND, sweep.COMMAND, plot.COMMAND, diagnose.COMMAND, lr_find.COMMAND,
    overfit_check.COMMAND, explain.COMMAND, export.COMMAND, playground.COMMAND,
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``steepest``: one sub-parser per entry of :data:`COMMANDS`."""
    parser = _Parser(prog="steepest", description="Neural networks trained by gradient "
                     "descent, backpropagation by hand in NumPy.")
    parser.add_argument("--version", action="version", version=f"steepest {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                       title="commands", metavar="COMMAND")
    for command in COMMANDS:
        subparser = subparsers.add_parser(command.name, help=command.summary,
                                          description=command.description or command.summary)
        command.add_arguments(subparser)
        subparser.set_defaults(run=command.run, extra=command.extra)
    return parser


def main(argv: Sequence[str] | None = None, stdout: IO[str] | None = None,
         stderr: IO[str] | None = None) -> int:
    """Run ``steepest ARGV...`` (default: ``sys.argv[1:]``) and return its exit code.

    Everything is written to ``stdout`` and ``stderr`` (default: ``sys.stdout``
    and ``sys.stderr``): results, progress, ``--help``, usage errors and the
    one-line error messages.
    """
    console = Console(PipeSafeStream(stdout or sys.stdout), PipeSafeStream(stderr or sys.stderr))
    # argparse writes --help, --version and usage errors to sys.stdout/sys.stderr,
    # then exits: both are turned to this call's streams and return value.
    with contextlib.redirect_stdout(console.out), contextlib.redirect_stderr(console.err):
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exit_:
            return _exit_code(exit_)
    return _run(args, console)


def _exit_code(exit_: SystemExit) -> int:
    code = exit_.code
    return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)


def _run(args: argparse.Namespace, console: Console) -> int:
    """Run the parsed command; a user error is one line on ``console.err``."""
    try:
        return args.run(args, console)
    except (SteepestError, OSError) as exc:
        console.error(args.command, one_line(exc))
    except ImportError as exc:  # an optional package that no check caught first
        package = (exc.name or "").split(".")[0]
        if package == "steepest":
            raise  # not a missing package: a bug
        console.error(args.command, f"needs the optional package {package!r}, which is not "
                      f'installed: pip install "steepest[{args.extra}]"' if package
                      else one_line(exc))  # raised by steepest, naming its extra
    except MemoryError:
        console.error(args.command, "not enough memory (are the layers or the data far larger "
                      "than intended?)")
    except KeyboardInterrupt:
        console.message("\ninterrupted")
        return EXIT_INTERRUPTED
    return EXIT_USAGE
