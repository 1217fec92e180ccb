"""Dataset loaders: MNIST-style IDX folders, the cache folder, the real MNIST and
Fashion-MNIST files, scikit-learn's digits, the toy sets and the preprocessing helpers."""

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
    Standardizer,
    and_first_last,
    circles,
    data_home,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    moons,
    one_hot,
    spirals,
    standardize,
    train_test_split,
    write_idx,
    xor,
)
from steepest.datasets.mnist import FILES
from steepest.errors import ConfigError, DataError, DatasetError, ShapeError, SteepestError

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MNIST_DIR = SHARED_DATA / "mnist"
FASHION_DIR = SHARED_DATA / "fashion-mnist"
needs_mnist = pytest.mark.skipif(
    not MNIST_DIR.is_dir(), reason=f"real MNIST files not present at {MNIST_DIR}"
)
needs_fashion = pytest.mark.skipif(
    not FASHION_DIR.is_dir(), reason=f"real Fashion-MNIST files not present at {FASHION_DIR}"
)
LOADERS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}


# ------------------------------------------------------------ tiny IDX folders


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
    assert str(tmp_path / "nowhere") in str(info.value)


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


# ----------------------------------------------------------------- the cache


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


# -------------------------------------------------------------- the real data

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


# ------------------------------------------------------------------ 8x8 digits


def test_load_digits_shapes_and_values():
    (X_train, y_train), (X_test, y_test) = load_digits()
    assert X_train.shape == (1348, 64) and X_test.shape == (449, 64)  # round(1797 / 4)
    assert y_train.shape == (1348,) and y_test.shape == (449,)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    for X in (X_train, X_test):
        assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y_train)) == set(range(10))


def test_load_digits_is_a_stratified_partition_of_sklearn_digits():
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    (X_train, y_train), (X_test, y_test) = load_digits()
    overall = np.bincount(bunch.target, minlength=10) / len(bunch.target)
    share = np.bincount(y_test, minlength=10) / len(y_test)
    assert np.abs(share - overall).max() <= 0.02
    # every image exactly once, with its own label
    X = np.vstack([X_train, X_test])
    y = np.concatenate([y_train, y_test])
    mine = sorted(zip(map(bytes, X), y.tolist(), strict=True))
    theirs = sorted(zip(map(bytes, (bunch.data / 16.0).astype(np.float32)),
                        bunch.target.tolist(), strict=True))
    assert mine == theirs


def test_load_digits_is_seeded():
    first, second = load_digits(seed=3), load_digits(seed=3)
    for (X1, y1), (X2, y2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(y1, y2)
    (other, _), _ = load_digits(seed=4)
    assert not np.array_equal(first[0][0], other)
    (X_train, _), (X_test, _) = load_digits(test_size=0.5)
    assert abs(len(X_test) - 1797 / 2) <= 5
    assert len(X_train) + len(X_test) == 1797


# -------------------------------------------------------------------- toy sets


def test_xor():
    X, y = xor()
    assert X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_and_first_last_truth_table():
    (X_train, y_train), (X_test, y_test) = and_first_last()
    assert X_train.shape == (5, 3) and X_test.shape == (3, 3)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    X = np.vstack([X_train, X_test])
    y = np.concatenate([y_train, y_test])
    rows = {tuple(int(v) for v in row) for row in X}
    assert len(rows) == 8  # train and test disjoint, together the whole table
    assert rows == {(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)}
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 2]).astype(int))
    assert set(y_test.tolist()) == {0, 1}  # the unseen rows test both answers


TOYS = {
    "spirals": spirals,
    "spirals3": lambda **kw: spirals(n_classes=3, **kw),
    "moons": moons,
    "circles": circles,
}


@pytest.mark.parametrize("make", TOYS.values(), ids=TOYS.keys())
def test_toy_shapes_dtypes_and_balance(make):
    for n in (2, 3, 101, 400):
        X, y = make(n_samples=n)
        assert X.shape == (n, 2) and y.shape == (n,)
        assert X.dtype == np.float32 and y.dtype == np.int64
        assert np.isfinite(X).all()
    X, y = make(n_samples=600)
    counts = np.bincount(y)
    assert counts.min() == counts.max()  # exactly balanced
    assert len(counts) == (3 if make is TOYS["spirals3"] else 2)


@pytest.mark.parametrize("make", TOYS.values(), ids=TOYS.keys())
def test_toy_sets_are_seeded(make):
    a, ya = make(n_samples=50, seed=7)
    b, yb = make(n_samples=50, seed=7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    c, _ = make(n_samples=50, seed=8)
    assert not np.array_equal(a, c)
    d, _ = make(n_samples=50)  # the default seed is fixed too
    e, _ = make(n_samples=50)
    np.testing.assert_array_equal(d, e)


def test_noise_moves_points_by_about_its_size():
    clean, _ = moons(n_samples=2000, noise=0.0, seed=1)
    noisy, _ = moons(n_samples=2000, noise=0.2, seed=1)
    # the noise is drawn after the angles, so same seed = same clean points
    assert np.std(noisy - clean) == pytest.approx(0.2, rel=0.05)


@pytest.mark.parametrize("factor", [0.3, 0.5, 0.8])
def test_circles_without_noise(factor):
    X, y = circles(n_samples=300, noise=0.0, factor=factor, seed=2)
    radius = np.hypot(X[:, 0].astype(np.float64), X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[y == 1], factor, atol=1e-6)


def test_moons_without_noise():
    X, y = moons(n_samples=300, noise=0.0, seed=3)
    X = X.astype(np.float64)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    assert (upper[:, 1] >= -1e-7).all()  # the upper half circle about (0, 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert (lower[:, 1] <= 0.5 + 1e-7).all()  # the lower half circle about (1, 0.5)


def test_spirals_without_noise():
    turns, n_classes = 1.5, 3
    X, y = spirals(n_samples=300, noise=0.0, n_classes=n_classes, turns=turns, seed=4)
    X = X.astype(np.float64)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.min() >= 0.05 - 1e-6 and radius.max() <= 1.0 + 1e-6
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * (turns * radius + y / n_classes)
    difference = np.angle(np.exp(1j * (angle - expected)))  # wrapped to (-pi, pi]
    np.testing.assert_allclose(difference, 0.0, atol=1e-4)


@pytest.mark.parametrize(
    "call",
    [
        lambda: spirals(n_samples=1),
        lambda: moons(n_samples=0),
        lambda: circles(n_samples=-4),
        lambda: moons(n_samples=10.5),
        lambda: spirals(noise=-0.1),
        lambda: moons(noise=float("nan")),
        lambda: spirals(n_classes=1),
        lambda: circles(factor=0.0),
        lambda: circles(factor=1.0),
        lambda: circles(factor=1.5),
        lambda: circles(factor=-0.5),
    ],
    ids=["spirals-n1", "moons-n0", "circles-n-neg", "moons-n-frac", "spirals-noise-neg",
         "moons-noise-nan", "spirals-1-class", "factor-0", "factor-1", "factor-1.5",
         "factor-neg"],
)
def test_toy_bad_parameters(call):
    with pytest.raises(ConfigError):
        call()


# --------------------------------------------------------------- preprocessing


def test_one_hot():
    out = one_hot(np.array([2, 0, 1, 2]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    wide = one_hot([0, 1], n_classes=4, dtype="float64")
    assert wide.shape == (2, 4) and wide.dtype == np.float64
    np.testing.assert_array_equal(wide.sum(axis=1), 1)
    np.testing.assert_array_equal(one_hot(np.array([3], np.uint8)), [[0, 0, 0, 1]])
    assert one_hot(np.array([], np.int64), n_classes=3).shape == (0, 3)


@pytest.mark.parametrize(
    "labels, n_classes",
    [([0, 3], 3), ([-1, 0], None), ([0.5, 1.0], None), ([[0, 1]], None), (["a", "b"], None)],
    ids=["too-big", "negative", "float", "2d", "str"],
)
def test_one_hot_refuses_bad_labels(labels, n_classes):
    with pytest.raises(DataError):
        one_hot(np.array(labels), n_classes=n_classes)


def _labelled(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    X = np.column_stack([np.arange(n), rng.normal(size=n)])  # column 0: the row's id
    return X, y


def test_train_test_split_order_and_partition():
    X, y = _labelled()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=1)
    assert X_train.shape[1] == 2 and X_test.shape[1] == 2
    assert len(X_train) == len(y_train) and len(X_test) == len(y_test)
    train_ids, test_ids = X_train[:, 0].astype(int), X_test[:, 0].astype(int)
    assert set(train_ids).isdisjoint(test_ids)
    assert sorted(np.concatenate([train_ids, test_ids])) == list(range(len(X)))
    # each row keeps its own label
    np.testing.assert_array_equal(y_train, y[train_ids])
    np.testing.assert_array_equal(y_test, y[test_ids])
    assert len(X_test) == pytest.approx(50, abs=2)


def test_train_test_split_is_stratified():
    X, y = _labelled(n=1000, seed=2)
    _, _, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    overall = np.bincount(y) / len(y)
    for part in (y_train, y_test):
        np.testing.assert_allclose(np.bincount(part) / len(part), overall, atol=0.005)
    _, _, _, y_plain = train_test_split(X, y, test_size=0.2, stratify=False, seed=0)
    assert len(y_plain) == 200


def test_train_test_split_is_seeded():
    X, y = _labelled()
    a = train_test_split(X, y, seed=5)
    b = train_test_split(X, y, seed=5)
    c = train_test_split(X, y, seed=6)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[1], c[1])


def test_train_test_split_errors():
    X, y = _labelled(n=10)
    with pytest.raises(ShapeError):
        train_test_split(X, y[:-1])
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ConfigError):
            train_test_split(X, y, test_size=bad)
    with pytest.raises(DataError):
        train_test_split(X[:2], y[:2], test_size=0.1, stratify=False)  # empty test part


def test_standardizer_uses_the_training_figures_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal([5, -3, 7], [2, 0.5, 1], size=(500, 3)).astype(np.float32)
    X_train[:, 2] = 7.0  # a constant column
    X_test = rng.normal([6, -3, 7], [2, 0.5, 1], size=(100, 3)).astype(np.float32)
    scaler = Standardizer().fit(X_train)
    train_s = scaler.transform(X_train)
    test_s = scaler.transform(X_test)
    assert train_s.dtype == np.float32 and test_s.dtype == np.float32
    np.testing.assert_allclose(train_s[:, :2].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(train_s[:, :2].std(axis=0), 1, atol=1e-5)
    assert np.isfinite(train_s).all() and np.isfinite(test_s).all()
    np.testing.assert_array_equal(train_s[:, 2], 0.0)  # constant -> 0, not NaN
    mean = X_train.astype(np.float64).mean(axis=0)
    std = X_train.astype(np.float64).std(axis=0)
    expected = (X_test[:, :2] - mean[:2]) / std[:2]  # the TRAIN figures
    np.testing.assert_allclose(test_s[:, :2], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(test_s[:, 2], X_test[:, 2] - 7.0, atol=1e-5)
    # the test set's own mean is not subtracted: it sits about half a train std off
    assert test_s[:, 0].mean() == pytest.approx(0.5, abs=0.3)


def test_standardize_function_and_dtypes():
    X_train = np.array([[1, 10], [3, 10], [5, 10]])  # integers
    X_test = np.array([[7, 11]])
    train_s, test_s = standardize(X_train, X_test)
    assert train_s.dtype == np.float32
    std = np.std([1, 3, 5])
    np.testing.assert_allclose(train_s[:, 0], [-2 / std, 0, 2 / std], rtol=1e-6)
    np.testing.assert_array_equal(train_s[:, 1], 0)
    np.testing.assert_allclose(test_s, [[4 / std, 1.0]], rtol=1e-6)
    (only,) = standardize(X_train.astype(np.float64))
    assert only.dtype == np.float64
    fitted = Standardizer().fit_transform(X_train.astype(np.float64))
    np.testing.assert_array_equal(fitted, only)


def test_standardizer_transform_before_fit():
    with pytest.raises(SteepestError, match="fit"):
        Standardizer().transform(np.ones((2, 2)))


def test_standardizer_errors():
    with pytest.raises(ShapeError):
        Standardizer().fit(np.zeros((0, 3)))
    with pytest.raises(ShapeError):
        Standardizer().fit(np.zeros(3))
    with pytest.raises(DataError):
        Standardizer().fit(np.array([[1.0], [np.nan]]))
    scaler = Standardizer().fit(np.ones((4, 2)))
    with pytest.raises(ShapeError):
        scaler.transform(np.ones((4, 3)))
