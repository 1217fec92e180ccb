"""The IDX format: exact round trips, the bytes on disk, and every way a file can be bad."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest

import steepest.io
from steepest.datasets import read_idx, write_idx
from steepest.datasets.idx import read_idx_shape
from steepest.errors import DatasetError

DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]
TYPE_CODE = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C,
             "float32": 0x0D, "float64": 0x0E}
SHAPES = [(7,), (3, 5), (4, 2, 3), (2, 3, 2, 5)]


def _sample(dtype: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Values spanning the dtype's range (extremes included), so byte order matters."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        a = rng.normal(scale=1e3, size=shape).astype(dt)
        flat = a.reshape(-1)
        flat[:3] = [np.finfo(dt).max, np.finfo(dt).tiny, -0.0][: flat.size]
    else:
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dt)
        flat = a.reshape(-1)
        flat[:2] = [info.min, info.max][: flat.size]
    return a


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def _idx_bytes(code: int, shape: tuple[int, ...], body: bytes) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + body


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("suffix", [".idx", ".gz"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{len(s)}d")
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_is_exact(tmp_path, dtype, shape, suffix):
    array = _sample(dtype, shape)
    path = tmp_path / f"data{suffix}"
    assert write_idx(path, array) == path
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype)  # native byte order, the same type
    assert back.dtype.isnative
    assert back.shape == shape
    np.testing.assert_array_equal(back, array)
    # bit for bit, -0.0 included
    assert back.tobytes() == np.ascontiguousarray(array).tobytes()
    assert _files(tmp_path) == [path.name]  # atomic: no temporary file left


@pytest.mark.parametrize("dtype", DTYPES)
def test_gz_suffix_compresses_and_holds_the_raw_bytes(tmp_path, dtype):
    array = _sample(dtype, (3, 4), seed=1)
    raw = write_idx(tmp_path / "a.idx", array).read_bytes()
    packed = write_idx(tmp_path / "a.idx.gz", array).read_bytes()
    assert raw[:4] == bytes([0, 0, TYPE_CODE[dtype], 2])
    assert packed[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed) == raw


def test_gzip_is_recognised_by_its_magic_bytes_not_its_name(tmp_path):
    array = _sample("int32", (5, 6), seed=2)
    write_idx(tmp_path / "packed.gz", array)
    (tmp_path / "packed.gz").rename(tmp_path / "packed-without-suffix")
    write_idx(tmp_path / "plain.idx", array)
    (tmp_path / "plain.idx").rename(tmp_path / "plain-named.gz")  # raw bytes, .gz name
    np.testing.assert_array_equal(read_idx(tmp_path / "packed-without-suffix"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "plain-named.gz"), array)


def test_accepts_str_paths_and_non_contiguous_or_big_endian_arrays(tmp_path):
    base = np.arange(24, dtype=np.int16).reshape(4, 6)
    write_idx(str(tmp_path / "t.idx"), base[:, ::2])  # a strided view
    np.testing.assert_array_equal(read_idx(str(tmp_path / "t.idx")), base[:, ::2])
    big = np.arange(5, dtype=">f8") / 3
    write_idx(tmp_path / "b.idx", big)
    back = read_idx(tmp_path / "b.idx")
    assert back.dtype == np.float64
    np.testing.assert_array_equal(back, big)


def test_empty_dimension_round_trips(tmp_path):
    write_idx(tmp_path / "e.idx", np.zeros((0, 28, 28), np.uint8))
    back = read_idx(tmp_path / "e.idx")
    assert back.shape == (0, 28, 28)
    assert back.dtype == np.uint8


# --------------------------------------------------------------- bytes on disk


def test_uint8_images_bytes_by_hand(tmp_path):
    array = np.arange(1, 7, dtype=np.uint8).reshape(1, 2, 3)
    data = write_idx(tmp_path / "tiny.idx", array).read_bytes()
    assert data[:4] == b"\x00\x00\x08\x03"
    assert data[4:16] == b"\x00\x00\x00\x01" + b"\x00\x00\x00\x02" + b"\x00\x00\x00\x03"
    assert struct.unpack(">3I", data[4:16]) == (1, 2, 3)
    assert data[16:] == bytes([1, 2, 3, 4, 5, 6])
    assert len(data) == 4 + 12 + 6


def test_multibyte_values_are_big_endian_on_disk(tmp_path):
    cases = {
        "int16": (np.array([0x0102, -2], np.int16), b"\x01\x02\xff\xfe"),
        "int32": (np.array([0x01020304], np.int32), b"\x01\x02\x03\x04"),
        "float32": (np.array([1.0, -2.0], np.float32), b"\x3f\x80\x00\x00\xc0\x00\x00\x00"),
        "float64": (np.array([1.0], np.float64), b"\x3f\xf0" + b"\x00" * 6),
        "int8": (np.array([-1, 5], np.int8), b"\xff\x05"),
    }
    for dtype, (array, body) in cases.items():
        data = write_idx(tmp_path / f"{dtype}.idx", array).read_bytes()
        expected = bytes([0, 0, TYPE_CODE[dtype], 1]) + struct.pack(">I", len(array)) + body
        assert data == expected, dtype


def test_reads_a_hand_written_big_endian_file(tmp_path):
    path = tmp_path / "hand.idx"
    path.write_bytes(_idx_bytes(0x0B, (2, 2), b"\x00\x01\x01\x00\xff\xff\x80\x00"))
    back = read_idx(path)
    assert back.dtype == np.int16
    np.testing.assert_array_equal(back, [[1, 256], [-1, -32768]])


# --------------------------------------------------------------- corrupt files

GOOD_BODY = bytes(range(12))  # uint8, shape (3, 4)


def _raises(path, *fragments):
    with pytest.raises(DatasetError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


@pytest.mark.parametrize(
    "header",
    [b"\x01\x00\x08\x02", b"\x00\x01\x08\x02", b"\xff\xff\xff\xff", b"PK\x03\x04"],
    ids=["first-byte", "second-byte", "all-ff", "zip"],
)
def test_bad_magic_first_two_bytes(tmp_path, header):
    path = tmp_path / "bad.idx"
    path.write_bytes(header + struct.pack(">2I", 3, 4) + GOOD_BODY)
    _raises(path, "not an IDX file", header.hex())


@pytest.mark.parametrize("code", [0x00, 0x07, 0x0A, 0x0F, 0x10])
def test_unknown_type_code(tmp_path, code):
    path = tmp_path / "code.idx"
    path.write_bytes(bytes([0, 0, code, 2]) + struct.pack(">2I", 3, 4) + GOOD_BODY)
    _raises(path, "not an IDX file", "type code")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_zero_dimensions(tmp_path, suffix):
    data = b"\x00\x00\x08\x00" + GOOD_BODY
    path = tmp_path / f"zero.idx{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)
    _raises(path, "0 dimensions")


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("keep", [0, 3, 4, 9, 11])
def test_truncated_header(tmp_path, keep, suffix):
    data = _idx_bytes(0x08, (3, 4, 5), b"")[: 4 + keep]
    path = tmp_path / f"short-header.idx{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)
    _raises(path, "truncated IDX header", "3 dimensions")


@pytest.mark.parametrize("magic", [b"", b"\x00", b"\x00\x00", b"\x00\x00\x08"])
def test_file_shorter_than_the_magic_number(tmp_path, magic):
    path = tmp_path / "stub.idx"
    path.write_bytes(magic)
    _raises(path, "not an IDX file")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.idx"
    path.write_bytes(b"")
    _raises(path, "not an IDX file", "(empty)")


def test_empty_gzip_stream(tmp_path):
    path = tmp_path / "empty.idx.gz"
    path.write_bytes(gzip.compress(b""))
    _raises(path, "not an IDX file")


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", ["uint8", "int32", "float64"])
def test_data_shorter_than_the_header_declares(tmp_path, dtype, suffix):
    array = _sample(dtype, (4, 5))
    full = write_idx(tmp_path / "full.idx", array).read_bytes()
    data = full[:-1]  # a single byte missing
    path = tmp_path / f"short.idx{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)
    message = _raises(path, "truncated", "(4, 5)")
    nbytes = array.nbytes
    assert f"{nbytes:,} bytes" in message
    assert f"holds {nbytes - 1:,}" in message


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_header_only_no_data(tmp_path, suffix):
    data = _idx_bytes(0x08, (10, 28, 28), b"")
    path = tmp_path / f"header-only{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)
    _raises(path, "truncated", "holds 0")


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("extra", [b"\x00", b"trailing garbage" * 100])
def test_extra_trailing_data(tmp_path, extra, suffix):
    data = _idx_bytes(0x08, (3, 4), GOOD_BODY) + extra
    path = tmp_path / f"long.idx{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)
    _raises(path, "more data than its header declares", "(3, 4)")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.99])
def test_truncated_gzip_stream(tmp_path, fraction):
    array = _sample("float32", (50, 40), seed=3)
    packed = write_idx(tmp_path / "whole.idx.gz", array).read_bytes()
    path = tmp_path / "cut.idx.gz"
    path.write_bytes(packed[: int(len(packed) * fraction)])
    _raises(path, "corrupt or truncated gzip")


def test_gzip_stream_missing_only_its_trailer(tmp_path):
    # Every data byte decompresses; only the CRC/size trailer is gone.
    packed = write_idx(tmp_path / "whole.idx.gz", _sample("uint8", (30, 30))).read_bytes()
    path = tmp_path / "no-trailer.idx.gz"
    path.write_bytes(packed[:-8])
    _raises(path, "corrupt or truncated gzip")


def test_corrupt_gzip_stored_block_fails_the_crc(tmp_path):
    # Random bytes do not compress: gzip stores them, so a flipped byte changes
    # the data silently and only the CRC catches it.
    array = np.random.default_rng(4).integers(0, 256, size=(40, 50), dtype=np.uint8)
    packed = bytearray(write_idx(tmp_path / "ok.idx.gz", array).read_bytes())
    packed[len(packed) // 2] ^= 0xFF
    path = tmp_path / "flipped.idx.gz"
    path.write_bytes(bytes(packed))
    message = _raises(path, "corrupt or truncated gzip")
    assert "CRC" in message


@pytest.mark.parametrize("position", [0.3, 0.5, 0.7])
def test_corrupt_gzip_deflate_stream(tmp_path, position):
    # Compressible data: a flipped byte breaks the deflate stream (zlib error)
    # or the decompressed bytes (CRC error); either way a DatasetError.
    array = (np.arange(20000) % 97).astype(np.uint8).reshape(100, 200)
    packed = bytearray(write_idx(tmp_path / "ok.idx.gz", array).read_bytes())
    assert len(packed) > 100
    packed[int(len(packed) * position)] ^= 0x55
    path = tmp_path / "flipped.idx.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(DatasetError) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_trailing_garbage_after_the_gzip_stream(tmp_path):
    packed = write_idx(tmp_path / "ok.idx.gz", _sample("uint8", (3, 4))).read_bytes()
    path = tmp_path / "junk-after.idx.gz"
    path.write_bytes(packed + b"junk after the gzip member")
    with pytest.raises(DatasetError):
        read_idx(path)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere" / "train-images-idx3-ubyte.gz"
    assert _raises(path) == f"{path}: no such IDX file"


@pytest.mark.parametrize("kind", ["folder", "fifo", "link loop"])
def test_a_path_that_is_no_file_is_named_for_what_it_is(tmp_path, not_a_file, kind):
    path = tmp_path / "train-images-idx3-ubyte"
    found = not_a_file(path, kind)
    assert _raises(path) == f"{path}: {found}, not an IDX file"


# ------------------------------------------------------------------ write_idx


@pytest.mark.parametrize(
    "array",
    [
        np.array([True, False]),
        np.array([1 + 2j, 3j]),
        np.array([1, 2], dtype=np.int64),
        np.array([1, 2], dtype=np.uint16),
        np.array([1, 2], dtype=np.uint32),
        np.array([1.5], dtype=np.float16),
        np.array(["a", "b"]),
    ],
    ids=["bool", "complex", "int64", "uint16", "uint32", "float16", "str"],
)
def test_write_refuses_unsupported_dtypes(tmp_path, array):
    with pytest.raises(DatasetError) as info:
        write_idx(tmp_path / "x.idx", array)
    message = str(info.value)
    assert str(array.dtype) in message
    assert "uint8" in message and "float64" in message  # says what IDX can hold
    assert _files(tmp_path) == []


@pytest.mark.parametrize("shape", [(2**32, 0), (0, 2**32 + 5)])
def test_write_refuses_a_size_the_header_cannot_hold(tmp_path, shape):
    path = tmp_path / "x.idx"
    with pytest.raises(DatasetError) as info:
        write_idx(path, np.zeros(shape, np.uint8))
    assert str(info.value) == (f"{path}: IDX stores sizes up to 4,294,967,295 (4 bytes) per "
                               f"dimension, got shape {shape}")
    assert _files(tmp_path) == []


def test_write_refuses_a_scalar(tmp_path):
    with pytest.raises(DatasetError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "x.idx", np.uint8(3))
    assert _files(tmp_path) == []


@pytest.mark.parametrize("suffix", [".idx", ".gz"])
def test_overwrite_replaces_the_file_and_leaves_no_temporary(tmp_path, suffix):
    path = tmp_path / f"x{suffix}"
    write_idx(path, np.zeros((5, 5), np.uint8))
    write_idx(path, np.ones(3, np.float64))
    np.testing.assert_array_equal(read_idx(path), np.ones(3))
    assert _files(tmp_path) == [path.name]


@pytest.mark.parametrize("suffix", [".idx", ".gz"])
def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"x{suffix}"
    old = np.arange(6, dtype=np.uint8)
    write_idx(path, old)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(steepest.io.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_idx(path, np.zeros((100, 100), np.float64))
    monkeypatch.undo()
    assert path.read_bytes() == before
    np.testing.assert_array_equal(read_idx(path), old)
    assert _files(tmp_path) == [path.name]
    assert os.listdir(tmp_path) == [path.name]


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_read_idx_shape_reads_the_header_alone(tmp_path, name):
    assert read_idx_shape(write_idx(tmp_path / name, np.zeros((3, 5, 7), np.uint8))) == (3, 5, 7)


def test_read_idx_shape_does_not_read_the_data_but_checks_the_header(tmp_path):
    whole = write_idx(tmp_path / "whole-idx3-ubyte", np.zeros((3, 5, 7), np.uint8))
    cut = tmp_path / "cut-idx3-ubyte"
    cut.write_bytes(whole.read_bytes()[:16])  # the header (4 + 3 x 4 bytes), no pixels
    assert read_idx_shape(cut) == (3, 5, 7)
    with pytest.raises(DatasetError, match=r"truncated: the header declares shape \(3, 5, 7\)"):
        read_idx(cut)
    cut.write_bytes(whole.read_bytes()[:10])
    with pytest.raises(DatasetError, match=r"truncated IDX header \(3 dimensions declared\)"):
        read_idx_shape(cut)
