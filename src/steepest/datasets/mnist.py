"""MNIST and Fashion-MNIST: 70,000 grey 28x28 images each, 10 classes.

``load_mnist()`` returns ``(X_train, y_train), (X_test, y_test)``: images as float32
rows of 784 pixels in [0, 1], labels as int64 in 0..9.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._files import read_problem
from ..errors import DatasetError
from .download import data_home, download
from .idx import WHAT, read_idx

Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class ImageDataset:
    """Where an IDX image dataset comes from and what its compressed files hash to."""

    name: str
    mirrors: tuple[str, ...]
    sha256: dict[str, str]  # compressed file name -> published SHA-256
    classes: tuple[str, ...]


FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

MNIST = ImageDataset(
    name="mnist",
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist",
        "https://storage.googleapis.com/cvdf-datasets/mnist",
    ),
    sha256={
        "train-images-idx3-ubyte.gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    classes=tuple(str(d) for d in range(10)),
)

FASHION_MNIST = ImageDataset(
    name="fashion-mnist",
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets",
    ),
    sha256={
        "train-images-idx3-ubyte.gz":
            "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
        "train-labels-idx1-ubyte.gz":
            "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        "t10k-images-idx3-ubyte.gz":
            "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        "t10k-labels-idx1-ubyte.gz":
            "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    },
    classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
             "Sneaker", "Bag", "Ankle boot"),
)


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    progress: bool = True,
) -> tuple[Split, Split]:
    """MNIST handwritten digits: ``(X_train (60000, 784), y_train), (X_test (10000, 784), y_test)``.

    With ``path``, the four IDX files (``train-images-idx3-ubyte`` etc., ``.gz``
    or not) are read from that folder. Without it, from the cache folder
    (``$STEEPEST_DATA``, else the user cache folder, see
    :func:`~steepest.datasets.data_home`), downloading what is missing (checked
    against the published SHA-256) unless ``download=False``. ``mirrors``
    replaces the list of download sites.
    """
    return load_image_dataset(MNIST, path, download, mirrors, progress)


def load_fashion_mnist(
    path: str | os.PathLike[str] | None = None,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
    progress: bool = True,
) -> tuple[Split, Split]:
    """Fashion-MNIST (Zalando): same shapes and arguments as :func:`load_mnist`;
    the class names are ``FASHION_MNIST.classes``."""
    return load_image_dataset(FASHION_MNIST, path, download, mirrors, progress)


def load_image_dataset(
    spec: ImageDataset,
    path: str | os.PathLike[str] | None,
    download_missing: bool,
    mirrors: Sequence[str] | None,
    progress: bool,
) -> tuple[Split, Split]:
    folder = Path(path) if path is not None else data_home() / spec.name
    if folder.exists() and not folder.is_dir():
        raise DatasetError(f"{spec.name}: {folder} is a file, not a folder of IDX files")
    if path is not None and not folder.exists():
        raise DatasetError(f"{spec.name}: no such folder {folder}")
    found = find_files(folder)
    missing = [name for name, file in found.items() if file is None]
    if missing and path is None and download_missing:
        for name in missing:
            try:
                found[name] = download(
                    f"{name}.gz", mirrors or spec.mirrors, spec.sha256[f"{name}.gz"], folder,
                    progress=progress,
                )
            except DatasetError as exc:
                still = [n for n in missing if found[n] is None]
                raise DatasetError(
                    f"{spec.name}: {exc}. Missing in {folder}: {', '.join(still)} (.gz or "
                    "not); put them there, or pass path= (on the command line --data-dir) "
                    "to a folder that has them"
                ) from None
    elif missing:
        raise DatasetError(
            f"{spec.name}: missing {', '.join(f'{n}[.gz]' for n in missing)} in {folder}; "
            "put the files there" + ("" if path is not None else " or allow download=True")
        )
    train = _images_and_labels(found[FILES[0]], found[FILES[1]])
    test = _images_and_labels(found[FILES[2]], found[FILES[3]])
    return train, test


def find_files(folder: Path) -> dict[str, Path | None]:
    """Each of the four :data:`FILES` in ``folder``: its path (``.gz`` or not), or
    None when it is not there. A folder, FIFO or loop of links in a file's place is
    a DatasetError naming it."""
    return {name: _find(folder, name) for name in FILES}


def _find(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder``, gzip-compressed (``.gz``) or not; None when
    neither is there. A folder, FIFO or loop of links standing there instead is
    refused, naming it: the file is not missing, it is not a file."""
    candidates = [(path, read_problem(path, WHAT)) for path in (folder / f"{name}.gz",
                                                                 folder / name)]
    for path, problem in candidates:
        if problem is None:
            return path
    for path, problem in candidates:
        if problem != f"no such {WHAT}":
            raise DatasetError(f"{path}: {problem}")
    return None


def _images_and_labels(images_path: Path, labels_path: Path) -> Split:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetError(
            f"{images_path}: expected uint8 images of shape (n, rows, cols), got "
            f"{images.dtype} {images.shape}"
        )
    if len(images) == 0:
        raise DatasetError(f"{images_path}: the file holds 0 images; expected at least one")
    if images.size == 0:
        raise DatasetError(f"{images_path}: the images are {images.shape[1]}x{images.shape[2]} "
                           "pixels; expected at least 1x1")
    if labels.ndim != 1 or len(labels) != len(images):
        raise DatasetError(
            f"{labels_path}: expected {len(images)} labels for {images_path.name}, got shape "
            f"{labels.shape}"
        )
    if labels.dtype.kind not in "iu":
        raise DatasetError(f"{labels_path}: labels must be integers, found {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetError(
            f"{labels_path}: labels must lie in 0..9, found {labels.min()}..{labels.max()}"
        )
    X = images.reshape(len(images), -1).astype(np.float32)
    X *= np.float32(1 / 255)
    return X, labels.astype(np.int64)
