"""steepest.playground.data: the datasets on TensorFlow Playground's plane, the
input features, the grid, and uploaded CSV files read safely."""

from __future__ import annotations

import numpy as np
import pytest

from steepest import datasets
from steepest.errors import DataError
from steepest.playground.data import (
    DATASETS,
    EXTENT,
    FEATURES,
    SCALE,
    grid,
    inputs,
    make_data,
    read_upload,
)
from steepest.playground.settings import Limits, Settings

LIMITS = Limits()


@pytest.mark.parametrize("name", DATASETS)
def test_each_dataset_is_the_librarys_on_the_plane(name):
    s = Settings().updated({"dataset": name, "points": 300, "noise": 10, "train_ratio": 70,
                            "seed": 4}, LIMITS)
    data = make_data(s)
    spec = DATASETS[name]
    X, y = spec.function(**spec.arguments(s))
    assert len(data.X_train) == 210 and len(data.X_test) == 90
    # every point is one of the library's, scaled onto the plane
    together = np.vstack([data.X_train, data.X_test])
    on_plane = (X - np.float32(spec.centre)) * np.float32(spec.scale)
    np.testing.assert_allclose(np.sort(together, axis=0), np.sort(on_plane, axis=0), rtol=1e-6)
    assert np.abs(together).max() < 1.2 * EXTENT
    assert data.kind == spec.kind and data.extent == EXTENT
    if spec.kind == "classes":
        assert data.y_train.dtype == np.int64 and data.classes == ["0", "1"]
        # stratified: each class has its share of the test rows
        assert data.y_test.mean() == pytest.approx(np.mean(y), abs=0.01)
    else:
        assert data.y_train.dtype == np.float32 and data.classes is None


def test_the_number_of_classes_reaches_the_sets_that_take_it():
    s = Settings().updated({"dataset": "spiral", "classes": 5}, LIMITS)
    assert make_data(s).classes == ["0", "1", "2", "3", "4"]
    s = Settings().updated({"dataset": "circle", "classes": 5}, LIMITS)
    assert make_data(s).classes == ["0", "1"]  # a circle has two sides


def test_noise_in_percent_moves_the_points():
    clean = make_data(Settings().updated({"dataset": "circle", "noise": 0}, LIMITS))
    noisy = make_data(Settings().updated({"dataset": "circle", "noise": 40}, LIMITS))
    shift = np.vstack([noisy.X_train, noisy.X_test]) - np.vstack([clean.X_train, clean.X_test])
    assert np.std(shift) == pytest.approx(0.4 * 0.5 * SCALE, rel=0.1)


def test_features_match_their_code():
    rng = np.random.default_rng(0)
    points = rng.uniform(-6, 6, (50, 2)).astype(np.float32)
    X = inputs(points, list(FEATURES))
    assert X.shape == (50, 7) and X.dtype == np.float32
    x1, x2 = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    for k, (_, _, code) in enumerate(FEATURES.values()):
        # the exported Python code computes each feature from this text
        np.testing.assert_allclose(X[:, k], eval(code, {"np": np, "x1": x1, "x2": x2}),
                                   rtol=1e-6)
    np.testing.assert_array_equal(X[:, 2], (x1 * x1).astype(np.float32))


def test_the_grid_is_an_image_of_the_plane():
    points = grid(6.0, 4)
    assert points.shape == (16, 2)
    np.testing.assert_allclose(points[:4, 0], [-4.5, -1.5, 1.5, 4.5])  # left to right
    np.testing.assert_allclose(points[::4, 1], [4.5, 1.5, -1.5, -4.5])  # top row first


# ---------------------------------------------------------------------- uploads
def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def _table(n: int = 60, label=lambda k: k % 2) -> bytes:
    rng = np.random.default_rng(1)
    lines = ["id,height,weight,kind"]
    for k in range(n):
        lines.append(f"{k},{rng.normal(170, 10):.2f},{rng.normal(70, 8):.2f},{label(k)}")
    return _csv(lines)


def test_an_upload_picks_two_numeric_columns_and_the_last_as_label():
    upload = read_upload(_table(), LIMITS)
    assert upload.header == ["id", "height", "weight", "kind"]
    assert upload.default_columns() == ("id", "height", "kind")
    s = Settings().updated({"dataset": "upload", "columns": ["height", "weight", "kind"]},
                           LIMITS)
    data = upload.data(s)
    assert data.kind == "classes" and data.classes == ["0", "1"]
    assert data.axes == ("height", "weight")
    # standardised with the training rows' figures
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, atol=1e-4)
    assert len(data.X_train) == 30 and data.extent >= np.abs(data.X_train).max()


def test_text_labels_are_classes_and_many_numbers_are_values():
    upload = read_upload(_table(label=lambda k: ["cat", "dog", "owl"][k % 3]), LIMITS)
    data = upload.data(Settings().updated({"dataset": "upload", "columns":
                                           ["height", "weight", "kind"]}, LIMITS))
    assert data.classes == ["cat", "dog", "owl"] and data.y_train.max() == 2
    upload = read_upload(_table(label=lambda k: k * 0.37), LIMITS)
    data = upload.data(Settings().updated({"dataset": "upload", "columns":
                                           ["height", "weight", "kind"]}, LIMITS))
    assert data.kind == "values" and data.classes is None
    assert data.y_train.mean() == pytest.approx(0, abs=1e-5)  # standardised too


@pytest.mark.parametrize(("contents", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "the uploaded file: not a UTF-8 text file"),
    (b"a,b,c\n1,2,\x003\n", "the uploaded file: not a text file (it holds NUL bytes)"),
    (b"", "the uploaded file: empty CSV file"),
    (b"x;y;label\n1;2;0\n", "the uploaded file has 1 column (x;y;label); it needs two feature "
                            "columns and a label (is the delimiter a comma?)"),
    (b"a,b,c\n1,2,3\n4,5\n", "the uploaded file: line 3 has 2 cells, the header has 3"),
    (b"a,b,c\n1,2," + b"9" * 140_000 + b"\n", "the uploaded file: not a readable CSV file "
                                              "(field larger than field limit"),
    (b"a,b,c\n" + b"1,2,3\n" * 5000, "the uploaded file has 5,000 rows; the playground takes "
                                     "at most 4,000"),
])
def test_bad_uploads_say_why(contents, message):
    with pytest.raises(DataError) as info:
        read_upload(contents, LIMITS)
    assert message in str(info.value)


def test_uploads_are_size_limited_before_they_are_read():
    with pytest.raises(DataError, match="is 1,001 bytes; the playground takes files of at "
                                        "most 1,000 bytes"):
        read_upload(b"x" * 1001, Limits(upload_bytes=1000))


@pytest.mark.parametrize(("contents", "columns", "message"), [
    (b"a,b,c\n1,x,0\n2,y,1\n", None, "needs two numeric columns besides the label 'c'; its "
                                     "numeric columns are ['a', 'c']"),
    (b"a,b,c\n1,2,0\n2,3,0\n", None, "the label 'c' has one value only, 0"),
    (b"a,b,c,d\n1,2,x,0\n2,3,y,1\n", ["a", "c", "d"], "column 'c' is not numeric"),
    (b"a,b,c\n" + b"".join(b"%d,%d,t%d\n" % (k, k, k) for k in range(20)), None,
     "the label 'c' has 20 different texts; the playground shows at most 8 classes"),
])
def test_columns_that_cannot_be_used_say_why(contents, columns, message):
    upload = read_upload(contents, LIMITS)
    s = Settings().updated({"dataset": "upload", "columns": columns or []}, LIMITS)
    with pytest.raises(DataError) as info:
        upload.data(s)
    assert message in str(info.value)


def test_the_upload_setting_without_a_file():
    with pytest.raises(DataError, match="no file uploaded in this tab"):
        make_data(Settings().updated({"dataset": "upload"}, LIMITS))


def test_the_library_sets_are_the_ones_named():
    assert DATASETS["xor"].function is datasets.quadrants
    assert DATASETS["gauss"].takes_classes and not DATASETS["circle"].takes_classes
