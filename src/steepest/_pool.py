"""A small persistent pool of threads for elementwise work on large flat arrays.

NumPy releases the GIL inside its ufuncs, so a long elementwise pass (the
optimiser's update over every parameter, the copy of the weights the fit loop
keeps) can run on several cores at once: each thread takes a fixed, contiguous
part of the array. The parts never overlap and an elementwise result does not
depend on which thread computed it, so results are the same bit for bit at any
number of threads; the pool only ever runs such work (reductions stay on the
calling thread, in one piece).

With the compiled kernels built the updates and the finiteness check run as
compiled loops instead (:mod:`steepest._kernels`), on the calling thread, and the
pool is not used.

The pool has one thread, the caller's, unless ``STEEPEST_THREADS`` or
:func:`set_threads` asks for more (``steepest.callbacks.limit_threads``). It pays
only where the second core is free between the matrix products: with BLAS on one
thread, or with OpenBLAS's idle threads sleeping soon (``OPENBLAS_THREAD_TIMEOUT``).
By default an idle OpenBLAS thread spins on its core for about 2**28 cycles, and
the pool's helper then waits for it: two threads made setup c of
benchmarks/compare.py 9 % slower, not faster (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from itertools import pairwise

from .errors import ConfigError

#: Fewest elements worth a thread of their own: handing work to a sleeping
#: thread costs tens of microseconds, as much as a pass over this many floats.
MIN_PART = 65536
Work = Callable[[int, int], object]


def _default_threads() -> int:
    """``STEEPEST_THREADS`` when it is a whole number >= 1, else 1."""
    value = os.environ.get("STEEPEST_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) >= 1 else 1


def partition(n: int, parts: int, align: int = 1) -> list[tuple[int, int]]:
    """``[0, n)`` cut into at most ``parts`` contiguous ``(start, stop)`` ranges,
    every cut at a multiple of ``align`` and every range at least
    :data:`MIN_PART` long (except a lone one): the same cuts for the same
    ``n``, ``parts`` and ``align``, always."""
    align = max(align, 1)
    units = -(-n // align)
    parts = max(1, min(parts, n // MIN_PART, units))
    cuts = [min(n, (units * k // parts) * align) for k in range(parts + 1)]
    return [(lo, hi) for lo, hi in pairwise(cuts) if hi > lo]


class Pool:
    """``size - 1`` helper threads, started at the first call that needs them;
    the calling thread does the first part itself."""

    def __init__(self, size: int) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"threads must be a whole number >= 1, got {size!r}")
        self.size = size
        self._inboxes: list[queue.SimpleQueue] = []
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        # One caller at a time; another thread that finds the pool busy (a second
        # network training in a web server's worker) does its work alone.
        self._busy = threading.Lock()

    def splits(self, n: int) -> bool:
        """Whether :meth:`run` would cut ``n`` elements into several parts (callers
        skip building the work for a small array)."""
        return self.size > 1 and n >= 2 * MIN_PART

    def run(self, work: Work, n: int, align: int = 1) -> None:
        """``work(start, stop)`` on every range of :func:`partition` ``(n, size,
        align)``, each in its own thread; returns when all are done and re-raises
        the first exception one of them raised."""
        ranges = partition(n, self.size, align)
        if len(ranges) == 1 or not self._busy.acquire(blocking=False):
            work(0, n)
            return
        try:
            self._start(len(ranges) - 1)
            for inbox, bounds in zip(self._inboxes, ranges[1:], strict=False):
                inbox.put((work, bounds))
            failure = None
            try:
                work(*ranges[0])
            except BaseException as exc:  # re-raised once the helpers are done
                failure = exc
            for _ in ranges[1:]:
                error = self._done.get()
                failure = failure or error
            if failure is not None:
                raise failure
        finally:
            self._busy.release()

    def _start(self, helpers: int) -> None:
        while len(self._inboxes) < helpers:
            inbox: queue.SimpleQueue = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(inbox,), daemon=True,
                             name=f"steepest-pool-{len(self._inboxes) + 1}").start()
            self._inboxes.append(inbox)

    def _serve(self, inbox: queue.SimpleQueue) -> None:
        while (task := inbox.get()) is not None:
            work, (start, stop) = task
            try:
                work(start, stop)
            except BaseException as exc:  # handed to the caller
                self._done.put(exc)
            else:
                self._done.put(None)

    def close(self) -> None:
        """Let the helper threads end (a new pool replaces this one)."""
        for inbox in self._inboxes:
            inbox.put(None)
        self._inboxes = []


_pool = Pool(_default_threads())


def pool() -> Pool:
    """The process's pool."""
    return _pool


def threads() -> int:
    """How many threads the elementwise work uses."""
    return _pool.size


def set_threads(n: int | None) -> int:
    """Use ``n`` threads for the elementwise work (None: the default); returns the
    number used before, so a caller can put it back."""
    global _pool
    before = _pool.size
    size = _default_threads() if n is None else n
    if size != before:
        new = Pool(size)
        _pool.close()
        _pool = new
    return before
