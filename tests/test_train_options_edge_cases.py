"""`steepest train` options at their edges, run in process: schedules other than
cosine, --augment without images, --select accuracy without a validation split.
(The estimators', sweeps' and augmenter's edge cases are in test_sklearn.py,
test_sweep.py and test_augment.py.)"""

from __future__ import annotations

import json

import pytest

import steepest
from steepest.cli import main


def cli(args, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("schedule", "third_lr"), [("exponential", 1e-2 * 0.95**2),
                                                   ("step", 1e-2)])
def test_train_schedules_other_than_cosine(tmp_path, monkeypatch, capsys, schedule,
                                           third_lr):
    code, out, _ = cli(["train", "--data", "moons", "--epochs", 3, "--schedule", schedule,
                        "--json"], tmp_path, monkeypatch, capsys)
    assert code == 0
    net = steepest.load(json.loads(out)["model"])
    assert net.history["lr"][2] == pytest.approx(third_lr)


def test_train_augment_needs_images_and_select_accuracy_without_validation(
        tmp_path, monkeypatch, capsys):
    code, _, err = cli(["train", "--data", "moons", "--augment", "affine"], tmp_path,
                       monkeypatch, capsys)
    assert code == 2 and "needs image data" in err
    code, out, _ = cli(["train", "--data", "moons", "--epochs", 2, "--val-split", 0,
                        "--select", "accuracy", "--threads", 1], tmp_path, monkeypatch, capsys)
    assert code == 0 and "the best training accuracy" in out
