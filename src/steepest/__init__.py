"""steepest: neural networks trained by gradient descent, backpropagation by hand in NumPy.

>>> from steepest import Network
>>> net = Network([2, 3, 3, 2], activation="sigmoid", loss="sse", seed=0)
>>> [W.shape for W in net.weights]
[(2, 3), (3, 3), (3, 2)]
"""

from . import activations, augment, callbacks, errors, initializers, losses, optimizers, plots
from .augment import ImageAugmenter
from .callbacks import Callback, EarlyStopping, GradientMonitor, Snapshots, WeightPath
from .diagnose import Diagnosis, LRFindResult, OverfitResult, diagnose, lr_find, overfit_check
from .gradcheck import GradCheckResult, gradcheck
from .history import History
from .io import load
from .network import Network, Trace

__version__ = "0.1.0"

__all__ = [
    "Callback",
    "Diagnosis",
    "EarlyStopping",
    "GradCheckResult",
    "GradientMonitor",
    "History",
    "ImageAugmenter",
    "LRFindResult",
    "Network",
    "OverfitResult",
    "Snapshots",
    "Trace",
    "WeightPath",
    "__version__",
    "activations",
    "augment",
    "callbacks",
    "diagnose",
    "errors",
    "gradcheck",
    "initializers",
    "load",
    "losses",
    "lr_find",
    "optimizers",
    "overfit_check",
    "plots",
]
