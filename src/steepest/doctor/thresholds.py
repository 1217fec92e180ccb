"""The numbers behind the doctor's findings, in one place.

The defaults are documented in the docs' how-to page "The doctor"; the plots'
saturation and dead-unit marks (:func:`steepest.plots.activation_statistics`)
use the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .._validation import positive_number


@dataclass(frozen=True)
class Thresholds:
    """When a measured figure becomes a finding. Every field is a positive number;
    pass ``Thresholds(saturation_margin=0.05)``, say, as ``diagnose(thresholds=)``.
    """

    #: A sigmoid output within this of 0 or 1 (tanh: of -1 or 1) is in a flat tail.
    saturation_margin: float = 0.01
    #: Share of saturated (sigmoid/tanh) or dead (ReLU) units that makes a finding.
    unit_share: float = 0.5
    #: Mean |Z| above which weighted sums are "large" (sigmoid and tanh are flat beyond ~5).
    large_sum: float = 10.0
    #: A hidden layer whose error signal (RMS of psi) is below this fraction of the last
    #: hidden layer's has vanishing gradients...
    vanishing: float = 1e-2
    #: ...and above this multiple of it, exploding ones.
    exploding: float = 1e2
    #: A gradient larger than this multiple of the weights (|dW| > 10 |W|) is exploding too.
    exploding_ratio: float = 10.0
    #: Gradients below this fraction of the weights everywhere (|dW| / |W|) are "no gradient".
    no_gradient: float = 1e-10
    #: A loss at or below this, with no gradient, means the network has converged (not an error).
    converged_loss: float = 1e-8
    #: Inputs with an absolute value above this are not scaled.
    input_scale: float = 10.0
    #: The loss after the test steps above this multiple of the first loss "rose".
    loss_rise: float = 1.1
    #: Per-step update-to-weight ratios above this are too large steps (about 1e-3 is
    #: healthy, a common rule of thumb)...
    update_too_big: float = 0.1
    #: ...and below this everywhere (with a gradient present) too small ones.
    update_too_small: float = 1e-6

    def __post_init__(self) -> None:
        for field in fields(self):
            positive_number(getattr(self, field.name), field.name)


#: The thresholds the doctor and the plots use unless told otherwise.
DEFAULT = Thresholds()
