"""scikit-learn estimators: :class:`NetworkClassifier` and :class:`NetworkRegressor`.

Each wraps a :class:`~steepest.Network` and :meth:`~steepest.Network.fit`, so
it works in ``Pipeline``, ``GridSearchCV``, ``cross_val_score``, ``clone`` and
``pickle`` like any scikit-learn estimator, and passes scikit-learn's own
estimator checks. The trained network is ``network_``: inspect its weights,
or save it with steepest's pickle-free ``network_.save(path)``.

Rows are samples: ``X`` is ``(n_samples, n_features)``.

- :class:`NetworkClassifier`: ``y`` ``(n_samples,)`` labels of any type (two or
  more classes; softmax outputs and cross-entropy), or a 0/1 indicator matrix
  ``(n_samples, n_labels)`` for multi-label problems (sigmoid outputs and
  binary cross-entropy). For class labels ``loss`` may also be ``"mse"`` or
  ``"sse"`` (sigmoid outputs learning one-hot targets).
- :class:`NetworkRegressor`: ``y`` ``(n_samples,)`` or ``(n_samples, n_targets)``
  (identity outputs and mean squared error).

scikit-learn is an optional dependency: ``pip install "steepest[sklearn]"``.
"""

from __future__ import annotations

import contextlib
import numbers
import tempfile
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._validation import as_float, real_number
from .callbacks import EarlyStopping
from .config import ALIASES, TrainingConfig
from .errors import ConfigError, DataError, SteepestError
from .io import load
from .network import Network
from .optimizers import get_schedule

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import (
        _check_sample_weight,
        check_is_fitted,
        column_or_1d,
        validate_data,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        'steepest.sklearn needs scikit-learn >= 1.6: pip install "steepest[sklearn]"'
    ) from exc

__all__ = ["NetworkClassifier", "NetworkRegressor"]

_FLOATS = (np.float64, np.float32)


@contextlib.contextmanager
def _checked() -> Iterator[None]:
    """scikit-learn's checks of the inputs, their ValueErrors raised as steepest's
    :class:`~steepest.errors.DataError` with the same message (scikit-learn's own
    estimator checks match the messages; steepest's callers catch its errors)."""
    try:
        yield
    except SteepestError:
        raise
    except ValueError as exc:
        raise DataError(str(exc)) from None


def _with_defaults(init: Callable[..., None], **defaults: Any) -> Callable[..., None]:
    """A copy of the function ``init`` whose keyword-only parameters ``defaults``
    have other defaults: the same code, and a signature scikit-learn reads as any."""
    copy = types.FunctionType(init.__code__, init.__globals__, init.__name__,
                              init.__defaults__, init.__closure__)
    copy.__kwdefaults__ = {**(init.__kwdefaults__ or {}), **defaults}
    copy.__qualname__, copy.__doc__ = init.__qualname__, init.__doc__
    copy.__annotations__ = dict(init.__annotations__)
    return copy


class _NetworkEstimator(BaseEstimator):
    """What the classifier and the regressor share: building, fitting, pickling."""

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (64,),
        activation: str = "relu",
        *,
        loss: str = "cross_entropy",
        init: str | None = None,
        dropout: float = 0.0,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        schedule: str | None = None,
        batch_size: int | None = 32,
        epochs: int = 200,
        l2: float = 1e-2,
        clip_norm: float | None = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        tol: float | None = 1e-4,
        n_iter_no_change: int = 10,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        dtype: str = "float32",
        warm_start: bool = False,
        verbose: int = 0,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.init = init
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.schedule = schedule
        self.batch_size = batch_size
        self.epochs = epochs
        self.l2 = l2
        self.clip_norm = clip_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.dtype = dtype
        self.warm_start = warm_start
        self.verbose = verbose

    # ------------------------------------------------------------------ subclass hooks
    def _targets(self, y: Any, reset: bool, classes: Any = None) -> np.ndarray:
        """Checked targets for the network; with ``reset``, learn their layout."""
        raise NotImplementedError

    def _head(self) -> tuple[int, str, str]:
        """``(n_outputs, output activation, loss)`` for the targets seen at reset."""
        raise NotImplementedError

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _NetworkEstimator:
        """Train for at most ``epochs`` epochs on ``X`` ``(n_samples, n_features)``
        and ``y`` (see ``tol`` and ``early_stopping``).

        A new network each call, unless ``warm_start`` is set and one is already
        fitted: then training continues from its weights and optimiser state.
        ``sample_weight`` ``(n_samples,)`` weighs each row in the loss.
        """
        fresh = not (self.warm_start and hasattr(self, "network_"))
        if isinstance(self.epochs, numbers.Integral) and self.epochs < 1:
            raise ConfigError(f"epochs must be a whole number >= 1 for fit, got {self.epochs}")
        return self._train(X, y, sample_weight, fresh=fresh, epochs=self.epochs, final=True)

    def _partial_fit(self, X: Any, y: Any, sample_weight: Any, classes: Any = None):
        fresh = not hasattr(self, "network_")
        return self._train(X, y, sample_weight, fresh=fresh, epochs=1, final=False,
                           classes=classes)

    def _train(self, X: Any, y: Any, sample_weight: Any, *, fresh: bool, epochs: int,
               final: bool, classes: Any = None) -> _NetworkEstimator:
        with _checked():
            X, y = validate_data(self, X, y, reset=fresh, multi_output=True, dtype=_FLOATS)
            Y = self._targets(y, reset=fresh, classes=classes)
            if sample_weight is not None:
                sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        early = final and self.early_stopping
        config = self._config(fresh).replace(
            epochs=epochs,
            validation_fraction=self._validation_split(X.shape[0]) if early else 0.0,
        )
        if epochs != self.epochs and self.schedule is not None:
            # partial_fit trains one epoch at a time: a schedule left open (cosine) spans
            # ``epochs`` all the same.
            config = config.replace(schedule=get_schedule(self.schedule).over(self.epochs))
        if fresh:
            self.network_ = self._build(config, X.shape[1])
        else:
            # A warm network keeps its optimiser (and its moments), so warm_start and
            # partial_fit resume exactly.
            config = config.replace(optimizer=None, learning_rate=None, schedule=None)
        with self._training_targets(Y, sample_weight, fresh) as Y:
            self.network_.fit(X, Y, **config.fit_settings(), sample_weight=sample_weight,
                              callbacks=self._stops(final, early), verbose=self.verbose)
        self.n_iter_ = self.network_.epochs_trained
        self.loss_curve_ = list(self.network_.history["loss"])
        return self

    def _training_targets(self, Y: np.ndarray, sample_weight: np.ndarray | None,
                          fresh: bool) -> contextlib.AbstractContextManager[np.ndarray]:
        """The targets the network learns, in a block that trains it (the regressor
        scales them)."""
        return contextlib.nullcontext(Y)

    def _stops(self, final: bool, early: bool) -> list[EarlyStopping]:
        """What ends ``fit`` before ``epochs``: with ``early_stopping`` the validation
        loss, else ``tol`` on the training loss, as scikit-learn's MLPs do."""
        if not final:
            return []
        if early:
            return [EarlyStopping("val_loss", patience=self.n_iter_no_change)]
        if self.tol is None:
            return []
        tol = real_number(self.tol, "tol", "be None or a number >= 0", lambda v: v >= 0)
        return [EarlyStopping("loss", patience=self.n_iter_no_change, min_delta=tol,
                              restore_best_weights=False)]

    def _config(self, fresh: bool) -> TrainingConfig:
        """The parameters as a :class:`~steepest.config.TrainingConfig`, scikit-learn's
        names mapped through :data:`~steepest.config.ALIASES`. The seed is drawn
        from a ``RandomState`` only for a new network."""
        return TrainingConfig.from_settings({
            "hidden_layer_sizes": _hidden_sizes(self.hidden_layer_sizes),
            "activation": self.activation, "init": self.init, "dropout": self.dropout,
            "seed": _seed(self.random_state) if fresh else None, "dtype": self.dtype,
            "epochs": self.epochs, "batch_size": self.batch_size, "optimizer": self.optimizer,
            "learning_rate": self.learning_rate, "schedule": self.schedule, "l2": self.l2,
            "clip_norm": self.clip_norm, "shuffle": self.shuffle,
        })

    def _validation_split(self, n_samples: int) -> float:
        """The share of ``n_samples`` rows held out for early stopping:
        ``validation_fraction`` of them, but at least one row and never all (as
        scikit-learn's MLPClassifier does), so small data and small CV folds work."""
        fraction = self.validation_fraction
        if (isinstance(fraction, bool) or not isinstance(fraction, numbers.Real)
                or not 0 < fraction < 1):
            raise ConfigError(f"validation_fraction must be a number in (0, 1) with "
                              f"early_stopping=True, got {fraction!r}")
        if n_samples < 2:
            raise DataError(f"early_stopping=True needs at least 2 rows (one to train on, one "
                            f"to validate on), got {n_samples}")
        n_val = min(max(round(n_samples * fraction), 1), n_samples - 1)
        # Network.fit holds out round(n * split) rows: exactly n_val for this split.
        return n_val / n_samples

    def _build(self, config: TrainingConfig, n_features: int) -> Network:
        n_outputs, output_activation, loss = self._head()
        net = config.replace(output_activation=output_activation, loss=loss).network(
            n_features, n_outputs)
        net.record = {"estimator": type(self).__name__}
        if hasattr(self, "feature_names_in_"):  # saved, and exported (the ONNX file's metadata)
            net.record["feature_names"] = [str(n) for n in self.feature_names_in_]
        return net

    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices ``W_i`` ``(n_in, n_out)``, as scikit-learn's MLPs name
        them: views into ``network_``'s weights."""
        check_is_fitted(self, "network_")
        return self.network_.weights

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The bias vectors ``b_i`` ``(n_out,)``: views into ``network_``'s biases."""
        check_is_fitted(self, "network_")
        return self.network_.biases

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's outputs ``(n_samples, n_outputs)``, computed in float64:
        scikit-learn expects float64 predictions, and a row's prediction that does
        not depend on the other rows of the call (a float32 product rounds a row
        differently in a batch of another size)."""
        check_is_fitted(self, "network_")
        with _checked():
            X = validate_data(self, X, reset=False, dtype=_FLOATS)
        return self.network_.predict(X, dtype=np.float64)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        # The network travels as a steepest model file (plain arrays and JSON), which
        # keeps its weights' shared buffer and its optimiser state intact.
        state = dict(super().__getstate__())  # a copy: object's own is the live __dict__
        if "network_" in state:
            state["network_"] = _network_bytes(state["network_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("network_"), bytes):
            state = state | {"network_": _network_from_bytes(state["network_"])}
        super().__setstate__(state)


class NetworkClassifier(ClassifierMixin, _NetworkEstimator):
    """A neural network classifier with scikit-learn's interface.

    ``y`` is ``(n_samples,)`` class labels (numbers or strings, at least two
    classes): the network has one softmax output per class and learns by
    cross-entropy. A 0/1 indicator matrix ``(n_samples, n_labels)`` makes it a
    multi-label classifier: one sigmoid output per label, binary cross-entropy.

    Parameters
    ----------
    hidden_layer_sizes:
        Units per hidden layer, e.g. ``(128, 64)``; ``()`` for none (logistic
        regression).
    activation, init, dropout:
        As for :class:`~steepest.Network` (hidden layers).
    loss:
        ``"cross_entropy"`` (default): softmax outputs and cross-entropy; for
        multi-label ``y``, sigmoid outputs and binary cross-entropy (each label's
        own cross-entropy), which ``"binary_cross_entropy"`` also names.
        ``"mse"`` or ``"sse"`` (class labels only): one sigmoid output per class
        learning its one-hot target, the tutorials' classic set-up;
        ``predict_proba`` then scales each row of outputs to sum to 1.
    optimizer, learning_rate, schedule, batch_size, clip_norm, shuffle:
        As for :meth:`~steepest.Network.fit`; ``batch_size=None`` is full batch.
        ``schedule="cosine"`` decays the learning rate to 0 over ``epochs``.
    epochs:
        The most epochs ``fit`` trains (200, as scikit-learn's ``max_iter``); it
        stops sooner by ``tol`` or ``early_stopping``.
    l2:
        Weight decay, ``l2 * W`` added to each weight's gradient (0.01: the
        defaults were chosen on small tables, see the how-to page on
        scikit-learn).
    tol, n_iter_no_change:
        Without ``early_stopping``, ``fit`` stops once the training loss has not
        fallen by more than ``tol`` for ``n_iter_no_change`` epochs in a row, as
        scikit-learn's MLPs do; ``tol=None`` trains every epoch.
    early_stopping, validation_fraction:
        Hold out ``validation_fraction`` of the rows (at least one row, and at
        least one left to train on) and stop once the validation loss has not
        improved for ``n_iter_no_change`` epochs, keeping the best epoch's weights.
    random_state:
        The network's seed (initialisation, shuffling, dropout).
    dtype:
        ``"float32"`` or ``"float64"``.
    warm_start:
        ``fit`` continues the fitted network instead of starting a new one.
    verbose:
        1 shows a progress line per epoch.

    Attributes
    ----------
    network_: the trained :class:`~steepest.Network`.
    coefs_, intercepts_: its weights ``W_i`` ``(n_in, n_out)`` and biases ``b_i``, as
    in scikit-learn's MLPs.
    classes_: ``(n_classes,)`` the class labels, or ``arange(n_labels)`` for multi-label.
    n_features_in_, feature_names_in_: the input's width (and column names, from pandas).
    n_iter_: epochs trained. loss_curve_: the training loss of every epoch.
    """

    #: The classifier's losses; every one but softmax cross-entropy has sigmoid outputs.
    LOSSES: tuple[str, ...] = ("cross_entropy", "binary_cross_entropy", "mse", "sse")

    def partial_fit(self, X: Any, y: Any, classes: Any = None,
                    sample_weight: Any = None) -> NetworkClassifier:
        """One epoch on ``(X, y)``. The first call needs ``classes``, every label
        that will ever be seen (not for multi-label ``y``)."""
        if not hasattr(self, "network_") and classes is None and np.ndim(y) < 2:
            raise ConfigError("the first call to partial_fit needs classes=[all class labels]")
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def _targets(self, y: Any, reset: bool, classes: Any = None) -> np.ndarray:
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        if kind == "multiclass-multioutput":
            raise DataError("several columns of multi-class labels are not supported; give one "
                            "column of labels, or a 0/1 indicator matrix for multi-label")
        multilabel = kind == "multilabel-indicator"
        if not reset and classes is not None and not np.array_equal(
                np.unique(column_or_1d(classes)), self.classes_):
            raise DataError(f"classes={list(classes)} differs from the first partial_fit's "
                            f"{self.classes_.tolist()}")
        if reset:
            self._multilabel = multilabel
            if multilabel:
                self.classes_ = np.arange(y.shape[1])
            else:
                self.classes_ = np.unique(column_or_1d(classes if classes is not None else y))
                if len(self.classes_) < 2:
                    raise DataError(
                        f"a classifier needs at least 2 classes in y, found 1 class "
                        f"({self.classes_[0]!r})"
                    )
        elif multilabel != self._multilabel or (multilabel and y.shape[1] != len(self.classes_)):
            raise DataError(f"y must be like the first fit's: {self._target_layout()}")
        if multilabel:
            return np.asarray(y, dtype=np.float64)
        y = column_or_1d(y, warn=True)
        index = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        unseen = self.classes_[index] != y
        if unseen.any():
            raise DataError(
                f"y holds labels not among the classes {self.classes_.tolist()}: "
                f"{np.unique(y[unseen])[:5].tolist()}"
            )
        return index

    def _target_layout(self) -> str:
        if self._multilabel:
            return f"a 0/1 indicator matrix with {len(self.classes_)} columns"
        return "one column of class labels"

    def _head(self) -> tuple[int, str, str]:
        if self.loss not in self.LOSSES:
            raise ConfigError(f"loss must be one of {', '.join(map(repr, self.LOSSES))}, "
                              f"got {self.loss!r}")
        n_outputs = len(self.classes_)
        # The saved network must read as the estimator does (`steepest predict`): its
        # binary cross-entropy means independent labels, anything else one class.
        if self._multilabel:
            if self.loss not in ("cross_entropy", "binary_cross_entropy"):
                raise ConfigError(f"multi-label y (a 0/1 indicator matrix) needs "
                                  f"loss='cross_entropy' or 'binary_cross_entropy', got "
                                  f"{self.loss!r}")
            # Labels that are not mutually exclusive: one independent probability each.
            return n_outputs, "sigmoid", "binary_cross_entropy"
        if self.loss == "binary_cross_entropy":
            raise ConfigError("loss='binary_cross_entropy' is for multi-label y (a 0/1 "
                              "indicator matrix); y holds class labels: use 'cross_entropy' "
                              "(or 'mse'/'sse')")
        if self.loss == "cross_entropy":
            return n_outputs, "softmax", "cross_entropy"
        return n_outputs, "sigmoid", self.loss

    def _build(self, config: TrainingConfig, n_features: int) -> Network:
        net = super()._build(config, n_features)
        # Saved with the network: `steepest predict` then names the classes.
        net.record["classes"] = [str(c) for c in self.classes_]
        return net

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(n_samples, n_classes)``, columns in ``classes_``
        order, rows summing to 1; for multi-label, each label's own probability
        ``(n_samples, n_labels)``."""
        P = self._outputs(X)
        if not self._multilabel:
            # float32 softmax sums to 1 only within 1e-7; sigmoid outputs (a loss other
            # than cross_entropy) are one score per class, scaled to sum to 1 here.
            total = P.sum(axis=1, keepdims=True)
            np.divide(P, total, out=P, where=total > 0)
            P[total[:, 0] <= 0] = 1 / P.shape[1]  # every sigmoid underflowed to 0
        return P

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``log(predict_proba(X))``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels ``(n_samples,)`` from ``classes_``; for multi-label, a 0/1
        matrix ``(n_samples, n_labels)`` (probability >= 0.5)."""
        P = self._outputs(X)
        if self._multilabel:
            return (P >= 0.5).astype(np.int64)
        return self.classes_[P.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class NetworkRegressor(RegressorMixin, _NetworkEstimator):
    """A neural network regressor with scikit-learn's interface.

    ``y`` is ``(n_samples,)`` or ``(n_samples, n_targets)``: one identity output
    per target. ``loss`` is ``"mse"`` (default) or ``"sse"``. The other
    parameters and attributes are those of :class:`NetworkClassifier` (no
    ``classes_``).

    Networks learn best when the targets are of order 1, so the network learns
    each target scaled to mean 0 and standard deviation 1 (the first fit's
    figures, weighted by ``sample_weight``), as ``TransformedTargetRegressor``
    with a ``StandardScaler`` would do; between fits the scaling is folded into
    the output layer, so ``predict``, ``network_`` and ``coefs_`` all give ``y``'s
    units. ``loss_curve_`` is the loss of the scaled targets.
    """

    # The estimators' parameters are written once (scikit-learn reads them from the
    # signature of __init__): the regressor's __init__ is the same function with
    # loss="mse" for its default.
    __init__ = _with_defaults(_NetworkEstimator.__init__, loss="mse")

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> NetworkRegressor:
        """One epoch on ``(X, y)``, continuing the fitted network if there is one."""
        return self._partial_fit(X, y, sample_weight)

    def _targets(self, y: Any, reset: bool, classes: Any = None) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        n_targets = 1 if y.ndim == 1 else y.shape[1]
        if reset:
            self._y_ndim, self._n_targets = y.ndim, n_targets
        elif n_targets != self._n_targets:
            raise DataError(f"y has {n_targets} targets (columns); the regressor was fitted "
                            f"with {self._n_targets}")
        return y

    @contextlib.contextmanager
    def _training_targets(self, Y: np.ndarray, sample_weight: np.ndarray | None,
                          fresh: bool) -> Iterator[np.ndarray]:
        """Targets scaled to mean 0 and standard deviation 1 (a network learns those
        far better than targets in the hundreds, as ``TransformedTargetRegressor``
        would); the scaling is learned by the first fit and folded into the output
        layer between fits, so ``network_`` and ``coefs_`` predict in ``y``'s units."""
        Y = Y.reshape(len(Y), -1)
        # The scaling ends up in the output layer's weights: y must fit their dtype.
        as_float(Y, self.network_.dtype, "y")
        if fresh:
            mean = np.average(Y, axis=0, weights=sample_weight)
            spread = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=sample_weight))
            self._y_mean, self._y_scale = mean, np.where(spread > 0, spread, 1.0)
        else:
            self._fold_scaling(unfold=True)
        try:
            yield (Y - self._y_mean) / self._y_scale
        finally:
            self._fold_scaling(unfold=False)

    def _fold_scaling(self, unfold: bool) -> None:
        """Put the targets' scaling into the output layer (``W_L`` times the scale,
        ``b_L`` times the scale plus the mean), or take it out again."""
        W, b = self.network_.weights[-1], self.network_.biases[-1]
        scale, mean = self._y_scale.astype(W.dtype), self._y_mean.astype(W.dtype)
        if unfold:
            b -= mean
            b /= scale
            W /= scale
            return
        with np.errstate(over="ignore", invalid="ignore"):
            W_folded, b_folded = W * scale, b * scale + mean
        if not (np.isfinite(W_folded).all() and np.isfinite(b_folded).all()):
            del self.network_
            raise DataError(
                f"y's spread ({float(self._y_scale.max()):.3g}) times the trained output "
                f"layer's weights is too large for {W.dtype.name}; scale y down or use "
                "dtype='float64' (the estimator is left unfitted)"
            )
        W[...], b[...] = W_folded, b_folded

    def _head(self) -> tuple[int, str, str]:
        if self.loss not in ("mse", "sse"):
            raise ConfigError(f"loss must be 'mse' or 'sse', got {self.loss!r}")
        return self._n_targets, "identity", self.loss

    def predict(self, X: Any) -> np.ndarray:
        """Predictions ``(n_samples,)``, or ``(n_samples, n_targets)`` when ``y`` was 2-D."""
        out = self._outputs(X)
        return out[:, 0] if self._y_ndim == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# ---------------------------------------------------------------------- configurations

#: The estimators' parameters that a TrainingConfig names otherwise (scikit-learn's
#: name -> the configuration's); every other parameter has the configuration's name.
CONFIG_NAMES: dict[str, str] = {
    "hidden_layer_sizes": ALIASES["hidden_layer_sizes"],
    "validation_fraction": ALIASES["validation_fraction"],
    "random_state": "seed",
}

#: The settings of a TrainingConfig that an estimator takes as parameters. The output
#: layer is the estimator's to choose, and it holds rows out only to stop early.
TRANSFERRED = ("layers", "activation", "loss", "init", "dropout", "seed", "dtype", "epochs",
               "batch_size", "optimizer", "learning_rate", "schedule", "l2", "clip_norm",
               "shuffle")


def parameter_name(setting: str) -> str:
    """The estimators' parameter for a setting of a TrainingConfig, or one of its
    aliases: ``"layers"`` -> ``"hidden_layer_sizes"``, ``"lr"`` -> ``"learning_rate"``."""
    setting = ALIASES.get(setting, setting)
    return next((param for param, name in CONFIG_NAMES.items() if name == setting), setting)


def estimator_params(config: TrainingConfig) -> dict[str, Any]:
    """The estimator parameters that make ``config``'s network and training, in
    scikit-learn's names. A loss left open (None) stays the estimator's own."""
    params = {parameter_name(setting): getattr(config, setting) for setting in TRANSFERRED
              if not (setting == "loss" and config.loss is None)}
    return params | {"tol": None}  # a configuration trains for its epochs


# ---------------------------------------------------------------------- helpers


def _hidden_sizes(sizes: Any) -> list[int]:
    """``hidden_layer_sizes`` as a list of whole numbers >= 1."""
    listed = [sizes] if isinstance(sizes, numbers.Integral) else sizes
    try:
        result = [int(s) for s in listed]
        valid = all(isinstance(s, numbers.Integral) and s >= 1 for s in listed)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ConfigError(
            f"hidden_layer_sizes must be whole numbers >= 1 such as (128, 64), got {sizes!r}"
        )
    return result


def _seed(random_state: Any) -> int | None:
    """The network's seed: an int as it is; a RandomState draws one."""
    if random_state is None or isinstance(random_state, numbers.Integral):
        return None if random_state is None else int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _network_bytes(net: Network) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.npz"
        net.save(path)
        return path.read_bytes()


def _network_from_bytes(data: bytes) -> Network:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.npz"
        path.write_bytes(data)
        return load(path)
