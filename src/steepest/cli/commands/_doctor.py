"""What the doctor's commands (diagnose, lr-find, overfit-check, explain) share:
the network they examine, a saved model or a new one built from ``train``'s
flags, and its training rows."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ...errors import ConfigError
from ...network import Network
from ..data import Data, data_for_model, load_data, saved_model
from ..options import (
    Defaults,
    add_data_options,
    add_group,
    add_network_options,
    non_empty,
    options_given,
)
from ..settings import default_text, resolve_run

#: The flags that build a new network; with a MODEL they are refused.
NETWORK_OPTIONS = ("layers", "activation", "init", "loss")

#: How the help states the dataset's default, for every doctor's command.
DATA_TEXT = {"data": "default: the model's dataset, else digits"}


def add_doctor_options(parser: argparse.ArgumentParser, defaults: Defaults,
                       unused: Mapping[str, str] = MappingProxyType({})) -> None:
    """A saved MODEL, or the flags of a new network, as for ``train``; ``defaults``
    for ``--optimizer`` and ``--lr``, which each command uses its own way. Those
    in ``unused`` (option -> why) are left out of the help and refused, saying why."""
    defaults = Defaults(defaults.values, {**DATA_TEXT, **defaults.texts})
    parser.add_argument("model", nargs="?", type=non_empty, metavar="MODEL",
                        help="a saved model (default: build a new network from the flags)")
    add_data_options(parser, defaults)
    add_network_options(parser, defaults, init=True)
    add_group(parser, "training", tuple(d for d in ("optimizer", "lr") if d not in unused),
              defaults)
    for dest in unused:
        parser.add_argument(f"--{dest}", help=argparse.SUPPRESS)
    parser.set_defaults(unused=dict(unused))
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of the report (default: off)")


def the_models_else(name: str) -> str:
    """``"default: the model's, else per dataset (digits: 0.001)"``: the help of an
    option that a saved model answers, else the dataset's default."""
    return f"default: the model's, else {default_text(name).removeprefix('default: ')}"


@dataclass
class Examined:
    """The network to examine, its dataset, and the optimiser and learning rate
    to examine it with (None: the network's own)."""

    net: Network
    data: Data
    optimizer: Any
    learning_rate: float | None


def examined(args: argparse.Namespace) -> Examined:
    """The saved model ``args.model`` on its dataset (or ``--data``), or a new,
    untrained network built as ``steepest train`` would build it from the flags,
    without dropout (the doctor looks at the weights alone)."""
    for dest, why in args.unused.items():
        if getattr(args, dest) is not None:
            raise ConfigError(f"--{dest} is not used here: {why}")
    if args.model is not None:
        built = [name for name in NETWORK_OPTIONS if getattr(args, name) is not None]
        if built:
            raise ConfigError(f"--{built[0]} builds a new network; it cannot be combined with "
                              f"the model file {args.model}")
        net, spec = saved_model(args.model, args.data)
        return Examined(net, data_for_model(net, spec, args.data_dir), args.optimizer, args.lr)
    plan = resolve_run(options_given(args, ("data", *NETWORK_OPTIONS, "seed", "optimizer",
                                            "lr")))
    data = load_data(plan.data, args.data_dir, plan.config.seed)
    config = plan.config_for(data.classes is not None).replace(dropout=0.0)
    net = config.network(data.X_train.shape[1], data.n_outputs)
    return Examined(net, data, config.optimizer, config.learning_rate)
