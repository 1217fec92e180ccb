"""CSV tables: the admissions exercise in one call, exact encodings, and every
bad file refused with its line and column."""

from __future__ import annotations

import json
import statistics

import numpy as np
import pytest

from steepest.datasets import Table, TableSchema, load_csv
from steepest.errors import ConfigError, DataError

ADMISSIONS = """\
admit,gre,gpa,rank
0,380,3.61,3
1,660,3.67,3
1,800,4.00,1
1,640,3.19,4
0,520,2.93,4
1,760,3.00,2
1,560,2.98,1
0,400,3.08,2
"""
ROWS = [[float(c) for c in line.split(",")] for line in ADMISSIONS.splitlines()[1:]]


def _csv(tmp_path, text, name="table.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _scaled(column: int) -> list[float]:
    values = [row[column] for row in ROWS]
    mean, std = statistics.fmean(values), statistics.pstdev(values)
    return [(v - mean) / std for v in values]


def test_admissions_one_hot_and_standardize(tmp_path):
    table = load_csv(_csv(tmp_path, ADMISSIONS), target="admit", one_hot=["rank"],
                     standardize=["gre", "gpa"])
    assert isinstance(table, Table)
    assert table.feature_names == ["gre", "gpa", "rank=1", "rank=2", "rank=3", "rank=4"]
    assert table.target == "admit"
    assert table.X.shape == (8, 6) and table.X.dtype == np.float32
    ranks = [int(row[3]) for row in ROWS]
    expected = np.column_stack([
        _scaled(1),
        _scaled(2),
        *[[1.0 if r == k else 0.0 for r in ranks] for k in (1, 2, 3, 4)],
    ])
    np.testing.assert_allclose(table.X, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(table.X[:, 2:], expected[:, 2:])  # the 0/1 block is exact
    assert table.y.dtype == np.int64
    np.testing.assert_array_equal(table.y, [0, 1, 1, 1, 0, 1, 1, 0])
    # the figures kept for new rows: population mean and standard deviation
    gre = [row[1] for row in ROWS]
    mean, std = table.schema.scaling["gre"]
    assert mean == pytest.approx(statistics.fmean(gre))
    assert std == pytest.approx(statistics.pstdev(gre))
    assert table.schema.categories == {"rank": ["1", "2", "3", "4"]}


def test_unpacks_as_x_and_y(tmp_path):
    X, y = load_csv(_csv(tmp_path, ADMISSIONS), target="admit", one_hot=["rank"])
    assert X.shape == (8, 6)
    np.testing.assert_array_equal(X[:, 0], [row[1] for row in ROWS])  # not scaled
    np.testing.assert_allclose(X[:, 1], [row[2] for row in ROWS], rtol=1e-7)
    assert y.shape == (8,)


def test_no_options_keeps_every_column_as_a_number(tmp_path):
    X, y = load_csv(_csv(tmp_path, ADMISSIONS), target="gpa")
    np.testing.assert_allclose(X, [[r[0], r[1], r[3]] for r in ROWS], rtol=1e-7)
    assert y.dtype == np.float32  # 3.61 etc. are not whole numbers
    np.testing.assert_allclose(y, [r[2] for r in ROWS], rtol=1e-7)


def test_whole_number_targets_are_int64_whatever_their_spelling(tmp_path):
    path = _csv(tmp_path, "x,y\n1,2.0\n2,-3\n3,0.0e0\n")
    _, y = load_csv(path, target="y")
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [2, -3, 0])
    _, y = load_csv(_csv(tmp_path, "x,y\n1,2\n2,2.5\n", "half.csv"), target="y")
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [2.0, 2.5])


def test_standardize_true_scales_every_numeric_feature(tmp_path):
    path = _csv(tmp_path, ADMISSIONS)
    table = load_csv(path, target="admit", one_hot=["rank"], standardize=True)
    assert set(table.schema.scaling) == {"gre", "gpa"}
    np.testing.assert_allclose(table.X[:, :2].mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(table.X[:, :2].std(axis=0), 1, atol=1e-6)
    assert set(np.unique(table.X[:, 2:])) == {0.0, 1.0}  # one-hot columns untouched
    # without one_hot, rank is a numeric feature and is scaled too; never the target
    X, y = load_csv(path, target="admit", standardize=True)
    np.testing.assert_allclose(X, np.column_stack([_scaled(1), _scaled(2), _scaled(3)]),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(y, [0, 1, 1, 1, 0, 1, 1, 0])


def test_constant_column_standardizes_to_zero(tmp_path):
    X, _ = load_csv(_csv(tmp_path, "a,b,t\n1,5,0\n2,5,1\n3,5,0\n"), target="t",
                    standardize=True)
    np.testing.assert_array_equal(X[:, 1], 0.0)
    assert np.isfinite(X).all()


def test_categories_text_and_numbers(tmp_path):
    text = "colour,size,t\nred,10,0\nblue,2,1\nred,2,1\ngreen,10,0\n"
    table = load_csv(_csv(tmp_path, text), target="t", one_hot=["colour", "size"])
    # numbers in numeric order (2 before 10), text alphabetically
    assert table.feature_names == ["colour=blue", "colour=green", "colour=red",
                                   "size=2", "size=10"]
    np.testing.assert_array_equal(table.X, [[0, 0, 1, 0, 1], [1, 0, 0, 1, 0],
                                            [0, 0, 1, 1, 0], [0, 1, 0, 0, 1]])


def test_whitespace_blank_lines_and_byte_order_mark(tmp_path):
    text = "\ufeff admit , gre ,rank\n\n 1 , 500 , 2 \n0,600,1\n\n"
    X, y = load_csv(_csv(tmp_path, text), target="admit", one_hot=["rank"])
    np.testing.assert_array_equal(X, [[500, 0, 1], [600, 1, 0]])
    np.testing.assert_array_equal(y, [1, 0])


def test_other_delimiter(tmp_path):
    X, y = load_csv(_csv(tmp_path, "a;b;t\n1.5;2;1\n-1;0;0\n"), target="t", delimiter=";")
    np.testing.assert_array_equal(X, [[1.5, 2], [-1, 0]])
    assert y.tolist() == [1, 0]


@pytest.mark.parametrize("delimiter", [";;", "", '"', "\n", None])
def test_a_delimiter_that_is_not_one_character_is_a_config_error(tmp_path, delimiter):
    from steepest.datasets.tables import read_csv_bytes

    path = _csv(tmp_path, "a;b;t\n1.5;2;1\n")
    message = ("delimiter must be one character, not a quote or a line break; got "
               f"{delimiter!r}")
    with pytest.raises(ConfigError) as info:
        load_csv(path, target="t", delimiter=delimiter)
    assert str(info.value) == message
    with pytest.raises(ConfigError):
        read_csv_bytes(path.read_bytes(), "upload", delimiter=delimiter)


# ---------------------------------------------------------------------- errors


def _error(path, **kwargs) -> str:
    kwargs.setdefault("target", "admit")
    with pytest.raises(DataError) as info:
        load_csv(path, **kwargs)
    message = str(info.value)
    assert str(path) in message
    return message


def test_missing_target_column(tmp_path):
    message = _error(_csv(tmp_path, ADMISSIONS), target="admitted")
    assert "'admitted'" in message
    assert "['admit', 'gre', 'gpa', 'rank']" in message  # the columns there are


def test_missing_one_hot_column(tmp_path):
    message = _error(_csv(tmp_path, ADMISSIONS), one_hot=["rnk"])
    assert "'rnk'" in message and "'rank'" in message


def test_missing_standardize_column(tmp_path):
    assert "'grey'" in _error(_csv(tmp_path, ADMISSIONS), standardize=["grey"])


def test_column_both_one_hot_and_standardized(tmp_path):
    with pytest.raises(DataError, match="rank"):
        load_csv(_csv(tmp_path, ADMISSIONS), target="admit", one_hot=["rank"],
                 standardize=["rank"])


def test_non_numeric_cell_names_line_and_column_and_suggests_one_hot(tmp_path):
    text = ADMISSIONS.replace("0,520,2.93,4", "0,520,2.93,fourth")  # the 6th line
    message = _error(_csv(tmp_path, text))
    assert "line 6" in message
    assert "'rank'" in message
    assert "'fourth'" in message
    assert "one_hot" in message


def test_non_numeric_target(tmp_path):
    text = ADMISSIONS.replace("1,800,4.00,1", "yes,800,4.00,1")  # the 4th line
    message = _error(_csv(tmp_path, text))
    assert "line 4" in message and "'admit'" in message and "'yes'" in message


def test_empty_cell(tmp_path):
    text = ADMISSIONS.replace("1,660,3.67,3", "1,,3.67,3")  # the 3rd line
    message = _error(_csv(tmp_path, text))
    assert "line 3" in message and "'gre'" in message and "empty" in message


def test_empty_cell_in_a_one_hot_column(tmp_path):
    text = ADMISSIONS.replace("1,660,3.67,3", "1,660,3.67,")  # the 3rd line
    message = _error(_csv(tmp_path, text), one_hot=["rank"])
    assert "line 3" in message and "'rank'" in message


@pytest.mark.parametrize("cell", ["nan", "inf", "-Infinity"])
def test_nan_cell_names_the_file_line_and_column(tmp_path, cell):
    text = ADMISSIONS.replace("3.67", cell)  # the 3rd line
    message = _error(_csv(tmp_path, text))
    assert message == (f"{tmp_path / 'table.csv'}: line 3, column 'gpa': {cell!r} is not a "
                       "finite number (NaN or infinity)")


@pytest.mark.parametrize("cell", ["1e39", "-1e300"])
@pytest.mark.parametrize("column", ["gpa", "admit"])
def test_a_value_beyond_float32_names_the_file_line_and_column(tmp_path, cell, column):
    row = f"1,660,{cell},3" if column == "gpa" else f"{cell},660,3.67,3"
    text = ADMISSIONS.replace("1,660,3.67,3", row)  # the 3rd line
    message = _error(_csv(tmp_path, text))  # and no overflow warning (an error in tests)
    assert message == (f"{tmp_path / 'table.csv'}: line 3, column {column!r}: {cell!r} is too "
                       "large for float32 (limit 3.4e+38)")


def test_a_value_beyond_float32_standardises_when_the_result_fits(tmp_path):
    text = ADMISSIONS.replace("3.67", "1e39")  # the 3rd line
    X, _ = load_csv(_csv(tmp_path, text), target="admit", standardize=["gpa"])
    assert np.isfinite(X).all()
    assert X[1, 1] == pytest.approx(np.sqrt(7), rel=1e-6)  # one of 8 far out: sqrt(n - 1)


def test_a_column_too_large_to_standardise_names_its_largest_value(tmp_path):
    text = ADMISSIONS.replace("4.00", "-1e300")  # the 4th line: its square overflows
    message = _error(_csv(tmp_path, text), standardize=True)
    assert message == (f"{tmp_path / 'table.csv'}: line 4, column 'gpa': '-1e300' is too large "
                       "to standardise (the column's mean or standard deviation overflows)")


def test_new_rows_standardised_beyond_float32_are_refused(tmp_path):
    table = load_csv(_csv(tmp_path, ADMISSIONS), target="admit", standardize=["gpa"])
    mean, std = table.schema.scaling["gpa"]
    with pytest.raises(DataError) as info:
        table.schema.encode(["gre", "gpa", "rank"], [["500", "3.0", "2"], ["500", "3e38", "2"]],
                            "new.csv")
    assert str(info.value) == (
        f"new.csv: line 3, column 'gpa': '3e38' is {(3e38 - mean) / std:.3g} once "
        f"standardised (mean {mean:.3g}, std {std:.3g}), which is too large for float32 "
        "(limit 3.4e+38)")


def test_ragged_row(tmp_path):
    short = ADMISSIONS.replace("1,640,3.19,4", "1,640,3.19")  # the 5th line
    message = _error(_csv(tmp_path, short))
    assert "line 5" in message and "3 cells" in message and "4" in message
    long = ADMISSIONS.replace("0,380,3.61,3", "0,380,3.61,3,9")  # the 2nd line
    assert "line 2" in _error(_csv(tmp_path, long, "long.csv"))


def test_line_numbers_count_blank_lines(tmp_path):
    text = "admit,gre,gpa,rank\n0,380,3.61,3\n\n1,660,abc,3\n"
    assert "line 4" in _error(_csv(tmp_path, text))


def test_empty_file(tmp_path):
    assert "empty" in _error(_csv(tmp_path, ""))
    assert "empty" in _error(_csv(tmp_path, "\n\n  \n", "blank.csv"))


def test_header_only_file(tmp_path):
    assert "no rows" in _error(_csv(tmp_path, "admit,gre,gpa,rank\n"))


def test_missing_file(tmp_path):
    assert "no such CSV file" in _error(tmp_path / "nowhere.csv")


@pytest.mark.parametrize("kind", ["folder", "fifo", "link loop"])
def test_a_path_that_is_no_file_is_named_for_what_it_is(tmp_path, not_a_file, kind):
    path = tmp_path / "table.csv"
    found = not_a_file(path, kind)
    assert _error(path) == f"{path}: {found}, not a CSV file"


def test_the_contents_of_a_file_read_as_the_file(tmp_path):
    # An upload is read from its bytes: the same rows and the same refusals.
    from steepest.datasets.tables import read_csv_bytes, read_csv_rows

    path = _csv(tmp_path, "\ufeff" + ADMISSIONS)
    assert read_csv_bytes(path.read_bytes(), "upload") == read_csv_rows(path)
    for data, message in [
        (b"", "upload: empty CSV file (expected a header row)"),
        (b"a,b\n1,2\n3\n", "upload: line 3 has 1 cells, the header has 2"),
        (b"a,a\n1,2\n", "upload: the header names columns more than once: ['a']"),
        (b"a,b\n\xff\xfe,1\n", "upload: not a UTF-8 text file (invalid start byte at byte 4)"),
        (b"a,b\n1,\x002\n", "upload: not a text file (it holds NUL bytes)"),
    ]:
        with pytest.raises(DataError) as info:
            read_csv_bytes(data, "upload")
        assert str(info.value) == message


# ---------------------------------------------------------------------- schema


def test_schema_round_trips_through_json(tmp_path):
    table = load_csv(_csv(tmp_path, ADMISSIONS), target="admit", one_hot=["rank"],
                     standardize=["gre", "gpa"])
    data = json.loads(json.dumps(table.schema.to_dict()))
    schema = TableSchema.from_dict(data)
    assert schema == table.schema
    assert schema.feature_names == table.feature_names
    assert schema.columns == ["gre", "gpa", "rank"]


def test_schema_encodes_new_rows_like_the_training_rows(tmp_path):
    table = load_csv(_csv(tmp_path, ADMISSIONS), target="admit", one_hot=["rank"],
                     standardize=["gre", "gpa"])
    schema = TableSchema.from_dict(json.loads(json.dumps(table.schema.to_dict())))
    lines = ADMISSIONS.splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    np.testing.assert_array_equal(schema.encode(header, rows, "again"), table.X)
    # new rows: other column order, no target column
    new = schema.encode(["rank", "gpa", "gre"], [["2", "3.5", "700"], ["4", "2.5", "300"]],
                        "new rows")
    (gre_mean, gre_std), (gpa_mean, gpa_std) = schema.scaling["gre"], schema.scaling["gpa"]
    expected = [[(700 - gre_mean) / gre_std, (3.5 - gpa_mean) / gpa_std, 0, 1, 0, 0],
                [(300 - gre_mean) / gre_std, (2.5 - gpa_mean) / gpa_std, 0, 0, 0, 1]]
    assert new.dtype == np.float32
    np.testing.assert_allclose(new, expected, rtol=1e-6, atol=1e-6)


def test_schema_refuses_an_unknown_category_and_a_missing_column(tmp_path):
    table = load_csv(_csv(tmp_path, ADMISSIONS), target="admit", one_hot=["rank"])
    with pytest.raises(DataError) as info:
        table.schema.encode(["gre", "gpa", "rank"], [["500", "3.0", "2"], ["500", "3.0", "5"]],
                            "new.csv")
    message = str(info.value)
    assert "new.csv" in message and "line 3" in message and "'rank'" in message
    assert "'5'" in message and "'1', '2', '3', '4'" in message  # the known categories
    with pytest.raises(DataError, match="'gpa'"):
        table.schema.encode(["gre", "rank"], [["500", "2"]], "new.csv")
