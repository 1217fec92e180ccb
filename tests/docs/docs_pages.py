"""The documentation's pages and their code blocks, for the tests in tests/docs/.

The pages are README.md and every Markdown file under docs/. A fenced block is
```` ```LANG ```` ... ```` ``` ````; ``python`` blocks run, ``py`` blocks are shown
code that needs data files, ``bash`` blocks are commands, ``text`` blocks are what
a command or a block prints.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def pages() -> list[Path]:
    """README.md, then every page of the site, in path order."""
    return [README, *sorted(DOCS.rglob("*.md"))]


def name(page: Path) -> str:
    """A page's path from the repository root, e.g. ``docs/how-to/the-doctor.md``."""
    return page.relative_to(ROOT).as_posix()


def blocks(page: Path, lang: str) -> list[str]:
    """The contents of the page's ```` ```LANG ```` blocks, in order."""
    return re.findall(rf"^```{re.escape(lang)}\n(.*?)^```$", page.read_text(), re.S | re.M)


# ------------------------------------------------------------------ claims in comments
# A one-line expression or assignment in a python block, followed by a comment
# that starts with a Python literal, claims the (assigned) value:
#     net.n_params                      # 29
#     net.predict(X_val).shape          # (100, 2): the outputs
#     X_aug = augmenter(X, rng)         # (5, 64): new, distorted rows
#     report.codes()                    # ['no_gradient', 'saturated_units']
# The tests check each claim when the block runs. Numbers match to 1 % (or 0.005),
# `...` matches anything, and an integer tuple matches an array's shape. A comment
# that starts with a word ("about 0.95", "a float") claims nothing.


def claim(comment: str) -> tuple[bool, Any]:
    """``(True, literal)`` when the comment starts with a Python literal followed by
    nothing, ``:`` or ``,``; else ``(False, None)``."""
    text = comment.lstrip("#").strip()
    for end in range(len(text), 0, -1):
        head, rest = text[:end].rstrip(), text[end:].lstrip()
        if not head or head.endswith(",") or (rest and rest[0] not in ":,"):
            continue
        try:
            return True, ast.literal_eval(head)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return False, None


def matches(value: Any, expected: Any) -> bool:
    """Whether a value is what a comment claims (see above)."""
    if expected is Ellipsis:
        return True
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(expected, bool):
        return isinstance(value, bool) and value == expected
    if isinstance(expected, tuple) and expected and all(
            isinstance(e, int) and not isinstance(e, bool) for e in expected) and isinstance(
            value, np.ndarray):
        return value.shape == expected
    if isinstance(expected, dict):
        return (isinstance(value, dict) and set(value) == set(expected)
                and all(matches(value[k], expected[k]) for k in expected))
    if isinstance(expected, list | tuple):
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if isinstance(value, str) or not hasattr(value, "__iter__"):
            return False
        value = list(value)
        return len(value) == len(expected) and all(
            matches(v, e) for v, e in zip(value, expected, strict=True))
    if isinstance(expected, int) and isinstance(value, int):
        return value == expected
    if isinstance(expected, int | float):
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isclose(
            value, expected, rel_tol=1e-2, abs_tol=5e-3)
    return value == expected


def claims(code: str) -> dict[int, Any]:
    """Line number -> claimed value, for every comment that claims one."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            ok, value = claim(token.string)
            if ok:
                found[token.start[0]] = value
    return found


def run_block(code: str, namespace: dict[str, Any], where: str) -> int:
    """Execute a python block in ``namespace``, checking every claim in its
    comments as its line runs (each claimed value passes through ``__claim__``);
    returns how many claims were checked."""
    tree = ast.parse(code, where)
    claimed = claims(code)
    checked = []

    def check(line: int, value: Any) -> Any:
        expected = claimed[line]
        assert matches(value, expected), (
            f"{where}, line {line}: {code.splitlines()[line - 1].strip()!r} gives "
            f"{value!r}, the comment says {expected!r}")
        checked.append(line)
        return value

    for node in tree.body:
        if (isinstance(node, ast.Expr | ast.Assign) and node.lineno == node.end_lineno
                and node.lineno in claimed):
            node.value = ast.Call(ast.Name("__claim__", ast.Load()),
                                  [ast.Constant(node.lineno), node.value], [])
    ast.fix_missing_locations(tree)
    namespace["__claim__"] = check
    exec(compile(tree, where, "exec"), namespace)
    return len(checked)


def run_page(page: Path, lang: str = "python") -> tuple[dict[str, Any], int]:
    """Run every block of the page, top to bottom, in one namespace; returns the
    namespace and the number of claims checked."""
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    checked = 0
    for number, code in enumerate(blocks(page, lang), 1):
        checked += run_block(code, namespace, f"{name(page)} {lang} block {number}")
    return namespace, checked



