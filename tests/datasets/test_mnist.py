"""steepest.datasets.mnist: MNIST and Fashion-MNIST from a folder, the cache or a download,
and the real files when ../shared/data holds them."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest

import steepest.datasets.mnist as mnist_module
from steepest import Network
from steepest.datasets import (
    FASHION_MNIST,
    MNIST,
    data_home,
    load_fashion_mnist,
    load_mnist,
    write_idx,
)
from steepest.datasets.mnist import FILES
from steepest.errors import DatasetError

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


MNIST_DIR = SHARED_DATA / "mnist"


FASHION_DIR = SHARED_DATA / "fashion-mnist"


needs_mnist = pytest.mark.skipif(
    not MNIST_DIR.is_dir(), reason=f"real MNIST files not present at {MNIST_DIR}"
)


needs_fashion = pytest.mark.skipif(
    not FASHION_DIR.is_dir(), reason=f"real Fashion-MNIST files not present at {FASHION_DIR}"
)


LOADERS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}


def _arrays(n_train: int = 20, n_test: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    train = rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8)
    train[0, 0, :3] = [0, 255, 1]  # the extremes, and the smallest step
    return {
        "train-images-idx3-ubyte": train,
        "train-labels-idx1-ubyte": (np.arange(n_train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def _write_folder(folder: Path, arrays: dict[str, np.ndarray], gz: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        write_idx(folder / (f"{name}.gz" if gz else name), array)
    return folder


def _check_split(X, y, images, labels):
    n = len(images)
    assert X.shape == (n, 784)
    assert X.dtype == np.float32
    assert y.shape == (n,)
    assert y.dtype == np.int64
    assert X.min() >= 0.0 and X.max() <= 1.0
    expected = images.reshape(n, 784).astype(np.float64) / 255
    # pixel / 255, to float32 rounding
    np.testing.assert_array_max_ulp(X, expected.astype(np.float32), maxulp=1)
    np.testing.assert_allclose(X, expected, rtol=1.2e-7, atol=0)
    np.testing.assert_array_equal(y, labels)


@pytest.mark.parametrize("loader", LOADERS.values(), ids=LOADERS.keys())
@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
def test_loads_an_idx_folder_given_by_path(tmp_path, loader, gz):
    arrays = _arrays()
    _write_folder(tmp_path, arrays, gz=gz)
    (X_train, y_train), (X_test, y_test) = loader(path=tmp_path)
    _check_split(X_train, y_train, arrays["train-images-idx3-ubyte"],
                 arrays["train-labels-idx1-ubyte"])
    _check_split(X_test, y_test, arrays["t10k-images-idx3-ubyte"],
                 arrays["t10k-labels-idx1-ubyte"])
    assert X_train[0, 0] == 0.0
    assert X_train[0, 1] == 1.0  # 255 is exactly 1, never above
    assert X_train[0, 2] == np.float32(1 / 255)


def test_path_may_be_a_string_and_mix_raw_and_gz(tmp_path):
    arrays = _arrays(seed=1)
    for k, (name, array) in enumerate(arrays.items()):
        write_idx(tmp_path / (f"{name}.gz" if k % 2 else name), array)
    (X, y), (Xt, yt) = load_mnist(path=str(tmp_path))
    _check_split(X, y, arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"])
    _check_split(Xt, yt, arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"])


def test_path_never_downloads(tmp_path, monkeypatch):
    def no_download(*args, **kwargs):
        raise AssertionError("download() must not be called with path=")

    monkeypatch.setattr(mnist_module, "download", no_download)
    with pytest.raises(DatasetError):
        load_mnist(path=tmp_path)  # download=True is the default, yet path= wins


@pytest.mark.parametrize("missing", [FILES[:1], FILES[1:3], FILES])
def test_missing_files_in_path_are_named_with_the_folder(tmp_path, missing):
    arrays = {k: v for k, v in _arrays().items() if k not in missing}
    _write_folder(tmp_path, arrays)
    with pytest.raises(DatasetError) as info:
        load_mnist(path=tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message
    for name in FILES:
        assert (name in message) == (name in missing), name


def test_missing_folder(tmp_path):
    with pytest.raises(DatasetError) as info:
        load_fashion_mnist(path=tmp_path / "nowhere")
    assert str(info.value) == f"fashion-mnist: no such folder {tmp_path / 'nowhere'}"


@pytest.mark.parametrize("kind", ["folder", "fifo", "link loop"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_a_folder_fifo_or_link_loop_in_a_files_place_is_named_not_called_missing(
        tmp_path, not_a_file, kind, suffix):
    arrays = _arrays()
    del arrays["t10k-labels-idx1-ubyte"]
    _write_folder(tmp_path, arrays)
    path = tmp_path / f"t10k-labels-idx1-ubyte{suffix}"
    found = not_a_file(path, kind)
    with pytest.raises(DatasetError) as info:
        load_mnist(path=tmp_path)
    assert str(info.value) == f"{path}: {found}, not an IDX file"


def test_a_file_beside_a_folder_of_the_other_name_is_read(tmp_path):
    arrays = _arrays()
    _write_folder(tmp_path, arrays, gz=False)
    (tmp_path / "train-images-idx3-ubyte.gz").mkdir()
    (X, y), _ = load_mnist(path=tmp_path)
    _check_split(X, y, arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"])


@pytest.mark.parametrize(("n_train", "n_test", "name"), [
    (0, 0, "train-images-idx3-ubyte"), (20, 0, "t10k-images-idx3-ubyte")])
def test_a_file_of_zero_images_is_refused(tmp_path, n_train, n_test, name):
    arrays = _arrays()
    arrays["train-images-idx3-ubyte"] = np.zeros((n_train, 28, 28), np.uint8)
    arrays["train-labels-idx1-ubyte"] = np.zeros(n_train, np.uint8)
    arrays["t10k-images-idx3-ubyte"] = np.zeros((n_test, 28, 28), np.uint8)
    arrays["t10k-labels-idx1-ubyte"] = np.zeros(n_test, np.uint8)
    _write_folder(tmp_path, arrays)
    with pytest.raises(DatasetError) as info:
        load_mnist(path=tmp_path)
    assert str(info.value) == (f"{tmp_path / name}.gz: the file holds 0 images; expected at "
                               "least one")


def test_images_of_no_pixels_are_refused(tmp_path):
    arrays = _arrays()
    arrays["train-images-idx3-ubyte"] = np.zeros((20, 0, 28), np.uint8)
    _write_folder(tmp_path, arrays)
    with pytest.raises(DatasetError) as info:
        load_mnist(path=tmp_path)
    assert str(info.value) == (f"{tmp_path / 'train-images-idx3-ubyte'}.gz: the images are "
                               "0x28 pixels; expected at least 1x1")


def _broken(arrays, **changes):
    out = dict(arrays)
    out.update(changes)
    return out


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"train-labels-idx1-ubyte": np.zeros(19, np.uint8)}, "train-labels-idx1-ubyte"),
        ({"t10k-labels-idx1-ubyte": np.zeros(11, np.uint8)}, "t10k-labels-idx1-ubyte"),
        ({"train-images-idx3-ubyte": np.zeros((20, 784), np.uint8)}, "train-images-idx3-ubyte"),
        ({"t10k-images-idx3-ubyte": np.zeros((10, 28, 28), np.float32)},
         "t10k-images-idx3-ubyte"),
        ({"train-labels-idx1-ubyte": np.full(20, 10, np.uint8)}, "0..9"),
        ({"t10k-labels-idx1-ubyte": np.array([0] * 9 + [255], np.uint8)}, "255"),
        ({"train-labels-idx1-ubyte": np.zeros((20, 1), np.uint8)}, "train-labels-idx1-ubyte"),
    ],
    ids=["train-label-count", "test-label-count", "images-2d", "float-images",
         "label-10", "label-255", "labels-2d"],
)
def test_inconsistent_files(tmp_path, change, fragment):
    _write_folder(tmp_path, _broken(_arrays(), **change))
    with pytest.raises(DatasetError) as info:
        load_mnist(path=tmp_path)
    assert fragment in str(info.value)


def test_negative_labels_are_refused(tmp_path):
    _write_folder(tmp_path, _broken(_arrays(), **{
        "train-labels-idx1-ubyte": np.array([-1] + [0] * 19, np.int8)}))
    with pytest.raises(DatasetError, match=r"0\.\.9"):
        load_mnist(path=tmp_path)


def test_fractional_labels_are_refused(tmp_path):
    labels = (np.arange(10) % 9).astype(np.float32) + 0.7  # 0.7 .. 8.7: none above 9
    _write_folder(tmp_path, _broken(_arrays(), **{"t10k-labels-idx1-ubyte": labels}))
    with pytest.raises(DatasetError):
        load_mnist(path=tmp_path)


def test_corrupt_file_in_the_folder(tmp_path):
    _write_folder(tmp_path, _arrays())
    target = tmp_path / "t10k-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:-20])
    with pytest.raises(DatasetError) as info:
        load_mnist(path=tmp_path)
    assert "t10k-images-idx3-ubyte" in str(info.value)


@pytest.fixture
def no_download(monkeypatch):
    calls = []

    def fake(*args, **kwargs):
        calls.append((args, kwargs))
        raise AssertionError(f"download() called: {args} {kwargs}")

    monkeypatch.setattr(mnist_module, "download", fake)
    return calls


@pytest.mark.parametrize("folder, loader", list(LOADERS.items()), ids=LOADERS.keys())
def test_loads_from_the_cache_folder_without_downloading(tmp_path, monkeypatch, no_download,
                                                         folder, loader):
    monkeypatch.setenv("STEEPEST_DATA", str(tmp_path))
    arrays = _arrays(seed=2)
    _write_folder(tmp_path / folder, arrays)
    (X, y), (Xt, yt) = loader()
    _check_split(X, y, arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"])
    _check_split(Xt, yt, arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"])
    loader(download=False)
    assert no_download == []


def test_download_false_with_missing_files_says_which_and_where(tmp_path, monkeypatch,
                                                                no_download):
    monkeypatch.setenv("STEEPEST_DATA", str(tmp_path))
    _write_folder(tmp_path / "mnist", {k: v for k, v in _arrays().items()
                                       if k != "t10k-labels-idx1-ubyte"})
    with pytest.raises(DatasetError) as info:
        load_mnist(download=False)
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte" in message
    assert "train-images-idx3-ubyte" not in message
    assert str(tmp_path / "mnist") in message
    assert no_download == []


def test_download_false_on_an_empty_cache(tmp_path, monkeypatch, no_download):
    monkeypatch.setenv("STEEPEST_DATA", str(tmp_path / "empty"))
    with pytest.raises(DatasetError) as info:
        load_fashion_mnist(download=False)
    message = str(info.value)
    assert all(name in message for name in FILES)
    assert str(tmp_path / "empty" / "fashion-mnist") in message
    assert no_download == []


def test_only_missing_files_are_downloaded_with_the_published_hashes(tmp_path, monkeypatch):
    monkeypatch.setenv("STEEPEST_DATA", str(tmp_path))
    arrays = _arrays(seed=3)
    folder = tmp_path / "mnist"
    _write_folder(folder, {k: v for k, v in arrays.items() if k != "train-labels-idx1-ubyte"})
    calls = []

    def fake(name, mirrors, sha256, dest, **kwargs):
        calls.append((name, tuple(mirrors), sha256, Path(dest)))
        return write_idx(Path(dest) / name, arrays[name.removesuffix(".gz")])

    monkeypatch.setattr(mnist_module, "download", fake)
    (X, y), _ = load_mnist(progress=False)
    assert X.shape == (20, 784)
    assert calls == [("train-labels-idx1-ubyte.gz", MNIST.mirrors,
                      MNIST.sha256["train-labels-idx1-ubyte.gz"], folder)]
    np.testing.assert_array_equal(y, arrays["train-labels-idx1-ubyte"])
    calls.clear()
    load_mnist(mirrors=["http://127.0.0.1:9/unused"], progress=False)
    assert calls == []  # everything is cached now


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the Linux cache layout")
def test_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("STEEPEST_DATA", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_home() == tmp_path / "mine"
    monkeypatch.delenv("STEEPEST_DATA")
    assert data_home() == tmp_path / "xdg" / "steepest"
    monkeypatch.setenv("STEEPEST_DATA", "")  # empty counts as unset
    assert data_home() == tmp_path / "xdg" / "steepest"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_home() == tmp_path / "home" / ".cache" / "steepest"
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    assert data_home() == tmp_path / "home" / ".cache" / "steepest"
    monkeypatch.setenv("STEEPEST_DATA", "~/datasets")
    assert data_home() == tmp_path / "home" / "datasets"


MNIST_MD5 = {  # of the decompressed files, from ../shared/data/README.md
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


@pytest.fixture(scope="module")
def real_mnist():
    if not MNIST_DIR.is_dir():
        pytest.skip(f"real MNIST files not present at {MNIST_DIR}")
    return load_mnist(path=MNIST_DIR)


@needs_mnist
def test_real_mnist_shapes_and_labels(real_mnist):
    (X_train, y_train), (X_test, y_test) = real_mnist
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    for y in (y_train, y_test):
        share = np.bincount(y, minlength=10) / len(y)
        assert len(share) == 10
        assert (share >= 0.05).all() and (share <= 0.12).all(), share
    # digits are dark backgrounds with bright ink: most pixels are 0
    assert 0.75 < (X_train == 0).mean() < 0.85


@needs_mnist
@pytest.mark.parametrize("name", FILES)
def test_real_mnist_decompressed_md5(name):
    data = gzip.decompress((MNIST_DIR / f"{name}.gz").read_bytes())
    assert hashlib.md5(data).hexdigest() == MNIST_MD5[name]


@needs_fashion
@pytest.mark.parametrize("name", sorted(FASHION_MNIST.sha256))
def test_real_fashion_mnist_files_are_the_published_ones(name):
    digest = hashlib.sha256((FASHION_DIR / name).read_bytes()).hexdigest()
    assert digest == FASHION_MNIST.sha256[name]


@needs_fashion
def test_real_fashion_mnist_loads():
    (X, y), (Xt, yt) = load_fashion_mnist(path=FASHION_DIR)
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784)
    assert (np.bincount(y) == 6000).all() and (np.bincount(yt) == 1000).all()
    assert len(FASHION_MNIST.classes) == 10


@needs_mnist
@pytest.mark.slow
def test_mnist_quality_784_128_10(real_mnist):
    """A quality figure, not a timing: the classic MLP reaches >= 97.5 %.

    With seed 0 the test accuracy is 97.5-97.6 % after 5 epochs and wobbles by
    0.1-0.2 % from epoch to epoch; 10 epochs give 97.7-97.8 %, a safer margin."""
    (X_train, y_train), (X_test, y_test) = real_mnist
    net = Network([784, 128, 10], activation="relu", output_activation="softmax",
                  loss="cross_entropy", seed=0)
    with _single_blas_thread():  # small matrices: threads only fight over the cores
        net.fit(X_train, y_train, epochs=10, batch_size=128, optimizer="adam",
                learning_rate=1e-3)
        accuracy = net.evaluate(X_test, y_test)["accuracy"]
        predicted = net.predict_classes(X_test)
    assert accuracy >= 0.975, accuracy
    assert accuracy == pytest.approx((predicted == y_test).mean())


def _single_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
