"""The playground's settings: everything a page shows and trains, checked at the door.

A page sends its settings as one JSON object, whole or in part, and keeps them in
its URL so that a link reopens the same state. :meth:`Settings.updated` checks
every field (type, range, names known to the registries, the :class:`Limits`)
and raises a :class:`~steepest.errors.ConfigError` saying what was expected and
what was found; nothing is changed then.

The fields fall in four groups (:data:`GROUPS`): a change of the data or of the
architecture starts a new network; a change of training (rate, optimiser,
regularisation, batch size, stop condition) carries on with the same weights;
the view changes nothing that is computed.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._validation import whole_number
from ..activations import ACTIVATIONS
from ..errors import ConfigError
from ..initializers import INITIALIZERS
from ..losses import LOSSES
from ..optimizers import OPTIMIZERS, SCHEDULES
from .data import DATASETS, FEATURES, UPLOAD

#: The longest name or ``"name(key=value)"`` text accepted for a part.
MAX_SPEC = 80
#: The panels of the page (also names ``hide`` takes).
PANELS = ("gradients", "doctor", "surface", "explain", "export", "upload")
REGULARIZATIONS = ("none", "l1", "l2")
#: Seeds are drawn from 0 to this (a URL stays short).
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class Limits:
    """What one playground server allows, so a page cannot exhaust the machine:
    hidden ``layers`` and ``neurons`` per layer, data ``points``, concurrent
    ``sessions`` (browser tabs), the size of an uploaded file
    (``upload_bytes``) and of a message (``message_chars``)."""

    layers: int = 10
    neurons: int = 64
    points: int = 4000
    sessions: int = 8
    upload_bytes: int = 2 * 2**20
    message_chars: int = 65536

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            whole_number(getattr(self, field.name), field.name, 1)


@dataclass(frozen=True)
class Settings:
    """One page's settings; every field is JSON-able and checked by :meth:`updated`.

    Data: ``dataset`` (a name of :data:`~steepest.playground.data.DATASETS` or
    ``"upload"``), ``classes`` (for the sets that take a number of classes),
    ``noise`` and ``train_ratio`` (percent), ``points``, ``seed``, and for an
    upload the ``columns`` (x1, x2, label). Architecture: ``features`` (of
    :data:`~steepest.playground.data.FEATURES`), hidden ``layers`` sizes and their
    ``activations``, ``output``, ``loss`` and ``init`` (``"auto"``: the library's
    choice), ``dropout``. Training: ``learning_rate``, ``optimizer``,
    ``schedule``, ``regularization`` (none, l1, l2) at ``reg_rate``,
    ``batch_size``, and the stop condition ``stop_loss`` (test loss) or
    ``stop_epochs``. View: ``show_test``, ``discretize``, and the controls and
    panels to ``hide`` (for an exercise).
    """

    dataset: str = "circle"
    classes: int = 2
    noise: int = 0
    train_ratio: int = 50
    points: int = 500
    seed: int = 0
    columns: tuple[str, ...] = ()
    features: tuple[str, ...] = ("x1", "x2")
    layers: tuple[int, ...] = (4, 2)
    activations: tuple[str, ...] = ("tanh", "tanh")
    output: str = "auto"
    loss: str = "auto"
    init: str = "auto"
    dropout: float = 0.0
    learning_rate: float = 0.03
    optimizer: str = "sgd"
    schedule: str = "constant"
    regularization: str = "none"
    reg_rate: float = 0.0
    batch_size: int = 10
    stop_loss: float | None = None
    stop_epochs: int | None = None
    show_test: bool = False
    discretize: bool = False
    hide: tuple[str, ...] = ()

    def updated(self, changes: Any, limits: Limits) -> Settings:
        """These settings with ``changes`` (a mapping of field names to JSON
        values), every value checked; a ConfigError names the first bad one."""
        if not isinstance(changes, Mapping):
            raise ConfigError(f"settings must be an object of names and values, got "
                              f"{type(changes).__name__}")
        checked = {}
        for name, value in changes.items():
            check = CHECKS.get(name)
            if check is None:
                raise ConfigError(f"unknown setting {str(name)[:40]!r}; expected one of "
                                  f"{', '.join(CHECKS)}")
            checked[name] = check(value, name, limits)
        if "layers" in checked and "activations" not in checked:
            checked["activations"] = (self.activations or ("tanh",))[-1:]
        if "activations" in checked:
            checked["activations"] = _per_layer(checked["activations"],
                                                checked.get("layers", self.layers))
        return dataclasses.replace(self, **checked)

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON values (tuples as lists)."""
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in dataclasses.asdict(self).items()}

    def changed(self, other: Settings) -> set[str]:
        """The :data:`GROUPS` in which ``other`` differs from these settings."""
        return {group for group, names in GROUPS.items()
                if any(getattr(self, n) != getattr(other, n) for n in names)}


def _per_layer(activations: tuple[str, ...], layers: tuple[int, ...]) -> tuple[str, ...]:
    """One activation per hidden layer: a single name stands for every layer."""
    if len(activations) == 1:
        return activations * len(layers)
    if len(activations) != len(layers):
        raise ConfigError(f"activations lists {len(activations)} names for {len(layers)} hidden "
                          "layers; give one per layer, or one for all")
    return activations


# ---------------------------------------------------------------------- the checks
Check = Callable[[Any, str, Limits], Any]


def _whole(low: int, high: int | Callable[[Limits], int]) -> Check:
    def check(value: Any, name: str, limits: Limits) -> int:
        top = high(limits) if callable(high) else high
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not (
                low <= value <= top):
            raise ConfigError(f"{name} must be a whole number from {low} to {top:,}, got "
                              f"{_shown(value)}")
        return int(value)
    return check


def _number(low: float, high: float, *, above: bool = False) -> Check:
    """A number in ``[low, high]`` (``(low, high]`` with ``above``)."""
    def check(value: Any, name: str, limits: Limits) -> float:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        number = float(value) if ok else math.nan
        if not (math.isfinite(number) and (low < number if above else low <= number)
                and number <= high):
            where = f"{'above' if above else 'from'} {low:g} {'and at most' if above else 'to'}"
            raise ConfigError(f"{name} must be a number {where} {high:g}, got {_shown(value)}")
        return number
    return check


def _optional(inner: Check) -> Check:
    def check(value: Any, name: str, limits: Limits) -> Any:
        return None if value is None else inner(value, name, limits)
    return check


def _flag(value: Any, name: str, limits: Limits) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {_shown(value)}")
    return value


def _choice(options: tuple[str, ...] | Callable[[], tuple[str, ...]]) -> Check:
    def check(value: Any, name: str, limits: Limits) -> str:
        known = options() if callable(options) else options
        if value not in known:
            raise ConfigError(f"{name} must be one of {', '.join(known)}, got {_shown(value)}")
        return value
    return check


def _text_list(value: Any, name: str, most: int) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or len(value) > most or not all(
            isinstance(v, str) and len(v) <= MAX_SPEC for v in value):
        raise ConfigError(f"{name} must be a list of at most {most} names, got {_shown(value)}")
    return tuple(value)


def _subset(options: tuple[str, ...], least: int) -> Check:
    def check(value: Any, name: str, limits: Limits) -> tuple[str, ...]:
        chosen = _text_list(value, name, len(options))
        unknown = [v for v in chosen if v not in options]
        if unknown or len(set(chosen)) != len(chosen) or len(chosen) < least:
            raise ConfigError(f"{name} must list {'at least one of ' if least else ''}"
                              f"{', '.join(options)}, each once; got {_shown(value)}")
        return tuple(v for v in options if v in chosen)  # the page's order
    return check


def _sizes(value: Any, name: str, limits: Limits) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or len(value) > limits.layers:
        raise ConfigError(f"{name} must be a list of at most {limits.layers} hidden layer "
                          f"sizes, got {_shown(value)}")
    size = _whole(1, lambda limits: limits.neurons)
    return tuple(size(v, f"each of {name}", limits) for v in value)


def _columns(value: Any, name: str, limits: Limits) -> tuple[str, ...]:
    columns = _text_list(value, name, 3)
    if len(columns) not in (0, 3) or len(set(columns)) != len(columns):
        raise ConfigError(f"{name} must name three different columns (x1, x2, label), got "
                          f"{_shown(value)}")
    return columns


def _part(registry: Any, *, auto: bool = False, hidden: bool = False) -> Check:
    """A name or ``"name(key=value)"`` text the registry builds (``"auto"`` too)."""
    def check(value: Any, name: str, limits: Limits) -> str:
        if auto and value == "auto":
            return value
        if not isinstance(value, str) or len(value) > MAX_SPEC:
            raise ConfigError(f"{name} must be the name of {_a(registry.kind)}, got "
                              f"{_shown(value)}")
        part = registry.create(value)  # a ConfigError naming the known ones
        if hidden and not part.hidden:
            raise ConfigError(f"{name}: {part.name} belongs on the output layer only, not on "
                              "hidden layers")
        return value
    return check


def _parts(inner: Check) -> Check:
    def check(value: Any, name: str, limits: Limits) -> tuple[str, ...]:
        specs = _text_list(value, name, limits.layers)
        if not specs:
            raise ConfigError(f"{name} must name at least one activation")
        return tuple(inner(spec, f"each of {name}", limits) for spec in specs)
    return check


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _shown(value: Any) -> str:
    """A value as an error message quotes it: never more than a line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def dataset_names() -> tuple[str, ...]:
    return (*DATASETS, UPLOAD)


CHECKS: dict[str, Check] = {
    "dataset": _choice(dataset_names),
    "classes": _whole(2, 8),
    "noise": _whole(0, 50),
    "train_ratio": _whole(10, 90),
    "points": _whole(20, lambda limits: limits.points),
    "seed": _whole(0, MAX_SEED),
    "columns": _columns,
    "features": _subset(tuple(FEATURES), 1),
    "layers": _sizes,
    "activations": _parts(_part(ACTIVATIONS, hidden=True)),
    "output": _part(ACTIVATIONS, auto=True),
    "loss": _part(LOSSES, auto=True),
    "init": _part(INITIALIZERS, auto=True),
    "dropout": _number(0.0, 0.9),
    "learning_rate": _number(0.0, 10.0, above=True),
    "optimizer": _part(OPTIMIZERS),
    "schedule": _part(SCHEDULES),
    "regularization": _choice(REGULARIZATIONS),
    "reg_rate": _number(0.0, 10.0),
    "batch_size": _whole(1, lambda limits: limits.points),
    "stop_loss": _optional(_number(0.0, 1e6, above=True)),
    "stop_epochs": _optional(_whole(1, 10**7)),
    "show_test": _flag,
    "discretize": _flag,
    "hide": _subset((*(f.name for f in dataclasses.fields(Settings)), *PANELS), 0),
}

#: Which fields change what: the data or the architecture start a new network.
GROUPS: dict[str, tuple[str, ...]] = {
    "data": ("dataset", "classes", "noise", "train_ratio", "points", "seed", "columns"),
    "architecture": ("features", "layers", "activations", "output", "loss", "init", "dropout"),
    "training": ("learning_rate", "optimizer", "schedule", "regularization", "reg_rate",
                 "batch_size", "stop_loss", "stop_epochs"),
    "view": ("show_test", "discretize", "hide"),
}
