"""``steepest train --preset``, ``--augment``, ``--schedule``, ``--l2``, ``--threads``.

The presets' accuracy on MNIST is measured by ``benchmarks/presets.py`` (long runs,
figures in ``benchmarks/RESULTS.md``); here: what each option does, its errors,
and a short run of each preset on the data at hand.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from test_cli import MNIST_DIR, assert_user_error, run, run_json, run_ok

import steepest
from steepest.augment import ImageAugmenter
from steepest.cli import PRESETS, build_parser, make_augmenter, train_settings
from steepest.errors import ConfigError

PRESETS_PAGE = Path(__file__).parents[1] / "docs" / "how-to" / "presets-and-augmentation.md"


def settings_for(*argv: str) -> tuple[str, dict]:
    args: argparse.Namespace = build_parser().parse_args(["train", *argv])
    return train_settings(args)


def test_a_preset_chooses_its_dataset_and_options_on_the_command_line_win():
    data, settings = settings_for("--preset", "mnist-fast")
    assert data == "mnist"
    for key, value in PRESETS["mnist-fast"].items():
        if key != "data":
            assert settings[key] == value, key
    _, settings = settings_for("--preset", "mnist-fast", "--epochs", "3", "--layers", "64")
    assert settings["epochs"] == 3 and settings["layers"] == [64]
    assert settings["dropout"] == PRESETS["mnist-fast"]["dropout"]


def test_without_a_preset_the_defaults_are_unchanged():
    data, settings = settings_for()
    assert data == "digits"
    assert settings["schedule"] == "constant" and settings["augment"] == "none"
    assert settings["l2"] == 0.0 and settings["epochs"] == 60


def test_a_preset_for_another_dataset_is_refused(tmp_path):
    result = run("train", "--preset", "mnist-fast", "--data", "digits", cwd=tmp_path)
    assert_user_error(result, "--preset mnist-fast is for --data mnist, not digits")


def test_augment_needs_image_data(tmp_path):
    result = run("train", "--data", "xor", "--augment", "affine", cwd=tmp_path)
    assert_user_error(result, "--augment affine needs image data")


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


def test_train_with_schedule_l2_augment_and_threads(tmp_path):
    result = run_ok("train", "--epochs", "3", "--layers", "32", "--schedule", "cosine",
                    "--l2", "1e-4", "--augment", "affine", "--threads", "1",
                    "--out", "m.npz", cwd=tmp_path)
    plan = result.stdout.splitlines()[1]
    assert "lr 0.001 (cosine)" in plan and "l2 0.0001" in plan and "augment affine" in plan
    net = steepest.load(tmp_path / "m.npz")
    # Cosine over 3 epochs: full rate, then half, then 1/4 of the way down... to 0 after.
    assert [round(lr, 6) for lr in net.history["lr"]] == [0.001, 0.00075, 0.00025]


@pytest.mark.parametrize("bad", [["--l2", "-1"], ["--threads", "0"], ["--augment", "blur"],
                                 ["--schedule", "linear"], ["--preset", "imagenet"]])
def test_bad_option_values_are_one_line_errors(tmp_path, bad):
    result = run("train", *bad, cwd=tmp_path)
    assert_user_error(result, bad[0])


def test_digits_best_preset_short_run(tmp_path):
    report = run_json("train", "--preset", "digits-best", "--epochs", "4", "--out", "d.npz",
                      cwd=tmp_path)
    assert report["epochs"] == 4 and report["layers"] == [64, 256, 256, 10]
    assert steepest.load(tmp_path / "d.npz").metadata["preset"] == "digits-best"


@pytest.mark.skipif(not (MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file()
                    and not (MNIST_DIR / "t10k-labels-idx1-ubyte").is_file(),
                    reason=f"no MNIST files in {MNIST_DIR}")
@pytest.mark.parametrize("preset", ["mnist-fast", "mnist-best"])
def test_mnist_presets_short_run(tmp_path, preset):
    report = run_json("train", "--preset", preset, "--data-dir", MNIST_DIR, "--epochs", "1",
                      "--layers", "32", cwd=tmp_path, timeout=600)
    assert report["data"] == "mnist" and report["epochs"] == 1
    assert report["test_accuracy"] > 0.85


def test_docs_list_every_preset():
    text = PRESETS_PAGE.read_text()
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.MULTILINE))
    assert set(PRESETS) <= listed
