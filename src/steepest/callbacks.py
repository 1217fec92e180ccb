"""Callbacks: code the fit loop calls at the start, after each epoch and at the end.

A callback sees the network and the epoch's figures (``logs``: ``loss``,
``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``). Setting
``net.stop_training = True`` ends training after the current epoch.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    from .network import Network


class Callback:
    """Base class; override the hooks you need."""

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        """Called once before the first epoch with the names ``logs`` will carry."""

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
