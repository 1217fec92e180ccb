"""Numeric tables from CSV files, with one-hot encoding and standardisation.

The second tutorial's graduate-admissions exercise in one call::

    X, y = load_csv("admissions.csv", target="admit", one_hot=["rank"],
                    standardize=["gre", "gpa"])

The returned :class:`Table` also carries a :class:`TableSchema`: the feature
columns, the categories of each one-hot column and the standardisation figures,
so new rows (say, to predict) are encoded exactly like the training rows.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._files import read_problem
from ..errors import ConfigError, DataError

#: The largest magnitude the features (float32) can hold, and the targets when
#: they are not all whole numbers: beyond it a value would silently become inf.
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass
class TableSchema:
    """How raw CSV columns become feature columns (JSON-able with ``to_dict``)."""

    columns: list[str]  # raw input columns used, in order
    categories: dict[str, list[str]] = field(default_factory=dict)  # one-hot column -> values
    scaling: dict[str, tuple[float, float]] = field(default_factory=dict)  # column -> mean, std

    @property
    def feature_names(self) -> list[str]:
        names = []
        for column in self.columns:
            if column in self.categories:
                names += [f"{column}={value}" for value in self.categories[column]]
            else:
                names.append(column)
        return names

    def encode(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], where: str
    ) -> np.ndarray:
        """Rows of raw cells -> float32 features ``(n_rows, len(feature_names))``."""
        index = _column_index(header, self.columns, where)
        blocks = []
        for column in self.columns:
            cells = _cells(rows, index[column])
            if column in self.categories:
                blocks.append(_one_hot_block(cells, column, self.categories[column], where))
            else:
                values = _numbers(cells, column, where)
                scaling = self.scaling.get(column)
                if scaling is not None:
                    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
                        values = (values - scaling[0]) / scaling[1]
                _check_float32(values, cells, column, where, scaling)
                blocks.append(values[:, None])
        return np.hstack(blocks).astype(np.float32) if blocks else np.empty((len(rows), 0))

    def to_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "categories": self.categories,
                "scaling": {k: list(v) for k, v in self.scaling.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableSchema:
        return cls(list(data["columns"]), dict(data["categories"]),
                   {k: (float(v[0]), float(v[1])) for k, v in data["scaling"].items()})


@dataclass
class Table:
    """``X`` float32 ``(n, n_features)``, ``y`` ``(n,)`` (int64 when every target
    is a whole number, else float32), the feature names and the schema.
    Unpacks as ``X, y = table``."""

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target: str
    schema: TableSchema

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.X, self.y))


def read_csv_rows(
    path: str | os.PathLike[str], delimiter: str = ","
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file; blank lines skipped, ragged rows refused."""
    path = Path(path)
    problem = read_problem(path, "CSV file")
    if problem:
        raise DataError(f"{path}: {problem}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            return csv_rows(f, str(path), delimiter)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})"
        ) from None


def read_csv_bytes(data: bytes, where: str,
                   delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file's contents (an upload, say) as
    :func:`read_csv_rows` reads a file; ``where`` names it in errors."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{where}: not a UTF-8 text file ({exc.reason} at byte {exc.start})"
        ) from None
    if "\0" in text:
        raise DataError(f"{where}: not a text file (it holds NUL bytes)")
    return csv_rows(io.StringIO(text, newline=""), where, delimiter)


def csv_rows(lines: Iterable[str], where: str,
             delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    """Header and rows of CSV text read line by line: blank lines skipped,
    repeated column names and ragged rows refused (a DataError naming ``where``)."""
    if not (isinstance(delimiter, str) and len(delimiter) == 1) or delimiter in '"\r\n':
        raise ConfigError(f"delimiter must be one character, not a quote or a line break; "
                          f"got {delimiter!r}")
    try:
        reader = csv.reader(lines, delimiter=delimiter)
        found = [Row(row, reader.line_num) for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise DataError(f"{where}: not a readable CSV file ({exc})") from None
    if not found:
        raise DataError(f"{where}: empty CSV file (expected a header row)")
    header, rows = [c.strip() for c in found[0]], found[1:]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise DataError(f"{where}: the header names columns more than once: {repeated}")
    if not rows:
        raise DataError(f"{where}: the CSV file has a header but no rows")
    for row in rows:
        if len(row) != len(header):
            raise DataError(
                f"{where}: line {row.line} has {len(row)} cells, the header has {len(header)}"
            )
    return header, rows


class Row(list):
    """A CSV row's cells, knowing its line in the file (for error messages)."""

    def __init__(self, cells: Sequence[str], line: int) -> None:
        super().__init__(cells)
        self.line = line


def load_csv(
    path: str | os.PathLike[str],
    target: str,
    one_hot: Sequence[str] = (),
    standardize: bool | Sequence[str] = False,
    delimiter: str = ",",
) -> Table:
    """Read a numeric table whose first row names the columns.

    ``target`` names the column to predict; every other column is a feature.
    Columns in ``one_hot`` are categorical: each of their values gets its own
    0/1 column (``rank=1``, ``rank=2``, ...). ``standardize`` is True (every
    numeric feature column) or a list of columns, scaled to mean 0 and
    standard deviation 1 over the file (split off test rows first and use
    :func:`~steepest.datasets.standardize` if the figures must come from the
    training rows only). Missing columns, empty or non-numeric cells and
    values beyond float32's range raise :class:`~steepest.errors.DataError`
    naming the line and column; a ``delimiter`` that is not one character,
    :class:`~steepest.errors.ConfigError`.
    """
    header, rows = read_csv_rows(path, delimiter)
    where = str(path)
    schema = fit_schema(header, rows, target, one_hot, standardize, where)
    X = schema.encode(header, rows, where)
    return Table(X, targets(header, rows, target, where), schema.feature_names, target, schema)


def fit_schema(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    target: str,
    one_hot: Sequence[str] = (),
    standardize: bool | Sequence[str] = False,
    where: str = "table",
    category_rows: Sequence[Sequence[str]] | None = None,
) -> TableSchema:
    """The encoding of ``rows``' feature columns: categories of the ``one_hot``
    columns (from ``category_rows``, by default ``rows``) and mean/std of the
    ``standardize`` columns, measured on ``rows`` (pass only the training rows
    to keep test figures out of it)."""
    one_hot = [one_hot] if isinstance(one_hot, str) else list(one_hot)
    _column_index(header, [target, *one_hot], where)
    columns = [c for c in header if c != target]
    numeric = [c for c in columns if c not in one_hot]
    if isinstance(standardize, str):
        standardize = [standardize]
    to_scale = numeric if standardize is True else list(standardize or [])
    if target in one_hot or target in to_scale:
        raise DataError(f"the target {target!r} cannot be one-hot encoded or standardised; "
                        "only feature columns can")
    _column_index(header, to_scale, where)
    if set(to_scale) & set(one_hot):
        both = sorted(set(to_scale) & set(one_hot))
        raise DataError(f"columns {both} cannot be both one-hot encoded and standardised")
    schema = TableSchema(columns)
    for column in one_hot:
        cells = _cells(rows if category_rows is None else category_rows, header.index(column))
        empty = next((line for line, cell in cells if not cell), None)
        if empty is not None:
            raise DataError(f"{where}: line {empty}, column {column!r}: is empty")
        schema.categories[column] = sorted({cell for _, cell in cells}, key=_category_order)
    for column in to_scale:
        cells = _cells(rows, header.index(column))
        values = _numbers(cells, column, where)
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            mean, std = float(values.mean()), float(values.std())
        if not (math.isfinite(mean) and math.isfinite(std)):
            line, cell = cells[int(np.argmax(np.abs(values)))]
            raise DataError(f"{where}: line {line}, column {column!r}: {cell!r} is too large "
                            "to standardise (the column's mean or standard deviation "
                            "overflows)")
        schema.scaling[column] = (mean, std if std > 0 else 1.0)
    return schema


def targets(
    header: Sequence[str], rows: Sequence[Sequence[str]], target: str, where: str
) -> np.ndarray:
    """The ``target`` column: int64 when every value is a whole number, else float32."""
    _column_index(header, [target], where)
    cells = _cells(rows, header.index(target))
    y = _numbers(cells, target, where)
    if np.array_equal(y, np.round(y)) and np.abs(y).max() < 2**53:
        return y.astype(np.int64)
    _check_float32(y, cells, target, where)
    return y.astype(np.float32)


def _column_index(header: Sequence[str], wanted: Sequence[str], where: str) -> dict[str, int]:
    missing = [c for c in wanted if c not in header]
    if missing:
        raise DataError(f"{where}: no column {missing[0]!r}; the columns are {list(header)}")
    return {c: list(header).index(c) for c in wanted}


def _cells(rows: Sequence[Sequence[str]], index: int) -> list[tuple[int, str]]:
    """``(line, stripped cell)`` of one column; rows without a known line are
    numbered as if they followed a header line."""
    return [(getattr(row, "line", k + 2), row[index].strip()) for k, row in enumerate(rows)]


def _numbers(cells: Sequence[tuple[int, str]], column: str, where: str) -> np.ndarray:
    values = np.empty(len(cells))
    for k, (line, cell) in enumerate(cells):
        try:
            values[k] = float(cell)
        except ValueError:
            what = "is empty" if not cell else f"{cell!r} is not a number"
            raise DataError(
                f"{where}: line {line}, column {column!r}: {what}"
                + ("" if not cell else " (categorical columns need one-hot encoding: one_hot= "
                   "in load_csv, --one-hot on the command line)")
            ) from None
    if not np.isfinite(values).all():
        line, cell = cells[int(np.argmin(np.isfinite(values)))]
        raise DataError(f"{where}: line {line}, column {column!r}: {cell!r} is not a finite "
                        "number (NaN or infinity)")
    return values


def _check_float32(values: np.ndarray, cells: Sequence[tuple[int, str]], column: str,
                   where: str, scaling: tuple[float, float] | None = None) -> None:
    """Refuse ``values`` (the ``cells``, standardised with ``scaling`` if given)
    that float32 cannot hold, naming the first one's line: the cast would make
    them infinite."""
    beyond = np.abs(values) > FLOAT32_MAX
    if not beyond.any():
        return
    k = int(np.argmax(beyond))
    line, cell = cells[k]
    scaled = "" if scaling is None else (
        f" is {values[k]:.3g} once standardised (mean {scaling[0]:.3g}, std "
        f"{scaling[1]:.3g}), which")
    raise DataError(f"{where}: line {line}, column {column!r}: {cell!r}{scaled} is too large "
                    f"for float32 (limit {FLOAT32_MAX:.3g})")


def _one_hot_block(
    cells: Sequence[tuple[int, str]], column: str, categories: list[str], where: str
) -> np.ndarray:
    lookup = {value: k for k, value in enumerate(categories)}
    block = np.zeros((len(cells), len(categories)))
    for k, (line, cell) in enumerate(cells):
        if cell not in lookup:
            raise DataError(
                f"{where}: line {line}, column {column!r}: unknown category {cell!r} "
                f"(known: {categories})"
            )
        block[k, lookup[cell]] = 1
    return block


def _category_order(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)
