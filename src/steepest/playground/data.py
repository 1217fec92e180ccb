"""The playground's data: TensorFlow Playground's datasets on its plane, the input
features made from the two coordinates, the grid the pictures are computed on, and
uploaded CSV files.

The datasets are the library's (:mod:`steepest.datasets`), which lie in about
``[-1, 1]²``, scaled by :data:`SCALE` onto TensorFlow Playground's plane
``[-6, 6]²``, where ``sin(x1)`` is a feature of its own rather than almost ``x1``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import datasets
from ..datasets.preprocessing import Standardizer
from ..datasets.tables import TableSchema, read_csv_bytes
from ..errors import DataError

if TYPE_CHECKING:
    from .settings import Limits, Settings

#: From the library's sets (about [-1, 1]²) to the playground's plane.
SCALE = 5.0
#: The plane of the built-in sets is [-EXTENT, EXTENT]².
EXTENT = 6.0
#: Noise of 100 % is this standard deviation in the library's units (50 %, the
#: most the page offers, is a quarter of the sets' radius).
NOISE = 0.5
#: The most classes a page shows (and colours).
MAX_CLASSES = 8
CLASSES, VALUES = "classes", "values"
#: The ``dataset`` of a page whose data was uploaded.
UPLOAD = "upload"


@dataclass(frozen=True)
class Dataset:
    """A built-in dataset: its ``label`` on the page, whether its targets are
    ``classes`` or ``values``, the library ``function`` that makes it, whether
    it takes ``n_classes``, fixed keyword arguments (``extra``), and how its
    points go onto the plane: ``(X - centre) * scale``."""

    label: str
    kind: str
    function: Callable[..., tuple[np.ndarray, np.ndarray]]
    takes_classes: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    centre: tuple[float, float] = (0.0, 0.0)
    scale: float = SCALE

    def arguments(self, settings: Settings) -> dict[str, Any]:
        """The keyword arguments of ``function`` for these settings."""
        chosen = {"n_samples": settings.points, "noise": settings.noise / 100 * NOISE}
        if self.takes_classes:
            chosen["n_classes"] = settings.classes
        return chosen | self.extra | {"seed": settings.seed}

    def classes(self, settings: Settings) -> int | None:
        """How many classes the set has (None: values)."""
        if self.kind == VALUES:
            return None
        return settings.classes if self.takes_classes else 2


DATASETS: dict[str, Dataset] = {
    "circle": Dataset("Circle", CLASSES, datasets.circles, extra={"factor": 0.5}),
    "xor": Dataset("Exclusive or", CLASSES, datasets.quadrants),
    "gauss": Dataset("Gaussians", CLASSES, datasets.gaussians, takes_classes=True),
    "spiral": Dataset("Spiral", CLASSES, datasets.spirals, takes_classes=True),
    "moons": Dataset("Moons", CLASSES, datasets.moons, centre=(0.5, 0.25), scale=3.5),
    "plane": Dataset("Plane", VALUES, datasets.plane),
    "hills": Dataset("Gaussian hills", VALUES, datasets.gaussian_hills),
}

#: The input features: a name, its label on the page, how it is computed from
#: the coordinates ``x1``, ``x2`` ``(n,)``, and the same as Python text (for the
#: exported code).
FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray], str]] = {
    "x1": ("X₁", lambda x1, x2: x1, "x1"),
    "x2": ("X₂", lambda x1, x2: x2, "x2"),
    "x1sq": ("X₁²", lambda x1, x2: x1 * x1, "x1 * x1"),
    "x2sq": ("X₂²", lambda x1, x2: x2 * x2, "x2 * x2"),
    "x1x2": ("X₁X₂", lambda x1, x2: x1 * x2, "x1 * x2"),
    "sinx1": ("sin(X₁)", lambda x1, x2: np.sin(x1), "np.sin(x1)"),
    "sinx2": ("sin(X₂)", lambda x1, x2: np.sin(x2), "np.sin(x2)"),
}


def inputs(points: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The network's inputs ``(n, len(features))`` float32 for points ``(n, 2)``."""
    x1, x2 = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    return np.column_stack([FEATURES[name][1](x1, x2) for name in features]).astype(np.float32)


def grid(extent: float, size: int) -> np.ndarray:
    """The centres of a ``size`` x ``size`` grid over ``[-extent, extent]²``,
    ``(size * size, 2)``, row by row from the top (``x2`` largest) down, as an
    image is stored."""
    step = 2 * extent / size
    centres = -extent + step * (np.arange(size) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()]).astype(np.float32)


@dataclass
class PlaneData:
    """Points on the plane, split: ``X_train`` ``(n_train, 2)`` and ``y_train``
    (int64 classes or float32 values), the same for the test rows; ``kind``
    (classes or values), the class names, the plane ``[-extent, extent]²``, the
    names of its two axes, and a line saying where the data came from."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    kind: str
    classes: list[str] | None
    extent: float
    axes: tuple[str, str] = ("x1", "x2")
    source: str = ""

    def points(self) -> dict[str, Any]:
        """The points as JSON for the page: ``train`` and ``test``, each a list of
        ``[x1, x2, target]``."""
        def rows(X: np.ndarray, y: np.ndarray) -> list[list[float]]:
            return np.column_stack([X, y]).round(4).tolist()
        return {"train": rows(self.X_train, self.y_train),
                "test": rows(self.X_test, self.y_test)}


def make_data(settings: Settings, upload: Upload | None = None) -> PlaneData:
    """The data these settings describe: a built-in set, or the uploaded file."""
    if settings.dataset == UPLOAD:
        if upload is None:
            raise DataError("no file uploaded in this tab: upload a CSV file first")
        return upload.data(settings)
    spec = DATASETS[settings.dataset]
    X, y = spec.function(**spec.arguments(settings))
    X = (X - np.float32(spec.centre)) * np.float32(spec.scale)
    X_train, X_test, y_train, y_test = split(X, y, settings)
    k = spec.classes(settings)
    return PlaneData(X_train, y_train, X_test, y_test, spec.kind,
                     None if k is None else [str(c) for c in range(k)], EXTENT,
                     source=f"{spec.label}: {settings.points} points, noise "
                     f"{settings.noise} %, seed {settings.seed}")


def split(X: np.ndarray, y: np.ndarray, settings: Settings) -> tuple[np.ndarray, ...]:
    """``X_train, X_test, y_train, y_test``: ``train_ratio`` percent to train on,
    stratified for classes, drawn with the settings' seed."""
    return datasets.train_test_split(X, y, test_size=1 - settings.train_ratio / 100,
                                     stratify=y.dtype.kind in "iu", seed=settings.seed)


# ---------------------------------------------------------------------- uploads
@dataclass
class Upload:
    """An uploaded CSV file, read and checked: its ``header``, its ``rows`` of
    cells, and the ``numeric`` columns (every cell a number)."""

    header: list[str]
    rows: list[list[str]]
    numeric: list[str]

    WHERE = "the uploaded file"

    def default_columns(self) -> tuple[str, str, str]:
        """x1, x2 and the label: the first two numeric columns and the last column."""
        label = self.header[-1]
        features = [c for c in self.numeric if c != label]
        if len(features) < 2:
            raise DataError(f"{self.WHERE} needs two numeric columns besides the label "
                            f"{label!r}; its numeric columns are {self.numeric}")
        return features[0], features[1], label

    def data(self, settings: Settings) -> PlaneData:
        """The chosen columns as standardised points (the training rows' mean and
        standard deviation), and the label as classes or as standardised values."""
        x1, x2, label = settings.columns or self.default_columns()
        for column in (x1, x2):
            if column not in self.numeric:
                raise DataError(f"{self.WHERE}: column {column!r} is not numeric; the numeric "
                                f"columns are {self.numeric}")
        if label not in self.header:
            raise DataError(f"{self.WHERE} has no column {label!r}; its columns are "
                            f"{self.header}")
        X = TableSchema([x1, x2]).encode(self.header, self.rows, self.WHERE)
        y, classes = self._targets(label)
        X_train, X_test, y_train, y_test = split(X, y, settings)
        scaler = Standardizer().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        if classes is None:
            target = Standardizer().fit(y_train[:, None])
            y_train = target.transform(y_train[:, None])[:, 0]
            y_test = target.transform(y_test[:, None])[:, 0]
        extent = math.ceil(2 * 1.1 * float(np.abs(np.vstack([X_train, X_test])).max())) / 2
        return PlaneData(X_train, y_train, X_test, y_test, VALUES if classes is None else CLASSES,
                         classes, max(extent, 0.5), (x1, x2),
                         f"{self.WHERE}: {len(self.rows)} rows, {x1} and {x2} standardised, "
                         f"label {label}")

    def _targets(self, label: str) -> tuple[np.ndarray, list[str] | None]:
        """The label column: classes 0..k-1 (whole numbers or texts with at most
        :data:`MAX_CLASSES` values, in sorted order) or float32 values."""
        index = self.header.index(label)
        cells = [row[index].strip() for row in self.rows]
        if label in self.numeric:
            values = np.array([float(c) for c in cells])
            whole = np.array_equal(values, np.round(values))
            if not whole or len(np.unique(values)) > MAX_CLASSES:
                return values.astype(np.float32), None
            names, y = np.unique(values.astype(np.int64), return_inverse=True)
        else:
            names, y = np.unique(cells, return_inverse=True)
            if len(names) > MAX_CLASSES:
                raise DataError(f"{self.WHERE}: the label {label!r} has {len(names)} different "
                                f"texts; the playground shows at most {MAX_CLASSES} classes")
        if "" in names:
            raise DataError(f"{self.WHERE}: the label {label!r} is empty in some rows")
        if len(names) < 2:
            raise DataError(f"{self.WHERE}: the label {label!r} has one value only, "
                            f"{names[0]}; there is nothing to learn")
        return y.astype(np.int64), [str(n) for n in names]


def read_upload(data: bytes, limits: Limits) -> Upload:
    """An uploaded CSV file's contents, checked: at most ``limits.upload_bytes``
    and ``limits.points`` rows, UTF-8, a header, at least three columns."""
    if len(data) > limits.upload_bytes:
        raise DataError(f"{Upload.WHERE} is {len(data):,} bytes; the playground takes files of "
                        f"at most {limits.upload_bytes:,} bytes")
    header, rows = read_csv_bytes(data, Upload.WHERE)
    if len(header) < 3:
        raise DataError(f"{Upload.WHERE} has {len(header)} column{'s' * (len(header) != 1)} "
                        f"({', '.join(header)}); it needs two feature columns and a label "
                        "(is the delimiter a comma?)")
    if len(rows) > limits.points:
        raise DataError(f"{Upload.WHERE} has {len(rows):,} rows; the playground takes at most "
                        f"{limits.points:,}")
    numeric = [name for k, name in enumerate(header) if _is_numeric(rows, k)]
    return Upload(header, rows, numeric)


def _is_numeric(rows: list[list[str]], index: int) -> bool:
    try:
        return all(math.isfinite(float(row[index])) for row in rows)
    except ValueError:
        return False
