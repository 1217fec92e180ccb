"""Pictures of training: curves, gradient norms, decision boundaries, the error
surface, confusion matrices, weights as images, mistakes, activation histograms.

Needs matplotlib (``pip install "steepest[plots]"``), imported only when a
function here is called (:mod:`._mpl`). Every ``plot_*`` function returns the
:class:`matplotlib.figure.Figure` it drew on and accepts ``ax=`` to draw into
your own axes (one ``Axes``, or a sequence of them for several panels). Without
``ax`` the figure is created off-screen (no pyplot, no display needed): show it
by leaving it as a notebook cell's value, or write it with :func:`save_figure`
(or ``fig.savefig``).

Rows are samples: ``X`` is ``(n_samples, n_features)``; ``y`` holds class labels
``(n_samples,)`` or one-hot rows ``(n_samples, n_classes)``.

By subject: :mod:`.curves` (training curves, gradient norms), :mod:`.boundary`
(decision boundaries), :mod:`.surface` (the error surface), :mod:`.images`
(first-layer weights, mistakes), :mod:`.classification` (the confusion matrix),
:mod:`.report` (activation histograms, every picture at once).
"""

from ..metrics import confusion_matrix
from ._mpl import AxesSpec, check_available, figure, save_figure
from .boundary import CLASS_COLORS, animate_decision_boundary, plot_decision_boundary
from .classification import plot_confusion_matrix
from .curves import plot_gradient_norms, plot_history, plot_layer_norms, plot_losses
from .images import plot_first_layer_weights, plot_misclassified
from .report import activation_statistics, plot_activation_histograms, write_model_plots
from .surface import error_surface, plot_error_surface

__all__ = [
    "CLASS_COLORS",
    "AxesSpec",
    "activation_statistics",
    "animate_decision_boundary",
    "check_available",
    "confusion_matrix",
    "error_surface",
    "figure",
    "plot_activation_histograms",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_error_surface",
    "plot_first_layer_weights",
    "plot_gradient_norms",
    "plot_history",
    "plot_layer_norms",
    "plot_losses",
    "plot_misclassified",
    "save_figure",
    "write_model_plots",
]
