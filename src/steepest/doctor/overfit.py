"""The overfit check: a network that cannot drive the loss of a handful of rows
to about 0 has a bug in the model or the data."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._validation import whole_number
from ..errors import DivergenceError
from ._setup import some_rows

if TYPE_CHECKING:
    from ..network import Network
    from ..optimizers import Optimizer


@dataclass
class OverfitResult:
    """Whether the network could fit a handful of rows: ``passed`` when the
    final loss is at most ``max(atol, rtol * initial_loss)``; ``losses`` one per
    epoch (before its step); ``epochs`` those run (fewer than asked for if the
    loss diverged); ``diverged`` if the loss became NaN."""

    passed: bool
    initial_loss: float
    final_loss: float
    n_samples: int
    epochs: int
    losses: list[float]
    diverged: bool = False

    def __str__(self) -> str:
        head = (f"overfit check: {self.n_samples} samples, {self.epochs} epochs: loss "
                f"{self.initial_loss:.4g} -> {self.final_loss:.4g}")
        if self.passed:
            return f"{head}\nPASSED: the network can fit a tiny batch"
        why = "the loss became NaN or infinite" if self.diverged else "the loss did not reach ~0"
        return (f"{head}\nFAILED: {why}. A healthy model memorises a few rows easily, so "
                "check that the labels match the rows and the loss fits the output, then run "
                "steepest.diagnose (saturated or dead units, vanishing gradients) or lower the "
                "learning rate")

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "initial_loss": self.initial_loss,
                "final_loss": self.final_loss, "samples": self.n_samples, "epochs": self.epochs,
                "diverged": self.diverged, "losses": self.losses}


def overfit_check(
    net: Network,
    X: Any,
    y: Any,
    *,
    n_samples: int = 8,
    epochs: int = 300,
    optimizer: str | dict[str, Any] | Optimizer = "adam",
    learning_rate: float | None = 0.01,
    rtol: float = 0.01,
    atol: float = 1e-3,
    seed: int = 0,
) -> OverfitResult:
    """Can a copy of ``net`` drive the loss on ``n_samples`` rows of ``X``
    ``(n, sizes[0])`` (drawn with ``seed``) to about 0?

    The copy trains full-batch for ``epochs`` with ``optimizer`` at
    ``learning_rate`` and without dropout (memorising is the point). It passes
    when the final loss is at most ``max(atol, rtol * initial_loss)``. If it
    fails, something is wrong in the model (saturation, dead units, a loss that
    does not suit the output) or the data (labels that do not match the rows).
    ``net`` is left unchanged.
    """
    n_samples = whole_number(n_samples, "n_samples", 1)
    epochs = whole_number(epochs, "epochs", 1)
    X, Y = some_rows(net, X, y, n_samples, seed)
    work = net.copy()
    work.dropout = [0.0] * len(work.dropout)
    initial = work.evaluate(X, Y)["loss"]
    diverged = False
    try:
        history = work.fit(X, Y, epochs=epochs, batch_size=None, optimizer=optimizer,
                           learning_rate=learning_rate, shuffle=False)
        losses = list(history["loss"])
    except DivergenceError:
        diverged, losses = True, list(work.history["loss"])
    final = math.inf if diverged else work.evaluate(X, Y)["loss"]
    passed = not diverged and final <= max(atol, rtol * initial)
    # The epochs actually run: fewer than asked for when the loss diverged.
    return OverfitResult(passed, initial, final, len(X), len(losses), losses, diverged)
