"""resolve_run, the one place a run's settings are merged: the defaults < the
dataset's < the preset's < the options given; and the presets and augmenters."""

from __future__ import annotations

import re

import pytest
from cli_helpers import README

from steepest.augment import ImageAugmenter
from steepest.cli import build_parser
from steepest.cli.commands.train import RUN_OPTIONS
from steepest.cli.data import data_kind
from steepest.cli.options import options_given
from steepest.cli.settings import (
    COMMON_DEFAULTS,
    DEFAULTS,
    PRESETS,
    default_text,
    make_augmenter,
    resolve_run,
)
from steepest.config import TrainingConfig
from steepest.errors import ConfigError


def settings_for(*argv: str):
    """What ``steepest train ARGV...`` resolves to."""
    args = build_parser().parse_args(["train", *argv])
    return resolve_run(options_given(args, RUN_OPTIONS), args.preset)


def test_each_layer_overrides_the_one_before():
    # The common defaults: relu, Adam, validation 10 %.
    plan = resolve_run({"data": "moons"})
    assert (plan.config.activation, plan.config.optimizer) == ("relu", "adam")
    assert plan.config.validation_split == 0.1
    # The dataset's own: xor has tanh, full batch and no validation.
    plan = resolve_run({"data": "xor"})
    assert plan.config.activation == "tanh" and plan.config.batch_size is None
    assert plan.config.validation_split == 0.0 and plan.config.layers == (4,)
    # The preset's over the dataset's: digits-best trains 100 epochs, not 60.
    assert resolve_run({}).config.epochs == 60
    plan = resolve_run({}, "digits-best")
    assert plan.config.epochs == 100 and plan.config.schedule == "cosine"
    assert (plan.augment, plan.select, plan.data) == ("affine", "accuracy", "digits")
    # The flags over everything; None is a flag not given.
    plan = resolve_run({"epochs": 3, "lr": 0.5, "layers": None, "augment": "none"},
                       "digits-best")
    assert (plan.config.epochs, plan.config.learning_rate) == (3, 0.5)
    assert plan.config.layers == (256, 256) and plan.augment == "none"


def test_the_result_is_a_training_config_with_the_cli_names_mapped():
    plan = resolve_run({"data": "spirals", "lr": 0.02, "val_split": 0.3, "batch_size": 0,
                        "seed": 7})
    assert isinstance(plan.config, TrainingConfig)
    assert plan.config.learning_rate == 0.02 and plan.config.validation_split == 0.3
    assert plan.config.batch_size is None and plan.config.seed == 7
    assert plan.config.loss is None  # chosen by the targets
    classes = plan.config_for(classification=True)
    assert (classes.loss, classes.output_activation) == ("cross_entropy", None)
    numbers = plan.config_for(classification=False)
    assert (numbers.loss, numbers.output_activation) == ("mse", "identity")
    sse = resolve_run({"loss": "sse"}).config_for(classification=True)
    assert (sse.loss, sse.output_activation) == ("sse", "sigmoid")


def test_a_learning_rate_inside_the_optimizer_stands_in_for_the_default():
    # Over the dataset's default and the preset's, but not over --lr.
    assert resolve_run({"data": "xor", "optimizer": "sgd(learning_rate=5)"}
                       ).config.learning_rate == 5
    assert resolve_run({"optimizer": {"name": "adam", "learning_rate": 0.02}}, "digits-best"
                       ).config.learning_rate == 0.02
    plan = settings_for("--data", "xor", "--optimizer", "sgd(learning_rate=5)", "--lr", "0.2")
    assert plan.config.learning_rate == 0.2
    config = plan.config_for(classification=True)
    assert config.optimizer_for(config.network(2, 2)).learning_rate == 0.2
    # Without one, the dataset's default as before.
    assert resolve_run({"data": "xor", "optimizer": "sgd(momentum=0.5)"}
                       ).config.learning_rate == DEFAULTS["xor"]["lr"]
    with pytest.raises(ConfigError, match="learning_rate must be a positive number, got -1"):
        resolve_run({"optimizer": "sgd(learning_rate=-1)"})


def test_csv_files_share_one_entry_of_defaults():
    assert data_kind("some/table.CSV") == "csv" and data_kind("moons") == "moons"
    plan = resolve_run({"data": "some/table.CSV"})
    assert plan.config.layers == tuple(DEFAULTS["csv"]["layers"])


def test_resolve_run_refuses_what_it_cannot_run():
    with pytest.raises(ConfigError, match="--preset mnist-fast is for --data mnist, not xor"):
        resolve_run({"data": "xor"}, "mnist-fast")
    with pytest.raises(ConfigError, match="unknown preset 'imagenet'"):
        resolve_run({}, "imagenet")
    with pytest.raises(ConfigError, match="unknown setting 'units'"):
        resolve_run({"units": 3})


def test_a_preset_chooses_its_dataset_and_options_on_the_command_line_win():
    plan = settings_for("--preset", "mnist-fast")
    assert plan.data == "mnist"
    recipe = PRESETS["mnist-fast"]
    assert plan.config.layers == tuple(recipe["layers"])
    assert plan.config.dropout == recipe["dropout"]
    assert plan.config.learning_rate == recipe["lr"]
    assert plan.config.schedule == recipe["schedule"]
    assert plan.config.epochs == recipe["epochs"]
    assert plan.config.batch_size == recipe["batch_size"]
    assert plan.select == recipe["select"]
    plan = settings_for("--preset", "mnist-fast", "--epochs", "3", "--layers", "64")
    assert plan.config.epochs == 3 and plan.config.layers == (64,)
    assert plan.config.dropout == PRESETS["mnist-fast"]["dropout"]


def test_without_a_preset_the_defaults_are_unchanged():
    plan = settings_for()
    assert plan.data == "digits"
    assert plan.config.schedule == "constant" and plan.augment == "none"
    assert plan.config.l2 == 0.0 and plan.config.epochs == 60


def test_help_states_the_defaults_per_dataset():
    assert default_text("layers") == "default: per dataset (digits: 256,256)"
    assert default_text("activation") == "default: relu (xor: tanh)"
    assert default_text("dropout") == "default: 0 (digits: 0.2)"
    assert default_text("val_split") == "default: 0.1 (xor: 0)"
    assert default_text("optimizer") == f"default: {COMMON_DEFAULTS['optimizer']}"
    assert default_text("epochs", presets=True) == ("default: per dataset (digits: 60), or "
                                                    "the preset's")
    assert default_text("lr") == ("default: a learning_rate inside --optimizer "
                                  "('sgd(learning_rate=0.5)'), which --lr overrides; else per "
                                  "dataset (digits: 0.001)")


def test_augmenters_scale_with_the_image_size():
    assert make_augmenter("none", (28, 28)) is None
    mnist = make_augmenter("elastic", (28, 28))
    assert isinstance(mnist, ImageAugmenter)
    assert (mnist.shift, mnist.rotation, mnist.elastic_alpha, mnist.elastic_sigma) == (
        2.0, 10.0, 34.0, 4.0)
    fashion = make_augmenter("flip", (28, 28))
    assert fashion.mirror and (fashion.shift, fashion.rotation, fashion.scale) == (0, 0, 0)
    digits = make_augmenter("affine", (8, 8))
    assert digits.shift == pytest.approx(2 * 8 / 28) and digits.elastic_alpha == 0
    with pytest.raises(ConfigError, match="needs image data"):
        make_augmenter("affine", None)


def test_docs_list_every_preset():
    text = (README.parent / "docs" / "how-to" / "presets-and-augmentation.md").read_text()
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.MULTILINE))
    assert set(PRESETS) <= listed
