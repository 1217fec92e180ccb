"""The reliability page (docs/explanation/reliability.md): one table per part of
the promise, each row a failure case with the tests that cover it; every test it
names exists, so a renamed or deleted test fails here instead of leaving a row
uncovered."""

from __future__ import annotations

import ast
import re

from docs_pages import DOCS, ROOT

PAGE = DOCS / "explanation" / "reliability.md"
SECTIONS = ("Long runs keep their work", "Files are never destroyed by accident",
            "Every failure a clear line")
TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _rows() -> dict[str, list[list[str]]]:
    """Each section's table rows, as their cells (the header and rule left out)."""
    rows: dict[str, list[list[str]]] = {}
    section = None
    for line in PAGE.read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            rows[section] = []
        elif line.startswith("|") and section is not None:
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            if cells[0] not in ("failure", "---"):
                rows[section].append(cells)
    return rows


def _test_names(path: str) -> set[str]:
    """The test functions a test file defines."""
    tree = ast.parse((ROOT / path).read_text())
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_the_page_has_a_table_for_each_part_and_every_row_names_its_tests():
    rows = _rows()
    assert tuple(rows) == SECTIONS
    for section, table in rows.items():
        assert len(table) >= 10, section
        for failure, seen, tests in table:
            assert failure and seen, (section, failure)
            assert TEST.findall(tests) and not TEST.sub("", tests).strip(", "), (section, tests)


def test_every_test_the_page_names_exists():
    named = TEST.findall(PAGE.read_text())
    assert len(named) >= 60
    missing = [f"{path}::{name}" for path, name in named
               if not (ROOT / path).is_file() or name not in _test_names(path)]
    assert missing == []


def test_a_test_that_does_not_exist_is_found_missing():
    """The check itself fails on a name that is not a test of its file."""
    assert "test_every_test_the_page_names_exists" in _test_names("tests/docs/"
                                                                  "test_docs_reliability.py")
    assert "test_no_such_thing" not in _test_names("tests/docs/test_docs_reliability.py")
