"""A Griffe extension for the API reference: reStructuredText habits become Markdown.

The docstrings are written the Sphinx way: they name other objects with roles
(``:class:`Network` ``, ``:meth:`~steepest.Network.fit` ``) and show doctests as
bare ``>>>`` lines, which Markdown would print as is (or, worse, read as links).
This turns each role into inline code, keeping the last dotted part when the
target starts with ``~`` (as Sphinx shows it), fences each doctest as a
``pycon`` code block, drops the second colon of a ``::`` that introduces an
indented code block, lays out ``name: text`` attribute lines as numpydoc items,
and gives each of the parameters ``a, b:`` that share a description its own item.
Only the rendering changes: the source is untouched.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`(~?)([^`]+)`")


def _code(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def plain_roles(text: str) -> str:
    """``:class:`~a.B` `` -> `` `B` ``, ``:mod:`a.b` `` -> `` `a.b` ``."""
    return ROLE.sub(_code, text)


def literal_markers(text: str) -> str:
    """A paragraph ending in ``::`` (rST's "code follows") ends in ``:`` instead;
    the indented block after it is already a Markdown code block."""
    return re.sub(r"(?<=\S)::$", ":", text, flags=re.MULTILINE)


ATTRIBUTES = re.compile(r"^(\s*)Attributes\n\1-+\n((?:\1\S.*\n?)+)", re.MULTILINE)


def attribute_items(text: str) -> str:
    """Under an ``Attributes`` heading, ``name: what it is`` on one line becomes the
    item ``name`` with ``what it is`` as its description (numpydoc's layout), so the
    text is not shown as the attribute's type."""

    def split(section: re.Match[str]) -> str:
        indent = section.group(1)
        items = re.sub(rf"^{indent}([\w, ]+):\s+(.+)$", rf"{indent}\1\n{indent}    \2",
                       section.group(2), flags=re.MULTILINE)
        return f"{indent}Attributes\n{indent}----------\n{items}"

    return ATTRIBUTES.sub(split, text)


GROUPED = re.compile(r"^(\s*)(\w+(?:, \w+)+):?[ \t]*\n((?:\1[ \t]+\S.*(?:\n|$))+)", re.MULTILINE)


def separate_parameters(text: str) -> str:
    """``a, b, c:`` over one description becomes three items with that description,
    so each parameter gets its own type and default from the signature (Griffe
    would give all three the first one's)."""
    head = re.search(r"^(\s*)Parameters\n\1-+\n", text, re.MULTILINE)
    if head is None:
        return text
    section_end = re.search(r"^\s*\w[\w ]*\n\s*-{3,}\n", text[head.end():], re.MULTILINE)
    end = head.end() + section_end.start() if section_end else len(text)

    def split(item: re.Match[str]) -> str:
        indent, names, description = item.groups()
        body = description if description.endswith("\n") else description + "\n"
        return "".join(f"{indent}{n}:\n{body}" for n in names.split(", "))

    return text[: head.end()] + GROUPED.sub(split, text[head.end():end]) + text[end:]


def fence_doctests(text: str) -> str:
    """Each run of lines that starts with ``>>>`` and ends before a blank line
    becomes a fenced ``pycon`` block (unless it is fenced already)."""
    lines, out, fenced = text.split("\n"), [], False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.lstrip().startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out += [f"{indent}```pycon", *block, f"{indent}```"]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class SphinxRoles(griffe.Extension):
    """Rewrites every docstring as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = plain_roles(obj.docstring.value)
            text = attribute_items(literal_markers(separate_parameters(text)))
            obj.docstring.value = fence_doctests(text)
