"""One small registry type for every kind of named part: activations, losses,
initialisers, optimisers and schedules.

A registry maps names to classes. :meth:`Registry.create` turns a *spec* into
an object, whichever way it is written:

- an instance, used as it is;
- a name, ``"sigmoid"``, or a name with keyword arguments in parentheses,
  ``"sigmoid(c=0.01)"``, as typed on the command line;
- a dict, ``{"name": "sigmoid", "c": 0.01}``, as stored in model files.

Users add their own classes with :meth:`Registry.register` (through
:func:`steepest.register`); everything that looks parts up by name (``Network``,
``fit``, ``steepest.load``, the command line) then knows them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

from .errors import ConfigError, UnknownNameError

T = TypeVar("T")


class Registry(Mapping[str, type], Generic[T]):
    """Names -> classes of one ``kind`` (``"activation"``...), all subclasses of ``base``.

    A read-only mapping (``"relu" in ACTIVATIONS``, ``sorted(ACTIVATIONS)``)
    with :meth:`register` to add to it and :meth:`create` to build from a spec.
    """

    def __init__(self, kind: str, base: type[T], classes: tuple[type[T], ...] = ()) -> None:
        self.kind = kind
        self.base = base
        self._classes: dict[str, type[T]] = {}
        for cls in classes:
            self.register(cls)

    # -- the mapping
    def __getitem__(self, name: str) -> type[T]:
        return self._classes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)

    def __repr__(self) -> str:
        return f"Registry({self.kind}: {', '.join(sorted(self))})"

    # -- adding
    def register(self, cls: type[T], *, replace: bool = False) -> type[T]:
        """Add ``cls`` under its ``name`` attribute; returns ``cls`` (so it works
        as a class decorator). A name already taken by another class is refused
        unless ``replace=True``."""
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise ConfigError(f"a registered {self.kind} must be a subclass of "
                              f"{self.base.__name__}, got {cls!r}")
        name = getattr(cls, "name", "")
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"a registered {self.kind} needs a class attribute name, a "
                              f"lowercase identifier such as 'swish'; {cls.__name__} has {name!r}")
        taken = self._classes.get(name)
        if taken is not None and taken is not cls and not replace:
            raise ConfigError(f"the {self.kind} name {name!r} is taken by {taken.__name__}; "
                              "choose another name or pass replace=True")
        self._classes[name] = cls
        return cls

    # -- building
    def create(self, spec: Any) -> T:
        """An object from an instance, a name, ``"name(key=value, ...)"`` or a dict."""
        if isinstance(spec, self.base):
            return spec
        name, params = self.parse(spec)
        cls = self._classes.get(name)
        if cls is None:
            raise UnknownNameError(f"unknown {self.kind} {name!r}; expected one of "
                                   f"{sorted(self)}", self.kind, name)
        try:
            return cls(**params)
        except TypeError as exc:
            raise ConfigError(f"bad parameters for {self.kind} {name!r}: {params} ({exc})"
                              ) from None

    def parse(self, spec: Any) -> tuple[str, dict[str, Any]]:
        """``(name, keyword arguments)`` of a name, a ``"name(key=value)"`` text or a dict."""
        if isinstance(spec, str):
            return _parse_text(spec, self.kind)
        if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
            params = dict(spec)
            return params.pop("name"), params
        raise ConfigError(
            f"unknown {self.kind} {spec!r}: {_an(self.kind)} {self.kind} is a name (one of "
            f"{', '.join(sorted(self))}), a dict with 'name' or {_an(self.base.__name__)} "
            f"{self.base.__name__}")


def _an(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _parse_text(text: str, kind: str) -> tuple[str, dict[str, Any]]:
    """``"sigmoid"`` -> ``("sigmoid", {})``; ``"sigmoid(c=0.01)"`` -> ``("sigmoid", {"c": 0.01})``.

    The values are Python literals (numbers, strings, True/False/None), read with
    :func:`ast.literal_eval`, so a spec can never run code.
    """
    text = text.strip()
    if "(" not in text:
        return text, {}
    usage = f"expected {_an(kind)} {kind} as name or name(key=value, ...), got {text!r}"
    try:
        call = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise ConfigError(usage) from None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)) or call.args:
        raise ConfigError(usage)
    params = {}
    for keyword in call.keywords:
        try:
            params[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            raise ConfigError(f"{usage}: the value of {keyword.arg} must be a number, a "
                              "quoted text, True, False or None") from None
    if None in params:
        raise ConfigError(usage)
    return call.func.id, params


def spec_of(config: dict[str, Any]) -> str | dict[str, Any]:
    """A part's ``config()`` as stored in files: its bare name when it has no
    parameters (so older readers understand it), else the whole dict."""
    return config["name"] if set(config) == {"name"} else config
