"""The options several commands share, each defined once, in groups: data,
network, training and output.

A command adds the groups it takes with its own :class:`Defaults`: the values
argparse fills in (absent: None, an option not given, which
:func:`~steepest.cli.settings.resolve_run` or the command resolves) and how the
help states them. Every option's help ends with its default.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import _parsing
from ..activations import ACTIVATIONS
from ..initializers import INITIALIZERS
from ..losses import LOSSES
from ..optimizers import OPTIMIZERS, SCHEDULES
from .data import NAMED_DATA
from .settings import AUGMENTATIONS, SELECTIONS, default_text, shown


def argument_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` (see :mod:`steepest._parsing`) as an argparse type: its reason
    for refusing a text becomes the one-line usage error."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def non_empty(text: str) -> str:
    """An argparse type for a name or a path: ``text`` as given, but an empty one
    is a usage error, so that a script's unset variable (``--out "$OUT"``) never
    passes for an option not given."""
    if not text:
        raise argparse.ArgumentTypeError("needs a value, got an empty string")
    return text


#: Defaults that are the same for every command.
COMMON_TEXTS = {
    "data_dir": "default: the cache, downloading what is missing",
    "target": "default: the last column",
    "one_hot": "default: none",
    "standardize": "default: off",
    "loss": "default: cross_entropy for classes, mse for a numeric target",
    "init": "default: the activation's own: he for the ReLU family, else glorot",
    "json": "default: off",
    "force": "default: off, a model there is kept and the command refused",
    "plots": "default: none",
    "clip_norm": "default: off",
    "max_norm": "default: off",
}


@dataclass(frozen=True)
class Defaults:
    """A command's defaults for the shared options: ``values`` for argparse
    (absent: None, resolved later) and ``texts``, how the help states a default
    (absent: the value, else :data:`COMMON_TEXTS`, else the per-dataset default
    of ``steepest train``)."""

    values: Mapping[str, Any] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    presets: bool = False  # a preset may set the training options

    def value(self, dest: str) -> Any:
        """What argparse fills in when option ``dest`` is not given."""
        return self.values.get(dest)

    def text(self, dest: str) -> str:
        """How the help of option ``dest`` states its default."""
        if dest in self.texts:
            return self.texts[dest]
        if dest in self.values:
            return f"default: {shown(self.values[dest])}"
        if dest in COMMON_TEXTS:
            return COMMON_TEXTS[dest]
        return default_text(dest, presets=self.presets)


def _names(registry: Mapping[str, type], hidden: bool = False) -> str:
    return ", ".join(_parsing.PartSpec(registry, hidden=hidden).names)


def _part(registry: Mapping[str, type], what: str, example: str | None = None,
          hidden: bool = False) -> dict[str, Any]:
    """A part of ``registry`` by name, or with parameters as in ``example``."""
    parameters = f", or with parameters, e.g. '{example}'" if example else ""
    return {"type": argument_type(_parsing.PartSpec(registry, hidden=hidden)), "metavar": "NAME",
            "help": f"{what}: {_names(registry, hidden)}{parameters}"}


#: Every shared option: its destination -> argparse's keywords but the default
#: (made when a parser is built, so the names registered by then are listed).
OPTIONS: dict[str, Callable[[], dict[str, Any]]] = {
    # data
    "data": lambda: {"type": non_empty, "metavar": "DATA",
                     "help": f"{' | '.join(NAMED_DATA)} | PATH.csv"},
    "data_dir": lambda: {"type": non_empty, "metavar": "DIR",
                         "help": "folder with the IDX files of mnist and fashion-mnist"},
    "target": lambda: {"type": non_empty, "metavar": "COLUMN",
                       "help": "CSV: the column to predict"},
    "one_hot": lambda: {"type": non_empty, "metavar": "COLUMNS",
                        "help": "CSV: categorical columns, comma-separated"},
    "standardize": lambda: {"action": "store_true",
                            "help": "CSV: scale numeric columns to mean 0, std 1 (the training "
                            "rows' figures)"},
    # network
    "layers": lambda: {"type": argument_type(_parsing.layer_sizes), "metavar": "SIZES",
                       "help": "hidden layer sizes, e.g. 128,64 (none: no hidden layer)"},
    "activation": lambda: _part(ACTIVATIONS, "hidden activation", "sigmoid(c=0.01)",
                                hidden=True),
    "dropout": lambda: {"type": argument_type(_parsing.rate), "metavar": "RATE",
                        "help": "dropout rate of the hidden layers"},
    "loss": lambda: _part(LOSSES, "loss"),
    "init": lambda: _part(INITIALIZERS, "weight initialiser"),
    "seed": lambda: {"type": argument_type(_parsing.non_negative_int),
                     "help": "makes the run repeatable"},
    # training
    "optimizer": lambda: _part(OPTIMIZERS, "optimizer", "adam(beta1=0.8)"),
    "lr": lambda: {"type": argument_type(_parsing.positive_float), "help": "learning rate"},
    "epochs": lambda: {"type": argument_type(_parsing.positive_int),
                       "help": "passes over the training rows"},
    "batch_size": lambda: {"type": argument_type(_parsing.non_negative_int),
                           "help": "rows per step, 0 = full batch"},
    "val_split": lambda: {"type": argument_type(_parsing.fraction), "metavar": "FRACTION",
                          "help": "fraction of the training rows held out for validation"},
    "schedule": lambda: _part(SCHEDULES, "learning-rate schedule (cosine: down to 0 at the "
                              "last epoch)", "step(step_size=5)"),
    "l2": lambda: {"type": argument_type(_parsing.non_negative_float), "help": "weight decay"},
    "clip_norm": lambda: {"type": argument_type(_parsing.positive_float), "metavar": "NORM",
                          "help": "rescale each step's whole gradient to at most this norm "
                          "(against a diverging run)"},
    "max_norm": lambda: {"type": argument_type(_parsing.positive_float), "metavar": "NORM",
                         "help": "after each step, rescale each unit's incoming weights to at "
                         "most this norm"},
    "augment": lambda: {"choices": AUGMENTATIONS,
                        "help": "image data: random distortions of every batch: affine "
                        "(shifts, rotations, scaling), elastic (affine and elastic) or flip "
                        "(left-right mirroring only)"},
    "select": lambda: {"choices": SELECTIONS,
                       "help": "keep the epoch with the best validation loss or accuracy"},
    # output
    "out": lambda: {"type": non_empty, "metavar": "FILE", "help": "model file to write"},
    "force": lambda: {"action": "store_true",
                      "help": "replace the steepest model already at --out (never a file "
                      "steepest did not write, nor one of the command's inputs)"},
    "json": lambda: {"action": "store_true",
                     "help": "print one JSON object instead of the summary"},
    "plots": lambda: {"type": non_empty, "metavar": "DIR",
                      "help": "also write pictures (PNG) into DIR: training curves, gradient "
                      "norms and the test rows' evaluation (needs matplotlib)"},
}

def add_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, dest: str,
               defaults: Defaults) -> None:
    """Add the shared option ``dest`` (see :data:`OPTIONS`) with its default."""
    keywords = OPTIONS[dest]()
    keywords["help"] = f"{keywords['help']} ({defaults.text(dest)})"
    if keywords.get("action") != "store_true":
        keywords["default"] = defaults.value(dest)
    parser.add_argument(f"--{dest.replace('_', '-')}", dest=dest, **keywords)


def add_group(parser: argparse.ArgumentParser, title: str, dests: tuple[str, ...],
              defaults: Defaults) -> None:
    """Add the shared options ``dests`` under ``title`` in the help."""
    group = parser.add_argument_group(title)
    for dest in dests:
        add_option(group, dest, defaults)


def add_data_options(parser: argparse.ArgumentParser, defaults: Defaults, *,
                     csv: bool = False) -> None:
    """``--data``, ``--data-dir``; with ``csv``, how a CSV file is read."""
    add_group(parser, "data", ("data", "data_dir", *(
        ("target", "one_hot", "standardize") if csv else ())), defaults)


def add_network_options(parser: argparse.ArgumentParser, defaults: Defaults, *,
                        dropout: bool = False, init: bool = False) -> None:
    """``--layers``, ``--activation``, ``--loss``, ``--seed``; ``--dropout``,
    ``--init`` if asked for."""
    dests = ("layers", "activation", *(("dropout",) if dropout else ()), "loss",
             *(("init",) if init else ()), "seed")
    add_group(parser, "network", dests, defaults)


def add_training_options(parser: argparse.ArgumentParser, defaults: Defaults) -> None:
    """``--optimizer``, ``--lr``, the epochs, batches, validation, schedule, weight
    decay, clipping, max-norm, augmentation and selection."""
    add_group(parser, "training", ("optimizer", "lr", "epochs", "batch_size", "val_split",
                                   "schedule", "l2", "clip_norm", "max_norm", "augment",
                                   "select"), defaults)


def add_output_options(parser: argparse.ArgumentParser, defaults: Defaults, *,
                       out: bool = True, plots: bool = False) -> None:
    """``--out`` and ``--force`` (if ``out``), ``--json``, and ``--plots`` if asked for."""
    dests = (*(("out", "force") if out else ()), "json", *(("plots",) if plots else ()))
    add_group(parser, "output", dests, defaults)


def options_given(args: argparse.Namespace, dests: tuple[str, ...]) -> dict[str, Any]:
    """The options ``dests`` as given on the command line (None: not given)."""
    return {dest: getattr(args, dest) for dest in dests}
