"""Callbacks: code the fit loop calls at the start, after each epoch and at the end.

A callback sees the network and the epoch's figures (``logs``: ``loss``,
``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``). Setting
``net.stop_training = True`` ends training after the current epoch.
:class:`Checkpoint` saves the run as it goes, so that
:func:`~steepest.training.resume` can continue it.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from . import _kernels, _pool
from .errors import ConfigError
from .io import TrainingState, save

if TYPE_CHECKING:
    from .network import Network


class Callback:
    """Base class; override the hooks you need.

    Before training starts the fit loop sets ``self.params``: ``epochs`` (the
    last epoch number this fit will reach, counting from 1 over the network's
    life), ``steps`` (batches per epoch) and ``samples`` (training rows).
    """

    params: dict[str, int]

    def set_params(self, params: dict[str, int]) -> None:
        self.params = params

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        """Called once before the first epoch with the names ``logs`` will carry."""

    def on_epoch_begin(self, net: Network, epoch: int) -> None:
        """Called before each epoch (``epoch`` counts from 0 over the network's life)."""

    def on_batch_end(self, net: Network, step: int, logs: dict[str, float]) -> None:
        """Called after each step with the epoch's running ``loss`` (and ``accuracy``)."""

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        """Called after each epoch (``epoch`` counts from 0 over the network's life)."""

    def on_train_end(self, net: Network) -> None:
        """Called once after the last epoch, also when training stopped early."""

    def get_state(self) -> dict[str, Any] | None:
        """What a checkpoint keeps of this callback, to carry on after a resume
        (JSON-able values and arrays), or None for a callback that keeps nothing."""
        return None

    def set_state(self, state: dict[str, Any]) -> None:
        """Take back the state :meth:`get_state` gave (called after
        ``on_train_begin`` when a run resumes)."""
        raise ConfigError(f"{type(self).__name__} keeps no state to resume")

    @property
    def keeps_state(self) -> bool:
        """Whether a checkpoint keeps this callback's state (it overrides get_state)."""
        return type(self).get_state is not Callback.get_state

    @property
    def wants_batches(self) -> bool:
        """Whether ``fit`` calls :meth:`on_batch_end` after each batch: the callback
        (its class, or the instance itself) has one of its own. ``fit`` works out
        the running figures of an epoch only for such callbacks."""
        return ("on_batch_end" in vars(self)
                or type(self).on_batch_end is not Callback.on_batch_end)


class BestWeights(Callback):
    """Keep a copy of the weights of the best epoch so far.

    ``monitor`` is a key of the logs, by default ``val_loss``; ``mode`` is
    ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies, else min). An epoch
    is better when its figure beats the best by more than ``min_delta``, or,
    with ``tie_break`` (another key of the logs, lower is better), when it
    equals the best and its ``tie_break`` figure is lower. After each epoch,
    ``best`` and ``best_epoch`` (None before the first better epoch) tell which
    it was; :meth:`restore` puts its weights back. With ``keep_weights=False``
    only the figures are tracked. With ``keep_training_state``, the optimiser's
    state, the random state and the epoch count of the best epoch are kept too,
    so that ``restore(net, training_state=True)`` makes the network what it was
    at the end of that epoch, ready to train on from there.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", min_delta: float = 0.0,
                 tie_break: str | None = None, keep_weights: bool = True,
                 keep_training_state: bool = False) -> None:
        if mode not in ("auto", "min", "max"):
            raise ConfigError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        self.min_delta = float(min_delta)
        self.maximize = mode == "max" or (mode == "auto" and "accuracy" in monitor)
        self.tie_break = tie_break
        self.keep_weights = keep_weights
        self.keep_training_state = keep_training_state and keep_weights

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        self.best = -math.inf if self.maximize else math.inf
        self.best_epoch: int | None = None
        self._best_tie = math.inf
        self._best_params: np.ndarray | None = None
        self._best_training: dict[str, Any] | None = None

    def improved(self, logs: dict[str, float]) -> bool:
        """Whether the epoch of ``logs`` beats the best so far."""
        value = logs[self.monitor]
        if self.maximize:
            better = value > self.best + self.min_delta
        else:
            better = value < self.best - self.min_delta
        tied = (self.tie_break is not None and value == self.best
                and logs[self.tie_break] < self._best_tie)
        return better or tied

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        self.record(net, epoch, logs)

    def record(self, net: Network, epoch: int, logs: dict[str, float]) -> bool:
        """Keep this epoch if it is the best so far; returns whether it was."""
        if not self.improved(logs):
            return False
        self.best, self.best_epoch = logs[self.monitor], epoch
        if self.tie_break is not None:
            self._best_tie = logs[self.tie_break]
        if self.keep_weights:
            self._best_params = net.params.copy()
        if self.keep_training_state:
            self._best_training = _training_snapshot(net)
        return True

    def restore(self, net: Network, training_state: bool = False) -> bool:
        """Put the best epoch's weights back into ``net``; False if there are none.
        With ``training_state`` (kept with ``keep_training_state``), also the
        optimiser's state, the random state and the epoch count of that epoch;
        the history keeps every epoch trained."""
        if self._best_params is None:
            return False
        net.params[...] = self._best_params
        if training_state and self._best_training is not None:
            _restore_training(net, self._best_training)
        return True

    def get_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"monitor": self.monitor, "best": self.best,
                                 "best_epoch": self.best_epoch, "best_tie": self._best_tie}
        if self._best_params is not None:
            state["params"] = self._best_params
        if self._best_training is not None:
            kept = self._best_training
            state |= {"epochs_trained": kept["epochs_trained"], "rng": kept["rng"],
                      "steps": kept["steps"]}
            state |= {f"optimizer.{key}": value for key, value in kept["optimizer"].items()}
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        if state.get("monitor") != self.monitor:
            raise ConfigError(f"the checkpoint's {type(self).__name__} monitored "
                              f"{state.get('monitor')!r}, this one {self.monitor!r}")
        self.best, self.best_epoch = float(state["best"]), state["best_epoch"]
        self._best_tie = float(state["best_tie"])
        self._best_params = state.get("params")
        if self.keep_training_state and "epochs_trained" in state:
            self._best_training = {
                "epochs_trained": state["epochs_trained"], "rng": state["rng"],
                "steps": state["steps"],
                "optimizer": {key.removeprefix("optimizer."): value
                              for key, value in state.items() if key.startswith("optimizer.")},
            }


def _training_snapshot(net: Network) -> dict[str, Any]:
    """Copies of what training changes besides the weights: the optimiser's
    state vectors and step count, the random state, the epoch count."""
    optimizer = net.optimizer
    return {"epochs_trained": net.epochs_trained,
            "rng": copy.deepcopy(net.rng.bit_generator.state),
            "steps": optimizer.steps if optimizer is not None else 0,
            "optimizer": ({} if optimizer is None else
                          {key: value.copy() for key, value in optimizer.state.items()})}


def _restore_training(net: Network, kept: dict[str, Any]) -> None:
    net.epochs_trained = kept["epochs_trained"]
    net.rng.bit_generator.state = kept["rng"]
    if net.optimizer is not None:
        net.optimizer.steps = kept["steps"]
        for key, value in kept["optimizer"].items():
            net.optimizer.state[key] = value.copy()


class EarlyStopping(BestWeights):
    """Stop when a figure has not improved for ``patience`` epochs.

    ``monitor`` is a key of the logs, by default ``val_loss``; ``mode`` is
    ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies, else min). An
    improvement must beat the best so far by more than ``min_delta``. With
    ``restore_best_weights`` (the default) the network ends with the weights of
    its best epoch. After training, ``best``, ``best_epoch`` and
    ``stopped_epoch`` (None if it never stopped) tell what happened.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = True,
    ) -> None:
        super().__init__(monitor, mode, min_delta, keep_weights=restore_best_weights)
        if int(patience) < 0 or self.min_delta < 0:
            raise ConfigError(f"patience and min_delta must be >= 0, got {patience}, {min_delta}")
        self.patience = int(patience)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        if self.monitor not in metric_names:
            hint = " (pass validation_data or validation_split)" if "val_" in self.monitor else ""
            raise ConfigError(
                f"EarlyStopping monitors {self.monitor!r}, but training reports only "
                f"{metric_names}{hint}"
            )
        super().on_train_begin(net, metric_names)
        self.stopped_epoch: int | None = None
        self._wait = 0

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        if self.record(net, epoch, logs):
            self._wait = 0
            return
        self._wait += 1
        if self._wait >= self.patience:
            self.stopped_epoch = epoch
            net.stop_training = True

    def on_train_end(self, net: Network) -> None:
        if self.restore_best_weights:
            self.restore(net)

    def get_state(self) -> dict[str, Any]:
        return super().get_state() | {"wait": self._wait, "stopped_epoch": self.stopped_epoch}

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        self._wait, self.stopped_epoch = int(state["wait"]), state["stopped_epoch"]


class ProgressBar(Callback):
    """What ``fit(verbose=1)`` shows: a live bar per epoch when tqdm is installed
    and both standard output and standard error are terminals of a known size,
    else one line per epoch on standard output.

    The bar shows the running training loss and accuracy and, at the end of the
    epoch, the validation figures, compactly enough for an 80-column terminal.
    ``bar=True``/``False`` forces the choice; ``file`` redirects the output.
    ``out`` and ``err`` stand in for standard output and standard error (a
    program that writes to streams of its own, such as the command line run
    in-process, passes them).
    """

    def __init__(self, file: IO[str] | None = None, bar: bool | None = None, *,
                 out: IO[str] | None = None, err: IO[str] | None = None) -> None:
        self.file = file
        self.bar = bar
        self.out = out
        self.err = err
        self._tqdm = None

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        out, err = self.out or sys.stdout, self.err or sys.stderr
        use_bar = self.bar if self.bar is not None else _terminals_with_a_size(out, err)
        self._tqdm_class = _tqdm_class() if use_bar else None
        # The bar goes with the messages, the lines with the output.
        self._bar_file = self.file or err
        self._line_file = self.file or out

    def on_epoch_begin(self, net: Network, epoch: int) -> None:
        self._started = time.perf_counter()
        if self._tqdm_class is not None:
            self._tqdm = self._tqdm_class(
                total=self.params["steps"], desc=self._epoch_label(epoch), leave=True,
                file=self._bar_file, bar_format="{desc} |{bar:8}| {elapsed}{postfix}",
            )

    def on_batch_end(self, net: Network, step: int, logs: dict[str, float]) -> None:
        if self._tqdm is not None:
            self._tqdm.update(1)
            if step % 10 == 0 or step + 1 == self.params["steps"]:
                self._tqdm.set_postfix_str(_figures(logs), refresh=False)

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        if self._tqdm is not None:
            self._tqdm.set_postfix_str(_figures(logs), refresh=True)
            self._tqdm.close()
            self._tqdm = None
            return
        print(
            f"{self._epoch_label(epoch)}  {_figures(logs, compact=False)}  lr {logs['lr']:.4g}  "
            f"({time.perf_counter() - self._started:.2f} s)",
            file=self._line_file, flush=True,
        )

    def _epoch_label(self, epoch: int) -> str:
        last = self.params["epochs"]
        return f"epoch {epoch + 1:>{len(str(last))}}/{last}"

    def on_train_end(self, net: Network) -> None:
        if self._tqdm is not None:  # interrupted mid-epoch
            self._tqdm.close()
            self._tqdm = None


def _terminals_with_a_size(out: IO[str], err: IO[str]) -> bool:
    """Both outputs are terminals (so nothing is lost to a pipe) that report a
    size (some pseudo-terminals report 0 x 0, where tqdm draws nothing)."""
    try:
        return (out.isatty() and err.isatty()
                and os.get_terminal_size(err.fileno()).columns > 0)
    except (OSError, ValueError, AttributeError):
        return False


def _figures(logs: dict[str, float], compact: bool = True) -> str:
    """Loss and accuracy figures; compact for the bar (fits 80 columns)."""
    names = ("loss", "accuracy", "val_loss", "val_accuracy")
    if not compact:
        return "  ".join(f"{k} {logs[k]:.4f}" for k in names if k in logs)
    short = {"accuracy": "acc", "val_accuracy": "val_acc"}
    return " ".join(f"{short.get(k, k)} {logs[k]:.3f}" for k in names if k in logs)


def _tqdm_class():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def _norm(a: np.ndarray) -> float:
    """Euclidean norm; in float64 only when the fast float32 sum of squares overflows."""
    with np.errstate(over="ignore"):
        value = float(np.linalg.norm(a.ravel()))
    return value if math.isfinite(value) else float(np.linalg.norm(a.ravel().astype(np.float64)))


class GradientMonitor(Callback):
    """Record each layer's gradient norm while training: the picture of vanishing
    or exploding gradients.

    The gradient is measured on a fixed probe batch ``(X, y)`` (at most
    ``probe_size`` rows, drawn once with ``seed``), not on the training batches,
    so records are comparable and training pays one extra backward sweep per
    record only. A record is taken before the first epoch and then every
    ``every`` epochs, or every ``every`` steps with ``per="step"``.

    After training (``n`` records, ``L`` weight layers):

    - ``grad_norms`` ``(n, L)``: ``||dLoss/dW_i||`` (Frobenius norm);
      ``bias_grad_norms`` ``(n, L)``: ``||dLoss/db_i||``.
    - ``weight_norms`` ``(n, L)``: ``||W_i||``.
    - ``update_ratios`` ``(n, L)``: ``||W_i(now) - W_i(previous record)|| /
      ||W_i(previous record)||``, how far the weights moved relative to their
      size (0 for the first record); around 1e-3 per step is healthy.
    - ``epochs`` ``(n,)``: epochs completed at each record (fractions with
      ``per="step"``); ``steps`` ``(n,)``: optimiser steps taken.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, every: int = 1, per: str = "epoch",
                 probe_size: int = 256, seed: int = 0) -> None:
        if per not in ("epoch", "step"):
            raise ConfigError(f"per must be 'epoch' or 'step', got {per!r}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ConfigError(f"every must be a whole number >= 1, got {every!r}")
        if isinstance(probe_size, bool) or not isinstance(probe_size, int) or probe_size < 1:
            raise ConfigError(f"probe_size must be a whole number >= 1, got {probe_size!r}")
        X, y = np.asarray(X), np.asarray(y)
        if X.ndim != 2 or len(X) == 0 or len(y) != len(X):
            raise ConfigError(f"GradientMonitor needs a probe batch X (n, n_features) and y with "
                              f"n rows, got shapes {X.shape} and {y.shape}")
        if len(X) > probe_size:
            rows = np.sort(np.random.default_rng(seed).choice(len(X), probe_size, replace=False))
            X, y = X[rows], y[rows]
        self.X, self.y = X, y
        self.every, self.per = every, per
        self._records: list[tuple[float, int, list[float], list[float], list[float],
                                  list[float]]] = []
        self._previous: list[np.ndarray] | None = None
        self._steps = 0

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        if not self._records:
            self._record(net, float(net.epochs_trained))

    def on_epoch_begin(self, net: Network, epoch: int) -> None:
        self._epoch = epoch

    def on_batch_end(self, net: Network, step: int, logs: dict[str, float]) -> None:
        self._steps += 1
        if self.per == "step" and self._steps % self.every == 0:
            self._record(net, self._epoch + (step + 1) / self.params["steps"])

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        if self.per == "epoch" and (epoch + 1) % self.every == 0:
            self._record(net, float(epoch + 1))

    def _record(self, net: Network, epoch: float) -> None:
        grads = net.gradients(self.X, self.y)
        weights = net.weights
        previous = self._previous
        ratios = [0.0] * len(weights) if previous is None else [
            _norm(W - old) / max(_norm(old), 1e-300) for W, old in zip(weights, previous,
                                                                      strict=True)
        ]
        self._records.append((epoch, self._steps, [_norm(g) for g in grads[0::2]],
                              [_norm(g) for g in grads[1::2]], [_norm(W) for W in weights],
                              ratios))
        self._previous = [W.copy() for W in weights]

    def _column(self, k: int) -> np.ndarray:
        return np.array([r[k] for r in self._records], dtype=np.float64)

    @property
    def epochs(self) -> np.ndarray:
        return self._column(0)

    @property
    def steps(self) -> np.ndarray:
        return self._column(1).astype(np.int64)

    @property
    def grad_norms(self) -> np.ndarray:
        return self._column(2)

    @property
    def bias_grad_norms(self) -> np.ndarray:
        return self._column(3)

    @property
    def weight_norms(self) -> np.ndarray:
        return self._column(4)

    @property
    def update_ratios(self) -> np.ndarray:
        return self._column(5)


def weight_index(net: Network, index: tuple[int, int, int]) -> int:
    """Position in ``net.params`` of the weight ``(layer, row, col)``: ``W_layer[row,
    col]``, or the bias ``b_layer[col]`` when ``row == n_in`` (the bias as the last
    input, as in :meth:`Network.augmented_weights`)."""
    try:
        layer, row, col = (int(i) for i in index)
    except (TypeError, ValueError):
        raise ConfigError(f"a weight is chosen by (layer, row, col), got {index!r}") from None
    if not 0 <= layer < net.n_layers:
        raise ConfigError(f"layer must lie in 0..{net.n_layers - 1}, got {layer}")
    n_in, n_out = net.sizes[layer], net.sizes[layer + 1]
    if not (0 <= row <= n_in and 0 <= col < n_out):
        raise ConfigError(f"layer {layer} has W of shape ({n_in}, {n_out}) (row {n_in} is the "
                          f"bias); got row {row}, col {col}")
    start = sum((a + 1) * b for a, b in zip(net.sizes[:layer], net.sizes[1:layer + 1],
                                            strict=True))
    return start + (n_in * n_out + col if row == n_in else row * n_out + col)


class WeightPath(Callback):
    """Record the path two chosen weights take during training, for the error
    surface (:func:`steepest.plots.plot_error_surface`).

    ``first`` and ``second`` are ``(layer, row, col)``: ``W_layer[row, col]``, or
    the bias ``b_layer[col]`` with ``row == n_in``. ``path`` ``(n_steps + 1, 2)``
    holds the two values before training and after every step.
    """

    def __init__(self, first: tuple[int, int, int], second: tuple[int, int, int]) -> None:
        self.first, self.second = tuple(first), tuple(second)
        self._points: list[tuple[float, float]] = []

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        self._where = (weight_index(net, self.first), weight_index(net, self.second))
        if not self._points:
            self._add(net)

    def on_batch_end(self, net: Network, step: int, logs: dict[str, float]) -> None:
        self._add(net)

    def _add(self, net: Network) -> None:
        i, j = self._where
        self._points.append((float(net.params[i]), float(net.params[j])))

    @property
    def path(self) -> np.ndarray:
        return np.array(self._points, dtype=np.float64).reshape(-1, 2)


class Snapshots(Callback):
    """Copies of the weights before training and every ``every`` epochs, e.g. to
    animate a decision boundary (:func:`steepest.plots.animate_decision_boundary`).

    ``param_vectors`` is the list of flat weight vectors (copies of ``net.params``) and
    ``epochs`` the epochs completed at each.
    """

    def __init__(self, every: int = 1) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ConfigError(f"every must be a whole number >= 1, got {every!r}")
        self.every = every
        self.param_vectors: list[np.ndarray] = []
        self.epochs: list[int] = []

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        if not self.param_vectors:
            self._take(net, net.epochs_trained)

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        if (epoch + 1) % self.every == 0:
            self._take(net, epoch + 1)

    def _take(self, net: Network, epoch: int) -> None:
        self.param_vectors.append(net.params.copy())
        self.epochs.append(epoch)


class Checkpoint(Callback):
    """Save the run every ``every`` epochs, so that a run killed, interrupted or
    out of power goes on where it stopped (:func:`~steepest.training.resume`).

    Give it to ``fit(..., checkpoint=Checkpoint(path, every=5))`` (or
    ``checkpoint=path`` for every epoch), which tells it the run's settings.
    After every ``every``-th epoch, the last epoch of the fit and an epoch after
    which a callback stopped training, ``path`` is written atomically: a model
    file (the weights of that epoch, the optimiser's state, the random state,
    the history) plus the :class:`~steepest.io.TrainingState`: the fit's
    settings, the epoch the run goes to, the data's fingerprint, the state of
    the callbacks that keep one (the best weights so far) and the BLAS thread
    count. ``path=None`` writes nothing and keeps the state for
    :meth:`state` alone (for a caller that saves it itself).
    """

    def __init__(self, path: str | os.PathLike[str] | None, every: int = 1) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ConfigError(f"every must be a whole number >= 1, got {every!r}")
        self.path = None if path is None else Path(path)
        self.every = every
        self._run: tuple[dict[str, Any], str, list[Callback]] | None = None
        #: The number of epochs done when ``path`` was last written (None: not yet).
        self.saved_epochs: int | None = None

    def bind(self, settings: dict[str, Any], data: str, callbacks: list[Callback]) -> None:
        """The run's ``settings`` (see :class:`~steepest.io.TrainingState`), its
        data's fingerprint and the callbacks whose state it keeps (fit calls it)."""
        self._run = (settings, data, [c for c in callbacks if c.keeps_state])

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        if self._run is None:
            raise ConfigError("give a Checkpoint to fit(checkpoint=...), not in callbacks: "
                              "fit tells it the run's settings")

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        done = epoch + 1
        if self.path is not None and (done % self.every == 0 or done == self.params["epochs"]
                                      or net.stop_training):
            save(net, self.path, self.state(net))
            self.saved_epochs = done

    def state(self, net: Network) -> TrainingState:
        """The run as it stands: how it goes on from ``net``'s weights."""
        if self._run is None:
            raise ConfigError("this Checkpoint was never given to fit(checkpoint=...)")
        settings, data, callbacks = self._run
        states = [{"name": type(c).__name__, "state": c.get_state()} for c in callbacks]
        return TrainingState(dict(settings), self.params["epochs"], data, self.every, states,
                             blas_threads(), net.stop_training, _kernels.path())


def blas_threads() -> int | None:
    """How many threads NumPy's BLAS uses now (asked through threadpoolctl), or
    None when that cannot be known. Float32 matrix products round differently
    with another count, so a run repeats bit for bit only at the same one."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    pools = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
    # NumPy's own BLAS (in numpy.libs for a wheel): SciPy may bring another along.
    own = [pool for pool in pools
           if os.path.basename(os.path.dirname(pool.get("filepath", ""))).startswith("numpy")]
    return max((pool["num_threads"] for pool in own or pools), default=None)


@contextlib.contextmanager
def limit_threads(threads: int | None = None, *, elementwise: int | None = None,
                  blas: str = "optional") -> Iterator[None]:
    """Inside the block, at most ``threads`` threads for BLAS's matrix products and
    ``elementwise`` threads for steepest's own elementwise work (the optimiser's
    update of a network of 131,072 parameters or more); None leaves either as it is.

    BLAS is limited through threadpoolctl: with ``blas="optional"`` only when it
    is installed, with ``blas="required"`` a :class:`~steepest.errors.ConfigError`
    when it is not. The elementwise work gives the same results bit for bit at
    any thread count (BLAS's float32 products may not, see :func:`blas_threads`).
    More than one elementwise thread pays only where the second core is free
    between the matrix products: BLAS on one thread, or OpenBLAS started with
    ``OPENBLAS_THREAD_TIMEOUT=10`` (its idle threads otherwise spin on their core;
    see the docs' speed page). ``STEEPEST_THREADS`` sets the elementwise default.
    """
    with contextlib.ExitStack() as stack:
        if threads is not None:
            try:
                from threadpoolctl import threadpool_limits
            except ImportError:
                if blas == "required":
                    raise ConfigError('--threads needs threadpoolctl: pip install '
                                      '"steepest[cli]"') from None
            else:
                stack.enter_context(threadpool_limits(limits=threads, user_api="blas"))
        if elementwise is not None:
            before = _pool.set_threads(elementwise)
            stack.callback(_pool.set_threads, before)
        yield


def elementwise_threads() -> int:
    """How many threads steepest's elementwise work uses now (see :func:`limit_threads`)."""
    return _pool.threads()
