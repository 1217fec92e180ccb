"""What every command is: an entry of the command table (:class:`Command`) that
writes to a :class:`Console`, and the exit codes it returns."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

EXIT_OK = 0
EXIT_FAILED = 1  # a check the command ran did not pass (gradcheck, overfit-check)
EXIT_USAGE = 2  # a user error: one line on standard error
EXIT_INTERRUPTED = 130  # Ctrl-C


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
    summary), the options it takes (``add_arguments``) and what it does (``run``,
    which returns the exit code)."""

    name: str
    summary: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Console], int]
    description: str | None = None


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (its type's name if it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__
