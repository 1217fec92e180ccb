"""Writing files so that a crash never leaves half of one: write aside, then rename.

Every file steepest writes (model files, IDX files, downloads, pictures) goes
through :func:`atomic_file`: the data goes into a temporary file beside the
target, is flushed to disk, and only then renamed over the target in one step,
so readers see the old file or the whole new one, never a part. If anything
fails on the way, the temporary file is removed and the old file is untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from .errors import SteepestError


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without an
    error, the temporary file is made readable as the umask allows and renamed
    over ``path``. On an error it is removed and ``path`` is left as it was.

    For writers that want a file name (matplotlib's animation writers); the
    block must write the whole file, and flush it if it opens it itself.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise SteepestError(f"cannot write {path}: folder {path.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        make_readable(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # gone already after a successful rename


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> Path:
    """Write a file through ``write(file)``, atomically (see :func:`atomic_file`),
    with the data on disk before the rename; returns ``path``."""
    with atomic_file(path) as tmp, open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    return Path(path)


def make_readable(path: str | os.PathLike[str]) -> None:
    """Give a file made by mkstemp (mode 0600) the permissions the umask allows."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)

