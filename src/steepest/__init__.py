"""steepest: neural networks trained by gradient descent, backpropagation by hand in NumPy.

>>> from steepest import Network
>>> net = Network([2, 3, 3, 2], activation="sigmoid", loss="sse", seed=0)
>>> [W.shape for W in net.weights]
[(2, 3), (3, 3), (3, 2)]
"""

from . import activations, augment, callbacks, errors, initializers, losses, optimizers, plots
from .augment import ImageAugmenter
from .callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    GradientMonitor,
    Snapshots,
    WeightPath,
)
from .config import TrainingConfig
from .doctor import (
    Diagnosis,
    LRFindResult,
    OverfitResult,
    Thresholds,
    diagnose,
    lr_find,
    overfit_check,
)
from .export import export_onnx
from .gradcheck import GradCheckResult, gradcheck
from .history import History
from .io import load
from .network import Gradients, Network, Step, Trace
from .training import resume

__version__ = "0.1.0"


def register(cls: type, *, replace: bool = False) -> type:
    """Make a class of your own known by its ``name`` everywhere steepest looks
    parts up: ``Network``, ``fit``, ``gradcheck``, the doctor, the command line
    and ``steepest.load``.

    ``cls`` subclasses :class:`~steepest.activations.Activation`,
    :class:`~steepest.losses.Loss`, :class:`~steepest.initializers.Initializer`,
    :class:`~steepest.optimizers.Optimizer` or :class:`~steepest.optimizers.Schedule`
    and sets a class attribute ``name``; a name already taken is refused unless
    ``replace=True``. Returns ``cls``, so it works as a class decorator::

        @steepest.register
        class Swish(Activation):
            name = "swish"
            ...

    A model file that names a class is loaded only where that class is registered.
    """
    for registry in (activations.ACTIVATIONS, losses.LOSSES, initializers.INITIALIZERS,
                     optimizers.OPTIMIZERS, optimizers.SCHEDULES):
        if isinstance(cls, type) and issubclass(cls, registry.base):
            return registry.register(cls, replace=replace)
    raise errors.ConfigError(
        f"register takes a subclass of Activation, Loss, Initializer, Optimizer or Schedule, "
        f"got {cls!r}")


__all__ = [
    "Callback",
    "Checkpoint",
    "Diagnosis",
    "EarlyStopping",
    "GradCheckResult",
    "GradientMonitor",
    "Gradients",
    "History",
    "ImageAugmenter",
    "LRFindResult",
    "Network",
    "OverfitResult",
    "Snapshots",
    "Step",
    "Thresholds",
    "Trace",
    "TrainingConfig",
    "WeightPath",
    "__version__",
    "activations",
    "augment",
    "callbacks",
    "diagnose",
    "errors",
    "export_onnx",
    "gradcheck",
    "initializers",
    "load",
    "losses",
    "lr_find",
    "optimizers",
    "overfit_check",
    "plots",
    "register",
    "resume",
]
