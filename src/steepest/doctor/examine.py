""":func:`diagnose`: measure a network, run the rules, report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._validation import whole_number
from ..errors import ConfigError
from ._setup import optimizer_for, some_rows
from .measure import measure
from .report import Diagnosis, Finding, by_severity
from .rules import RULES
from .thresholds import DEFAULT, Thresholds

if TYPE_CHECKING:
    from ..network import Network
    from ..optimizers import Optimizer


def diagnose(
    net: Network,
    X: Any,
    y: Any,
    *,
    learning_rate: float | None = None,
    optimizer: str | dict[str, Any] | Optimizer | None = None,
    batch_size: int = 256,
    steps: int = 5,
    seed: int = 0,
    thresholds: Thresholds = DEFAULT,
) -> Diagnosis:
    """Examine ``net`` on ``(X, y)`` and say what would stop it from learning.

    ``X`` is ``(n_samples, sizes[0])``, ``y`` targets as for ``fit``. Up to
    ``batch_size`` rows (drawn with ``seed``) form one fixed batch. On a copy of
    the network, ``steps`` training steps on that batch (``fit``'s own step,
    dropout included) give the per-layer figures (from the first step's forward
    and backward phases, at the current weights), each layer's update-to-weight
    ratio and whether the loss rises or becomes NaN. The optimiser is
    ``optimizer``, else a fresh one of the network's kind at its current rate,
    else SGD at 0.01; ``learning_rate`` overrides the rate. ``thresholds`` decide
    when a figure becomes a finding (see :class:`Thresholds`).

    Returns a :class:`Diagnosis`; ``net`` is left unchanged.
    """
    batch_size = whole_number(batch_size, "batch_size", 1)
    steps = whole_number(steps, "steps", 1)
    if not isinstance(thresholds, Thresholds):
        raise ConfigError(f"thresholds must be a steepest.Thresholds, got {thresholds!r}")
    X, Y = some_rows(net, X, y, batch_size, seed)
    chosen = optimizer_for(net, optimizer, learning_rate)
    measured = measure(net, X, Y, chosen, steps, thresholds)
    findings: list[Finding] = [f for rule in RULES for f in rule(measured, thresholds)]
    return Diagnosis(network=_describe(net), layers=measured.layers,
                     findings=by_severity(findings), losses=measured.losses,
                     optimizer=chosen.name, learning_rate=chosen.lr, samples=len(X))


def _describe(net: Network) -> str:
    """``Network 2 -> 8 -> 2, hidden tanh, output softmax, loss cross_entropy, init glorot``."""
    hidden = sorted({a.label for a in net.activations[:-1]}) or ["none"]
    return (f"Network {' -> '.join(map(str, net.sizes))}, hidden {', '.join(hidden)}, "
            f"output {net.output_activation.label}, loss {net.loss.name}, init {net.init}")
