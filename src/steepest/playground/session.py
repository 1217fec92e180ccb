"""One browser tab's playground: its settings, data, network and optimiser, and
everything the page asks of them.

Training is :meth:`Network.fit` itself, an epoch (or as many as fit in a time
budget) per call, with the test rows as its ``validation_data``: the losses and
accuracies the page plots are ``fit``'s history. The live pictures come from the
network's own forward phase, the gradient flow from
:class:`~steepest.callbacks.GradientMonitor`, one step explained from
:mod:`steepest.explain`, the doctor from :func:`steepest.diagnose`, the error
surface from :func:`steepest.plots.surface.error_surface`. Nothing here does the
maths again.

A session is used from worker threads (training runs off the server's event
loop); every public method holds the session's lock, so one thing happens at a
time; the doctor and the error surface work on a copy taken under the lock.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..callbacks import Callback, GradientMonitor, weight_index
from ..config import TrainingConfig
from ..doctor import diagnose
from ..errors import ConfigError, DivergenceError
from ..explain import format_step, step_summary, training_step
from ..metrics import confusion_matrix, regression_scores
from ..optimizers import get_optimizer, get_schedule
from ..plots.surface import error_surface
from . import views
from .data import CLASSES, FEATURES, PlaneData, Upload, grid, inputs, make_data
from .settings import Limits, Settings

if TYPE_CHECKING:
    from ..network import Network

#: A schedule left open (``cosine``) runs over the stop condition's epochs, or these.
SCHEDULE_EPOCHS = 500
#: fit's epochs when training for a time budget (it stops at the budget first).
UNBOUNDED = 10**9
#: Rows of the training set in the gradient-flow probe and in the doctor's batch.
PROBE_ROWS = 256
#: Largest |value| a weight may be set to by hand.
MAX_WEIGHT = 1e3
#: Points across the error surface (a square of them).
SURFACE_RESOLUTION = 21


@dataclass
class Change:
    """What a change of settings did: whether the network started afresh, and a
    line for the page saying so (or what else happened)."""

    reset: bool
    message: str = ""


class Session:
    """One tab's playground.

    Parameters
    ----------
    limits:
        What the server allows (network size, points, uploads).
    settings:
        The first settings (a shared link's); checked already.
    """

    def __init__(self, limits: Limits, settings: Settings | None = None) -> None:
        self.limits = limits
        self.lock = threading.RLock()
        self.upload: Upload | None = None
        #: The panels open in the page: their figures go into each frame.
        self.panels: frozenset[str] = frozenset()
        #: Counts the networks this tab has had: frames of an older one are dropped.
        self.generation = 0
        self.settings = settings or Settings()
        self._begin(self.settings, make_data(self.settings))

    # ------------------------------------------------------------------ building
    def _begin(self, settings: Settings, data: PlaneData) -> None:
        """A new network for ``settings`` on ``data``: built first, so a setting
        the library refuses (a loss that does not suit the output) changes nothing."""
        config = training_config(settings, data)
        net = config.network(len(settings.features),
                             len(data.classes) if data.kind == CLASSES else 1)
        net.record = {"classes": data.classes, "playground": {
            "features": list(settings.features), "data": data.source, "axes": list(data.axes),
            "extent": data.extent}}
        optimizer = get_optimizer(settings.optimizer, settings.learning_rate,
                                  _schedule(settings))
        self.settings, self.config, self.data = settings, config, data
        self.net, self.optimizer = net, optimizer
        self.train_inputs = inputs(data.X_train, settings.features)
        self.test_inputs = inputs(data.X_test, settings.features)
        self.grid_inputs = inputs(grid(data.extent, views.OUTPUT_GRID), settings.features)
        self.stopped: str | None = None
        self.gradient_flow: dict[str, list[float]] | None = None
        self.path: list[tuple[float, float]] = []
        self.path_weights: tuple[tuple[int, int, int], tuple[int, int, int]] | None = None
        self.sent_epochs = 0
        self.edited = False  # a weight set by hand since the last epoch
        self.generation += 1

    def update(self, changes: Any) -> Change:
        """Apply the page's ``changes`` (checked): new data or architecture start a
        new network; training settings carry on with the same weights."""
        with self.lock:
            new = self.settings.updated(changes, self.limits)
            changed = self.settings.changed(new)
            if "data" in changed:
                self._begin(new, make_data(new, self.upload))
                return Change(True, "new data: the network starts afresh")
            if "architecture" in changed:
                self._begin(new, self.data)
                return Change(True, "the architecture changed: the network starts afresh")
            message = self._retrain(new) if "training" in changed else ""
            self.settings, self.config = new, training_config(new, self.data)
            return Change(False, message)

    def _retrain(self, new: Settings) -> str:
        """Carry the training settings over to the running optimiser: a new kind
        starts afresh (its state belongs to the old one's rule), a new rate or
        schedule keeps the state."""
        old = self.settings
        self.stopped = None  # play goes on with the new settings (or stops again at once)
        if new.optimizer != old.optimizer:
            self.optimizer = get_optimizer(new.optimizer, new.learning_rate, _schedule(new))
            return f"optimizer {new.optimizer}: its state starts afresh, the weights are kept"
        if new.schedule != old.schedule or new.stop_epochs != old.stop_epochs:
            self.optimizer.schedule = _schedule(new)
            self.optimizer.first_epoch = self.net.epochs_trained
        if new.learning_rate != old.learning_rate:
            self.optimizer.learning_rate = new.learning_rate
        self.optimizer.start_epoch(self.net.epochs_trained)
        return ""

    def use_upload(self, upload: Upload) -> Change:
        """Train on an uploaded file from now on (its default columns)."""
        with self.lock:
            new = self.settings.updated({"dataset": "upload",
                                         "columns": list(upload.default_columns())},
                                        self.limits)
            data = upload.data(new)
            self._begin(new, data)
            self.upload = upload
            return Change(True, f"uploaded: {data.source}")

    def reset(self) -> None:
        """The same settings, a new network (and the same data)."""
        with self.lock:
            self._begin(self.settings, self.data)

    def regenerate(self) -> Change:
        """New data of the same kind (a new seed), and a new network."""
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
        return self.update({"seed": seed})

    # ------------------------------------------------------------------ training
    def train(self, epochs: int = 1, seconds: float | None = None) -> None:
        """``epochs`` epochs of ``fit``; with ``seconds``, as many as fit in that
        time (at least one). Stops at the stop condition or a divergence (then
        :attr:`stopped` says why)."""
        with self.lock:
            if self.stopped:
                return
            config = self.config
            monitor = (GradientMonitor(self.train_inputs, self.data.y_train,
                                       probe_size=PROBE_ROWS)
                       if "gradients" in self.panels else None)
            stop = _Stop(self, None if seconds is None else time.perf_counter() + seconds)
            try:
                self.net.fit(self.train_inputs, self.data.y_train,
                             epochs=epochs if seconds is None else UNBOUNDED,
                             batch_size=config.batch_size, optimizer=self.optimizer,
                             l1=config.l1, l2=config.l2,
                             validation_data=(self.test_inputs, self.data.y_test),
                             callbacks=[stop, *([monitor] if monitor else [])])
            except DivergenceError as exc:
                self.optimizer = self.net.optimizer  # fit restarted it afresh
                self.stopped = str(exc)
            self.edited = False
            if monitor is not None and len(monitor.grad_norms) > 1:
                self.gradient_flow = {"grad_norms": monitor.grad_norms[-1].tolist(),
                                      "update_ratios": monitor.update_ratios[-1].tolist()}
            if self.path_weights is not None:
                self._extend_path()

    @property
    def epoch(self) -> int:
        return self.net.epochs_trained

    def set_weight(self, layer: int, row: int, col: int, value: float) -> None:
        """Set ``W_layer[row, col]`` (the bias ``b_layer[col]`` when ``row`` is the
        layer's number of inputs) by hand."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                math.isfinite(value) and abs(value) <= MAX_WEIGHT):
            raise ConfigError(f"a weight must be a number from -{MAX_WEIGHT:g} to "
                              f"{MAX_WEIGHT:g}, got {value!r}")
        with self.lock:
            self.net.params[weight_index(self.net, (layer, row, col))] = value
            self.edited = True

    # ------------------------------------------------------------------ what the page draws
    def layout(self) -> dict[str, Any]:
        """What the page draws a new network with: the settings, the layer sizes,
        the units' names and activations, the data's points and its plane."""
        with self.lock:
            net, data = self.net, self.data
            return views.jsonable({
                "type": "layout", "settings": self.settings.as_dict(), "sizes": net.sizes,
                "features": [FEATURES[f][0] for f in self.settings.features],
                "activations": [f.label for f in net.activations], "loss": net.loss.name,
                "kind": data.kind, "classes": data.classes, "extent": data.extent,
                "axes": list(data.axes), "source": data.source, "points": data.points(),
                "grids": {"output": views.OUTPUT_GRID, "unit": views.UNIT_GRID},
                "upload": None if self.upload is None else {
                    "header": self.upload.header, "numeric": self.upload.numeric},
                "generation": self.generation,
            })

    def frame(self, state: dict[str, Any] | None = None) -> bytes:
        """The current network as the page draws it, with ``state`` (playing...)
        in the header: see :mod:`.views` for the layout."""
        with self.lock:
            net = self.net
            trace = net.forward(self.grid_inputs)
            maps, scales = views.quantised(views.unit_maps(trace, net.activations))
            output = trace.output
            if self.data.kind == CLASSES:
                picture = views.class_map(output, net.output_activation)
                value_scale = None
            else:
                values, (value_scale,) = views.quantised(output[:, :1].T)
                picture = values.reshape(1, views.OUTPUT_GRID, views.OUTPUT_GRID)
            header = {
                "type": "frame", "generation": self.generation, "epoch": self.epoch,
                "history": self._new_history(), "figures": self.figures(),
                "scales": scales, "value_scale": value_scale, "stopped": self.stopped,
                "gradients": self.gradient_flow if "gradients" in self.panels else None,
                "path": self.path[-1] if self.path and "surface" in self.panels else None,
                **(state or {}),
            }
            return views.encode(header, [("params", net.params.astype(np.float32)),
                                         ("units", maps), ("output", picture)])

    def _new_history(self) -> dict[str, Any]:
        """The epochs of ``fit``'s history the page has not had yet."""
        history, start = self.net.history, self.sent_epochs
        self.sent_epochs = len(history)
        return {"from": start, **{key: values[start:] for key, values in history.metrics.items()
                                  if key != "lr"}}

    def figures(self) -> dict[str, Any]:
        """The test set's figures now: loss (and the last epoch's training loss,
        as ``fit`` measured it), accuracy and the confusion matrix for classes,
        R² and RMSE for values."""
        with self.lock:
            net, data = self.net, self.data
            if len(net.history) and not self.edited:  # fit measured them after the last epoch
                history = net.history
                train = {"loss": history["loss"][-1]}
                test = {k: history[f"val_{k}"][-1] for k in ("loss", "accuracy")
                        if f"val_{k}" in history}
            else:  # before any training, or after a weight was set by hand
                train = net.evaluate(self.train_inputs, data.y_train)
                test = net.evaluate(self.test_inputs, data.y_test)
            figures: dict[str, Any] = {"train_loss": train["loss"], "test_loss": test["loss"]}
            if data.kind == CLASSES:
                predicted = net.predict_classes(self.test_inputs)
                figures["accuracy"] = test["accuracy"]
                figures["confusion"] = confusion_matrix(data.y_test, predicted,
                                                        len(data.classes)).tolist()
            else:
                figures |= regression_scores(data.y_test, net.predict(self.test_inputs))
            return figures

    # ------------------------------------------------------------------ the panels
    def explain(self) -> dict[str, Any]:
        """One training step on the first batch of the training rows, printed as
        ``steepest explain`` prints it (plain gradient descent at the page's
        rate; the network is not changed)."""
        with self.lock:
            rows = slice(0, min(self.settings.batch_size, len(self.train_inputs)))
            step = training_step(self.net, self.train_inputs[rows], self.data.y_train[rows],
                                 self.settings.learning_rate)
            return views.jsonable({"type": "explain", "text": format_step(self.net, step),
                                   "summary": step_summary(step), "epoch": self.epoch})

    def doctor(self) -> dict[str, Any]:
        """The doctor's report on a copy of the network as it is now."""
        with self.lock:
            net, optimizer = self.net.copy(), self.optimizer.fresh(self.optimizer.lr,
                                                                   "constant")
            X, y, epoch = self.train_inputs, self.data.y_train, self.epoch
        report = diagnose(net, X, y, optimizer=optimizer, batch_size=PROBE_ROWS)
        return views.jsonable({"type": "doctor", "epoch": epoch, **report.to_dict(),
                               "report": str(report)})

    def surface(self, first: Any, second: Any) -> dict[str, Any]:
        """The loss over the weights ``first`` and ``second`` ((layer, row, col)),
        every other weight as it is now, around their current values; their path
        is recorded from now on and sent with each frame."""
        with self.lock:
            where = (weight_index(self.net, first), weight_index(self.net, second))
            if where[0] == where[1]:
                raise ConfigError("choose two different weights for the error surface")
            pair = (tuple(first), tuple(second))
            if pair != self.path_weights:
                self.path_weights, self.path = pair, []
                self._extend_path()
            net, path = self.net.copy(), np.array(self.path)
            X, y, epoch = self.train_inputs, self.data.y_train, self.epoch
        low, high = path.min(axis=0), path.max(axis=0)
        margin = np.maximum(1.0, 0.5 * (high - low))
        limits = [(float(low[k] - margin[k]), float(high[k] + margin[k])) for k in range(2)]
        _, _, L = error_surface(net, X, y, pair[0], pair[1], limits, SURFACE_RESOLUTION)
        return views.jsonable({"type": "surface", "first": list(pair[0]),
                               "second": list(pair[1]), "limits": limits,
                               "loss": L.tolist(), "path": path.tolist(), "epoch": epoch})

    def _extend_path(self) -> None:
        i, j = (weight_index(self.net, w) for w in self.path_weights)
        self.path.append((float(self.net.params[i]), float(self.net.params[j])))


class _Stop(Callback):
    """Ends a ``fit`` at the session's stop condition (saying why) or at a
    deadline (saying nothing: training goes on at the next call)."""

    def __init__(self, session: Session, deadline: float | None) -> None:
        self.session, self.deadline = session, deadline

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        s = self.session.settings
        if s.stop_epochs is not None and net.epochs_trained >= s.stop_epochs:
            self.session.stopped = f"stopped at epoch {net.epochs_trained:,}, as asked"
        elif s.stop_loss is not None and logs["val_loss"] <= s.stop_loss:
            self.session.stopped = (f"stopped at epoch {net.epochs_trained:,}: test loss "
                                    f"{logs['val_loss']:.4g} <= {s.stop_loss:g}")
        if self.session.stopped or (self.deadline is not None
                                    and time.perf_counter() >= self.deadline):
            net.stop_training = True


def training_config(settings: Settings, data: PlaneData) -> TrainingConfig:
    """The :class:`~steepest.config.TrainingConfig` of these settings: the
    network, and how ``fit`` trains it (the loss and output the targets ask for
    where the settings say "auto")."""
    penalty = {"l1": settings.reg_rate} if settings.regularization == "l1" else (
        {"l2": settings.reg_rate} if settings.regularization == "l2" else {})
    config = TrainingConfig(
        layers=settings.layers, activation=list(settings.activations),
        loss=None if settings.loss == "auto" else settings.loss,
        init=None if settings.init == "auto" else settings.init, dropout=settings.dropout,
        seed=settings.seed, batch_size=settings.batch_size, optimizer=settings.optimizer,
        learning_rate=settings.learning_rate, schedule=_schedule(settings), **penalty)
    config = config.for_targets(data.kind == CLASSES)
    if settings.output != "auto":
        config = config.replace(output_activation=settings.output)
    return config


def _schedule(settings: Settings) -> Any:
    """The settings' schedule; one left open runs over the stop epochs (or
    :data:`SCHEDULE_EPOCHS`)."""
    return get_schedule(settings.schedule).over(settings.stop_epochs or SCHEDULE_EPOCHS)
