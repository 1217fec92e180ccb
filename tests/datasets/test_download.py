"""The downloader against a real HTTP server on 127.0.0.1: mirrors, checksums,
retries, truncated responses, and never a partial file left behind.

Every request goes to a ThreadingHTTPServer bound to 127.0.0.1 on a free port;
no other address is ever contacted (proxies are switched off for the tests).
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import os
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import steepest.datasets.mnist as mnist_module
from steepest.datasets import load_fashion_mnist, load_mnist
from steepest.datasets.download import download
from steepest.datasets.mnist import FILES
from steepest.errors import DatasetError

NAME = "train-labels-idx1-ubyte.gz"
TIMEOUT = 10.0


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Handler(SimpleHTTPRequestHandler):
    """Static files under the server's root, plus two misbehaving folders:
    ``/error500/...`` always answers 500, ``/truncated/...`` announces the whole
    of ``good/<name>`` in Content-Length, sends half of it and hangs up."""

    def log_message(self, format, *args):  # keep the test output quiet
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        parts = self.path.split("/")
        if parts[1] == "error500":
            self.send_error(500)
            return
        if parts[1] == "truncated":
            body = (Path(self.directory) / "good" / parts[-1]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@dataclasses.dataclass
class Server:
    root: Path
    base: str
    requests: list[str]

    def url(self, folder: str) -> str:
        return f"{self.base}/{folder}"

    def put(self, folder: str, name: str, data: bytes) -> None:
        (self.root / folder).mkdir(parents=True, exist_ok=True)
        (self.root / folder / name).write_bytes(data)

    def count(self, prefix: str) -> int:
        return sum(path.startswith(prefix) for path in self.requests)


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch):
    for var in ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    httpd.daemon_threads = True
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    assert host == "127.0.0.1"
    try:
        yield Server(root, f"http://127.0.0.1:{port}", httpd.requests)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def payload(server):
    """A file published on ``good/`` and a corrupted copy on ``corrupt/``."""
    data = gzip.compress(bytes(range(256)) * 40, mtime=0)
    server.put("good", NAME, data)
    bad = bytearray(data)
    bad[100] ^= 0xFF
    server.put("corrupt", NAME, bytes(bad))
    return data


@pytest.fixture
def dest(tmp_path):
    folder = tmp_path / "dest"
    folder.mkdir()
    return folder


def _files(folder: Path) -> list[str]:
    """Everything in the folder, hidden temporary files included."""
    return sorted(os.listdir(folder)) if folder.exists() else []


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(server_mirrors, sha, dest, **kwargs):
    return download(NAME, server_mirrors, sha, dest, progress=False, timeout=TIMEOUT, **kwargs)


# ------------------------------------------------------------------ download()


def test_good_file_is_downloaded_with_its_exact_bytes(server, payload, dest):
    path = _fetch([server.url("good")], _sha256(payload), dest)
    assert path == dest / NAME
    assert path.read_bytes() == payload
    assert _files(dest) == [NAME]
    assert server.requests == [f"/good/{NAME}"]


def test_mirror_with_a_trailing_slash(server, payload, dest):
    path = _fetch([server.url("good") + "/"], _sha256(payload), dest)
    assert path.read_bytes() == payload
    assert server.requests == [f"/good/{NAME}"]


def test_creates_the_destination_folder(server, payload, tmp_path):
    folder = tmp_path / "new" / "cache"
    path = _fetch([server.url("good")], _sha256(payload), folder)
    assert path.read_bytes() == payload
    assert _files(folder) == [NAME]


def test_404_then_good_mirror(server, payload, dest):
    path = _fetch([server.url("missing"), server.url("good")], _sha256(payload), dest)
    assert path.read_bytes() == payload
    assert _files(dest) == [NAME]
    assert server.requests == [f"/missing/{NAME}", f"/good/{NAME}"]  # 404 is not retried


def test_corrupt_mirror_then_good_mirror(server, payload, dest):
    path = _fetch([server.url("corrupt"), server.url("good")], _sha256(payload), dest)
    assert path.read_bytes() == payload
    assert _files(dest) == [NAME]  # the corrupt bytes left nothing behind
    # the same mirror would serve the same bytes: no retry after a checksum mismatch
    assert server.requests == [f"/corrupt/{NAME}", f"/good/{NAME}"]


def test_unreachable_mirror_then_good_mirror(server, payload, dest):
    dead = f"http://127.0.0.1:{_closed_port()}/x"
    path = _fetch([dead, server.url("good")], _sha256(payload), dest)
    assert path.read_bytes() == payload
    assert _files(dest) == [NAME]


def test_every_mirror_bad_lists_each_failure_and_leaves_nothing(server, payload, dest):
    mirrors = [server.url("missing"), server.url("corrupt"), server.url("error500"),
               server.url("truncated")]
    sha = _sha256(payload)
    with pytest.raises(DatasetError) as info:
        _fetch(mirrors, sha, dest)
    message = str(info.value)
    assert NAME in message
    for mirror in mirrors:
        assert f"{mirror}/{NAME}" in message
    assert "not found" in message.lower()  # the 404
    assert sha in message  # the checksum mismatch names the expected hash
    assert _sha256((server.root / "corrupt" / NAME).read_bytes()) in message  # and the one got
    assert "Internal Server Error" in message  # the 500
    assert f"{len(payload):,}" in message  # the truncated body: of how many bytes
    assert str(dest) in message  # where to put the file by hand
    assert _files(dest) == []  # not even a .part file


def test_truncated_response_is_rejected_and_leaves_nothing(server, payload, dest):
    with pytest.raises(DatasetError) as info:
        _fetch([server.url("truncated")], _sha256(payload), dest)
    assert f"{server.url('truncated')}/{NAME}" in str(info.value)
    assert _files(dest) == []
    assert server.count("/truncated/") == 2  # a dropped connection may heal: one retry


def test_truncated_response_is_rejected_even_when_its_bytes_hash_right(server, payload, dest):
    # The short body's own hash "matches": only the Content-Length check catches it.
    half = payload[: len(payload) // 2]
    with pytest.raises(DatasetError):
        _fetch([server.url("truncated")], _sha256(half), dest)
    assert _files(dest) == []


@pytest.mark.parametrize("attempts", [1, 2, 3])
def test_500_is_retried_and_404_is_not(server, payload, dest, attempts):
    with pytest.raises(DatasetError):
        _fetch([server.url("error500"), server.url("missing")], _sha256(payload), dest,
               attempts_per_mirror=attempts)
    assert server.count("/error500/") == attempts
    assert server.count("/missing/") == 1
    assert _files(dest) == []


def test_500_then_good_mirror(server, payload, dest):
    path = _fetch([server.url("error500"), server.url("good")], _sha256(payload), dest)
    assert path.read_bytes() == payload
    assert server.count("/error500/") == 2
    assert server.count("/good/") == 1


def test_existing_file_is_replaced_only_by_verified_bytes(server, payload, dest):
    (dest / NAME).write_bytes(b"old contents")
    with pytest.raises(DatasetError):
        _fetch([server.url("corrupt")], _sha256(payload), dest)
    assert (dest / NAME).read_bytes() == b"old contents"
    assert _files(dest) == [NAME]
    _fetch([server.url("good")], _sha256(payload), dest)
    assert (dest / NAME).read_bytes() == payload
    assert _files(dest) == [NAME]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd (Linux)")
def test_failed_attempts_leak_no_file_descriptors(server, payload, dest):
    def part_fds() -> list[str]:
        found = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith(str(dest)):
                found.append(target)
        return found

    for _ in range(3):
        with pytest.raises(DatasetError):
            _fetch([server.url("missing"), server.url("error500")], _sha256(payload), dest)
    assert part_fds() == []


# --------------------------------------------------- load_mnist(mirrors=...)


def _dataset_files(seed: int = 0) -> dict[str, bytes]:
    """Tiny MNIST-shaped IDX files: 20 train and 10 test images, gzip-compressed."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 20, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 10, dtype=np.uint8),
    }
    out = {}
    for name, array in arrays.items():
        data = gzip.compress(
            bytes([0, 0, 8, array.ndim])
            + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
            + array.tobytes(),
            mtime=0,
        )
        out[f"{name}.gz"] = data
    return out


@pytest.fixture
def mirror(server, monkeypatch, tmp_path):
    """Four tiny files on ``/mnist/`` of the local server, their hashes put into
    the MNIST spec (whose own mirrors are replaced by a local 404 folder, so even
    a loader that ignored mirrors= would not leave 127.0.0.1)."""
    files = _dataset_files()
    for name, data in files.items():
        server.put("mnist", name, data)
    spec = dataclasses.replace(
        mnist_module.MNIST,
        sha256={name: _sha256(data) for name, data in files.items()},
        mirrors=(server.url("no-such-mirror"),),
    )
    monkeypatch.setattr(mnist_module, "MNIST", spec)
    cache = tmp_path / "cache"
    monkeypatch.setenv("STEEPEST_DATA", str(cache))
    return files, cache


def _expected(files: dict[str, bytes], name: str) -> np.ndarray:
    raw = gzip.decompress(files[f"{name}.gz"])
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim)]
    return np.frombuffer(raw[4 + 4 * ndim:], np.uint8).reshape(shape)


def test_load_mnist_downloads_all_four_files_then_loads_them(server, mirror):
    files, cache = mirror
    (X_train, y_train), (X_test, y_test) = load_mnist(mirrors=[server.url("mnist")],
                                                      progress=False)
    assert sorted(server.requests) == sorted(f"/mnist/{name}.gz" for name in FILES)
    assert _files(cache / "mnist") == sorted(files)
    for name, data in files.items():
        assert (cache / "mnist" / name).read_bytes() == data
    assert X_train.shape == (20, 784) and X_test.shape == (10, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    images = _expected(files, "train-images-idx3-ubyte").reshape(20, 784)
    np.testing.assert_allclose(X_train, images / 255, rtol=1e-6, atol=0)
    np.testing.assert_array_equal(y_train, _expected(files, "train-labels-idx1-ubyte"))
    np.testing.assert_array_equal(y_test, _expected(files, "t10k-labels-idx1-ubyte"))

    # a second call reads the cache: no request at all
    (X2, y2), (Xt2, yt2) = load_mnist(mirrors=[server.url("mnist")], progress=False)
    assert len(server.requests) == 4
    for again, first in [(X2, X_train), (y2, y_train), (Xt2, X_test), (yt2, y_test)]:
        np.testing.assert_array_equal(again, first)
    # nor with the default mirrors, nor with download=False
    load_mnist(progress=False)
    load_mnist(download=False)
    assert len(server.requests) == 4


def test_load_mnist_downloads_only_the_missing_file(server, mirror):
    files, cache = mirror
    load_mnist(mirrors=[server.url("mnist")], progress=False)
    (cache / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    server.requests.clear()
    load_mnist(mirrors=[server.url("mnist")], progress=False)
    assert server.requests == ["/mnist/t10k-labels-idx1-ubyte.gz"]
    assert _files(cache / "mnist") == sorted(files)


def test_load_mnist_falls_back_to_the_second_mirror(server, mirror):
    files, cache = mirror
    load_mnist(mirrors=[server.url("gone"), server.url("mnist")], progress=False)
    assert server.count("/gone/") == 4
    assert server.count("/mnist/") == 4
    assert _files(cache / "mnist") == sorted(files)


def test_load_mnist_with_no_good_mirror_raises_and_leaves_nothing(server, mirror):
    _, cache = mirror
    with pytest.raises(DatasetError) as info:
        load_mnist(mirrors=[server.url("gone")], progress=False)
    message = str(info.value)
    assert server.url("gone") in message
    assert str(cache / "mnist") in message
    assert _files(cache / "mnist") == []
    assert server.count("/gone/") == 1  # stops at the first file that cannot be had


def test_load_mnist_rejects_files_that_do_not_match_the_published_hashes(
    server, mirror, monkeypatch
):
    _, cache = mirror
    spec = dataclasses.replace(mnist_module.MNIST, sha256={n: "0" * 64 for n in mirror[0]})
    monkeypatch.setattr(mnist_module, "MNIST", spec)
    with pytest.raises(DatasetError, match="SHA-256"):
        load_mnist(mirrors=[server.url("mnist")], progress=False)
    assert _files(cache / "mnist") == []


def test_load_fashion_mnist_downloads_into_its_own_folder(server, monkeypatch, tmp_path):
    files = _dataset_files(seed=5)
    for name, data in files.items():
        server.put("fashion", name, data)
    spec = dataclasses.replace(
        mnist_module.FASHION_MNIST,
        sha256={name: _sha256(data) for name, data in files.items()},
        mirrors=(server.url("no-such-mirror"),),
    )
    monkeypatch.setattr(mnist_module, "FASHION_MNIST", spec)
    monkeypatch.setenv("STEEPEST_DATA", str(tmp_path / "cache"))
    (X, y), (Xt, yt) = load_fashion_mnist(mirrors=[server.url("fashion")], progress=False)
    assert X.shape == (20, 784) and Xt.shape == (10, 784)
    assert y.shape == (20,) and yt.shape == (10,)
    assert _files(tmp_path / "cache" / "fashion-mnist") == sorted(files)
    assert server.count("/fashion/") == 4
    load_fashion_mnist(mirrors=[server.url("fashion")], progress=False)
    assert len(server.requests) == 4
