"""Callbacks: code the fit loop calls at the start, after each epoch and at the end.

A callback sees the network and the epoch's figures (``logs``: ``loss``,
``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``). Setting
``net.stop_training = True`` ends training after the current epoch.
"""

from __future__ import annotations

import math
import shutil
import sys
import time
from typing import IO, TYPE_CHECKING

import numpy as np

from .errors import ConfigError

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


class EarlyStopping(Callback):
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
        if mode not in ("auto", "min", "max"):
            raise ConfigError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if int(patience) < 0 or float(min_delta) < 0:
            raise ConfigError(f"patience and min_delta must be >= 0, got {patience}, {min_delta}")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.maximize = mode == "max" or (mode == "auto" and "accuracy" in monitor)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        if self.monitor not in metric_names:
            hint = " (pass validation_data or validation_split)" if "val_" in self.monitor else ""
            raise ConfigError(
                f"EarlyStopping monitors {self.monitor!r}, but training reports only "
                f"{metric_names}{hint}"
            )
        self.best = -math.inf if self.maximize else math.inf
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self._wait = 0
        self._best_params: np.ndarray | None = None

    def _improved(self, value: float) -> bool:
        if self.maximize:
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self._wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_params = net.params.copy()
            return
        self._wait += 1
        if self._wait >= self.patience:
            self.stopped_epoch = epoch
            net.stop_training = True

    def on_train_end(self, net: Network) -> None:
        if self.restore_best_weights and self._best_params is not None:
            net.params[...] = self._best_params


class ProgressBar(Callback):
    """What ``fit(verbose=1)`` shows: a live bar per epoch when tqdm is installed
    and the output is a terminal, else one line per epoch.

    The bar shows the running training loss and accuracy, and at the end of the
    epoch the validation figures. ``file`` defaults to standard error for the bar
    and standard output for the lines; ``bar=False`` forces lines.
    """

    def __init__(self, file: IO[str] | None = None, bar: bool | None = None) -> None:
        self.file = file
        self.bar = bar
        self._tqdm = None

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        stream = self.file or sys.stderr
        use_bar = self.bar if self.bar is not None else stream.isatty()
        self._tqdm_class = _tqdm_class() if use_bar else None

    def on_epoch_begin(self, net: Network, epoch: int) -> None:
        self._started = time.perf_counter()
        if self._tqdm_class is not None:
            self._tqdm = self._tqdm_class(
                total=self.params["steps"], desc=self._epoch_label(epoch), unit="batch",
                file=self.file or sys.stderr, leave=True, ncols=_bar_width(),
            )

    def on_batch_end(self, net: Network, step: int, logs: dict[str, float]) -> None:
        if self._tqdm is not None:
            self._tqdm.update(1)
            if step % 10 == 0 or step + 1 == self.params["steps"]:
                self._tqdm.set_postfix(_short(logs), refresh=False)

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        if self._tqdm is not None:
            self._tqdm.set_postfix(_short(logs), refresh=False)
            self._tqdm.close()
            self._tqdm = None
            return
        figures = "  ".join(
            f"{k} {v:.4g}" if k == "lr" else f"{k} {v:.4f}" for k, v in logs.items()
        )
        print(
            f"{self._epoch_label(epoch)}  {figures}  "
            f"({time.perf_counter() - self._started:.2f} s)",
            file=self.file or sys.stdout, flush=True,
        )

    def _epoch_label(self, epoch: int) -> str:
        last = self.params["epochs"]
        return f"epoch {epoch + 1:>{len(str(last))}}/{last}"

    def on_train_end(self, net: Network) -> None:
        if self._tqdm is not None:  # interrupted mid-epoch
            self._tqdm.close()
            self._tqdm = None


def _bar_width() -> int:
    """The terminal's width; some pseudo-terminals report 0, which draws no bar."""
    columns = shutil.get_terminal_size((120, 24)).columns
    return columns if columns >= 60 else 120


def _short(logs: dict[str, float]) -> dict[str, str]:
    names = {"loss": "loss", "accuracy": "acc", "val_loss": "val_loss", "val_accuracy": "val_acc"}
    return {names[k]: f"{v:.4f}" for k, v in logs.items() if k in names}


def _tqdm_class():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm
