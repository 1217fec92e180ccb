"""Signals that stop a run as Ctrl-C does: SIGINT, SIGTERM (``kill``, a system
shutting down, a batch system's time limit) and SIGHUP (the terminal closed).

Inside :func:`stop_signals`, the first of them raises :class:`Interrupted`
wherever the run is, so the command can save what it has; any later one is
held, not raised, so that the save finishes and the file is whole. The exit
code is the shell's for the signal: 128 + its number (130, 143, 129).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

#: The signals that stop a run (SIGHUP exists on POSIX only).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """The run was stopped by ``signum`` (Ctrl-C, SIGTERM or SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        """``"SIGTERM"``..."""
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports a process it stopped."""
        return 128 + self.signum


@dataclass
class Signals:
    """What came in :func:`stop_signals`: the first signal, and those held after it."""

    first: int | None = None
    held: list[int] = field(default_factory=list)

    def held_names(self) -> str:
        """``"SIGTERM, SIGHUP"``: the signals held while the work after the first one ran."""
        return ", ".join(signal.Signals(s).name for s in self.held)


@contextlib.contextmanager
def stop_signals() -> Iterator[Signals]:
    """Inside the block the first stop signal raises :class:`Interrupted`, later
    ones are held (recorded in the :class:`Signals` yielded); the former handlers
    come back after it. Outside the main thread, where Python lets no handler be
    set, nothing changes."""
    came = Signals()
    if threading.current_thread() is not threading.main_thread():
        yield came
        return

    def handle(signum: int, frame: object) -> None:
        if came.first is None:
            came.first = signum
            raise Interrupted(signum)
        came.held.append(signum)

    former = {signum: signal.signal(signum, handle) for signum in STOP_SIGNALS}
    try:
        yield came
    finally:
        for signum, handler in former.items():
            signal.signal(signum, handler)
