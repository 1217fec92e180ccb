"""Text to values, for whatever a user types: command-line options and sweep grids.

Each parser is called on the text and returns the value, or raises
``ValueError`` with a one-line reason (``"must be > 0, got '-1'"``), which the
command line shows after the option's name. Its ``requirement`` says what it
accepts (``"a number > 0"``), which a grid's error message quotes.

Part names (activations, losses, initialisers, optimisers, schedules) are
checked against their registry, so a class registered with
:func:`steepest.register` is accepted too, with parameters:
``"sigmoid(c=0.01)"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ._registry import Registry
from .errors import SteepestError


class Number:
    """A number of ``kind`` (``int`` or ``float``) that ``accept`` takes.

    ``condition`` is how the command line states ``accept`` (``"> 0"``);
    ``requirement`` defaults to ``"a number > 0"`` (``"a whole number ..."``
    for ``int``).
    """

    def __init__(self, kind: type, accept: Callable[[float], bool], condition: str,
                 requirement: str | None = None) -> None:
        self.kind = kind
        self.accept = accept
        self.condition = condition
        self.noun = "whole number" if kind is int else "number"
        self.requirement = requirement or f"a {self.noun} {condition}"

    def __call__(self, text: str) -> Any:
        try:
            value = self.kind(text)
        except ValueError:
            raise ValueError(f"expected a {self.noun}, got {text!r}") from None
        if not (math.isfinite(value) and self.accept(value)):
            raise ValueError(f"must be {self.condition}, got {text!r}")
        return value


positive_int = Number(int, lambda v: v > 0, "> 0", "a whole number >= 1")
non_negative_int = Number(int, lambda v: v >= 0, ">= 0")
positive_float = Number(float, lambda v: v > 0, "> 0")
non_negative_float = Number(float, lambda v: v >= 0, ">= 0")
fraction = Number(float, lambda v: 0 <= v < 1, "in [0, 1)", "a fraction in [0, 1)")
rate = Number(float, lambda v: 0 <= v < 1, "in [0, 1)", "a rate in [0, 1)")


class BatchSize:
    """Rows per step, ``0`` meaning the whole batch: an ``int`` >= 1, or None for 0."""

    requirement = "a whole number >= 0 (0 = full batch)"

    def __call__(self, text: str) -> int | None:
        return non_negative_int(text) or None


class LayerSizes:
    """Hidden layer sizes, ``"128,64"`` -> ``(128, 64)``; ``"none"`` (or ``"-"``) is
    no hidden layer, ``()``."""

    requirement = "hidden sizes such as 128,64 (or none)"

    def __call__(self, text: str) -> tuple[int, ...]:
        if text.strip() in ("none", "-"):
            return ()
        if not text.strip():
            raise ValueError("empty; expected sizes like 128,64 (or none: no hidden layer)")
        items = [item.strip() for item in text.split(",")]
        if not all(items):  # "10,,5" or "10,": a size left out, not fewer layers
            raise ValueError(f"an empty layer size in {text!r}; separate sizes by single "
                             "commas, e.g. 128,64")
        try:
            sizes = tuple(int(item) for item in items)
        except ValueError:
            raise ValueError(f"expected sizes like 128,64 (or none), got {text!r}") from None
        if min(sizes) < 1:
            raise ValueError(f"layer sizes must be >= 1, got {text!r}")
        return sizes


class PartSpec:
    """A part of ``registry`` by name, or with parameters (``"sigmoid(c=0.01)"``):
    the text itself, once the registry could build it.

    With ``hidden``, only activations that may be a hidden layer's (their
    ``hidden`` attribute). The names listed come from the registry when asked,
    so classes registered later are listed too.
    """

    def __init__(self, registry: Registry, *, hidden: bool = False) -> None:
        self.registry = registry
        self.hidden = hidden

    @property
    def names(self) -> list[str]:
        """The names accepted, sorted."""
        return sorted(name for name, cls in self.registry.items()
                      if not self.hidden or cls.hidden)

    @property
    def requirement(self) -> str:
        return f"one of {', '.join(self.names)} (parameters in parentheses: name(key=value))"

    def __call__(self, text: str) -> str:
        text = text.strip()
        try:
            part = self.registry.create(text)
        except (SteepestError, TypeError) as exc:
            raise ValueError(" ".join(str(exc).split())) from None
        if self.hidden and not part.hidden:
            raise ValueError(f"{part.name} belongs on the output layer only")
        return text


layer_sizes = LayerSizes()
batch_size = BatchSize()


def names_list(text: str | None) -> list[str]:
    """``"a, b"`` -> ``["a", "b"]`` (None or empty: ``[]``)."""
    return [item.strip() for item in text.split(",") if item.strip()] if text else []
