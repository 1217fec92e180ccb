"""Where datasets are cached, and how a missing file is fetched.

A download streams into a temporary file beside its destination while hashing
it; the file is renamed into place only when its SHA-256 matches the published
one. Each mirror is tried in turn (with a retry for transient failures), and
nothing partial is ever left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from .._files import atomic_file
from ..errors import DatasetError

CHUNK = 1 << 16


def data_home() -> Path:
    """The cache folder: ``$STEEPEST_DATA``, else the platform's user cache folder
    (``~/.cache/steepest`` on Linux, ``~/Library/Caches/steepest`` on macOS,
    ``%LOCALAPPDATA%\\steepest\\Cache`` on Windows)."""
    if os.environ.get("STEEPEST_DATA"):
        return Path(os.environ["STEEPEST_DATA"]).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "steepest" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "steepest"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "steepest"


def download(
    name: str,
    mirrors: Sequence[str],
    sha256: str,
    folder: Path,
    progress: bool = True,
    timeout: float = 30.0,
    attempts_per_mirror: int = 2,
) -> Path:
    """Fetch ``name`` from the first mirror that serves it with the right
    SHA-256; returns ``folder / name``. Raises DatasetError listing every
    mirror's failure when none does."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"cannot use {folder} as the data folder ({exc.strerror})") from None
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        for _ in range(attempts_per_mirror):
            try:
                return _fetch(url, folder / name, sha256, progress, timeout)
            except _ChecksumMismatchError as exc:
                failures.append(f"{url}: {exc}")
                break  # the same mirror would serve the same bytes again
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError,
                    TimeoutError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(exc, urllib.error.HTTPError):
                    reason = f"HTTP {exc.code} {reason}"
                failures.append(f"{url}: {reason}")
                if not _worth_retrying(exc):
                    break
    raise DatasetError(
        f"could not download {name} from any mirror ({'; '.join(failures)}); put the file "
        f"into {folder} yourself"
    )


def _worth_retrying(exc: BaseException) -> bool:
    """Server errors and dropped connections may heal; a 404 or an unknown host will not."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500
    reason = getattr(exc, "reason", None)
    return not isinstance(reason, socket.gaierror) and not isinstance(exc, ValueError)


class _ChecksumMismatchError(Exception):
    pass


def _fetch(url: str, destination: Path, sha256: str, progress: bool, timeout: float) -> Path:
    with atomic_file(destination, suffix=".part") as tmp:
        digest = hashlib.sha256()
        with open(tmp, "wb") as f, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with _progress_bar(destination.name, total, progress) as bar:
                while chunk := response.read(CHUNK):
                    digest.update(chunk)
                    f.write(chunk)
                    bar(len(chunk))
            if total is not None and f.tell() != total:
                raise OSError(f"connection closed after {f.tell():,} of {total:,} bytes")
            f.flush()
            os.fsync(f.fileno())
        if digest.hexdigest() != sha256:
            raise _ChecksumMismatchError(
                f"SHA-256 {digest.hexdigest()} does not match the published {sha256}"
            )
    return destination


@contextlib.contextmanager
def _progress_bar(label: str, total: int | None, enabled: bool):
    """Yields a function taking a byte count; a tqdm bar when tqdm is installed,
    ``enabled`` and stderr is a terminal, else nothing is shown."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
    if tqdm is None or not enabled or not sys.stderr.isatty():
        yield lambda n: None
        return
    with tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=False) as bar:
        yield bar.update
