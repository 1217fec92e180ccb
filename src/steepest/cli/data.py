"""The command line's datasets: a named one or a CSV file, split into training and
test rows, and the rows a saved model is evaluated on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import datasets
from ..datasets.tables import TableSchema, fit_schema, read_csv_rows, targets
from ..errors import ConfigError, DataError
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
    if spec in ("mnist", "fashion-mnist"):
        loader = datasets.load_mnist if spec == "mnist" else datasets.load_fashion_mnist
        classes = datasets.MNIST.classes if spec == "mnist" else datasets.FASHION_MNIST.classes
        (X, y), (Xt, yt) = loader(path=data_dir)
        style = "mnist" if spec == "mnist" else "fit"
        return Data(spec, X, y, Xt, yt, list(classes),
                    {"image": {"shape": [28, 28], "style": style}})
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
        lookup = {name: k for k, name in enumerate(classes)}
        unknown = sorted({str(v) for v in values} - set(lookup))
        if unknown:
            raise DataError(f"{where}: target values {unknown[:5]} are not among the model's "
                            f"classes {classes}")
        y = np.array([lookup[str(v)] for v in y], dtype=np.int64)
    train, test, _, _ = datasets.train_test_split(
        np.arange(len(rows)), y if classes is not None else np.zeros(len(rows)), 0.25,
        stratify=classes is not None, seed=seed,
    )
    return y, train, test, classes


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
    meta = net.record
    seed = int(meta.get("seed") or 0)
    csv_info = meta.get("csv")
    if csv_info is not None and data_kind(spec) == "csv":
        header, rows = read_csv_rows(spec)
        schema = TableSchema.from_dict(csv_info["schema"])
        y, _, test, _ = _csv_split(header, rows, csv_info["target"], seed, spec,
                                   meta.get("classes"))
        if Path(spec).resolve() == Path(meta.get("data", "")).resolve():
            rows, y = [rows[i] for i in test], y[test]
        X = schema.encode(header, rows, spec)
        return Data(spec, X, y, X, y, meta.get("classes"))
    data = load_data(spec, data_dir or _recorded_data_dir(net, spec), seed)
    if data.X_test.shape[1] != net.sizes[0]:
        raise DataError(f"{spec} has {data.X_test.shape[1]} features but the model expects "
                        f"{net.sizes[0]}")
    return data


def _recorded_data_dir(net: Network, spec: str) -> str | None:
    """The IDX folder the model was trained from, if ``spec`` reads one and it is
    still there (else the cache serves)."""
    recorded = net.record.get("data_dir")
    if data_kind(spec) in IDX_DATA and recorded and Path(recorded).is_dir():
        return recorded
    return None


def data_name(spec: str) -> str:
    """How a model file records its dataset: the name, or a CSV file's full path."""
    return str(Path(spec).resolve()) if data_kind(spec) == "csv" else spec


def default_model_path(spec: str, suffix: str = "model") -> Path:
    """``DATA-model.npz``: the dataset's name, or a CSV file's stem, then ``suffix``."""
    stem = Path(spec).stem if data_kind(spec) == "csv" else spec
    return Path(f"{stem}-{suffix}.npz")
