"""What every command is: an entry of the command table (:class:`Command`) that
writes to a :class:`Console`, and the exit codes it returns."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

EXIT_OK = 0
# The command ran, and what it ran failed: a check did not pass (gradcheck,
# overfit-check), training diverged (train), some inputs could not be read (predict).
EXIT_FAILED = 1
EXIT_USAGE = 2  # a user error: one line on standard error, nothing done
EXIT_INTERRUPTED = 130  # Ctrl-C


class PipeSafeStream(io.TextIOBase):
    """A text stream over ``stream`` that stops writing, quietly, once its reader
    has gone: with ``steepest train ... | head``, a closed pipe ends the printing,
    not the run."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        self.stream = stream
        self.reader_gone = False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                self.stream.write(text)
            except BrokenPipeError:
                self._lose_the_reader()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._lose_the_reader()

    def _lose_the_reader(self) -> None:
        self.reader_gone = True
        # Python flushes standard output once more at exit and would report the closed
        # pipe there: its descriptor now leads to the null device. (A stream without
        # a descriptor, such as a StringIO, has no such last flush.)
        with contextlib.suppress(OSError, ValueError):
            descriptor = self.stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, descriptor)
            finally:
                os.close(null)


#: How the library's messages name what the command line names otherwise (the
#: doctor's fixes, an error's advice), so a command's output speaks its own language.
CLI_WORDS = {
    "steepest.lr_find": "steepest lr-find",
    "steepest.diagnose": "steepest diagnose",
    "steepest.datasets.standardize": "--standardize for a CSV file",
    "init='glorot'": "--init glorot",
    "init='he'": "--init he",
    "clip_norm=1.0 in fit": "--clip-norm 1",
    "Sigmoid(c=0.01)": "--activation 'sigmoid(c=0.01)'",
    "one_hot= in load_csv, --one-hot on the command line": "--one-hot",
    "pass path= (on the command line --data-dir)": "pass --data-dir",
}


def in_cli_words(text: str) -> str:
    """``text`` with the library's names replaced by the command line's (see
    :data:`CLI_WORDS`)."""
    for library, command_line in CLI_WORDS.items():
        text = text.replace(library, command_line)
    return text


@dataclass(frozen=True)
class Console:
    """Where a command writes: results to ``out``, messages to ``err``."""

    out: IO[str]
    err: IO[str]

    def print(self, *parts: object, flush: bool = False) -> None:
        """Print to ``out``."""
        print(*parts, file=self.out, flush=flush)

    def message(self, text: str) -> None:
        """Print ``text`` to ``err``."""
        print(text, file=self.err, flush=True)

    def error(self, command: str, text: str) -> None:
        """The one line of a failure: ``steepest COMMAND: error: TEXT`` on ``err``."""
        self.message(f"steepest {command}: error: {in_cli_words(' '.join(text.split()))}")

    def json(self, report: dict[str, Any]) -> None:
        """Print ``report`` to ``out`` as one line of strict JSON: NaN and infinities
        (a diverged loss) become null, since JSON has no literal for them and other
        parsers reject Python's ``NaN``."""
        self.print(json.dumps(_finite(report), allow_nan=False))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


@dataclass(frozen=True)
class Command:
    """One sub-command: its ``name``, the one-line ``summary`` that ``steepest
    --help`` lists, the ``description`` of its own ``--help`` (default: the
    summary), the options it takes (``add_arguments``), what it does (``run``,
    which returns the exit code) and the optional extra of steepest that installs
    what it needs (``extra``, named when a package is missing)."""

    name: str
    summary: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Console], int]
    description: str | None = None
    extra: str = "cli"


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (its type's name if it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__
