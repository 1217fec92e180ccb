"""Writing files so that a crash never leaves half of one, and nothing but a file
is ever replaced: write aside, then rename.

Every file steepest writes (model files, checkpoints, IDX files, downloads,
pictures) goes through :func:`atomic_file`: the data goes into a temporary file
beside the target, is flushed to disk, and only then renamed over the target in
one step, so readers see the old file or the whole new one, never a part. If
anything fails on the way, the temporary file is removed and the old file is
untouched, and the error (:class:`~steepest.errors.WriteError`) says so.

- A symbolic link is written through: its target is replaced, the link stays.
- A folder, a FIFO, a device or a socket standing at the path is refused, never
  replaced (a rename would replace whatever node is there).
- A temporary file is named ``.NAME.PID-XXXX.SUFFIX`` after its writer's process:
  the temporaries of a writer that was killed mid-save are removed at the next
  save to the same path.
- :func:`exclusive` holds a lock beside a path, so that two processes meaning to
  write the same file find out before either writes (the kernel releases it when
  a process dies).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from .errors import WriteError

try:
    import fcntl
except ImportError:  # not POSIX: no locks
    fcntl = None  # type: ignore[assignment]

#: What the pictures steepest writes say made them (a PNG's "Software" text, a
#: GIF's comment): only such pictures are replaced without asking.
SOFTWARE = "steepest"

_NODE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))


def file_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` replaces: ``path`` itself, or, for a symbolic
    link, the file it points to (followed to the end, even if it does not exist
    yet). Raises :class:`~steepest.errors.WriteError` when a folder, a FIFO, a
    device or a socket stands there."""
    resolved = Path(os.path.realpath(path))
    try:
        mode = os.stat(resolved).st_mode
    except FileNotFoundError:
        return resolved
    except OSError as exc:  # a loop of links, a folder we may not read...
        raise WriteError(f"cannot write {path}: {_reason(exc)}") from None
    for test, kind in _NODE_KINDS:
        if test(mode):
            raise WriteError(f"cannot write {path}: it is {kind}, not a file; give a file "
                             "name (steepest replaces only regular files)")
    return resolved


def read_problem(path: str | os.PathLike[str], what: str) -> str | None:
    """Why ``path`` cannot be read as a ``what`` ("model file", "CSV file"), for the
    message ``f"{path}: {problem}"``; None when a regular file is there (symbolic
    links followed). A FIFO is refused, not opened: reading it would wait for a
    writer that may never come."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:  # a dangling link too
        return f"no such {what}"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"a loop of symbolic links, not {_a(what)}"
        return f"cannot read it: {_reason(exc)}"
    if stat.S_ISREG(mode):
        return None
    kind = next((kind for test, kind in _NODE_KINDS if test(mode)), "not a regular file")
    return f"{kind}, not {_a(what)}"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside the file a write to ``path`` replaces (see
    :func:`file_target`); when the block ends without an error, the temporary
    file gets the old file's permissions (or those the umask allows) and is
    renamed over it. On an error it is removed and the old file is left as it
    was; making, renaming or syncing the file failing (a read-only folder, a
    full disk) is a :class:`~steepest.errors.WriteError` that says so, while
    the block's own errors pass as they are (a download's, say).

    For writers that want a file name (matplotlib's animation writers); the
    block must write the whole file, and flush it if it opens it itself.
    """
    target = file_target(path)
    folder = target.parent
    if not folder.is_dir():
        raise WriteError(f"cannot write {path}: folder {folder} does not exist")
    existed = target.exists()
    remove_stale_temporaries(target)
    with _failing_as_write_error(path, existed):
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=suffix,
                                    dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with _failing_as_write_error(path, existed):
            _set_permissions(tmp, target if existed else None)
            os.replace(tmp, target)
            _sync_folder(folder)
    finally:
        tmp.unlink(missing_ok=True)  # gone already after a successful rename


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> Path:
    """Write a file through ``write(file)``, atomically (see :func:`atomic_file`),
    with the data on disk before the rename; returns ``path``."""
    with atomic_file(path) as tmp, _failing_as_write_error(path, os.path.exists(path)), \
            open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    return Path(path)


def make_readable(path: str | os.PathLike[str]) -> None:
    """Give a file made by mkstemp (mode 0600) the permissions the umask allows."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _set_permissions(tmp: Path, old: Path | None) -> None:
    """The replaced file's permissions (a private file stays private), else the umask's."""
    if old is None:
        make_readable(tmp)
    else:
        os.chmod(tmp, stat.S_IMODE(os.stat(old).st_mode))


def _sync_folder(folder: Path) -> None:
    """Put the rename itself on disk (where the system lets a folder be synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    """``exc``'s reason without its file name: "No space left on device"."""
    return exc.strerror or str(exc) or type(exc).__name__


@contextlib.contextmanager
def _failing_as_write_error(path: str | os.PathLike[str], existed: bool) -> Iterator[None]:
    """An ``OSError`` in the block (disk full, permission denied) as a WriteError
    that says what failed and that the file there (if ``existed``) is unchanged."""
    try:
        yield
    except WriteError:
        raise
    except OSError as exc:
        left = "the file there is unchanged" if existed else "no file was written"
        error = WriteError(f"cannot write {path}: {_reason(exc)} ({left})")
        error.errno, error.strerror = exc.errno, exc.strerror
        raise error from None


# ---------------------------------------------------------------------- stale temporaries


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files of earlier writes to ``target`` whose writer no
    longer runs (killed mid-save); returns those removed. A live writer's are kept."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)-[a-z0-9_]+(\.[^.]*)?")
    removed = []
    for candidate in glob.glob(os.path.join(glob.escape(str(target.parent)),
                                            f".{glob.escape(target.name)}.*-*")):
        found = pattern.fullmatch(os.path.basename(candidate))
        if found and not _running(int(found[1])):
            with contextlib.suppress(OSError):
                os.unlink(candidate)
                removed.append(Path(candidate))
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (ours counts: its own temporaries are in use)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or a number we cannot ask about: keep
    return True


# ---------------------------------------------------------------------- one writer at a time


@contextlib.contextmanager
def exclusive(path: str | os.PathLike[str], what: str = "--out") -> Iterator[None]:
    """Hold, for the block, the lock of the file a write to ``path`` replaces: a
    lock file ``.NAME.lock`` beside it, removed at the end. Another process
    holding it is a :class:`~steepest.errors.WriteError` naming its process id
    (``what`` names the option in the message). The kernel releases the lock of
    a process that dies, so a killed run never blocks the next one."""
    if fcntl is None:
        yield
        return
    target = file_target(path)
    lock = target.parent / f".{target.name}.lock"
    fd = _acquire(lock, path, what)
    try:
        yield
    finally:
        # Removed while still held: whoever opens the name next makes a new lock file.
        lock.unlink(missing_ok=True)
        os.close(fd)


def _acquire(lock: Path, path: str | os.PathLike[str], what: str) -> int:
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise WriteError(f"cannot write {path}: {_reason(exc)} (making the lock file "
                             f"{lock})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise WriteError(f"{what} {path}: another steepest process (pid {holder}) is "
                             "writing this file; wait for it, or give another name") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:  # else its holder removed it between our open and our lock: again
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            return fd
        os.close(fd)


# ---------------------------------------------------------------------- what a file is


def is_steepest_picture(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a PNG or GIF that steepest wrote (its "Software" text or
    comment says :data:`SOFTWARE`)."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)  # the marks come before the image data
    except OSError:
        return False
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_software(head).startswith(SOFTWARE)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return b"\x21\xfe" + bytes([len(SOFTWARE)]) + SOFTWARE.encode() in head
    return False


def _png_software(data: bytes) -> str:
    """The "Software" text of a PNG's first chunks, or ""."""
    at = 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            break
        if kind == b"tEXt":
            key, _, text = data[at + 8 : at + 8 + length].partition(b"\0")
            if key == b"Software":
                return text.decode("latin-1")
        at += 12 + length
    return ""
