"""The command line's datasets: a named one or a CSV file, split into training and
test rows, and the rows a saved model is evaluated on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import datasets
from ..datasets.idx import read_idx_shape
from ..datasets.mnist import FILES, find_files
from ..datasets.tables import TableSchema, fit_schema, read_csv_rows, targets
from ..errors import ConfigError, DataError, DatasetError
from ..io import load
from ..network import Network

NAMED_DATA = ("digits", "mnist", "fashion-mnist", "xor", "spirals", "moons", "circles")
#: The datasets read from a folder of IDX files, the one --data-dir names.
IDX_DATA = ("mnist", "fashion-mnist")
#: A whole-number CSV target with at most this many distinct values holds classes.
MAX_CSV_CLASSES = 50


def data_kind(spec: str) -> str:
    """``"csv"`` for a ``PATH.csv``, else the dataset's name (``spec`` itself)."""
    return "csv" if spec.lower().endswith(".csv") else spec


@dataclass
class Data:
    """A dataset ready for the network: ``X_train`` ``(n_train, n_features)``,
    ``y_train`` ``(n_train,)``, the same for the test rows, and what they are."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: list[str] | None  # None for regression
    info: dict[str, Any] = field(default_factory=dict)  # saved in the model's record

    @property
    def n_outputs(self) -> int:
        return len(self.classes) if self.classes is not None else 1


def load_data(spec: str, data_dir: str | None, seed: int = 0, target: str | None = None,
              one_hot: Sequence[str] = (), standardize: bool = False) -> Data:
    """A named dataset, or a CSV file (``PATH.csv``), split into train and test.
    Options the dataset does not take are refused (see :func:`check_data_options`)."""
    check_data_options(spec, data_dir, target=target, one_hot=one_hot, standardize=standardize)
    if spec == "digits":
        (X, y), (Xt, yt) = datasets.load_digits()
        return Data(spec, X, y, Xt, yt, [str(d) for d in range(10)],
                    {"image": {"shape": [8, 8], "style": "digits"}})
    if spec in IDX_DATA:
        return _load_idx(spec, data_dir)
    if spec == "xor":
        X, y = datasets.xor()
        return Data(spec, X, y, X, y, ["0", "1"])
    if spec in ("spirals", "moons", "circles"):
        X, y = getattr(datasets, spec)(n_samples=1000, seed=seed)
        X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, 0.25, seed=seed)
        return Data(spec, X_train, y_train, X_test, y_test, [str(c) for c in np.unique(y)])
    if data_kind(spec) == "csv":
        return _load_csv_split(Path(spec), seed, target, one_hot, standardize)
    raise ConfigError(f"unknown --data {spec!r}; expected one of {', '.join(NAMED_DATA)} or a "
                      "PATH.csv")


def check_data_options(spec: str, data_dir: str | None, **csv_options: Any) -> None:
    """Refuse what ``--data spec`` would ignore: ``--data-dir`` but for the IDX
    datasets (and a folder that does not exist), and the CSV options (``target``,
    ``one_hot``, ``standardize``, as given) but for a CSV file."""
    kind = data_kind(spec)
    if data_dir is not None:
        if kind not in IDX_DATA:
            raise ConfigError(f"--data-dir is for the IDX files of {' and '.join(IDX_DATA)}, "
                              f"not for --data {spec}")
        if not Path(data_dir).is_dir():
            what = "not a folder" if Path(data_dir).exists() else "no such folder"
            raise DataError(f"--data-dir {data_dir}: {what}")
    given = [name for name, value in csv_options.items() if value]
    if given and kind != "csv":
        raise ConfigError(f"--{given[0].replace('_', '-')} is for CSV data (--data PATH.csv), "
                          f"not for --data {spec}")


def _load_idx(spec: str, data_dir: str | None) -> Data:
    """MNIST or Fashion-MNIST from ``data_dir`` (else the cache), recording the
    images' real size: a folder of IDX files may hold images of any size."""
    loader = datasets.load_mnist if spec == "mnist" else datasets.load_fashion_mnist
    classes = datasets.MNIST.classes if spec == "mnist" else datasets.FASHION_MNIST.classes
    (X, y), (Xt, yt) = loader(path=data_dir)
    folder = Path(data_dir) if data_dir else datasets.data_home() / spec
    # The loader has read and checked the files; the test images' header has their size.
    shape = list(read_idx_shape(find_files(folder)[FILES[2]])[1:])
    if X.shape[1] != Xt.shape[1]:
        raise DatasetError(f"{folder}: the training images have {X.shape[1]} pixels, the test "
                           f"images {shape[0]}x{shape[1]}; both need images of one size")
    style = "mnist" if spec == "mnist" else "fit"
    return Data(spec, X, y, Xt, yt, list(classes), {"image": {"shape": shape, "style": style}})


def _load_csv_split(path: Path, seed: int, target: str | None, one_hot: Sequence[str],
                    standardize: bool) -> Data:
    header, rows = read_csv_rows(path)
    target = target or header[-1]
    if len(header) < 2:
        raise DataError(f"{path}: only the target column {target!r}, no feature columns "
                        "(is the delimiter a comma?)")
    y, train, test, classes = _csv_split(header, rows, target, seed, str(path))
    # Categories come from every row (a rare one may sit only in the test rows);
    # the scaling figures from the training rows alone.
    schema = fit_schema(header, [rows[i] for i in train], target, one_hot, standardize,
                        str(path), category_rows=rows)
    X_train = schema.encode(header, [rows[i] for i in train], str(path))
    X_test = schema.encode(header, [rows[i] for i in test], str(path))
    info = {"csv": {"schema": schema.to_dict(), "target": target}}
    return Data(path.name, X_train, y[train], X_test, y[test], classes, info)


def _csv_split(header: list[str], rows: list, target: str, seed: int, where: str,
               classes: list[str] | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str] | None]:
    """Targets ``(n_rows,)``, train and test row indices (25 %, stratified for
    classes), and the class names (None for a numeric target). A whole-number
    target with few distinct values holds classes: its values map to 0..k-1 in
    sorted order, or to the given ``classes``."""
    y = targets(header, rows, target, where)
    values = np.unique(y)
    if classes is None and y.dtype == np.int64 and len(values) <= MAX_CSV_CLASSES:
        classes = [str(v) for v in values]
        if len(classes) == 1:
            raise DataError(f"{where}: every row's target {target!r} is {classes[0]}: one "
                            "class, where a classifier needs at least two")
    if classes is not None:
        y = _class_indices(y, classes, where)
    try:
        train, test, _, _ = datasets.train_test_split(
            np.arange(len(rows)), y if classes is not None else np.zeros(len(rows)), 0.25,
            stratify=classes is not None, seed=seed,
        )
    except DataError:  # the library's wording: "test_size=0.25 of 2 rows leaves..."
        raise DataError(f"{where}: {len(rows)} rows are too few to hold out a quarter as test "
                        "rows (at least 3 needed)") from None
    return y, train, test, classes


def _class_indices(y: np.ndarray, classes: list[str], where: str) -> np.ndarray:
    """Target values ``(n_rows,)`` as indices into the class names ``classes``."""
    lookup = {name: k for k, name in enumerate(classes)}
    unknown = sorted({str(v) for v in np.unique(y)} - set(lookup))
    if unknown:
        raise DataError(f"{where}: target values {unknown[:5]} are not among the model's "
                        f"classes {classes}")
    return np.array([lookup[str(v)] for v in y], dtype=np.int64)


def saved_model(path: str, data: str | None) -> tuple[Network, str]:
    """The model file at ``path`` and its dataset: ``data``, else the one it was
    trained on."""
    net = load(path)
    spec = data or net.record.get("data")
    if spec is None:
        raise ConfigError("this model does not record its dataset; pass --data")
    return net, spec


def data_for_model(net: Network, spec: str, data_dir: str | None) -> Data:
    """The rows to evaluate on: the test split of the model's own dataset (drawn
    again with its seed), or every row of another CSV file."""
    check_data_options(spec, data_dir)
    seed = int(net.record.get("seed") or 0)
    if net.record.get("csv") is not None and data_kind(spec) == "csv":
        return _csv_for_model(net.record, spec, seed)
    data = load_data(spec, data_dir or _recorded_data_dir(net, spec), seed)
    if data.X_test.shape[1] != net.sizes[0]:
        raise DataError(f"{spec} has {data.X_test.shape[1]} features but the model expects "
                        f"{net.sizes[0]}")
    return data


def _csv_for_model(record: dict[str, Any], spec: str, seed: int) -> Data:
    """The rows of CSV file ``spec`` for a model trained on a CSV file (its
    ``record``): of its own training file the test split, drawn again as the
    training drew it; of another file every row, however few."""
    header, rows = read_csv_rows(spec)
    target, classes = record["csv"]["target"], record.get("classes")
    if _is_training_file(spec, record):
        y, _, test, _ = _csv_split(header, rows, target, seed, spec, classes)
        rows, y = [rows[i] for i in test], y[test]
    else:
        y = targets(header, rows, target, spec)
        if classes is not None:
            y = _class_indices(y, classes, spec)
    X = TableSchema.from_dict(record["csv"]["schema"]).encode(header, rows, spec)
    return Data(spec, X, y, X, y, classes)


def _is_training_file(spec: str, record: dict[str, Any]) -> bool:
    """Whether ``spec`` is the file the model was trained on (its record holds
    that file's full path)."""
    trained_on = record.get("data")
    return isinstance(trained_on, str) and Path(spec).resolve() == Path(trained_on).resolve()


def _recorded_data_dir(net: Network, spec: str) -> str | None:
    """The IDX folder the model was trained from, when ``spec`` is its dataset and
    it recorded one (else None: the cache). A DataError when that folder has gone:
    quietly reading (or downloading into) the cache instead would evaluate other
    data than the user meant."""
    recorded = net.record.get("data_dir")
    if data_kind(spec) not in IDX_DATA or spec != net.record.get("data") or not recorded:
        return None
    if not Path(recorded).is_dir():
        gone = "is not a folder" if Path(recorded).exists() else "no longer exists"
        raise DataError(f"the model was trained from {recorded}, which {gone}; pass "
                        "--data-dir DIR (a folder with the IDX files)")
    return recorded


def data_name(spec: str) -> str:
    """How a model file records its dataset: the name, or a CSV file's full path."""
    return str(Path(spec).resolve()) if data_kind(spec) == "csv" else spec


def default_model_path(spec: str, suffix: str = "model") -> Path:
    """``DATA-model.npz``: the dataset's name, or a CSV file's stem, then ``suffix``."""
    stem = Path(spec).stem if data_kind(spec) == "csv" else spec
    return Path(f"{stem}-{suffix}.npz")
