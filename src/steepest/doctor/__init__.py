"""The doctor and two sanity tools: why does a network fail to learn?

- :func:`diagnose` runs a few forward/backward passes and optimiser steps on a
  copy of the network (:mod:`.measure`) and reports, per layer, the sizes of the
  weights, the gradients, the updates and the weighted sums, the share of
  saturated sigmoid/tanh units and of dead ReLUs; then its findings (vanishing or
  exploding gradients, saturation, dead units, unscaled inputs, a learning rate
  that makes the loss rise or go NaN), each with a one-line fix: one small
  function per finding in :mod:`.rules`, their limits in :class:`Thresholds`.
- :func:`lr_find` is the learning-rate range test: the loss over a short run
  whose learning rate rises exponentially, and a suggested rate.
- :func:`overfit_check` trains a copy on a handful of rows: a network that
  cannot drive their loss to about 0 has a bug in the model or the data.

None of them changes the network passed in: they work on ``net.copy()``
(weights and random state copied, no array shared).
"""

from .examine import diagnose
from .lr_range import LRFindResult, lr_find
from .measure import LayerStats
from .overfit import OverfitResult, overfit_check
from .report import Diagnosis, Finding
from .thresholds import Thresholds

__all__ = [
    "Diagnosis",
    "Finding",
    "LRFindResult",
    "LayerStats",
    "OverfitResult",
    "Thresholds",
    "diagnose",
    "lr_find",
    "overfit_check",
]
