"""Checkpoints and resume: fit(..., checkpoint=...) saves the run as it goes, and
steepest.resume goes on from the file, bit for bit, after the run was stopped."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

import steepest
import steepest.training
from steepest import Checkpoint, EarlyStopping, ImageAugmenter, Network
from steepest.callbacks import BestWeights, Callback
from steepest.errors import (
    ConfigError,
    DataError,
    ModelFileError,
    ReproducibilityWarning,
)


class KilledError(Exception):
    """Stands for SIGKILL: the process dies with the epoch, no code runs after it."""


class KillAfter(Callback):
    """Raise :class:`KilledError` at the end of epoch ``epoch`` (counting from 1), before the
    checkpoint of that epoch is written (the checkpoint comes last)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, net, epoch, logs):
        if epoch + 1 == self.epoch:
            raise KilledError


def _images(n: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """8x8 "images": a bright left or right half, and its label."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.uniform(0, 0.3, size=(n, 8, 8))
    X[y == 0, :, :4] += 0.6
    X[y == 1, :, 4:] += 0.6
    return X.reshape(n, 64), y


def _net() -> Network:
    return Network([64, 16, 2], activation="relu", loss="cross_entropy", dropout=0.2, seed=5)


RUN = {"epochs": 9, "batch_size": 16, "optimizer": "adam", "learning_rate": 0.01,
       "schedule": "cosine", "validation_split": 0.25, "l2": 1e-4}


def _run(tmp_path, kill_at: int | None = None, every: int = 1, **changes):
    """The run of ``RUN`` with a checkpoint, augmentation, dropout and early
    stopping: what each consumes of the random generator must be restored."""
    X, y = _images()
    net = _net()
    callbacks = [EarlyStopping(patience=50), *([KillAfter(kill_at)] if kill_at else [])]
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "run.npz"
    with contextlib.suppress(KilledError):
        net.fit(X, y, **(RUN | changes), callbacks=callbacks,
                augment=ImageAugmenter((8, 8), shift=1, rotation=5),
                checkpoint=Checkpoint(path, every=every))
    return net, path


def _resume(path, **changes):
    X, y = _images()
    return steepest.resume(path, X, y, callbacks=[EarlyStopping(patience=50)],
                           augment=ImageAugmenter((8, 8), shift=1, rotation=5), **changes)


def test_a_killed_run_resumed_from_its_checkpoint_is_the_uninterrupted_run_bit_for_bit(
        tmp_path):
    straight, _ = _run(tmp_path / "straight")
    _, path = _run(tmp_path / "killed", kill_at=4)
    assert steepest.load(path).epochs_trained == 3  # epoch 4 died before its checkpoint
    resumed = _resume(path)
    assert resumed.epochs_trained == straight.epochs_trained == 9
    np.testing.assert_array_equal(resumed.params, straight.params)  # the best epoch's
    assert resumed.history.to_dict() == straight.history.to_dict()
    for key, value in straight.optimizer.state.items():
        np.testing.assert_array_equal(resumed.optimizer.state[key], value)
    assert resumed.rng.bit_generator.state == straight.rng.bit_generator.state
    # Checkpoints went on: the file now holds the end of the run.
    assert steepest.load(path).epochs_trained == 9


def test_checkpoints_are_written_every_n_epochs_and_at_the_last(tmp_path):
    written = []

    class Watch(Callback):
        def on_epoch_end(self, net, epoch, logs):  # runs before the checkpoint's turn
            if path.exists():
                written.append(steepest.load(path).epochs_trained)

    X, y = _images()
    path = tmp_path / "run.npz"
    _net().fit(X, y, epochs=7, batch_size=32, callbacks=[Watch()],
               checkpoint=Checkpoint(path, every=3))
    assert written == [3, 3, 3, 6]  # after epochs 4 to 7, before their own checkpoint
    assert steepest.load(path).epochs_trained == 7


def test_resuming_to_more_epochs_goes_on_and_a_stopped_run_stays_stopped(tmp_path):
    _, path = _run(tmp_path, kill_at=3, schedule=None)
    longer = _resume(path, epochs=12)
    assert longer.epochs_trained == 12 and len(longer.history) == 12
    with pytest.raises(ConfigError, match=r"trained 12 epochs already; epochs .* cannot be 5"):
        _resume(path, epochs=5)

    X, y = _images()
    early = _net()
    early.fit(X, y, epochs=30, validation_split=0.25, optimizer="adam", learning_rate=0.5,
              callbacks=[EarlyStopping(patience=1)], checkpoint=tmp_path / "early.npz")
    stopped = steepest.load(tmp_path / "early.npz")
    assert stopped.epochs_trained < 30
    again = steepest.resume(tmp_path / "early.npz", X, y, callbacks=[EarlyStopping(patience=1)])
    assert again.epochs_trained == stopped.epochs_trained  # no epoch more
    np.testing.assert_array_equal(again.params, early.params)  # the best restored at the end


def test_resume_refuses_other_data_other_callbacks_and_files_without_a_run(tmp_path):
    _, path = _run(tmp_path, kill_at=3)
    X, y = _images()
    before = path.read_bytes()
    with pytest.raises(DataError, match="the training data is not the run's"):
        steepest.resume(path, X[::-1], y[::-1], callbacks=[EarlyStopping(patience=50)])
    with pytest.raises(DataError, match="not the run's"):
        steepest.resume(path, X, y, callbacks=[EarlyStopping(patience=50)],
                        sample_weight=np.ones(len(X)))
    with pytest.raises(ConfigError, match=r"holds the state of the callbacks \['EarlyStopping'\]"
                       r", this run has \[\]"):
        steepest.resume(path, X, y)
    with pytest.raises(ConfigError, match="validation_data must be given to resume exactly"):
        steepest.resume(path, X, y, callbacks=[EarlyStopping(patience=50)],
                        validation_data=(X, y))
    assert path.read_bytes() == before  # nothing refused touched the file

    plain = _net().save(tmp_path / "plain.npz")
    with pytest.raises(ConfigError, match="holds no training state"):
        steepest.resume(plain, X, y)


def test_a_corrupt_or_truncated_checkpoint_is_refused_and_left_as_it_is(tmp_path):
    _, path = _run(tmp_path, kill_at=3)
    X, y = _images()
    whole = path.read_bytes()
    for broken in (whole[: len(whole) // 2], whole[:100], whole[:-1],
                   whole[:5000] + bytes([whole[5000] ^ 0xFF]) + whole[5001:]):
        path.write_bytes(broken)
        with pytest.raises(ModelFileError, match=str(path)):
            steepest.resume(path, X, y, callbacks=[EarlyStopping(patience=50)])
        assert path.read_bytes() == broken


def test_another_blas_thread_count_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(steepest.callbacks, "blas_threads", lambda: 3)
    _, path = _run(tmp_path, kill_at=3)
    assert steepest.io.load_checkpoint(path)[1].blas_threads == 3
    monkeypatch.setattr(steepest.training, "blas_threads", lambda: 1)
    with pytest.warns(ReproducibilityWarning, match=r"the run used 3 BLAS thread\(s\), this "
                      "process 1"):
        _resume(path, epochs=4)
    monkeypatch.setattr(steepest.training, "blas_threads", lambda: 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _resume(path)  # the same count: no warning


def test_a_checkpoint_must_be_given_to_fit_as_checkpoint(tmp_path):
    X, y = _images()
    with pytest.raises(ConfigError, match=r"give a Checkpoint to fit\(checkpoint=...\)"):
        _net().fit(X, y, callbacks=[Checkpoint(tmp_path / "c.npz")])
    with pytest.raises(ConfigError, match="every must be a whole number >= 1"):
        Checkpoint(tmp_path / "c.npz", every=0)


def test_best_weights_can_keep_and_restore_the_best_epochs_training_state():
    X, y = _images()
    net = _net()
    best = BestWeights("val_loss", keep_training_state=True)
    net.fit(X, y, epochs=8, validation_split=0.25, optimizer="adam", learning_rate=0.05,
            callbacks=[best])
    assert best.best_epoch is not None and best.best_epoch < 7, "the test wants an early best"

    # The same run to the best epoch only: the state restored must be that one's.
    to_best = _net()
    to_best.fit(X, y, epochs=best.best_epoch + 1, validation_split=0.25, optimizer="adam",
                learning_rate=0.05)
    best.restore(net, training_state=True)
    np.testing.assert_array_equal(net.params, to_best.params)
    assert net.epochs_trained == to_best.epochs_trained == best.best_epoch + 1
    assert net.optimizer.steps == to_best.optimizer.steps
    for key, value in to_best.optimizer.state.items():
        np.testing.assert_array_equal(net.optimizer.state[key], value)
    assert net.rng.bit_generator.state == to_best.rng.bit_generator.state
    assert len(net.history) == 8  # the run's record stays whole...

    net.fit(X, y, epochs=1, validation_split=0.25)  # ...until training goes on from there
    to_best.fit(X, y, epochs=1, validation_split=0.25)
    np.testing.assert_array_equal(net.params, to_best.params)
    assert net.history.to_dict() == to_best.history.to_dict()
