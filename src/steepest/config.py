"""One training configuration: the network to build and how to train it.

``fit``, the command line, the scikit-learn estimators and ``steepest sweep``
all describe a run with a :class:`TrainingConfig`, checked here and nowhere
else. Each interface keeps the names its users know (``--lr`` on the command
line, ``hidden_layer_sizes`` in scikit-learn); :data:`ALIASES` maps them to the
configuration's own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validation as check
from .errors import ConfigError
from .losses import get_loss
from .network import Network, StepRules
from .optimizers import Optimizer, get_optimizer, get_schedule

#: Other names of the settings -> the configuration's own.
ALIASES: dict[str, str] = {
    "lr": "learning_rate",
    "hidden_layer_sizes": "layers",
    "val_split": "validation_split",
    "validation_fraction": "validation_split",
}


@dataclass(frozen=True)
class TrainingConfig:
    """Everything about a run but the data, checked when it is made.

    The network: ``layers`` (hidden layer sizes, input and output come from the
    data), ``activation``, ``output_activation``, ``loss``, ``init``,
    ``dropout``, ``seed``, ``dtype``, as :class:`~steepest.network.Network` takes
    them. The training: ``epochs``, ``batch_size`` (None: full batch),
    ``optimizer``, ``learning_rate``, ``schedule``, ``l2``, ``l1``, ``clip_norm``,
    ``max_norm``, ``validation_split``, ``shuffle``, as
    :func:`~steepest.training.fit` takes them.
    """

    layers: tuple[int, ...] = ()
    activation: Any = "relu"
    output_activation: Any = None
    loss: Any = "sse"
    init: Any = None
    dropout: Any = 0.0
    seed: int | None = None
    dtype: str = "float32"
    epochs: int = 1
    batch_size: int | None = 32
    optimizer: Any = None
    learning_rate: float | None = None
    schedule: Any = None
    l2: float = 0.0
    l1: float = 0.0
    clip_norm: float | None = None
    max_norm: float | None = None
    validation_split: float = 0.0
    shuffle: bool = True

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # how a frozen dataclass keeps its checked values
        set_(self, "layers", _hidden_layers(self.layers))
        set_(self, "epochs", check.whole_number(self.epochs, "epochs", 0))
        set_(self, "batch_size",
             check.whole_number(self.batch_size, "batch_size", 1, none_ok=True))
        if self.learning_rate is not None:
            set_(self, "learning_rate", check.positive_number(self.learning_rate,
                                                              "learning_rate"))
        set_(self, "validation_split", check.real_number(
            self.validation_split, "validation_split", "lie in [0, 1)", lambda v: 0 <= v < 1))
        self.rules  # checks l1, l2, clip_norm and max_norm  # noqa: B018

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> TrainingConfig:
        """A configuration from a mapping that may use :data:`ALIASES`; an unknown
        name is a ConfigError listing the known ones."""
        return cls(**_canonical(settings))

    def replace(self, **changes: Any) -> TrainingConfig:
        """A copy with ``changes`` (aliases allowed), checked again."""
        return dataclasses.replace(self, **_canonical(changes))

    @property
    def rules(self) -> StepRules:
        """What each step does besides following the gradient (l1, l2, clipping, max-norm)."""
        return StepRules(self.l2, self.clip_norm, self.max_norm, self.l1)

    def network(self, n_inputs: int, n_outputs: int) -> Network:
        """A new network ``[n_inputs, *layers, n_outputs]`` of this configuration."""
        return Network([n_inputs, *self.layers, n_outputs], activation=self.activation,
                       output_activation=self.output_activation, loss=self.loss,
                       init=self.init, dropout=self.dropout, seed=self.seed, dtype=self.dtype)

    def for_targets(self, classification: bool) -> TrainingConfig:
        """This configuration with the loss and output layer the targets need:
        unless a loss was asked for, cross-entropy for classes and mean squared
        error for a number; an output activation only when the loss has none of
        its own (sigmoid for classes, identity for a number)."""
        loss = self.loss or ("cross_entropy" if classification else "mse")
        if get_loss(loss).output_activation is not None:
            output = None
        else:
            output = "sigmoid" if classification else "identity"
        return self.replace(loss=loss, output_activation=output)

    def fit_settings(self) -> dict[str, Any]:
        """The training half, as keyword arguments of ``fit``."""
        names = ("epochs", "batch_size", "optimizer", "learning_rate", "schedule", "l2", "l1",
                 "clip_norm", "max_norm", "validation_split", "shuffle")
        return {name: getattr(self, name) for name in names}

    def optimizer_for(self, net: Network) -> Optimizer:
        """The optimiser a ``fit`` of this configuration uses on ``net``.

        No ``optimizer``, ``learning_rate`` or ``schedule``: the network's own,
        state included (so a second ``fit``, or one after ``load``, resumes
        exactly), or plain SGD on a new network. ``learning_rate``/``schedule``
        alone: a fresh optimiser of the network's kind. A name or config: a
        fresh one; an object: itself, state included. A schedule whose length
        is left open (``"cosine"``) runs over this fit's epochs, counted from the
        optimiser's first epoch.
        """
        schedule = None if self.schedule is None else get_schedule(self.schedule)
        if schedule is not None:
            schedule = schedule.over(self.epochs)
        if self.optimizer is None and net.optimizer is not None:
            if self.learning_rate is None and schedule is None:
                return net.optimizer
            return net.optimizer.fresh(self.learning_rate, schedule)
        chosen = get_optimizer(self.optimizer or "sgd", self.learning_rate, schedule)
        chosen.schedule = chosen.schedule.over(self.epochs)
        return chosen


def _canonical(settings: Mapping[str, Any]) -> dict[str, Any]:
    known = {f.name for f in dataclasses.fields(TrainingConfig)}
    out: dict[str, Any] = {}
    for name, value in settings.items():
        key = ALIASES.get(name, name)
        if key not in known:
            raise ConfigError(f"unknown setting {name!r}; expected one of "
                              f"{sorted(known | set(ALIASES))}")
        if key in out:
            raise ConfigError(f"{name!r} and another name of {key!r} were both given")
        out[key] = value
    return out


def _hidden_layers(layers: Any) -> tuple[int, ...]:
    """Hidden layer sizes as a tuple of whole numbers >= 1 (one int is one layer)."""
    if isinstance(layers, int | np.integer) and not isinstance(layers, bool):
        layers = (layers,)
    if not isinstance(layers, Sequence) or isinstance(layers, str):
        raise ConfigError(f"layers must be a list of hidden layer sizes such as (128, 64), "
                          f"got {layers!r}")
    return tuple(check.whole_number(n, "each hidden layer size", 1) for n in layers)

