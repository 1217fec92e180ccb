"""``steepest train``: its options, presets, CSV files and errors, run in-process.
(``steepest train`` with no options, the main job, runs as a subprocess in
test_cli_end_to_end.py; ``--plots`` is in test_cli_plot.py.)"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import (
    EPOCH_LINE,
    MNIST_DIR,
    MNIST_FILES,
    assert_train_report_types,
    assert_user_error,
    classification_rows,
    json_report,
    needs_mnist,
    run,
    run_json,
    run_ok,
    write_csv,
)

import steepest
from steepest.datasets import write_idx


@pytest.mark.parametrize(
    ("args", "name", "layers", "epochs", "samples"),
    [
        ((), "xor", [2, 4, 2], 500, (4, 4)),
        (("--epochs", "20"), "spirals", [2, 32, 32, 2], 20, (750, 250)),
    ],
)
def test_train_json_prints_one_object(tmp_path, args, name, layers, epochs, samples):
    report = run_json("train", "--data", name, *args, cwd=tmp_path)
    assert_train_report_types(report)
    assert report["data"] == name
    assert report["layers"] == layers
    assert report["epochs"] == epochs
    assert (report["train_samples"], report["test_samples"]) == samples
    model = Path(report["model"])
    assert model == (tmp_path / f"{name}-model.npz").resolve()
    net = steepest.load(model)
    assert report["parameters"] == net.n_params
    assert net.sizes == layers
    assert len(net.history) == epochs  # the file holds the best epoch, as it was then
    assert net.epochs_trained == report["best_epoch"]
    assert net.record["data"] == name
    assert report["test_loss"] == pytest.approx(net.record["test"]["loss"])
    assert report["test_accuracy"] == pytest.approx(net.record["test"]["accuracy"])
    if name == "xor":
        assert report["test_accuracy"] == 1.0
    else:
        assert report["test_accuracy"] > 0.6


def test_train_human_output_for_xor(tmp_path):
    """The plan, then one line per epoch; xor's defaults: full batch, no validation."""
    human = run_ok("train", "--data", "xor", "--epochs", "3", cwd=tmp_path).stdout
    assert human.startswith("data: xor (4 train / 4 test rows, 2 features, 2 classes)\n")
    assert [int(m[1]) for m in map(EPOCH_LINE.match, human.splitlines()) if m] == [1, 2, 3]
    assert "batch full" in human and "validation 0%" in human


def test_train_csv_classification_with_one_hot_and_standardize(csv_dir, csv_model):
    report, model = csv_model
    assert_train_report_types(report)
    assert report["data"] == str((csv_dir / "table.csv").resolve())
    assert model == (csv_dir / "table-model.npz").resolve()
    assert report["layers"] == [5, 16, 2]  # size, weight, color=blue/green/red
    assert report["train_samples"] + report["test_samples"] == 300
    assert report["test_accuracy"] >= 0.85
    net = steepest.load(model)
    assert net.loss.name == "cross_entropy"
    assert net.record["classes"] == ["0", "1"]
    schema = net.record["csv"]["schema"]
    assert net.record["csv"]["target"] == "label"
    assert schema["columns"] == ["size", "weight", "color"]
    assert schema["categories"] == {"color": ["blue", "green", "red"]}
    assert set(schema["scaling"]) == {"size", "weight"}
    mean, std = schema["scaling"]["size"]
    assert 300 < mean < 700 and 200 < std < 400  # uniform on [0, 1000]


def test_train_csv_without_one_hot_names_the_text_cell(csv_dir):
    result = run("train", "--data", "table.csv", "--epochs", "1", cwd=csv_dir)
    assert_user_error(result, "table.csv", "color", "is not a number")


def test_train_csv_regression(csv_dir, reg_model):
    report, model = reg_model
    assert_train_report_types(report)
    assert report["test_accuracy"] is None
    assert report["layers"] == [2, 16, 1]
    net = steepest.load(model)
    assert net.loss.name == "mse"
    assert net.output_activation.name == "identity"
    assert net.record["classes"] is None
    assert "accuracy" not in net.record["test"]

    human = run_ok("train", "--data", "reg.csv", "--epochs", "2", "--out", "reg2.npz",
                   cwd=csv_dir).stdout
    assert "2 features, regression)" in human.splitlines()[0]
    assert "mse" in human.splitlines()[1]
    assert "test accuracy" not in human
    assert re.search(r"^test loss [\d.]+", human, re.M)


def test_train_options_take_effect(csv_dir):
    args = ("train", "--data", "table.csv", "--one-hot", "color", "--standardize")
    report = run_json(*args, "--layers", "8,4", "--activation", "tanh", "--loss", "mse",
                      "--optimizer", "sgd", "--lr", "0.05", "--epochs", "7", "--batch-size",
                      "0", "--val-split", "0.2", "--seed", "3", "--dropout", "0.1",
                      "--out", "opts.npz", cwd=csv_dir)
    assert Path(report["model"]) == (csv_dir / "opts.npz").resolve()
    assert report["layers"] == [5, 8, 4, 2]
    assert report["epochs"] == 7
    net = steepest.load(csv_dir / "opts.npz")
    config = net.config()
    assert config["sizes"] == [5, 8, 4, 2]
    assert [a["name"] for a in config["activations"]] == ["tanh", "tanh", "sigmoid"]
    assert config["loss"] == "mse"
    assert config["dropout"] == pytest.approx([0.1, 0.1])
    assert config["seed"] == 3
    assert net.optimizer.name == "sgd"
    assert net.optimizer.learning_rate == pytest.approx(0.05)
    assert net.epochs_trained == 7
    assert net.optimizer.steps == 7  # full batch: one step per epoch
    assert len(net.history["val_loss"]) == 7

    report = run_json(*args, "--layers", "6", "--activation", "leaky_relu", "--loss", "sse",
                      "--optimizer", "momentum", "--lr", "0.02", "--epochs", "3",
                      "--batch-size", "16", "--val-split", "0.3", "--out", "b16.npz",
                      cwd=csv_dir)
    net = steepest.load(csv_dir / "b16.npz")
    assert [a["name"] for a in net.config()["activations"]] == ["leaky_relu", "sigmoid"]
    assert net.loss.name == "sse"
    assert net.config()["dropout"] == [0.0]
    assert (net.optimizer.name, net.optimizer.learning_rate) == ("momentum", pytest.approx(0.02))
    n = report["train_samples"]
    fitted = n - round(n * 0.3)
    assert net.optimizer.steps == 3 * math.ceil(fitted / 16)

    report = run_json(*args, "--val-split", "0", "--epochs", "2", "--out", "noval.npz",
                      cwd=csv_dir)
    assert Path(report["model"]).name == "noval.npz"
    net = steepest.load(csv_dir / "noval.npz")
    assert "val_loss" not in net.history.to_dict()


def test_train_parts_with_parameters(tmp_path):
    """--activation, --optimizer and --schedule take name(key=value) text."""
    result = run_ok("train", "--data", "moons", "--epochs", "3", "--layers", "8",
                    "--activation", "sigmoid(c=0.01)", "--optimizer", "adam(beta1=0.8)",
                    "--schedule", "step(step_size=2)", "--out", "m.npz", cwd=tmp_path)
    assert "8 -> 2, sigmoid(c=0.01)" in result.stdout.splitlines()[1]
    assert "adam(beta1=0.8) lr 0.01 (step(step_size=2))" in result.stdout.splitlines()[1]
    net = steepest.load(tmp_path / "m.npz")
    assert net.config()["activations"][0] == {"name": "sigmoid", "c": 0.01}
    assert net.activations[-1].name == "softmax"  # the loss's own output layer
    assert net.optimizer.beta1 == 0.8
    assert net.history["lr"] == pytest.approx([0.01, 0.01, 0.005])


def test_train_seed_makes_runs_repeatable(tmp_path):
    common = ("train", "--data", "spirals", "--epochs", "3")
    run_json(*common, "--seed", "3", "--out", "a.npz", cwd=tmp_path)
    run_json(*common, "--seed", "3", "--out", "b.npz", cwd=tmp_path)
    run_json(*common, "--seed", "4", "--out", "c.npz", cwd=tmp_path)
    a, b, c = (steepest.load(tmp_path / f"{k}.npz") for k in "abc")
    assert a.config()["seed"] == 3 and c.config()["seed"] == 4
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


@needs_mnist
def test_train_mnist_from_data_dir(tmp_path):
    report = run_json("train", "--data", "mnist", "--data-dir", MNIST_DIR, "--epochs", "1",
                      cwd=tmp_path)
    assert_train_report_types(report)
    assert report["data"] == "mnist"
    assert report["layers"] == [784, 128, 10]
    assert (report["train_samples"], report["test_samples"]) == (60000, 10000)
    assert report["test_accuracy"] > 0.9
    net = steepest.load(report["model"])
    assert net.record["image"] == {"shape": [28, 28], "style": "mnist"}


def idx_images(folder: Path, train_size: tuple[int, int], test_size: tuple[int, int]) -> Path:
    """A folder of MNIST's four IDX files: 30 training and 10 test images of these sizes."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    for part, n, size in (("train", 30, train_size), ("t10k", 10, test_size)):
        write_idx(folder / f"{part}-images-idx3-ubyte", rng.integers(0, 256, (n, *size),
                                                                    dtype=np.uint8))
        write_idx(folder / f"{part}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    return folder


@pytest.mark.parametrize("size", [(5, 5), (4, 7)])
def test_mnist_format_images_of_another_size_record_their_size(tmp_path, size):
    idx_images(tmp_path / "small", size, size)
    report = run_json("train", "--data", "mnist", "--data-dir", "small", "--epochs", "1",
                      "--layers", "4", "--val-split", "0", cwd=tmp_path)
    assert report["layers"] == [size[0] * size[1], 4, 10]
    record = steepest.load(report["model"]).record
    assert record["image"] == {"shape": list(size), "style": "mnist"}


def test_mnist_format_training_and_test_images_of_two_sizes_are_refused(tmp_path):
    idx_images(tmp_path / "mixed", (5, 5), (28, 28))
    assert_user_error(run("train", "--data", "mnist", "--data-dir", "mixed", cwd=tmp_path),
                      f"{tmp_path / 'mixed'}: the training images have 25 pixels, the test "
                      "images 28x28; both need images of one size")


def test_a_csv_file_too_small_to_split_says_so(tmp_path):
    write_csv(tmp_path / "two.csv", ["a", "y"], [(0.5, 0), (0.7, 1)])
    message = assert_user_error(run("train", "--data", "two.csv", cwd=tmp_path),
                                "two.csv: 2 rows are too few to hold out a quarter as test rows "
                                "(at least 3 needed)")
    assert "test_size" not in message


# ---------------------------------------------------------------------- schedules and more


@pytest.mark.parametrize(("schedule", "third_lr"), [("exponential", 1e-2 * 0.95**2),
                                                   ("step", 1e-2)])
def test_train_schedules_other_than_cosine(tmp_path, schedule, third_lr):
    report = run_json("train", "--data", "moons", "--epochs", 3, "--schedule", schedule,
                      cwd=tmp_path)
    net = steepest.load(report["model"])
    assert net.history["lr"][2] == pytest.approx(third_lr)


def test_train_with_schedule_l2_augment_and_threads(tmp_path):
    result = run_ok("train", "--epochs", "3", "--layers", "32", "--schedule", "cosine",
                    "--l2", "1e-4", "--augment", "affine", "--threads", "1",
                    "--out", "m.npz", cwd=tmp_path)
    plan = result.stdout.splitlines()[1]
    assert "lr 0.001 (cosine)" in plan and "l2 0.0001" in plan and "augment affine" in plan
    net = steepest.load(tmp_path / "m.npz")
    # Cosine over 3 epochs: full rate, then half, then 1/4 of the way down... to 0 after.
    assert [round(lr, 6) for lr in net.history["lr"]] == [0.001, 0.00075, 0.00025]


def test_train_augment_needs_images_and_select_accuracy_without_validation(tmp_path):
    refused = run("train", "--data", "moons", "--augment", "affine", cwd=tmp_path)
    assert refused.returncode == 2 and "needs image data" in refused.stderr
    result = run_ok("train", "--data", "moons", "--epochs", 2, "--val-split", 0,
                    "--select", "accuracy", "--threads", 1, cwd=tmp_path)
    assert "the best training accuracy" in result.stdout


def test_a_learning_rate_inside_optimizer_beats_the_datasets_default_not_lr(tmp_path):
    spec = "sgd(learning_rate=5)"
    out = run_ok("train", "--data", "xor", "--epochs", "1", "--optimizer", spec,
                 "--checkpoint", "run.npz", "--out", "own.npz", cwd=tmp_path).stdout
    assert f"{spec} lr 5, 1 epochs" in out  # not xor's 0.05
    assert steepest.load(tmp_path / "own.npz").optimizer.learning_rate == 5
    run_json("train", "--data", "xor", "--epochs", "1", "--optimizer", spec, "--lr", "0.2",
             "--out", "lr.npz", cwd=tmp_path)
    assert steepest.load(tmp_path / "lr.npz").optimizer.learning_rate == 0.2
    # A resumed run keeps the rate it trained with, and --lr may not change it.
    run_json("train", "--resume", "run.npz", "--epochs", "2", cwd=tmp_path)
    assert steepest.load(tmp_path / "own.npz").optimizer.learning_rate == 5
    assert_user_error(run("train", "--resume", "run.npz", "--epochs", "3", "--lr", "0.2",
                          cwd=tmp_path), "--lr 0.2 differs from the run's 5")


def test_train_help_says_which_learning_rate_wins(tmp_path):
    text = " ".join(run_ok("train", "--help", cwd=tmp_path).stdout.split())
    assert ("--lr LR learning rate (default: a learning_rate inside --optimizer "
            "('sgd(learning_rate=0.5)'), which --lr overrides; else per dataset "
            "(digits: 0.001), or the preset's)") in text


def test_augment_needs_image_data(tmp_path):
    result = run("train", "--data", "xor", "--augment", "affine", cwd=tmp_path)
    assert_user_error(result, "--augment affine needs image data")


# ---------------------------------------------------------------------- presets


def test_a_preset_for_another_dataset_is_refused(tmp_path):
    result = run("train", "--preset", "mnist-fast", "--data", "digits", cwd=tmp_path)
    assert_user_error(result, "--preset mnist-fast is for --data mnist, not digits")


def test_digits_best_preset_short_run(tmp_path):
    report = run_json("train", "--preset", "digits-best", "--epochs", "4", "--out", "d.npz",
                      cwd=tmp_path)
    assert report["epochs"] == 4 and report["layers"] == [64, 256, 256, 10]
    assert steepest.load(tmp_path / "d.npz").record["preset"] == "digits-best"


@needs_mnist
@pytest.mark.parametrize("preset", ["mnist-fast", "mnist-best", "mnist-record"])
def test_mnist_presets_short_run(tmp_path, preset):
    report = run_json("train", "--preset", preset, "--data-dir", MNIST_DIR, "--epochs", "1",
                      "--layers", "32", cwd=tmp_path)
    assert report["data"] == "mnist" and report["epochs"] == 1
    assert report["test_accuracy"] > 0.85


# ---------------------------------------------------------------------- user errors


TRAIN_OPTION_ERRORS = [
    (("--lr", "abc"), ("--lr", "abc")),
    (("--lr", "-1"), ("--lr", "> 0")),
    (("--lr", "nan"), ("--lr",)),
    (("--epochs", "0"), ("--epochs", "> 0")),
    (("--layers", "0"), ("--layers", ">= 1")),
    (("--layers", "a,b"), ("--layers", "a,b")),
    (("--val-split", "1.5"), ("--val-split", "[0, 1)")),
    (("--dropout", "1"), ("--dropout", "[0, 1)")),
    (("--batch-size", "-1"), ("--batch-size", ">= 0")),
    (("--activation", "softmax"), ("--activation", "softmax belongs on the output layer")),
    (("--activation", "sigmoid(c=-1)"), ("--activation", "c must be a positive number")),
    (("--activation", "swish"), ("--activation", "unknown activation 'swish'")),
    (("--optimizer", "adagrad"), ("--optimizer", "unknown optimizer 'adagrad'")),
    (("--optimizer", "adam(eps=1e400)"), ("--optimizer", "a finite eps > 0", "inf")),
    (("--optimizer", "rmsprop(eps=1e400)"), ("--optimizer", "a finite eps > 0", "inf")),
    (("--schedule", "linear"), ("--schedule", "unknown schedule 'linear'")),
    (("--loss", "hinge"), ("--loss", "unknown loss 'hinge'")),
    (("--l2", "-1"), ("--l2",)),
    (("--threads", "0"), ("--threads",)),
    (("--augment", "blur"), ("--augment",)),
    (("--preset", "imagenet"), ("--preset",)),
    (("--data", "imagenet"), ("unknown --data", "imagenet")),
    (("--data", "missing.csv"), ("missing.csv", "no such")),
    # Options that do not apply are refused, not ignored.
    (("--layers", ""), ("argument --layers: empty; expected sizes like 128,64",)),
    (("--layers", "10,,5"), ("--layers", "an empty layer size in '10,,5'")),
    (("--layers", "10,"), ("--layers", "an empty layer size in '10,'")),
    (("--data", "digits", "--data-dir", "."),
     ("--data-dir is for the IDX files of mnist and fashion-mnist, not for --data digits",)),
    (("--data", "mnist", "--data-dir", "nowhere"), ("--data-dir ", "nowhere: no such folder")),
    (("--data", "digits", "--one-hot", "a"),
     ("--one-hot is for CSV data (--data PATH.csv), not for --data digits",)),
    (("--data", "xor", "--target", "y"), ("--target is for CSV data",)),
    (("--data", "moons", "--standardize"), ("--standardize is for CSV data",)),
    (("--data", "xor", "--layers", "none", "--dropout", "0.2"),
     ("--dropout is a rate of the hidden layers, and --layers none leaves none",)),
    (("--data", "xor", "--layers", "none", "--activation", "tanh"),
     ("--activation is the hidden layers' activation, and --layers none leaves none",)),
    (("--data", "xor", "--val-split", "0.9"),
     ("--val-split 0.9 of the 4 training rows leaves nothing to train on",)),
    (("--data", "xor", "--val-split", "0.1"),
     ("--val-split 0.1 of the 4 training rows leaves nothing to validate on",)),
    (("--clip-norm", "0"), ("--clip-norm", "> 0")),
    (("--max-norm", "-1"), ("--max-norm", "> 0")),
]


@pytest.mark.parametrize(("args", "fragments"), TRAIN_OPTION_ERRORS,
                         ids=[" ".join(args) for args, _ in TRAIN_OPTION_ERRORS])
def test_train_user_errors(tmp_path, args, fragments):
    assert_user_error(run("train", *args, cwd=tmp_path), *fragments)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_mnist_with_empty_data_dir(tmp_path):
    (tmp_path / "empty").mkdir()
    message = assert_user_error(
        run("train", "--data", "mnist", "--data-dir", "empty", cwd=tmp_path), "empty")
    for name in MNIST_FILES:
        assert name in message


def test_csv_errors(tmp_path):
    rows = classification_rows(40)
    rows[30] = ("oops", *rows[30][1:])  # line 32: the header is line 1
    write_csv(tmp_path / "bad.csv", ["size", "weight", "color", "label"], rows)
    assert_user_error(run("train", "--data", "bad.csv", "--one-hot", "color", cwd=tmp_path),
                      "bad.csv", "line 32", "'size'", "'oops' is not a number (categorical "
                      "columns need one-hot encoding: --one-hot)")
    write_csv(tmp_path / "good.csv", ["size", "weight", "color", "label"],
              classification_rows(40))
    assert_user_error(run("train", "--data", "good.csv", "--one-hot", "color", "--target",
                          "nope", cwd=tmp_path), "good.csv", "no column 'nope'")
    (tmp_path / "header.csv").write_text("a,b,y\n")
    assert_user_error(run("train", "--data", "header.csv", cwd=tmp_path), "no rows")
    (tmp_path / "ragged.csv").write_text("a,b,y\n1,2,0\n1,2\n")
    assert_user_error(run("train", "--data", "ragged.csv", cwd=tmp_path), "line 3")
    (tmp_path / "nan.csv").write_text("a,b,y\n1,2,0\n3,nan,1\n4,5,0\n6,7,1\n")
    assert_user_error(run("train", "--data", "nan.csv", cwd=tmp_path),
                      "nan.csv: line 3, column 'b': 'nan' is not a finite number")
    write_csv(tmp_path / "one.csv", ["a", "b", "y"], [(i, 2 * i, 1) for i in range(8)])
    message = assert_user_error(run("train", "--data", "one.csv", cwd=tmp_path),
                                "one.csv: every row's target 'y' is 1: one class, where a "
                                "classifier needs at least two")
    assert "softmax" not in message
    write_csv(tmp_path / "number.csv", ["a", "y"], [(i, i / 3) for i in range(8)])
    assert_user_error(run("train", "--data", "number.csv", "--select", "accuracy",
                          cwd=tmp_path),
                      "--select accuracy needs classes; number.csv has a numeric target")


def test_out_into_missing_folder(tmp_path):
    result = run("train", "--data", "xor", "--epochs", "2", "--out", "nowhere/m.npz",
                 cwd=tmp_path)
    assert_user_error(result, "nowhere", "does not exist", quiet_stdout=False)


def test_csv_rare_category_in_the_test_split(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(40):
        a = rng.normal()
        rows.append((f"{a:.3f}", "red" if i % 2 else "blue", int(a > 0)))
    rows.append(("0.5", "green", 1))
    write_csv(tmp_path / "rare.csv", ["a", "color", "y"], rows)
    report = run_json("train", "--data", "rare.csv", "--one-hot", "color", "--epochs", "1",
                      "--seed", "1", cwd=tmp_path)
    # with seed 1 the lone "green" row is one of the 10 test rows: its column exists
    # all the same
    assert report["test_samples"] == 10 and report["layers"] == [4, 16, 2]
    assert math.isfinite(report["test_loss"])
    schema = steepest.load(report["model"]).record["csv"]["schema"]
    assert schema["categories"] == {"color": ["blue", "green", "red"]}


def test_csv_not_utf8(tmp_path):
    (tmp_path / "latin1.csv").write_bytes("a,b,y\n1,2,0\n\xe9,3,1\n".encode("latin-1"))
    assert_user_error(run("train", "--data", "latin1.csv", cwd=tmp_path), "latin1.csv")


# ---------------------------------------------------------------------- divergence


def test_a_loss_that_explodes_while_finite_stops_training_with_one_line(tmp_path):
    """Adam at 1e6 keeps the loss finite (2.4e21 after 3 epochs, before divergence was
    caught): one line saying what happened, what became of the model file and what
    the command line offers, exit code 1."""
    result = run("train", "--lr", "1e6", "--epochs", "3", cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert re.fullmatch(
        r"steepest train: error: training diverged at epoch 1, batch \d+: the loss exploded "
        r"to \S+ \(more than 1e\+06 times \S+\) \(learning rate 1e\+06\); no model saved to "
        r"digits-model.npz. Try a smaller --lr \(steepest lr-find suggests one\) or "
        r"--clip-norm 1", line), line
    assert list(tmp_path.iterdir()) == []


def test_divergence_leaves_an_existing_model_file_as_it_was(tmp_path):
    run_json("train", "--data", "xor", "--epochs", "5", "--out", "m.npz", cwd=tmp_path)
    before = (tmp_path / "m.npz").read_bytes()
    result = run("train", "--data", "xor", "--optimizer", "sgd", "--lr", "1e9", "--clip-norm",
                 "1e9", "--out", "m.npz", "--force", "--json", cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.endswith("(learning rate 1e+09); m.npz is left as it was. Try a smaller --lr "
                         "(steepest lr-find suggests one)")  # --clip-norm is there already
    report = json_report(result)
    assert report == {"diverged": True, "model": None, "epoch": 2, "batch": 1,
                      "reason": report["reason"], "learning_rate": 1e9, "checkpoint": None}
    assert report["reason"].startswith("the loss exploded to ")
    assert (tmp_path / "m.npz").read_bytes() == before


def test_divergence_names_the_checkpoint_that_holds_the_epochs_before(tmp_path):
    result = run("train", "--data", "xor", "--optimizer", "sgd", "--lr", "1e9", "--clip-norm",
                 "1e9", "--checkpoint", "run.npz", "--json", cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "; no model saved to xor-model.npz; the checkpoint run.npz holds the run after " \
           "epoch 1. Try a smaller --lr" in line, line
    assert json_report(result)["checkpoint"] == str((tmp_path / "run.npz").resolve())
    checkpoint = steepest.load(tmp_path / "run.npz")
    assert checkpoint.epochs_trained == 1 and np.isfinite(checkpoint.params).all()


def test_divergence_on_unscaled_csv_data_suggests_standardize(tmp_path):
    write_csv(tmp_path / "big.csv", ["a", "b", "y"],
              [(100 * i, 1000 * (i ^ 1), i % 2) for i in range(1, 9)])
    result = run("train", "--data", "big.csv", "--lr", "1e7", "--epochs", "3", cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.endswith("Try a smaller --lr (steepest lr-find suggests one), --clip-norm 1 "
                         "or --standardize")


def test_clip_norm_and_max_norm_shape_the_steps(tmp_path):
    """--clip-norm bounds each step (sgd: lr x norm), --max-norm each unit's weights."""
    def trained(out: str, *args: str) -> np.ndarray:
        run_json("train", "--data", "xor", "--layers", "8", "--optimizer", "sgd", "--epochs",
                 "3", *args, "--out", out, cwd=tmp_path)
        return steepest.load(tmp_path / out)

    # A rate too small to move float32 weights: the initial ones.
    start = trained("start.npz", "--lr", "1e-30").params
    clipped = trained("clipped.npz", "--lr", "1", "--clip-norm", "1e-3").params
    assert 0 < np.linalg.norm(clipped - start) <= 3 * 1e-3 * (1 + 1e-5)  # 3 full-batch steps
    assert np.linalg.norm(trained("free.npz", "--lr", "1").params - start) > 0.01
    for W in trained("max.npz", "--lr", "5", "--max-norm", "0.5").weights:
        assert np.linalg.norm(W, axis=0).max() <= 0.5 * (1 + 1e-5)
    assert np.linalg.norm(trained("big.npz", "--lr", "5").weights[0], axis=0).max() > 0.5
    plan = run_ok("train", "--data", "xor", "--epochs", "1", "--clip-norm", "1e-3",
                  "--max-norm", "2", cwd=tmp_path).stdout.splitlines()[1]
    assert plan.endswith("validation 0%, clip-norm 0.001, max-norm 2")


def test_train_json_keeps_full_precision(tmp_path):
    report = run_json("train", "--data", "xor", "--epochs", "5", cwd=tmp_path)
    assert report["test_loss"] == steepest.load(report["model"]).record["test"]["loss"]
    assert report["seconds"] != round(report["seconds"], 3)  # a time, not rounded to ms
