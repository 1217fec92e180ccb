"""Optimisers and learning-rate schedules.

An optimiser updates all of a network's parameters at once: the network keeps
its weights and biases in one flat vector ``params`` (each ``W`` and ``b`` is a
view into it) and its gradients in another, ``grads``, of the same shape, so an
update is a handful of vectorised, in-place operations whatever the number of
layers. Per-parameter state (moments) is kept in flat vectors of the same shape.

The update rules (``g`` the gradient, ``lr`` the current learning rate):

- ``sgd``:       ``p -= lr * g``
- ``momentum``:  ``v = mu * v + g;  p -= lr * v``             (as in PyTorch)
- ``nesterov``:  ``v = mu * v + g;  p -= lr * (g + mu * v)``  (as in PyTorch)
- ``rmsprop``:   ``s = rho * s + (1 - rho) * g**2;  p -= lr * g / (sqrt(s) + eps)``
- ``adam``:      ``m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g**2;``
  ``p -= lr * m_hat / (sqrt(v_hat) + eps)`` with bias-corrected ``m_hat``, ``v_hat``.

A schedule scales the base learning rate by epoch (``constant``, ``step``,
``exponential``, ``cosine``); the fit loop tells the optimiser the epoch.

Each rule is written once in NumPy (``_apply``), the reference. Where steepest
was installed with a C compiler at hand, the built-in optimisers run the same
arithmetic as one compiled loop instead (``_fused``, :mod:`steepest._kernels`),
with the same results bit for bit; ``STEEPEST_KERNELS=numpy`` keeps NumPy's.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, ClassVar

import numpy as np

from . import _kernels
from ._pool import pool
from ._registry import Registry
from ._validation import is_real, positive_number
from .errors import ConfigError

#: Steps between flushes of subnormal optimiser state (see _flush_subnormals).
FLUSH_EVERY = 64
#: Parameters per block of an update (see Optimizer.update): with Adam's five float32
#: arrays, 5 x 128 KiB, within a core's L2 cache.
UPDATE_BLOCK = 32768
#: Parameters per block when the update runs in several threads (1 MiB per float32
#: array, within the shared L3 cache): each ufunc call then takes long enough that
#: the threads seldom wait for each other to take the GIL back between calls. With
#: blocks of 32,768 they did, and two threads were no faster than one; with these,
#: momentum on 636,010 parameters took 0.51 ms instead of 0.75 (medians, 2 threads
#: against 1) and Adam 1.2 ms instead of 3.1.
PARALLEL_BLOCK = 262144


def _is_whole(value: Any) -> bool:
    """Whether a parameter is a finite whole number (``5`` or ``5.0``)."""
    return is_real(value) and float(value).is_integer()


# --------------------------------------------------------------------------- schedules


class Schedule:
    """Maps an epoch index (0-based) to a factor on the base learning rate."""

    name: ClassVar[str] = ""

    def factor(self, epoch: int) -> float:
        raise NotImplementedError

    def over(self, epochs: int) -> Schedule:
        """This schedule for a run of ``epochs`` epochs: itself, unless its length
        was left for the run to set (a cosine without ``epochs``)."""
        return self

    def config(self) -> dict[str, Any]:
        return {"name": self.name, **vars(self)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


class Constant(Schedule):
    """The base learning rate throughout."""

    name = "constant"

    def factor(self, epoch: int) -> float:
        return 1.0


class StepDecay(Schedule):
    """Multiply by ``factor`` every ``step_size`` epochs: ``factor ** (epoch // step_size)``."""

    name = "step"

    def __init__(self, step_size: int = 10, factor: float = 0.5) -> None:
        if not (_is_whole(step_size) and step_size >= 1 and is_real(factor)
                and 0 < factor <= 1):
            raise ConfigError("step schedule needs step_size >= 1 (a whole number) and "
                              f"0 < factor <= 1, got {step_size!r}, {factor!r}")
        self.step_size = int(step_size)
        self.factor_ = float(factor)

    def factor(self, epoch: int) -> float:
        return self.factor_ ** (epoch // self.step_size)

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "step_size": self.step_size, "factor": self.factor_}


class ExponentialDecay(Schedule):
    """Multiply by ``rate`` every epoch: ``rate ** epoch``."""

    name = "exponential"

    def __init__(self, rate: float = 0.95) -> None:
        if not (is_real(rate) and 0 < rate <= 1):
            raise ConfigError(f"exponential schedule needs 0 < rate <= 1, got {rate!r}")
        self.rate = float(rate)

    def factor(self, epoch: int) -> float:
        return self.rate**epoch


class CosineDecay(Schedule):
    """Half a cosine over ``epochs`` epochs, from 1 towards ``final``.

    Epoch ``k`` (counting from 0) runs at the factor
    ``final + (1 - final) * (1 + cos(pi * k / epochs)) / 2``: 1 at the first
    epoch, and ``final`` from epoch ``epochs`` on, one epoch after the last of
    a run of ``epochs`` epochs (whose last epoch still takes a small step: 0.6 %
    of the base rate for 20 epochs). Without ``epochs`` (the name ``"cosine"``
    alone), ``fit`` sets it to the number of epochs it runs.
    """

    name = "cosine"

    def __init__(self, epochs: int | None = None, final: float = 0.0) -> None:
        if not ((epochs is None or (_is_whole(epochs) and epochs >= 1)) and is_real(final)
                and 0 <= final <= 1):
            raise ConfigError("cosine schedule needs epochs >= 1 (a whole number) and "
                              f"0 <= final <= 1, got {epochs!r}, {final!r}")
        self.epochs = None if epochs is None else int(epochs)
        self.final = float(final)

    def over(self, epochs: int) -> Schedule:
        return self if self.epochs is not None else CosineDecay(max(epochs, 1), self.final)

    def factor(self, epoch: int) -> float:
        if self.epochs is None:
            raise ConfigError("this cosine schedule has no length yet: give it epochs=, or "
                              "let fit set it to the epochs it runs")
        progress = min(epoch, self.epochs) / self.epochs
        return self.final + 0.5 * (1.0 - self.final) * (1.0 + math.cos(math.pi * progress))


#: Every schedule by name; :func:`register` adds your own.
SCHEDULES: Registry[Schedule] = Registry(
    "schedule", Schedule, (Constant, StepDecay, ExponentialDecay, CosineDecay)
)


def get_schedule(spec: str | dict[str, Any] | Schedule | None) -> Schedule:
    """A schedule from a name, ``"name(key=value)"`` text, a config dict
    (``{"name": "step", "step_size": 5}``), an instance, or None (constant)."""
    return Constant() if spec is None else SCHEDULES.create(spec)


# --------------------------------------------------------------------------- optimisers


class Optimizer:
    """Base class. ``update(params, grads)`` changes ``params`` in place.

    ``learning_rate`` is the base rate; ``lr`` the current one, set by
    ``start_epoch`` from the schedule. ``steps`` counts updates.
    """

    name: ClassVar[str] = ""
    #: Names of the per-parameter state vectors (saved in model files).
    state_names: ClassVar[tuple[str, ...]] = ()
    #: Whether ``_apply`` may run on several blocks at once, in several threads
    #: (true of the built-in optimisers, which only touch the slices they are given).
    threadsafe: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A class with an update rule of its own and no kernel of its own takes
        # NumPy's path, not the kernel of the rule it replaced.
        if "_apply" in cls.__dict__ and "_fused" not in cls.__dict__:
            cls._fused = None

    def __init__(self, learning_rate: float, schedule: str | dict | Schedule | None = None):
        self.learning_rate = positive_number(learning_rate, "learning_rate")
        self.schedule = get_schedule(schedule)
        self.lr = self.learning_rate
        self.steps = 0
        #: The network epoch this optimiser started at (set by fit): its schedule
        #: counts from there.
        self.first_epoch: int | None = None
        self.state: dict[str, np.ndarray] = {}
        self.scratch: np.ndarray | None = None  # reused temporary, same shape as params
        self._network: weakref.ref | None = None  # the network whose weights the state fits

    # -- lifecycle
    def start_epoch(self, epoch: int) -> None:
        """Set the current learning rate for the network's (0-based) ``epoch``."""
        self.lr = self.learning_rate * self.schedule.factor(epoch - (self.first_epoch or 0))

    def _ensure_state(self, params: np.ndarray) -> None:
        for key in self.state_names:
            if key not in self.state or self.state[key].shape != params.shape:
                self.state[key] = np.zeros_like(params)

    def update(self, params: np.ndarray, grads: np.ndarray,
               keep: np.ndarray | None = None) -> None:
        """One step: change ``params`` (flat) in place using ``grads`` (flat);
        ``keep``, when given, receives a copy of ``params`` as they were before."""
        self._ensure_state(params)
        self.steps += 1
        if self._fused is not None and _kernels.active():
            self._fused(params, grads, params if keep is None else keep, keep is not None)
        else:
            self._numpy_update(params, grads, keep)
        if self.steps % FLUSH_EVERY == 0:
            self._flush_subnormals()

    def _numpy_update(self, params: np.ndarray, grads: np.ndarray,
                      keep: np.ndarray | None) -> None:
        """The update by ``_apply``, in blocks, on the pool's threads when it splits
        ``params`` (scratch space made here: the kernels need none)."""
        if self.scratch is None or self.scratch.shape != params.shape:
            self.scratch = np.empty_like(params)
        workers = pool()
        if self.threadsafe and workers.splits(params.size):
            workers.run(partial(self._update_range, params, grads, keep, PARALLEL_BLOCK),
                        params.size, UPDATE_BLOCK)
        else:
            self._update_range(params, grads, keep, UPDATE_BLOCK, 0, params.size)

    def _update_range(self, params: np.ndarray, grads: np.ndarray, keep: np.ndarray | None,
                      size: int, start: int, stop: int) -> None:
        """The update of ``params[start:stop]``, a block at a time: a block's arrays
        stay in the CPU cache through the update's several elementwise passes,
        instead of each pass streaming every array through memory. The range's
        first block of ``scratch`` is its scratch space throughout, so the passes
        touch no more memory than the parameters, gradients and state."""
        scratch = self.scratch[start : start + size]
        for begin in range(start, stop, size):
            block = slice(begin, min(begin + size, stop))
            if keep is not None:
                keep[block] = params[block]
            state = {key: values[block] for key, values in self.state.items()}
            tmp = scratch[: block.stop - block.start]
            self._apply(params[block], grads[block], state, tmp)

    def _flush_subnormals(self) -> None:
        """Set state values too small to matter to 0.

        A moment whose gradient stays 0 (a dead unit) decays towards 0 and passes
        through the subnormal numbers, on which CPUs compute many times slower:
        left alone, they slow every later update severalfold.
        """
        for values in self.state.values():
            values[np.abs(values) < np.finfo(values.dtype).tiny] = 0

    def _apply(self, params: np.ndarray, grads: np.ndarray, state: dict[str, np.ndarray],
               tmp: np.ndarray) -> None:
        """Update ``params`` in place; ``state`` holds the matching slices of the
        optimiser's vectors, ``tmp`` is scratch space of the same size. With
        ``threadsafe`` set, several threads may call it at once, on disjoint slices."""
        raise NotImplementedError

    #: ``_fused(params, grads, keep, copy)``: the update of every parameter in one
    #: compiled pass (:mod:`steepest._kernels`), the same numbers as ``_apply``'s
    #: bit for bit; ``keep`` receives the parameters as they were when ``copy`` is
    #: set. None: no kernel, NumPy's passes always.
    _fused: Callable[[np.ndarray, np.ndarray, np.ndarray, bool], None] | None = None

    def bind(self, net: object) -> None:
        """Make this optimiser the one of ``net``. Its moments belong to one network's
        weights, so an optimiser that already trains another (living) network is
        refused: :meth:`fresh` gives a copy of its settings without its state."""
        owner = None if self._network is None else self._network()
        if owner is not None and owner is not net:
            raise ConfigError(
                f"this {self.name} optimizer object already trains another network (its "
                "state belongs to that network's weights); give each network its own, e.g. "
                "optimizer.fresh() for the same settings without the state"
            )
        self._network = weakref.ref(net)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_network"} | {"_network": None}

    def fresh(self, learning_rate: float | None = None, schedule: Any = None) -> Optimizer:
        """A new optimiser of this kind and settings (schedule object included),
        with no state; ``learning_rate``/``schedule`` replace this one's."""
        params = self.hyperparameters()
        if learning_rate is not None:
            params["learning_rate"] = learning_rate
        return type(self)(**params, schedule=self.schedule if schedule is None else schedule)

    # -- persistence
    def hyperparameters(self) -> dict[str, Any]:
        """The constructor's arguments, schedule apart."""
        return {"learning_rate": self.learning_rate}

    def config(self) -> dict[str, Any]:
        """Name, hyper-parameters, schedule and step count (JSON-able)."""
        return {
            "name": self.name,
            **self.hyperparameters(),
            "schedule": self.schedule.config(),
            "steps": self.steps,
            "first_epoch": self.first_epoch,
        }

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({inner}, schedule={self.schedule!r})"


class SGD(Optimizer):
    """Plain gradient descent: ``p -= lr * g``."""

    name = "sgd"
    threadsafe = True

    def __init__(self, learning_rate: float = 0.01, schedule=None) -> None:
        super().__init__(learning_rate, schedule)

    def _apply(self, params, grads, state, tmp) -> None:
        np.multiply(grads, self.lr, out=tmp)
        params -= tmp

    def _fused(self, params, grads, keep, copy) -> None:
        _kernels.run("sgd", params, grads, keep, copy, self.lr)


class Momentum(SGD):
    """Heavy-ball momentum: ``v = mu * v + g; p -= lr * v``."""

    name = "momentum"
    state_names = ("velocity",)

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9, schedule=None) -> None:
        super().__init__(learning_rate, schedule)
        if not (is_real(momentum) and 0 <= momentum < 1):
            raise ConfigError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)

    def hyperparameters(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate, "momentum": self.momentum}

    def _apply(self, params, grads, state, tmp) -> None:
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity += grads
        np.multiply(velocity, self.lr, out=tmp)
        params -= tmp

    def _fused(self, params, grads, keep, copy) -> None:
        _kernels.run("momentum", params, grads, self.state["velocity"], keep, copy,
                     self.momentum, self.lr)


class Nesterov(Momentum):
    """Nesterov momentum: ``v = mu * v + g; p -= lr * (g + mu * v)``."""

    name = "nesterov"

    def _apply(self, params, grads, state, tmp) -> None:
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity += grads
        np.multiply(velocity, self.momentum, out=tmp)
        tmp += grads
        tmp *= self.lr
        params -= tmp

    def _fused(self, params, grads, keep, copy) -> None:
        _kernels.run("nesterov", params, grads, self.state["velocity"], keep, copy,
                     self.momentum, self.lr)


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of it."""

    name = "rmsprop"
    threadsafe = True
    state_names = ("square_avg",)

    def __init__(
        self, learning_rate: float = 0.001, rho: float = 0.9, eps: float = 1e-8, schedule=None
    ) -> None:
        super().__init__(learning_rate, schedule)
        if not (is_real(rho) and 0 <= rho < 1 and is_real(eps) and eps > 0):
            raise ConfigError(f"rmsprop needs 0 <= rho < 1 and a finite eps > 0, got {rho!r}, "
                              f"{eps!r}")
        self.rho, self.eps = float(rho), float(eps)

    def hyperparameters(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate, "rho": self.rho, "eps": self.eps}

    def _apply(self, params, grads, state, tmp) -> None:
        square_avg = state["square_avg"]
        square_avg *= self.rho
        np.multiply(grads, grads, out=tmp)
        tmp *= 1.0 - self.rho
        square_avg += tmp
        np.sqrt(square_avg, out=tmp)
        tmp += self.eps
        np.divide(grads, tmp, out=tmp)
        tmp *= self.lr
        params -= tmp

    def _fused(self, params, grads, keep, copy) -> None:
        _kernels.run("rmsprop", params, grads, self.state["square_avg"], keep, copy,
                     self.rho, 1.0 - self.rho, self.eps, self.lr)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction."""

    name = "adam"
    threadsafe = True
    state_names = ("m", "v")

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        schedule=None,
    ) -> None:
        super().__init__(learning_rate, schedule)
        if not (is_real(beta1) and 0 <= beta1 < 1 and is_real(beta2) and 0 <= beta2 < 1
                and is_real(eps) and eps > 0):
            raise ConfigError(f"adam needs 0 <= beta1, beta2 < 1 and a finite eps > 0, got "
                              f"{beta1!r}, {beta2!r}, {eps!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
        }

    def _apply(self, params, grads, state, tmp) -> None:
        m, v = state["m"], state["v"]
        m *= self.beta1
        np.multiply(grads, 1.0 - self.beta1, out=tmp)
        m += tmp
        v *= self.beta2
        np.multiply(grads, grads, out=tmp)
        tmp *= 1.0 - self.beta2
        v += tmp
        eps, step = self._corrected()
        np.sqrt(v, out=tmp)
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= step
        params -= tmp

    def _corrected(self) -> tuple[float, float]:
        """``(eps, step size)`` with the bias correction folded in:
        ``p -= lr * (m / c1) / (sqrt(v / c2) + eps)`` is the same as
        ``p -= (lr * sqrt(c2) / c1) * m / (sqrt(v) + eps * sqrt(c2))``, one pass fewer."""
        root_c2 = math.sqrt(1.0 - self.beta2**self.steps)
        return self.eps * root_c2, self.lr * root_c2 / (1.0 - self.beta1**self.steps)

    def _fused(self, params, grads, keep, copy) -> None:
        eps, step = self._corrected()
        _kernels.run("adam", params, grads, self.state["m"], self.state["v"], keep, copy,
                     self.beta1, 1.0 - self.beta1, self.beta2, 1.0 - self.beta2, eps, step)


#: Every optimiser by name; :func:`register` adds your own.
OPTIMIZERS: Registry[Optimizer] = Registry(
    "optimizer", Optimizer, (SGD, Momentum, Nesterov, RMSprop, Adam)
)


def learning_rate_in(spec: Any) -> Any:
    """The ``learning_rate`` an optimiser given by name, text or config sets itself
    (``"sgd(learning_rate=5)"``: 5), else None (an instance too: it carries its own).
    The command line and sweeps let it stand in for their default learning rate."""
    if not isinstance(spec, str | Mapping):
        return None
    return OPTIMIZERS.parse(spec)[1].get("learning_rate")


def get_optimizer(
    spec: str | dict[str, Any] | Optimizer,
    learning_rate: float | None = None,
    schedule: str | dict | Schedule | None = None,
) -> Optimizer:
    """An optimiser from a name (with its defaults), ``"name(key=value)"`` text, a
    config dict or an instance.

    ``learning_rate`` and ``schedule``, when given, override the name's defaults;
    they cannot be combined with an instance, which carries its own.
    """
    if isinstance(spec, Optimizer):
        if learning_rate is not None or schedule is not None:
            raise ConfigError(
                "pass learning_rate and schedule to the optimizer object, not to fit, "
                f"when the optimizer is an object ({spec!r})"
            )
        return spec
    name, params = OPTIMIZERS.parse(spec)
    params.pop("steps", None)  # a config makes a fresh optimiser: no progress carried
    params.pop("first_epoch", None)
    if learning_rate is not None:
        params["learning_rate"] = learning_rate
    if schedule is not None:
        params["schedule"] = schedule
    return OPTIMIZERS.create({"name": name, **params})


def register(cls: type, *, replace: bool = False) -> type:
    """Make an :class:`Optimizer` or :class:`Schedule` subclass known by its
    ``name``. An optimiser implements ``_apply(params, grads, state, tmp)`` and
    lists its per-parameter state vectors in ``state_names`` (see
    :class:`Optimizer`); it sets ``threadsafe = True`` if its ``_apply`` only
    touches the slices it is given, so that several threads may update disjoint
    blocks at once (a subclass of a built-in optimiser inherits True). Its update
    runs in NumPy: a subclass of a built-in optimiser that writes its own
    ``_apply`` leaves the parent's compiled kernel (``_fused``) behind. A schedule
    implements ``factor(epoch)``. Works as a class decorator."""
    registry = SCHEDULES if isinstance(cls, type) and issubclass(cls, Schedule) else OPTIMIZERS
    return registry.register(cls, replace=replace)
