"""What a run of ``steepest train`` is made of, resolved in one place.

The settings come in four layers, each over the one before: the common
defaults, the dataset's own (:data:`DEFAULTS`), a preset's (:data:`PRESETS`),
then the options given on the command line. :func:`resolve_run` merges them
into a :class:`~steepest.config.TrainingConfig` plus the command line's own
settings (``--augment``, ``--select``); ``train``, ``sweep`` and the doctor's
commands all start from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..augment import ImageAugmenter
from ..config import TrainingConfig
from ..errors import ConfigError
from ..optimizers import learning_rate_in
from ..training import validation_size
from .data import Data, data_kind

#: Per dataset: the network and training a new user gets with no options
#: (``csv``: any CSV file). Option names as on the command line.
DEFAULTS: dict[str, dict[str, Any]] = {
    "digits": {"layers": [256, 256], "dropout": 0.2, "lr": 1e-3, "epochs": 60,
               "batch_size": 32},
    "mnist": {"layers": [128], "lr": 1e-3, "epochs": 10, "batch_size": 128},
    "fashion-mnist": {"layers": [256], "lr": 1e-3, "epochs": 15, "batch_size": 128},
    "xor": {"layers": [4], "activation": "tanh", "lr": 0.05, "epochs": 500, "batch_size": 0,
            "val_split": 0.0},
    "spirals": {"layers": [32, 32], "lr": 1e-2, "epochs": 200, "batch_size": 32},
    "moons": {"layers": [16], "lr": 1e-2, "epochs": 100, "batch_size": 32},
    "circles": {"layers": [16], "lr": 1e-2, "epochs": 100, "batch_size": 32},
    "csv": {"layers": [16], "lr": 1e-2, "epochs": 100, "batch_size": 32},
}
#: What every dataset shares. ``loss`` and ``init`` None: chosen by the targets
#: (:meth:`RunSettings.config_for`) and by the activation.
COMMON_DEFAULTS: dict[str, Any] = {
    "activation": "relu", "optimizer": "adam", "val_split": 0.1, "seed": 0, "dropout": 0.0,
    "schedule": "constant", "l2": 0.0, "clip_norm": None, "max_norm": None, "loss": None,
    "init": None, "augment": "none", "select": "loss",
}

#: Recipes tuned for a dataset (docs/how-to/presets-and-augmentation.md; measured in
#: benchmarks/RESULTS.md).
#: Each names its dataset; options given on the command line override it.
PRESETS: dict[str, dict[str, Any]] = {
    "mnist-fast": {"data": "mnist", "layers": [512, 512], "dropout": 0.2, "lr": 1e-3,
                   "schedule": "cosine", "epochs": 20, "batch_size": 128, "select": "accuracy"},
    "mnist-best": {"data": "mnist", "layers": [800, 800], "dropout": 0.3, "lr": 1e-3,
                   "schedule": "cosine", "epochs": 150, "batch_size": 128,
                   "augment": "elastic", "select": "accuracy"},
    # mnist-best for longer, on all 60,000 training rows (none held out: the epoch
    # kept is the one of the best training accuracy, which the cosine decay puts
    # near the end).
    "mnist-record": {"data": "mnist", "layers": [800, 800], "dropout": 0.3, "lr": 1e-3,
                     "schedule": "cosine", "epochs": 250, "batch_size": 128,
                     "augment": "elastic", "select": "accuracy", "val_split": 0.0},
    "fashion-mnist": {"data": "fashion-mnist", "layers": [1024, 1024], "dropout": 0.3,
                      "lr": 1e-3, "schedule": "cosine", "epochs": 40, "batch_size": 128,
                      "augment": "flip", "select": "accuracy"},
    "digits-best": {"data": "digits", "layers": [256, 256], "dropout": 0.2, "lr": 1e-3,
                    "schedule": "cosine", "epochs": 100, "batch_size": 32,
                    "augment": "affine", "select": "accuracy"},
}
#: What stands in for the default of a setting when given, as its help says.
DEFAULT_OVERRIDES = {"lr": "a learning_rate inside --optimizer ('sgd(learning_rate=0.5)'), "
                            "which --lr overrides"}
AUGMENTATIONS = ("none", "affine", "elastic", "flip")
SELECTIONS = ("loss", "accuracy")


@dataclass(frozen=True)
class RunSettings:
    """A resolved run: the dataset (a name or ``PATH.csv``), the training
    configuration, and the command line's own settings.

    ``config.loss`` is None unless one was asked for: the targets choose it
    (:meth:`config_for`).
    """

    data: str
    config: TrainingConfig
    augment: str = "none"
    select: str = "loss"
    preset: str | None = None

    def config_for(self, classification: bool) -> TrainingConfig:
        """The configuration with the loss and output layer the targets need
        (:meth:`TrainingConfig.for_targets`)."""
        return self.config.for_targets(classification)


def resolve_run(flags: Mapping[str, Any], preset: str | None = None) -> RunSettings:
    """The run of ``steepest train`` with these options: the common defaults, then
    the dataset's, then the ``preset``'s, then ``flags``.

    ``flags`` maps option names as on the command line (``data``, ``layers``,
    ``lr``, ``batch_size`` (0: full batch), ``val_split``, ``augment``...) to the
    values given; None stands for an option not given. A ``learning_rate`` inside
    the optimizer (``"sgd(learning_rate=5)"``) stands in for the default ``lr``;
    an ``lr`` given overrides it. Raises ConfigError for a preset of another
    dataset, an unknown preset or setting, or a bad value.
    """
    if preset is not None and preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; expected one of {sorted(PRESETS)}")
    recipe = PRESETS[preset] if preset else {}
    given = {name: value for name, value in flags.items() if value is not None}
    data = given.pop("data", None) or recipe.get("data", "digits")
    if recipe and recipe["data"] != data:
        raise ConfigError(f"--preset {preset} is for --data {recipe['data']}, not {data}")
    settings = {**COMMON_DEFAULTS, **DEFAULTS.get(data_kind(data), DEFAULTS["csv"])}
    settings |= {name: value for name, value in recipe.items() if name != "data"}
    settings |= given
    own_rate = learning_rate_in(settings["optimizer"])
    if own_rate is not None and "lr" not in given:
        settings["lr"] = own_rate  # over the dataset's or preset's default, not --lr
    augment, select = settings.pop("augment"), settings.pop("select")
    settings["batch_size"] = settings["batch_size"] or None
    return RunSettings(data, TrainingConfig.from_settings(settings), augment, select, preset)


def check_run(plan: RunSettings, given: Mapping[str, Any], data: Data) -> None:
    """Refuse, before any training, what the run cannot do with ``data``: options
    ``given`` (as for :func:`resolve_run`) that it would ignore, ``--select
    accuracy`` without classes, a ``--val-split`` that leaves no rows on one side."""
    if not plan.config.layers:
        for name, what in (("activation", "the hidden layers' activation"),
                           ("dropout", "a rate of the hidden layers")):
            if given.get(name):
                raise ConfigError(f"--{name} is {what}, and --layers none leaves none")
    if plan.select == "accuracy" and data.classes is None:
        raise ConfigError(f"--select accuracy needs classes; {data.name} has a numeric target "
                          "(use --select loss)")
    split, rows = plan.config.validation_split, len(data.X_train)
    held_out = validation_size(rows, split)
    if split and not 1 <= held_out < rows:
        side = "nothing to validate on" if held_out < 1 else "nothing to train on"
        raise ConfigError(f"--val-split {split:g} of the {rows} training rows leaves {side}; "
                          "give another fraction, or --val-split 0 for no validation")


def default_text(name: str, *, presets: bool = False) -> str:
    """How an option's help states the default of setting ``name``: ``"default:
    relu (xor: tanh)"`` when at most two datasets differ from the rest, else
    ``"default: per dataset (digits: 256,256)"``; with ``presets``, adds that a
    preset may set it; first what stands in for it (:data:`DEFAULT_OVERRIDES`)."""
    values = {kind: shown({**COMMON_DEFAULTS, **own}[name]) for kind, own in DEFAULTS.items()}
    common, _ = Counter(values.values()).most_common(1)[0]
    others = {kind: value for kind, value in values.items() if value != common}
    if len(others) > 2:
        text = f"default: per dataset (digits: {values['digits']})"
    elif others:
        text = f"default: {common} ({'; '.join(f'{k}: {v}' for k, v in others.items())})"
    else:
        text = f"default: {common}"
    if presets and any(name in recipe for recipe in PRESETS.values()):
        text += ", or the preset's"
    if name in DEFAULT_OVERRIDES:
        text = f"default: {DEFAULT_OVERRIDES[name]}; else {text.removeprefix('default: ')}"
    return text


def shown(value: Any) -> str:
    """A setting as typed on the command line: ``[256, 256]`` -> ``256,256``."""
    if isinstance(value, list | tuple):
        return ",".join(map(str, value)) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def make_augmenter(kind: str, image_shape: Sequence[int] | None) -> ImageAugmenter | None:
    """The ``--augment`` distortions, scaled to the image size: ``affine`` shifts a
    28-pixel image by up to 2 pixels, turns it by up to 10 degrees and scales it by
    up to 10 %; ``elastic`` adds Simard et al.'s elastic distortion (alpha 34,
    sigma 4 pixels at that size); ``flip`` mirrors half the images left to right,
    nothing else (for clothes, not digits: measured on Fashion-MNIST, shifts on
    top of it cost accuracy)."""
    if kind == "none":
        return None
    if image_shape is None:
        raise ConfigError(f"--augment {kind} needs image data (digits, mnist, fashion-mnist)")
    size = min(image_shape) / 28
    if kind == "flip":
        return ImageAugmenter(image_shape, shift=0, rotation=0, scale=0, mirror=True)
    elastic = {"elastic_alpha": 34 * size, "elastic_sigma": 4 * size} if kind == "elastic" else {}
    return ImageAugmenter(image_shape, shift=2 * size, rotation=10, scale=0.1, **elastic)
