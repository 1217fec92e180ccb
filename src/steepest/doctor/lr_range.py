"""The learning-rate range test: the loss over a short run whose learning rate
rises exponentially, and a suggested rate."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import positive_number, real_number, whole_number
from ..errors import ConfigError
from ._setup import optimizer_for, prepared

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..network import Network
    from ..optimizers import Optimizer

#: lr_find ignores this many first steps (at most a tenth) when it looks for the minimum.
SKIP_START = 10
#: The suggestion: where the smoothed loss has come this share of the way down from
#: its start to its minimum.
VALLEY = 0.6
#: Until the loss diverges, the range goes on past ``stop``, up to this many times it.
EXTEND = 1e3


@dataclass
class LRFindResult:
    """The learning-rate range test: ``losses[i]`` is the loss of the batch
    that was then stepped with ``learning_rates[i]``; ``smoothed`` its
    exponential moving average; ``suggestion`` the suggested rate (see
    :func:`lr_find`); ``min_loss_rate`` the rate at the smoothed minimum (the
    first ``SKIP_START`` steps aside); ``stopped_early`` whether the loss diverged
    (the range stops there)."""

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    min_loss_rate: float
    stopped_early: bool

    def __str__(self) -> str:
        lines = [f"learning-rate range test: {len(self.learning_rates)} steps from "
                 f"{self.learning_rates[0]:.3g} to {self.learning_rates[-1]:.3g}"
                 + (" (where the loss diverged)" if self.stopped_early else
                    " (the loss never diverged)")]
        lowest = float(self.smoothed[np.searchsorted(self.learning_rates, self.min_loss_rate)])
        lines.append(f"lowest smoothed loss {lowest:.4g} at learning rate "
                     f"{self.min_loss_rate:.3g}")
        lines.append(f"suggested learning rate: {self.suggestion:.3g} (where the smoothed loss "
                     f"has come {VALLEY:.0%} of the way down to its lowest)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"suggestion": self.suggestion, "min_loss_rate": self.min_loss_rate,
                "stopped_early": self.stopped_early,
                "learning_rates": self.learning_rates.tolist(), "losses": self.losses.tolist(),
                "smoothed": self.smoothed.tolist()}

    def plot(self, ax: Axes | None = None) -> Figure:
        """The loss (raw and smoothed) against the learning rate, log scale, with the
        suggestion marked. Draws on ``ax`` if given; returns its figure."""
        from ..plots._mpl import panels

        fig, (axis,) = panels(ax, 1, (6.0, 4.0))
        axis.plot(self.learning_rates, self.losses, color="0.7", linewidth=1, label="loss")
        axis.plot(self.learning_rates, self.smoothed, color="C0", label="smoothed")
        axis.axvline(self.suggestion, color="C3", linestyle="--",
                     label=f"suggestion {self.suggestion:.2g}")
        # Once the loss explodes it would squash the interesting part of the curve.
        lowest = int(np.argmin(self.smoothed))
        top = 1.25 * float(np.max(self.smoothed[: lowest + 1]))
        low = float(min(self.losses.min(), self.smoothed.min()))
        if float(np.max(self.losses)) > top:
            axis.set_ylim(top=top)
        axis.set_ylim(bottom=low - 0.05 * (min(top, float(np.max(self.losses))) - low))
        axis.set_xscale("log")
        axis.set_xlabel("learning rate")
        axis.set_ylabel("loss")
        axis.set_title("learning-rate range test")
        axis.legend()
        return fig


def lr_find(
    net: Network,
    X: Any,
    y: Any,
    *,
    start: float = 1e-6,
    stop: float = 1.0,
    steps: int = 100,
    batch_size: int = 32,
    optimizer: str | dict[str, Any] | Optimizer | None = None,
    smoothing: float = 0.9,
    diverge: float = 4.0,
    seed: int = 0,
) -> LRFindResult:
    """The learning-rate range test, on a copy of ``net`` (left unchanged).

    Optimiser steps on mini-batches of ``batch_size`` rows of ``X``
    ``(n_samples, sizes[0])`` (shuffled with ``seed``), the learning rate rising
    exponentially from ``start``, ``steps`` steps to reach ``stop``; the optimiser
    is ``optimizer``, else a fresh one of the network's kind, else SGD. The run
    stops once the smoothed loss (an exponential moving average with factor
    ``smoothing``, bias-corrected) exceeds ``diverge`` times its minimum or the
    loss is NaN; until then it goes on past ``stop`` at the same pace, up to
    ``EXTEND`` times ``stop``, so the whole valley and the divergence beyond it
    are seen.

    The suggestion is the rate at which the smoothed loss has come ``VALLEY``
    (60 %) of the way down from its start to its minimum (the first
    ``SKIP_START`` steps, at most a tenth, aside): large enough to make progress,
    well below the rates where the loss turns up. On the problems in the tests
    (classification and regression, SGD, momentum and Adam) five epochs at the
    suggestion reach a loss within 2.5 times that of the best rate on a grid.
    """
    start, stop = positive_number(start, "start"), positive_number(stop, "stop")
    if start >= stop:
        raise ConfigError(f"start must be below stop, got start={start:g}, stop={stop:g}")
    steps = whole_number(steps, "steps", 5)
    batch_size = whole_number(batch_size, "batch_size", 1)
    smoothing = real_number(smoothing, "smoothing", "lie in [0, 1)", lambda v: 0 <= v < 1)
    X, Y = prepared(net, X, y)
    work = net.copy()
    chosen = optimizer_for(net, optimizer, start)
    growth = (stop / start) ** (1 / (steps - 1))
    last = steps - 1 + math.ceil(math.log(EXTEND) / math.log(growth))
    rates = start * growth ** np.arange(last + 1)
    batches = _batches(len(X), batch_size, np.random.default_rng(seed))

    losses: list[float] = []
    smoothed: list[float] = []
    average, stopped = 0.0, False
    for i, rate in enumerate(rates):
        rows = next(batches)
        chosen.lr = float(rate)
        loss = work._train_step(X[rows], Y[rows], chosen).loss
        if not math.isfinite(loss):
            stopped = True
            break
        average = smoothing * average + (1 - smoothing) * loss
        losses.append(loss)
        smoothed.append(average / (1 - smoothing ** (i + 1)))
        if smoothed[-1] > diverge * min(smoothed):
            stopped = True
            break
    if len(losses) < 2:
        raise ConfigError(f"the loss was NaN or infinite from the first steps, even at learning "
                          f"rate {start:g}: check the data and the network (steepest.diagnose)")
    rates = rates[: len(losses)]
    suggestion, best = _suggest(rates, np.array(smoothed))
    return LRFindResult(rates, np.array(losses), np.array(smoothed), suggestion, best, stopped)


def _batches(n: int, size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Row indices of successive mini-batches, a new shuffle per pass, forever."""
    while True:
        order = rng.permutation(n)
        for begin in range(0, n, size):
            yield order[begin : begin + size]


def _suggest(rates: np.ndarray, smoothed: np.ndarray) -> tuple[float, float]:
    """(suggestion, rate of the smoothed minimum) for ``rates`` and ``smoothed``
    ``(n,)``; see :func:`lr_find`. Both lie within ``[rates[0], rates[-1]]``."""
    # The first points are single noisy batches (the average has barely started):
    # neither the minimum nor the start of the valley is looked for among them.
    skip = min(SKIP_START, len(rates) // 10)
    lowest = skip + int(np.argmin(smoothed[skip:]))
    target = smoothed[skip] - VALLEY * (smoothed[skip] - smoothed[lowest])
    reached = skip + int(np.argmax(smoothed[skip : lowest + 1] <= target))
    return float(rates[reached]), float(rates[lowest])
