"""The messages a page sends, checked before anything acts on them.

A message is a JSON object with a ``type`` (one of :data:`MESSAGES`) and that
type's fields, nothing else. :func:`parse` refuses anything else (text too long,
not JSON, NaN, nesting too deep, an unknown type or field, a value of the wrong
kind) with a :class:`~steepest.errors.ConfigError` that the page shows; the
connection stays open.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .settings import PANELS

Field = Callable[[Any, str], Any]


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{name} must be an object, got {type(value).__name__}")
    return value


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {type(value).__name__}")
    return value


def _index(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**6:
        raise ConfigError(f"{name} must be a whole number >= 0, got {str(value)[:20]}")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(
            value):
        raise ConfigError(f"{name} must be a number, got {str(value)[:20]}")
    return float(value)


def _weight(value: Any, name: str) -> tuple[int, int, int]:
    """A weight as ``[layer, row, col]``."""
    if not isinstance(value, list) or len(value) != 3:
        raise ConfigError(f"{name} must be [layer, row, col], got {str(value)[:40]}")
    return tuple(_index(v, name) for v in value)


def _panels(value: Any, name: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(v in PANELS for v in value):
        raise ConfigError(f"{name} must list panels among {', '.join(PANELS)}, got "
                          f"{str(value)[:60]}")
    return frozenset(value)


#: Each type and its fields (all required).
MESSAGES: dict[str, dict[str, Field]] = {
    "hello": {"settings": _object},
    "settings": {"settings": _object},
    "play": {}, "pause": {}, "step": {}, "reset": {}, "regenerate": {}, "ack": {},
    "fast": {"on": _flag},
    "panels": {"shown": _panels},
    "explain": {}, "doctor": {},
    "surface": {"first": _weight, "second": _weight},
    "set_weight": {"layer": _index, "row": _index, "col": _index, "value": _number},
}
#: The digits page's messages (a drawing comes as bytes, see :mod:`.digits`).
DIGITS_MESSAGES: dict[str, dict[str, Field]] = {
    "hello": {}, "undo": {},
    "learn": {"label": _index, "rate": _number},
}


@dataclass(frozen=True)
class Message:
    """A checked message: its ``type`` and its ``fields``."""

    type: str
    fields: dict[str, Any]


def parse(text: str, most: int, table: dict[str, dict[str, Field]] = MESSAGES) -> Message:
    """Check one message's ``text`` (at most ``most`` characters) against the
    types and fields of ``table``."""
    if len(text) > most:
        raise ConfigError(f"a message of {len(text):,} characters is too long (at most "
                          f"{most:,})")
    try:
        data = json.loads(text, parse_constant=_refuse)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"a message must be a JSON object ({str(exc)[:80]})") from None
    data = _object(data, "a message")
    kind = data.get("type")
    if kind not in table:
        raise ConfigError(f"unknown message type {str(kind)[:40]!r}; expected one of "
                          f"{', '.join(table)}")
    fields = table[kind]
    extra = sorted(set(data) - {"type"} - set(fields))
    missing = sorted(set(fields) - set(data))
    if extra or missing:
        raise ConfigError(f"a {kind} message takes {', '.join(fields) or 'no fields'}; "
                          + (f"unknown: {', '.join(e[:20] for e in extra)}" if extra
                             else f"missing: {', '.join(missing)}"))
    return Message(kind, {name: check(data[name], f"{kind}.{name}")
                          for name, check in fields.items()})


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} is not a number JSON allows")
