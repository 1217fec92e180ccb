"""The fit loop: batches, shuffling, validation, history, callbacks.

Each batch gets one training step, :meth:`Network.train_step`'s (forward phase,
loss, backward phase, the optimiser's update): the loop around it shuffles,
gathers the batches, measures the epoch, calls the callbacks and keeps the last
good weights in case training diverges.

Batches are gathered by index into buffers that are reused across steps, so an
epoch never copies the dataset; full-batch training uses the data as it is.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _validation as check
from ._validation import CLASSES
from .callbacks import Callback, Checkpoint, ProgressBar, blas_threads, limit_threads
from .config import TrainingConfig
from .errors import ConfigError, DataError, DivergenceError, ReproducibilityWarning, ShapeError
from .history import History
from .io import TrainingState, load_checkpoint
from .metrics import correct, evaluate_prepared
from .optimizers import Optimizer, Schedule

if TYPE_CHECKING:
    from .network import Network

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


#: A loss more than this many times the first batch's (or than 1, if that was
#: less) has exploded: training stops as if it were NaN.
EXPLODED = 1e6


def fit(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 1,
    batch_size: int | None = 32,
    optimizer: str | dict[str, Any] | Optimizer | None = None,
    learning_rate: float | None = None,
    schedule: str | dict[str, Any] | Schedule | None = None,
    l2: float = 0.0,
    l1: float = 0.0,
    clip_norm: float | None = None,
    max_norm: float | None = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    validation_split: float = 0.0,
    shuffle: bool = True,
    sample_weight: np.ndarray | None = None,
    callbacks: Sequence[Callback] = (),
    verbose: int = 0,
    augment: Augment | None = None,
    checkpoint: str | os.PathLike[str] | Checkpoint | None = None,
    threads: int | None = None,
) -> History:
    """Train the network by gradient descent; returns this call's :class:`History`.

    ``X`` is ``(n_samples, sizes[0])``. ``y`` is ``(n_samples, sizes[-1])``
    targets, or ``(n_samples,)`` integer class labels (one-hot encoded for
    you), or ``(n_samples,)`` values for a single output.

    - ``epochs``: passes over the data. ``batch_size``: samples per step;
      ``None`` is full-batch gradient descent, ``1`` is online learning.
    - ``optimizer``: ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"rmsprop"``,
      ``"adam"``, a config dict or an :class:`~steepest.optimizers.Optimizer`;
      ``learning_rate`` and ``schedule`` (``"step"``, ``"exponential"``,
      ``"cosine"`` or an object) override a name's defaults. Leaving all three
      out continues the network's current optimiser, state included, so a
      second ``fit``, or a ``fit`` after ``steepest.load``, resumes exactly
      where training stopped (plain SGD on a new network).
    - ``l2``: weight decay, adds ``l2 * W`` to each weight gradient (biases
      are not decayed). ``l1``: adds ``l1 * sign(W)``, pulling small weights
      to exactly 0. ``clip_norm``: rescale the whole gradient to at most
      this Euclidean norm. ``max_norm``: after each step, rescale each unit's
      incoming weights (a column of ``W``) to at most this norm.
    - ``validation_data=(X_val, y_val)``, or ``validation_split``: a fraction
      of the rows, drawn with the network's seed, held out of training.
      Validation figures are measured after each epoch.
    - ``shuffle``: a new order of the rows each epoch (from the network's seed).
    - ``sample_weight`` ``(n_samples,)``: each sample's weight in the loss,
      which becomes ``sum(w_i * l_i) / sum(w_i)`` over the data; a batch of
      ``m`` rows uses ``w_i / (m * mean(w))``, so its gradient estimates that.
    - ``callbacks``: e.g. :class:`~steepest.callbacks.EarlyStopping`.
    - ``verbose``: 0 silent, 1 a progress bar per epoch (tqdm, on a terminal)
      or one line per epoch (otherwise).
    - ``augment``: a function ``(X_batch, rng) -> X_batch'`` applied to every
      training batch (not to validation data), e.g.
      :class:`~steepest.augment.ImageAugmenter`; it gets the network's random
      generator, so a seeded run stays repeatable.
    - ``checkpoint``: a file path, or a :class:`~steepest.callbacks.Checkpoint`
      (``Checkpoint(path, every=5)``): the run is saved there after every epoch
      (every ``every``), atomically, and :func:`resume` continues it, bit for bit
      at the same BLAS thread count, after a crash or a kill.
    - ``threads``: at most this many BLAS threads during this fit (through
      threadpoolctl, when installed); None leaves BLAS as it is. The elementwise
      work's threads are another setting (see
      :func:`~steepest.callbacks.limit_threads`).

    Raises a :mod:`steepest.errors` exception before training for bad data or
    settings, and :class:`~steepest.errors.DivergenceError` if the loss or the
    gradient becomes NaN or infinite or the loss explodes (more than
    ``EXPLODED`` = 1e6 times the first batch's, or than 1 if that was less): the
    weights are then those before the last step, whose loss was still good (or
    the best epoch's if an ``EarlyStopping`` callback restores them), and the
    optimiser restarts, same kind and settings, at the next ``fit``.
    """
    config = TrainingConfig(
        epochs=epochs, batch_size=batch_size, optimizer=optimizer, learning_rate=learning_rate,
        schedule=schedule, l2=l2, l1=l1, clip_norm=clip_norm, max_norm=max_norm,
        validation_split=validation_split, shuffle=shuffle,
    )
    threads = check.whole_number(threads, "threads", 1, none_ok=True)
    with limit_threads(threads):
        return _train(net, X, y, config, sample_weight=sample_weight,
                      validation_data=validation_data, callbacks=callbacks, verbose=verbose,
                      augment=augment, checkpoint=checkpoint)


def resume(
    path: str | os.PathLike[str],
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int | None = None,
    sample_weight: np.ndarray | None = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[Callback] = (),
    verbose: int = 0,
    augment: Augment | None = None,
) -> Network:
    """Continue the run saved in the checkpoint ``path`` (``fit(...,
    checkpoint=path)``) to its last epoch, or to ``epochs`` (counted over the
    network's life); returns the network, whose ``history`` holds every epoch.

    The data (``X``, ``y``, ``sample_weight``, ``validation_data``) must be the
    run's, and ``callbacks`` and ``augment`` what it used (they are code, which a
    file does not hold): the checkpoint restores the state of the callbacks that
    keep one (``BestWeights``, ``EarlyStopping``). Checkpoints go on being
    written to ``path``. At the BLAS thread count of the run (see
    :func:`~steepest.callbacks.blas_threads`; another count is a
    :class:`~steepest.errors.ReproducibilityWarning`), the weights are those of
    the run had it never stopped, bit for bit.

    Raises :class:`~steepest.errors.ModelFileError` for a missing or corrupt
    file, :class:`~steepest.errors.ConfigError` for a file that is not a
    checkpoint or callbacks that are not the run's, and
    :class:`~steepest.errors.DataError` for other data.
    """
    net, state = load_checkpoint(path)
    if state is None:
        raise ConfigError(f"{path} holds no training state (it was saved by save(), not as a "
                          "checkpoint); load it and call fit to train it further")
    continue_run(net, state, X, y, epochs=epochs, sample_weight=sample_weight,
                 validation_data=validation_data, callbacks=callbacks, verbose=verbose,
                 augment=augment, checkpoint=Checkpoint(path, state.every))
    return net


def continue_run(
    net: Network, state: TrainingState, X: np.ndarray, y: np.ndarray, *,
    epochs: int | None = None, sample_weight: np.ndarray | None = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[Callback] = (), verbose: int = 0, augment: Augment | None = None,
    checkpoint: Checkpoint | None = None,
) -> History:
    """:func:`resume` for a network and its :class:`~steepest.io.TrainingState`
    already loaded (``steepest.io.load_checkpoint``), writing checkpoints to
    ``checkpoint`` (None: none); returns this call's history."""
    target = state.epochs if epochs is None else check.whole_number(epochs, "epochs", 0)
    if target < net.epochs_trained:
        raise ConfigError(f"the run has trained {net.epochs_trained} epochs already; epochs "
                          f"(counted over the network's life) cannot be {target}")
    settings = dict(state.settings)
    if settings.pop("validation_data", False) != (validation_data is not None):
        raise ConfigError("validation_data must be given to resume exactly when the run had it"
                          " (pass the same validation_data)")
    remaining = 0 if state.stopped and epochs is None else target - net.epochs_trained
    config = TrainingConfig(epochs=remaining, **settings)
    threads = blas_threads()
    if state.blas_threads and threads and threads != state.blas_threads:
        warnings.warn(ReproducibilityWarning(
            f"the run used {state.blas_threads} BLAS thread(s), this process {threads}: the "
            "result may differ from an uninterrupted run in the last bits (float32 products "
            "round differently)"), stacklevel=2)
    return _train(net, X, y, config, sample_weight=sample_weight,
                  validation_data=validation_data, callbacks=callbacks, verbose=verbose,
                  augment=augment, checkpoint=checkpoint, resumed=state)


def _train(
    net: Network, X: Any, y: Any, config: TrainingConfig, *, sample_weight: Any,
    validation_data: tuple[np.ndarray, np.ndarray] | None, callbacks: Any, verbose: int,
    augment: Augment | None, checkpoint: str | os.PathLike[str] | Checkpoint | None,
    resumed: TrainingState | None = None,
) -> History:
    """The fit loop of ``config`` on ``(X, y)``; with ``resumed``, a run that goes
    on from a checkpoint (its data checked, its callbacks' states restored)."""
    X, Y, kind, w = net._prepare(X, y, sample_weight)
    callbacks = _checked_callbacks(callbacks)
    if augment is not None and not callable(augment):
        raise ConfigError(f"augment must be a function (X_batch, rng) -> X_batch, got {augment!r}")
    train_rows, validation = _validation_set(net, X, Y, kind, w, validation_data,
                                             config.validation_split)
    chosen = config.optimizer_for(net)
    if checkpoint is not None and not isinstance(checkpoint, Checkpoint):
        checkpoint = Checkpoint(checkpoint)
    fingerprint = None
    if checkpoint is not None or resumed is not None:
        fingerprint = _fingerprint(X, Y, w, *(validation if validation_data is not None
                                              else ()))
    if resumed is not None and fingerprint != resumed.data:
        raise DataError("the training data is not the run's (its fingerprint differs): resume "
                        "on the same rows, in the same order, with the same targets, weights "
                        "and validation data")

    metric_names = ["loss"] + (["accuracy"] if kind else [])
    if validation is not None:
        metric_names += [f"val_{m}" for m in metric_names]
    loop = _Loop(net, X, Y, kind, w, train_rows, config, augment)
    callbacks = [*callbacks, *([ProgressBar()] if verbose else []),
                 *([checkpoint] if checkpoint is not None else [])]
    if checkpoint is not None:
        checkpoint.bind(_run_settings(config, validation_data), fingerprint, callbacks)
    params = {"epochs": net.epochs_trained + config.epochs, "steps": loop.steps,
              "samples": len(train_rows)}
    for callback in callbacks:
        callback.set_params(params)
        callback.on_train_begin(net, [*metric_names, "lr"])
    if resumed is not None:
        _restore_states(callbacks, resumed.callbacks)
    # Only now, with every check passed, does the network take the new optimiser.
    chosen.bind(net)  # refused if it trains another network
    if chosen.first_epoch is None:
        chosen.first_epoch = net.epochs_trained
    net.optimizer = chosen
    net.stop_training = False
    # A best-epoch file's history goes on past its weights' epoch: training goes on
    # from the weights, so the epochs after them are history no more.
    if len(net.history) > net.epochs_trained:
        net.history = History({key: values[:net.epochs_trained]
                               for key, values in net.history.metrics.items()})

    history = History()
    per_batch = [callback for callback in callbacks if callback.wants_batches]
    try:
        for _ in range(config.epochs):
            epoch = net.epochs_trained
            net.optimizer.start_epoch(epoch)
            for callback in callbacks:
                callback.on_epoch_begin(net, epoch)
            logs = loop.run_epoch(epoch, per_batch)
            if validation is not None:
                figures = evaluate_prepared(net, *validation)
                logs |= {f"val_{k}": v for k, v in figures.items()}
            logs["lr"] = net.optimizer.lr
            history.append(logs)
            net.history.append(logs)
            net.epochs_trained += 1
            for callback in callbacks:
                callback.on_epoch_end(net, epoch, logs)
            if net.stop_training:
                break
    finally:
        for callback in callbacks:
            callback.on_train_end(net)
    return history


def _run_settings(config: TrainingConfig, validation_data: Any) -> dict[str, Any]:
    """What a checkpoint keeps of the fit's settings: those the network does not hold."""
    settings = config.fit_settings()
    for name in ("epochs", "optimizer", "learning_rate", "schedule"):
        del settings[name]
    return settings | {"validation_data": validation_data is not None}


def _fingerprint(*arrays: np.ndarray | None) -> str:
    """SHA-256 over the arrays' dtypes, shapes and bytes: the same data, or not."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None or isinstance(a, str):  # no weights; the kind of targets
            h.update(repr(a).encode())
            continue
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.data)
    return h.hexdigest()


def _restore_states(callbacks: list[Callback], saved: list[dict[str, Any]]) -> None:
    """Give each callback that keeps a state its state from the checkpoint, in order."""
    keeping = [c for c in callbacks if c.keeps_state]
    names = [type(c).__name__ for c in keeping]
    if names != [entry["name"] for entry in saved]:
        raise ConfigError(f"the checkpoint holds the state of the callbacks "
                          f"{[entry['name'] for entry in saved]}, this run has {names}: resume "
                          "with the run's callbacks")
    for callback, entry in zip(keeping, saved, strict=True):
        callback.set_state(entry["state"])


def _checked_callbacks(callbacks: Any) -> list[Callback]:
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    try:
        checked = list(callbacks)
    except TypeError:
        raise ConfigError(f"callbacks must be a list of Callback objects, got {callbacks!r}"
                          ) from None
    for callback in checked:
        if not isinstance(callback, Callback):
            raise ConfigError(f"callbacks must be Callback objects (subclasses of "
                              f"steepest.callbacks.Callback), got {callback!r}")
    return checked


def _validation_set(
    net: Network, X: np.ndarray, Y: np.ndarray, kind: str | None, w: np.ndarray | None,
    validation_data: tuple[np.ndarray, np.ndarray] | None, validation_split: float,
) -> tuple[np.ndarray, tuple | None]:
    """Row indices to train on, and the prepared validation set (or None)."""
    n = X.shape[0]
    if validation_data is not None:
        if validation_split:
            raise ConfigError("pass validation_data or validation_split, not both")
        if not isinstance(validation_data, tuple | list) or len(validation_data) not in (2, 3):
            raise ConfigError("validation_data must be (X_val, y_val) or (X_val, y_val, weights)")
        Xv, Yv, kind_v, wv = net._prepare(*validation_data)
        return np.arange(n), (Xv, Yv, kind_v or kind, wv)
    if not validation_split:
        return np.arange(n), None
    n_val = validation_size(n, validation_split)
    if n_val < 1 or n_val >= n:
        raise ConfigError(
            f"validation_split={validation_split} of {n} samples leaves no validation or no "
            "training data"
        )
    # The network's own split seed: the same rows are held out at every fit, and
    # the split does not shift the shuffling stream.
    order = np.random.default_rng(net.split_seed).permutation(n)
    val_rows, train_rows = np.sort(order[:n_val]), np.sort(order[n_val:])
    wv = None if w is None else w[val_rows]
    if w is not None and (w[train_rows].sum() <= 0 or wv.sum() <= 0):
        raise DataError(
            "validation_split leaves only zero sample weights on one side; give weight to "
            "more rows or pass validation_data"
        )
    return train_rows, (X[val_rows], Y[val_rows], kind, wv)


class _Loop:
    """The epoch loop's state: batch buffers, gradient buffer, last good weights.

    With sample weights, a batch's row weights are ``w_i / (m * mean(w))`` (``m``
    rows, the mean over the training rows): each batch's gradient is then an
    unbiased estimate of the full weighted loss's, and a full batch gives
    exactly ``w_i / sum(w)``.
    """

    def __init__(
        self, net: Network, X: np.ndarray, Y: np.ndarray, kind: str | None,
        w: np.ndarray | None, rows: np.ndarray, config: TrainingConfig,
        augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    ) -> None:
        n = len(rows)
        self.augment = augment
        self.rules = config.rules.or_none()
        self.batch_size = n if config.batch_size is None else min(config.batch_size, n)
        self.full_batch = self.batch_size == n
        if self.full_batch and n != X.shape[0]:  # one copy per fit, not one per epoch
            X, Y, w = X[rows], Y[rows], None if w is None else w[rows]
            rows = np.arange(n)
        self.net, self.X, self.Y, self.kind, self.w = net, X, Y, kind, w
        self.rows, self.shuffle = rows, config.shuffle
        self.mean_weight = 1.0 if w is None else float(w[rows].mean())
        if not self.full_batch:
            self.X_buffer = np.empty((self.batch_size, X.shape[1]), dtype=X.dtype)
            self.Y_buffer = np.empty((self.batch_size, Y.shape[1]), dtype=Y.dtype)
        self.steps = -(-n // self.batch_size)
        # Reused by every step: the gradient, and two copies of the weights that
        # take turns, so that a diverging step can be undone back to the weights of
        # the last step whose loss was finite.
        self.gradients = net._new_gradients()
        self.last_good = net.params.copy()
        self.before_step = np.empty_like(net.params)
        # Set by the first step: a loss above it has exploded (finite or not).
        self.loss_limit: float | None = None
        # Each step only records its predicted classes; the epoch's accuracy is
        # then one comparison with every row's class, found once per fit.
        if kind == CLASSES:
            self.labels = Y.argmax(axis=1)
            self.predicted = np.empty(n, dtype=self.labels.dtype)

    def _batch(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The rows ``index`` of the data, gathered into the reused buffers."""
        if self.full_batch:  # the order of the rows does not change a full batch's step
            return self.X, self.Y, self.w
        m = len(index)
        # mode="clip": the rows are valid, and the default ("raise") would copy
        # through a temporary buffer.
        Xb = np.take(self.X, index, axis=0, out=self.X_buffer[:m], mode="clip")
        Yb = np.take(self.Y, index, axis=0, out=self.Y_buffer[:m], mode="clip")
        return Xb, Yb, None if self.w is None else self.w[index]

    def _augmented(self, Xb: np.ndarray) -> np.ndarray:
        out = self.augment(Xb, self.net.rng)
        if getattr(out, "shape", None) != Xb.shape:
            raise ShapeError(f"augment must return a batch of shape {Xb.shape}, got "
                             f"{getattr(out, 'shape', type(out).__name__)}")
        return np.asarray(out, dtype=Xb.dtype)

    def _row_weights(self, m: int, wb: np.ndarray | None) -> np.ndarray | None:
        if wb is None:
            return None  # equal weights: the batch mean
        return (wb / (m * self.mean_weight)).astype(self.net.dtype)

    def run_epoch(self, epoch: int, callbacks: Sequence[Callback] = ()) -> dict[str, float]:
        """One epoch; ``callbacks`` are called after each batch (with the running
        loss and accuracy, worked out only when there are any)."""
        order = self.rows
        if self.shuffle and not self.full_batch:
            order = self.net.rng.permutation(self.rows)
        loss_sum = correct_sum = weight_sum = 0.0
        for step, start in enumerate(range(0, len(order), self.batch_size)):
            index = order[start : start + self.batch_size]
            Xb, Yb, wb = self._batch(index)
            if self.augment is not None:
                Xb = self._augmented(Xb)
            m = len(Xb)
            loss, output = self._step(epoch, step, Xb, Yb, wb)
            loss_sum += loss * m * self.mean_weight  # = sum(w_i * l_i) over the batch
            weight_sum += m if wb is None else float(wb.sum())
            if self.kind == CLASSES:
                predicted = np.argmax(output, axis=1, out=self.predicted[start : start + m])
                if callbacks:  # a running figure, only when someone reads it
                    correct_sum += _weighted_sum(predicted == self.labels[index], wb)
            elif self.kind is not None:
                correct_sum += _weighted_sum(correct(output, Yb, self.kind), wb)
            if callbacks:
                running = {"loss": loss_sum / weight_sum}
                if self.kind is not None:
                    running["accuracy"] = correct_sum / weight_sum
                for callback in callbacks:
                    callback.on_batch_end(self.net, step, running)
        if not np.isfinite(self.net.params).all():
            self._diverged(epoch, step, "the weights became NaN or infinite")
        logs = {"loss": loss_sum / weight_sum}
        if self.kind == CLASSES:
            hits = self.predicted == self.labels[order]
            logs["accuracy"] = _weighted_sum(hits, None if self.w is None else self.w[order])
            logs["accuracy"] /= weight_sum
        elif self.kind is not None:
            logs["accuracy"] = correct_sum / weight_sum
        return logs

    def _step(
        self, epoch: int, step: int, Xb: np.ndarray, Yb: np.ndarray, wb: np.ndarray | None
    ) -> tuple[float, np.ndarray]:
        """One training step on a batch: its loss and the network's outputs."""
        net = self.net
        done = net._train_step(Xb, Yb, net.optimizer, self._row_weights(len(Xb), wb),
                               self.rules, into=self.gradients, keep=self.before_step)
        if done.skipped:
            self._diverged(epoch, step, done.skipped)
        if self.loss_limit is None:
            self.loss_limit = EXPLODED * max(done.loss, 1.0)
        elif done.loss > self.loss_limit:
            first = self.loss_limit / EXPLODED
            self._diverged(epoch, step, f"the loss exploded to {done.loss:.3g} (more than "
                           f"{EXPLODED:g} times {first:.3g})")
        self.last_good, self.before_step = self.before_step, self.last_good
        return done.loss, done.trace.output

    def _diverged(self, epoch: int, step: int, what: str) -> None:
        net = self.net
        net.params[...] = self.last_good
        # The moments saw the bad gradients: the next fit starts the same kind of
        # optimiser, with the same settings, afresh.
        old = net.optimizer
        net.optimizer = old.fresh()
        raise DivergenceError.at(
            epoch + 1, step + 1, what, old.lr,
            "the weights were restored to the last good ones (those of the step before). Try "
            "a smaller learning rate, gradient clipping (clip_norm) or inputs scaled to [0, 1]",
        )


def validation_size(n_samples: int, validation_split: float) -> int:
    """How many of ``n_samples`` rows ``validation_split`` holds out for validation
    (``fit`` refuses a split that leaves none, or nothing to train on)."""
    return round(n_samples * validation_split)


def _weighted_sum(hits: np.ndarray, weights: np.ndarray | None) -> float:
    """How many of ``hits`` (bool or 0/1, ``(n,)``) are set, each counted with its weight."""
    if weights is None:
        return float(np.count_nonzero(hits))
    return float(np.dot(weights, hits))
