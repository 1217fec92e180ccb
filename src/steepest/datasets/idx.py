"""The IDX file format (MNIST, Fashion-MNIST): read and write.

An IDX file is a big-endian header and then the array's bytes:

- 2 zero bytes, 1 byte giving the element type (0x08 uint8, 0x09 int8,
  0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), 1 byte giving the number
  of dimensions ``d``;
- ``d`` sizes as 4-byte unsigned integers;
- the elements, C order, big-endian.

So MNIST's images start ``00 00 08 03`` (``0x00000803``) then 60000, 28, 28, and its
labels ``00 00 08 01`` then 60000. Files may be gzip-compressed (recognised by
their first bytes, whatever their name).
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._files import atomic_write, read_problem
from ..errors import DatasetError

TYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"
MAX_SIZE = 2**32 - 1  # a size in the header is a 4-byte unsigned integer
#: What an IDX file is called in messages ("no such ...", "a folder, not an ...").
WHAT = "IDX file"


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array stored in an IDX file (gzip or raw), in native byte order.

    Raises :class:`~steepest.errors.DatasetError` for a missing file (or a
    folder, FIFO... in its place), a bad magic number, a data size that does
    not match the header (truncated or padded file) or a corrupt gzip stream;
    never returns a silently short array.
    """
    return _opened(Path(path), _read_stream)


def read_idx_shape(path: str | os.PathLike[str]) -> tuple[int, ...]:
    """The shape an IDX file's header declares, read without its data (the same
    errors as :func:`read_idx` for the file and its header)."""
    return _opened(Path(path), lambda f, path, largest, exact: _read_header(f, path)[1])


def _opened(path: Path, read: Callable[[IO[bytes], Path, int, bool], Any]) -> Any:
    """``read(stream, path, largest, exact)`` on the file at ``path``, decompressed
    if it is gzip: the stream holds at most (``exact``: exactly) ``largest`` bytes."""
    problem = read_problem(path, WHAT)
    if problem:
        raise DatasetError(f"{path}: {problem}")
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
        # deflate cannot expand more than about 1032:1
        largest = path.stat().st_size * (1032 if compressed else 1)
        with gzip.open(path, "rb") if compressed else open(path, "rb") as f:
            return read(f, path, largest, not compressed)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DatasetError(f"{path}: corrupt or truncated gzip data ({exc})") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the file ({exc})") from None


def _read_header(f: IO[bytes], path: Path) -> tuple[np.dtype, tuple[int, ...]]:
    """The element type and shape an IDX header declares, from an open stream."""
    magic = f.read(4)
    if len(magic) < 4 or magic[:2] != b"\x00\x00" or magic[2] not in TYPE_CODES:
        raise DatasetError(
            f"{path}: not an IDX file: magic number {magic.hex() or '(empty)'}, expected "
            "00 00, a type code (08 uint8 ... 0E float64) and the number of dimensions"
        )
    dtype, ndim = TYPE_CODES[magic[2]], magic[3]
    if ndim == 0:
        raise DatasetError(f"{path}: IDX header declares 0 dimensions")
    header = f.read(4 * ndim)
    if len(header) < 4 * ndim:
        raise DatasetError(f"{path}: truncated IDX header ({ndim} dimensions declared)")
    return dtype, struct.unpack(f">{ndim}I", header)


def _read_stream(f: IO[bytes], path: Path, largest: int, exact: bool) -> np.ndarray:
    """The array from an open stream holding at most (``exact``: exactly)
    ``largest`` bytes."""
    dtype, shape = _read_header(f, path)
    ndim = len(shape)
    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
    # Checked before allocating: a corrupt header may declare terabytes.
    available = largest - 4 - 4 * ndim
    if exact and declared > available:
        raise DatasetError(
            f"{path}: truncated: the header declares shape {shape} ({declared:,} bytes of "
            f"data) but the file holds {max(available, 0):,}"
        )
    if declared > largest:
        raise DatasetError(
            f"{path}: truncated or corrupt: the header declares shape {shape} "
            f"({declared:,} bytes of data), more than the file can hold"
        )
    try:
        out = np.empty(shape, dtype=dtype)
    except (MemoryError, ValueError):
        raise DatasetError(f"{path}: the header declares an impossible shape {shape}") from None
    expected = out.nbytes
    got = f.readinto(memoryview(out).cast("B")) if expected else 0
    if got < expected:
        raise DatasetError(
            f"{path}: truncated: the header declares shape {shape} ({expected:,} bytes of "
            f"data) but the file holds {got:,}"
        )
    if f.read(1):
        raise DatasetError(
            f"{path}: the file holds more data than its header declares (shape {shape})"
        )
    return out.astype(dtype.newbyteorder("="), copy=False)


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file, gzip-compressed if ``path`` ends in ``.gz``.

    The dtype must be one IDX can hold (uint8, int8, int16, int32, float32,
    float64). Written atomically.
    """
    array = np.asarray(array)
    codes = {dt.newbyteorder("=").str: code for code, dt in TYPE_CODES.items()}
    code = codes.get(array.dtype.newbyteorder("=").str)
    if code is None:
        raise DatasetError(
            f"IDX cannot store dtype {array.dtype}; use uint8, int8, int16, int32, float32 "
            "or float64"
        )
    if not 1 <= array.ndim <= 255:
        raise DatasetError(f"IDX stores 1 to 255 dimensions, got {array.ndim}")
    if max(array.shape) > MAX_SIZE:
        raise DatasetError(f"{path}: IDX stores sizes up to {MAX_SIZE:,} (4 bytes) per "
                           f"dimension, got shape {array.shape}")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    body = np.ascontiguousarray(array, dtype=TYPE_CODES[code]).tobytes()
    path = Path(path)

    def write(f: IO[bytes]) -> None:
        if path.suffix == ".gz":
            with gzip.GzipFile(fileobj=f, mode="wb", mtime=0) as gz:
                gz.write(header + body)
        else:
            f.write(header + body)

    atomic_write(path, write)
    return path

