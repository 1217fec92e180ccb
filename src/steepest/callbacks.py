"""Callbacks: code the fit loop calls at the start, after each epoch and at the end.

A callback sees the network and the epoch's figures (``logs``: ``loss``,
``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``). Setting
``net.stop_training = True`` ends training after the current epoch.
"""

from __future__ import annotations

import math
import os
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
    and both standard output and standard error are terminals of a known size,
    else one line per epoch on standard output.

    The bar shows the running training loss and accuracy and, at the end of the
    epoch, the validation figures, compactly enough for an 80-column terminal.
    ``bar=True``/``False`` forces the choice; ``file`` redirects the output.
    """

    def __init__(self, file: IO[str] | None = None, bar: bool | None = None) -> None:
        self.file = file
        self.bar = bar
        self._tqdm = None

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        use_bar = self.bar if self.bar is not None else _terminals_with_a_size()
        self._tqdm_class = _tqdm_class() if use_bar else None

    def on_epoch_begin(self, net: Network, epoch: int) -> None:
        self._started = time.perf_counter()
        if self._tqdm_class is not None:
            self._tqdm = self._tqdm_class(
                total=self.params["steps"], desc=self._epoch_label(epoch), leave=True,
                file=self.file or sys.stderr, bar_format="{desc} |{bar:8}| {elapsed}{postfix}",
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
            file=self.file or sys.stdout, flush=True,
        )

    def _epoch_label(self, epoch: int) -> str:
        last = self.params["epochs"]
        return f"epoch {epoch + 1:>{len(str(last))}}/{last}"

    def on_train_end(self, net: Network) -> None:
        if self._tqdm is not None:  # interrupted mid-epoch
            self._tqdm.close()
            self._tqdm = None


def _terminals_with_a_size() -> bool:
    """Both outputs are terminals (so nothing is lost to a pipe) that report a
    size (some pseudo-terminals report 0 x 0, where tqdm draws nothing)."""
    try:
        return (sys.stdout.isatty() and sys.stderr.isatty()
                and os.get_terminal_size(sys.stderr.fileno()).columns > 0)
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
