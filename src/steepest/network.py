"""The network: layer sizes -> weights; forward phase, backward phase (psi), predict.

Notation (rows are samples, as in NumPy and scikit-learn):

- ``sizes = [n_0, n_1, ..., n_L]``: units per layer, the bias not counted.
- layer ``i`` (0-based) has weights ``W_i`` of shape ``(n_i, n_{i+1})`` and
  biases ``b_i`` of shape ``(n_{i+1},)``.
- forward phase: ``Z_i = X_i @ W_i + b_i`` and ``X_{i+1} = f_i(Z_i)``, starting
  from the batch ``X_0 = X`` of shape ``(n_samples, n_0)``.
- backward phase, the psi recursion: ``psi_L = dLoss/dZ_L`` from the loss, then
  ``dW_i = X_i.T @ psi_i``, ``db_i = sum over rows of psi_i`` and
  ``psi_{i-1} = f'_{i-1}(Z_{i-1}) * (psi_i @ W_i.T)``: every layer's gradient in
  one sweep, each from the one after it.

All weights and biases live in one flat vector (``Network.params``); each
``W_i``/``b_i`` is a view into it, so optimisers update everything at once.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from . import _kernels
from . import _validation as check
from ._pool import pool
from ._registry import spec_of
from ._validation import BINARY
from .activations import Activation, get_activation
from .errors import ConfigError, ShapeError
from .history import History
from .initializers import Initializer, get_initializer
from .losses import Loss, get_loss, weighted_loss
from .metrics import PREDICT_CHUNK, evaluate_prepared
from .optimizers import UPDATE_BLOCK, Optimizer, get_optimizer

if TYPE_CHECKING:
    from pathlib import Path

ActivationSpec = str | dict[str, Any] | Activation


@dataclass
class Trace:
    """What the forward phase computed, kept for the backward phase.

    For a network of ``L`` layers and a batch of ``n`` samples:

    - ``inputs[i]``: the input of layer ``i``, shape ``(n, sizes[i])``;
      ``inputs[0]`` is the batch itself (after dropout where it applies).
    - ``sums[i]``: the weighted sums ``Z_i``, shape ``(n, sizes[i+1])``.
    - ``outputs[i]``: ``f_i(Z_i)``, shape ``(n, sizes[i+1])``.
    - ``masks[i]``: layer ``i``'s dropout mask (already divided by the keep
      probability), or None.
    """

    inputs: list[np.ndarray]
    sums: list[np.ndarray]
    outputs: list[np.ndarray]
    masks: list[np.ndarray | None]

    @property
    def output(self) -> np.ndarray:
        """The network's output, shape ``(n, sizes[-1])``."""
        return self.outputs[-1]

    @property
    def x_s(self) -> list[np.ndarray]:
        """The first tutorial's ``x_s``: every layer's input, then the output."""
        return [*self.inputs, self.outputs[-1]]


@dataclass
class Gradients:
    """What the backward phase computed: the gradient of the loss.

    - ``flat``: every ``dW_i`` and ``db_i`` in one vector, ordered like
      :attr:`Network.params` ``(n_params,)``.
    - ``layers[i]``: ``(dW_i, db_i)``, views into ``flat`` of shapes
      ``(sizes[i], sizes[i+1])`` and ``(sizes[i+1],)``.
    - ``psis[i]``: ``psi_i = dLoss/dZ_i`` ``(n, sizes[i+1])`` when the backward
      phase was asked to record, else None.
    """

    flat: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]]
    psis: list[np.ndarray] | None = None

    @property
    def weights(self) -> list[np.ndarray]:
        """``[dW_0, dW_1, ...]``."""
        return [dW for dW, _ in self.layers]

    @property
    def biases(self) -> list[np.ndarray]:
        """``[db_0, db_1, ...]``."""
        return [db for _, db in self.layers]

    def as_list(self) -> list[np.ndarray]:
        """``[dW0, db0, dW1, db1, ...]``, the order of :meth:`Network.get_weights`."""
        return [a for layer in self.layers for a in layer]


@dataclass
class Step:
    """What one training step did (:meth:`Network.train_step`).

    - ``loss``: the batch's loss at the weights before the step.
    - ``trace``, ``gradients``: its forward and backward phases; ``gradients``
      holds what the optimiser stepped along (with the ``l1``/``l2`` terms and
      clipping).
    - ``skipped``: why no update was made (the loss or the gradient was not
      finite), or None when it was.
    - ``params_before``: a copy of ``Network.params`` before the update, when
      the step was recorded.
    """

    loss: float
    trace: Trace
    gradients: Gradients
    skipped: str | None = None
    params_before: np.ndarray | None = None

    @property
    def applied(self) -> bool:
        return self.skipped is None


@dataclass(frozen=True)
class StepRules:
    """What a training step does besides following the gradient.

    - ``l2``: weight decay: adds ``l2 * W`` to each weight gradient (biases are
      not decayed).
    - ``clip_norm``: rescales the whole gradient to at most this Euclidean norm.
    - ``max_norm``: after the update, rescales each unit's incoming weights (a
      column of ``W``) to at most this norm.
    - ``l1``: the lasso: adds ``l1 * sign(W)`` to each weight gradient (biases
      are not penalised), pulling small weights to 0.
    """

    l2: float = 0.0
    clip_norm: float | None = None
    max_norm: float | None = None
    l1: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # how a frozen dataclass keeps its checked values
        for name in ("l1", "l2"):
            set_(self, name, check.real_number(getattr(self, name), name, "be a number >= 0",
                                               lambda v: v >= 0))
        set_(self, "clip_norm", check.positive_number(self.clip_norm, "clip_norm", none_ok=True))
        set_(self, "max_norm", check.positive_number(self.max_norm, "max_norm", none_ok=True))

    def or_none(self) -> StepRules | None:
        """None when these rules change nothing (the plain step), else themselves."""
        return self if self != StepRules() else None

    def adjust_gradients(self, layers: list[tuple[np.ndarray, np.ndarray]],
                         gradients: Gradients) -> None:
        """The ``l1`` and ``l2`` terms, then clipping, on the gradient in place."""
        if self.l1 or self.l2:
            for (W, _), (dW, _) in zip(layers, gradients.layers, strict=True):
                if self.l1:
                    dW += self.l1 * np.sign(W)
                if self.l2:
                    dW += self.l2 * W
        if self.clip_norm is not None:
            flat = gradients.flat
            # In float64: the squared norm of a float32 gradient can overflow.
            norm = math.sqrt(float(np.einsum("i,i->", flat, flat, dtype=np.float64)))
            if norm > self.clip_norm:
                flat *= self.clip_norm / norm

    def constrain_weights(self, weights: list[np.ndarray]) -> None:
        """The max-norm constraint on the weights ``W_i`` in place."""
        if self.max_norm is None:
            return
        for W in weights:
            norms = np.sqrt(np.einsum("ij,ij->j", W, W))
            W *= np.minimum(1.0, self.max_norm / np.maximum(norms, 1e-12)).astype(W.dtype)



def _in_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``values`` in ``dtype``: a part registered by a user may return another
    precision (``Z * np.float64(c)`` is float64), which the products' reused
    buffers cannot take."""
    return values if values.dtype == dtype else values.astype(dtype)


def _all_finite(values: np.ndarray) -> bool:
    """No NaN or infinity in ``values`` (flat): one compiled pass with the fused
    kernels, else the pool's threads each looking at their own part (:func:`_finite`)."""
    if _kernels.active():
        return _kernels.run("all_finite", values)
    workers = pool()
    if not workers.splits(values.size):
        return _finite(values)
    found: list[bool] = []

    def look(start: int, stop: int) -> None:
        found.append(_finite(values[start:stop]))  # list.append is atomic across threads

    workers.run(look, values.size, UPDATE_BLOCK)
    return all(found)


def _finite(values: np.ndarray) -> bool:
    """A float32 sum is cheap and shows a NaN or infinity; only when it overflows
    does each entry need a look."""
    return math.isfinite(float(np.add.reduce(values))) or bool(np.isfinite(values).all())


class Network:
    """A fully connected feed-forward network trained by gradient descent.

    Parameters
    ----------
    sizes:
        Units per layer, input first, bias not counted: ``[2, 3, 3, 2]``.
    activation:
        One activation for every layer, or a list: one per hidden layer, or one
        per layer including the output. Names: ``sigmoid``, ``tanh``, ``relu``,
        ``leaky_relu``, ``softmax``, ``identity`` (and any registered with
        :func:`steepest.register`); with parameters as text, ``"sigmoid(c=0.01)"``,
        or as objects, ``Sigmoid(c=0.01)``, ``LeakyReLU(slope=0.1)``.
    output_activation:
        The output layer's activation. When not given, the one the loss asks for
        (softmax for ``cross_entropy``, sigmoid for ``binary_cross_entropy``), else
        the hidden layers' (as in the tutorials, where every layer is a sigmoid).
    loss:
        ``sse``, ``mse``, ``binary_cross_entropy`` or ``cross_entropy``
        (see :mod:`steepest.losses`), or a registered one.
    init:
        ``uniform01``, ``uniform``, ``glorot`` or ``he`` (or a registered one); by
        default the one the hidden activations ask for: ``he`` for the ReLU
        family, else ``glorot``.
    dropout:
        Fraction of each hidden layer's outputs dropped during training (one
        number, or a list with one per hidden layer); inverted dropout, so
        nothing changes at prediction time.
    seed:
        Seeds initialisation, shuffling and dropout: the same seed gives the
        same run, bit for bit, at the same BLAS thread count.
    dtype:
        ``"float32"`` (default) or ``"float64"``: the precision of the weights
        and of training.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: ActivationSpec | Sequence[ActivationSpec] = "sigmoid",
        output_activation: ActivationSpec | None = None,
        loss: str | dict[str, Any] | Loss = "sse",
        init: str | dict[str, Any] | Initializer | None = None,
        dropout: float | Sequence[float] = 0.0,
        seed: int | None = None,
        dtype: str | np.dtype = "float32",
    ) -> None:
        self.sizes = _check_sizes(sizes)
        self.loss = get_loss(loss)
        self.activations = _resolve_activations(
            activation, output_activation, self.loss, len(self.sizes) - 1, self.sizes[-1]
        )
        self.dtype = _check_dtype(dtype)
        self.dropout = _check_dropout(dropout, len(self.sizes) - 2)
        self.initializer = get_initializer(
            init if init is not None else _default_init(self.activations))
        #: The initialiser's name (or config, for one with parameters), as saved.
        self.init = spec_of(self.initializer.config())
        self.seed = check.whole_number(seed, "seed", 0, none_ok=True)
        self.rng = np.random.default_rng(self.seed)
        # Fixed for the network's life (saved in model files), so validation_split
        # holds out the same rows at every fit, even without a seed.
        self.split_seed = int(np.random.SeedSequence(seed).generate_state(1, np.uint32)[0])

        _check_memory(self.n_params, self.dtype)
        self.params = np.empty(self.n_params, dtype=self.dtype)
        self._layers = self._views(self.params)
        for (W, b), n_in, n_out in zip(self._layers, self.sizes[:-1], self.sizes[1:], strict=True):
            W_init, b_init = self.initializer(self.rng, n_in, n_out)
            W[...] = W_init
            b[...] = b_init
        # The backward phase's db_i is this row of ones times psi_i; grown as needed.
        self._ones_row = np.ones(0, dtype=self.dtype)

        # Training state, carried across fit() calls and saved in model files.
        self.optimizer: Optimizer | None = None
        self.history = History()
        self.epochs_trained = 0
        self.stop_training = False
        #: Your own JSON-able facts, saved with the model; steepest never reads them.
        self.metadata: dict[str, Any] = {}
        #: What steepest's front ends note about the model, saved apart from
        #: ``metadata``: the dataset, its class names, how inputs are encoded, the
        #: test figures (the command line and the scikit-learn estimators write it).
        self.record: dict[str, Any] = {}

    # ------------------------------------------------------------------ structure
    @property
    def n_layers(self) -> int:
        """Number of weight layers (``len(sizes) - 1``)."""
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        """Number of weights and biases."""
        return sum((n_in + 1) * n_out for n_in, n_out in pairwise(self.sizes))

    @property
    def weights(self) -> list[np.ndarray]:
        """The weight matrices ``W_i`` (views into ``params``), shape ``(n_in, n_out)``."""
        return [W for W, _ in self._layers]

    @property
    def biases(self) -> list[np.ndarray]:
        """The bias vectors ``b_i`` (views into ``params``), shape ``(n_out,)``."""
        return [b for _, b in self._layers]

    @property
    def output_activation(self) -> Activation:
        return self.activations[-1]

    def _views(self, flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Split a flat vector into per-layer ``(W, b)`` views."""
        views, start = [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            W = flat[start : start + n_in * n_out].reshape(n_in, n_out)
            start += n_in * n_out
            b = flat[start : start + n_out]
            start += n_out
            views.append((W, b))
        return views

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild this architecture (JSON-able)."""
        return {
            "sizes": list(self.sizes),
            "activations": [a.config() for a in self.activations],
            "loss": spec_of(self.loss.config()),
            "init": self.init,
            "dropout": list(self.dropout),
            "seed": self.seed,
            "dtype": self.dtype.name,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Network:
        """A new network (freshly initialised) from :meth:`config`'s output."""
        return cls(
            config["sizes"],
            activation=config["activations"],
            loss=config["loss"],
            init=config["init"],
            dropout=config["dropout"],
            seed=config["seed"],
            dtype=config["dtype"],
        )

    def astype(self, dtype: str | np.dtype) -> Network:
        """A copy of this network (weights and random state) in another precision."""
        # The parts themselves, not their configs: one the registry does not know
        # (an instance of a class never registered) is copied too.
        twin = Network(self.sizes, activation=list(self.activations), loss=self.loss,
                       init=self.initializer, dropout=self.dropout, seed=self.seed,
                       dtype=dtype)
        twin.params[...] = self.params
        twin.rng.bit_generator.state = self.rng.bit_generator.state
        twin.split_seed = self.split_seed
        return twin

    def copy(self) -> Network:
        """An independent copy of the weights and random state (not the optimiser)."""
        return self.astype(self.dtype)

    def __repr__(self) -> str:
        hidden = ", ".join(a.label for a in self.activations[:-1]) or "none"
        return (
            f"Network({self.sizes}, hidden={hidden}, output={self.output_activation.label}, "
            f"loss={self.loss.name}, dtype={self.dtype.name})"
        )

    def summary(self, file: IO[str] | None = None) -> None:
        """Print each layer: sizes, activation, weight shape and parameter count."""
        rows = [("layer", "in", "out", "activation", "W shape", "b shape", "params")]
        for i, (W, b) in enumerate(self._layers):
            rows.append(
                (
                    str(i), str(W.shape[0]), str(W.shape[1]), self.activations[i].label,
                    str(W.shape), str(b.shape), f"{W.size + b.size:,}",
                )
            )
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        arrows = " -> ".join(map(str, self.sizes))
        lines = [f"Network {arrows}   loss: {self.loss.name}   dtype: {self.dtype.name}"]
        lines += [
            "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in rows
        ]
        lines.append(f"total parameters: {self.n_params:,}")
        print("\n".join(lines), file=file or sys.stdout)

    # ------------------------------------------------------------------ weights
    def get_weights(self) -> list[np.ndarray]:
        """Copies ``[W0, b0, W1, b1, ...]``, ``W`` of shape ``(n_in, n_out)``."""
        return [a.copy() for layer in self._layers for a in layer]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Set ``[W0, b0, W1, b1, ...]`` (shapes as from :meth:`get_weights`)."""
        expected = [a.shape for layer in self._layers for a in layer]
        if len(weights) != len(expected):
            raise ShapeError(
                f"expected {len(expected)} arrays [W0, b0, W1, b1, ...] for {self.n_layers} "
                f"layers, got {len(weights)}"
            )
        arrays = []
        for k, (new, shape) in enumerate(zip(weights, expected, strict=True)):
            name = f"{'Wb'[k % 2]}{k // 2}"
            arr = check._numeric(new, name)
            if arr.shape != shape:
                raise ShapeError(f"{name} must have shape {shape}, got {arr.shape}")
            arrays.append(check.as_float(arr, self.dtype, name))
        for target, arr in zip((a for layer in self._layers for a in layer), arrays, strict=True):
            target[...] = arr

    def augmented_weights(self) -> list[np.ndarray]:
        """The first tutorial's convention: per layer one ``(n_out, n_in + 1)`` matrix,
        the bias as its last column, acting on a column vector ``[x; 1]``."""
        return [np.hstack([W.T, b[:, None]]) for W, b in self._layers]

    def set_augmented_weights(self, matrices: Sequence[np.ndarray]) -> None:
        """Set the weights from :meth:`augmented_weights`-style matrices."""
        if len(matrices) != self.n_layers:
            raise ShapeError(f"expected {self.n_layers} matrices, got {len(matrices)}")
        flat = []
        for i, (M, (W, _)) in enumerate(zip(matrices, self._layers, strict=True)):
            M = check._numeric(M, f"matrix {i}")
            shape = (W.shape[1], W.shape[0] + 1)
            if M.shape != shape:
                raise ShapeError(
                    f"augmented matrix {i} must have shape {shape} (n_out, n_in + 1), "
                    f"got {M.shape}"
                )
            flat += [M[:, :-1].T, M[:, -1]]
        self.set_weights(flat)

    # ------------------------------------------------------------------ forward phase
    def forward(self, X: np.ndarray, training: bool = False) -> Trace:
        """The forward phase on a batch ``X`` ``(n, sizes[0])``: every layer's
        input, weighted sum and output (see :class:`Trace`).

        With ``training=True`` dropout is applied, as during ``fit``.
        """
        X = check.as_float(check.check_X(X, self.sizes[0]), self.dtype, "X")
        return self._forward(X, training)

    def _forward(self, X: np.ndarray, training: bool) -> Trace:
        inputs, sums, outputs, masks = [X], [], [], []
        last = len(self._layers) - 1
        for i, ((W, b), f) in enumerate(zip(self._layers, self.activations, strict=True)):
            # np.dot, not @: on a small batch's small matrices its call costs about
            # a microsecond less, and a step makes three products a layer.
            Z = np.dot(inputs[i], W)
            A = _in_dtype(f.add_bias_and_forward(Z, b), Z.dtype)
            sums.append(Z)
            outputs.append(A)
            if i < last:
                rate = self.dropout[i]
                mask = self._dropout_mask(A.shape, rate) if training and rate else None
                masks.append(mask)
                inputs.append(A if mask is None else A * mask)
        masks.append(None)
        return Trace(inputs=inputs, sums=sums, outputs=outputs, masks=masks)

    def _dropout_mask(self, shape: tuple[int, ...], rate: float) -> np.ndarray:
        """Which units a layer keeps, ``(n, units)``: 0, or ``1 / (1 - rate)`` (the
        kept ones scaled, so the layer's expected output is unchanged)."""
        keep = 1.0 - rate
        mask = (self.rng.random(shape, dtype=self.dtype) < keep).astype(self.dtype)
        mask *= self.dtype.type(1.0 / keep)
        return mask

    def _forward_output(
        self, X: np.ndarray, layers: list[tuple[np.ndarray, np.ndarray]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Output layer's ``(Z, A)`` without keeping the rest (prediction); ``layers``
        replaces the network's ``(W, b)`` pairs (its weights in another precision)."""
        A = X
        for (W, b), f in zip(layers or self._layers, self.activations, strict=True):
            Z = np.dot(A, W)
            A = f.add_bias_and_forward(Z, b)
        return Z, A

    def _loss(self, trace: Trace, Y: np.ndarray, row_weights: np.ndarray | None) -> float:
        """The batch loss ``sum(row_weights * l_i)`` (the mean when None)."""
        per_sample = self.loss.per_sample(Y, trace.output, trace.sums[-1], self.output_activation)
        return weighted_loss(per_sample, row_weights)

    # ------------------------------------------------------------------ backward phase
    def backward(
        self, trace: Trace, Y: np.ndarray, row_weights: np.ndarray | None = None, *,
        into: Gradients | None = None, record: bool = False,
    ) -> Gradients:
        """The backward phase, the psi recursion: the gradient of the batch loss
        with respect to every weight and bias, in one sweep from the last layer.

        ``trace`` is a forward phase's :class:`Trace` of ``n`` rows, ``Y`` the
        targets ``(n, sizes[-1])`` (or labels as for ``fit``), ``row_weights``
        ``(n,)`` each row's share of the loss, ``w_i / sum(w)`` (None: the mean).
        The gradient goes into ``into`` when given (a reused buffer, as ``fit``
        does), else into a new :class:`Gradients`. With ``record=True`` every
        layer's ``psi_i`` is kept too; otherwise nothing is kept.

        For layer ``i``, from the last to the first::

            psi_L    = dLoss/dZ_L                         (from the loss)
            dW_i     = X_i.T @ psi_i                      (sizes[i], sizes[i+1])
            db_i     = psi_i summed over the rows         (sizes[i+1],)
            psi_i-1  = f'_i-1(Z_i-1) * (psi_i @ W_i.T)    (times the dropout mask)
        """
        if not (isinstance(Y, np.ndarray) and Y.shape == trace.output.shape
                and Y.dtype == self.dtype):
            Y, _ = check.prepare_targets(Y, len(trace.output), self.sizes[-1], self.loss,
                                         self.dtype)
        gradients = into if into is not None else self._new_gradients()
        psis: list[np.ndarray] = []
        last = self.n_layers - 1
        psi = _in_dtype(self.loss.output_delta(
            Y, trace.outputs[last], trace.sums[last], self.activations[last], row_weights
        ), self.dtype)
        inputs, masks, layers = trace.inputs, trace.masks, self._layers
        ones = self._ones(len(psi))  # db as a product: cheaper than a sum on a small batch
        for i in range(last, -1, -1):
            if record:
                psis.append(psi)
            dW, db = gradients.layers[i]
            np.dot(inputs[i].T, psi, out=dW)
            np.dot(ones, psi, out=db)
            if i == 0:
                break
            grad_input = np.dot(psi, layers[i][0].T)
            if masks[i - 1] is not None:
                grad_input *= masks[i - 1]
            psi = _in_dtype(self.activations[i - 1].backward(
                trace.sums[i - 1], trace.outputs[i - 1], grad_input
            ), grad_input.dtype)
        gradients.psis = psis[::-1] if record else None
        return gradients

    def _ones(self, n: int) -> np.ndarray:
        """``(n,)`` ones in the network's dtype, kept for the next batch (read once:
        another thread may grow it meanwhile)."""
        row = self._ones_row
        if len(row) < n:
            row = self._ones_row = np.ones(n, dtype=self.dtype)
        return row[:n]

    def _new_gradients(self) -> Gradients:
        flat = np.empty_like(self.params)
        return Gradients(flat, self._views(flat))

    def gradients(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> list[np.ndarray]:
        """``[dW0, db0, dW1, db1, ...]``: the gradient of the loss on the batch
        ``(X, y)`` in the order (and shapes) of :meth:`get_weights`, from one
        backward sweep: the one ``fit`` uses (without dropout here)."""
        X, Y, _, w = self._prepare(X, y, sample_weight)
        trace = self._forward(X, training=False)
        return self.backward(trace, Y, self._row_weights(w)).as_list()

    # ------------------------------------------------------------------ one training step
    def train_step(
        self, X: Any, y: Any, optimizer: str | dict[str, Any] | Optimizer | None = None, *,
        learning_rate: float | None = None, sample_weight: Any = None, l2: float = 0.0,
        clip_norm: float | None = None, max_norm: float | None = None, l1: float = 0.0,
        dropout: bool = True, record: bool = True,
    ) -> Step:
        """One step of gradient descent on the batch ``(X, y)``, as ``fit`` takes
        for each of its batches; returns the :class:`Step`, recorded by default.

        ``X`` is ``(n, sizes[0])``, ``y`` targets as for ``fit``. ``optimizer`` is
        a name, config or object as for ``fit``, and becomes the network's; left
        out, the network's own continues (plain SGD on a new network), so a loop
        of ``train_step`` calls goes on where the last stopped. ``learning_rate``,
        ``sample_weight``, ``l1``, ``l2``, ``clip_norm`` and ``max_norm`` as for ``fit``;
        ``dropout=False`` leaves dropout out of this step. If the loss or the
        gradient is not finite, nothing changes and ``Step.skipped`` says why.
        """
        X, Y, _, w = self._prepare(X, y, sample_weight)
        if optimizer is not None or self.optimizer is None or learning_rate is not None:
            kind = optimizer if optimizer is not None else (
                self.optimizer.name if self.optimizer is not None else "sgd")
            chosen = get_optimizer(kind, learning_rate)
            chosen.bind(self)
            self.optimizer = chosen
        rules = StepRules(l2, clip_norm, max_norm, l1)
        return self._train_step(X, Y, self.optimizer, self._row_weights(w), rules.or_none(),
                                dropout=dropout, record=record)

    def _train_step(
        self, X: np.ndarray, Y: np.ndarray, optimizer: Optimizer,
        row_weights: np.ndarray | None = None, rules: StepRules | None = None, *,
        dropout: bool = True, record: bool = False, into: Gradients | None = None,
        keep: np.ndarray | None = None,
    ) -> Step:
        """The step itself, on a prepared batch (``X`` and ``Y`` checked, in the
        network's dtype): forward phase, loss, backward phase, then the update.
        ``rules`` None is the plain step (no l1, l2, clipping or max-norm).
        ``keep`` ``(n_params,)``, when given, receives the weights as they were
        before the update (the fit loop's undo buffer), copied by the update as
        it passes over them: only when the update is made."""
        before = self.params.copy() if record else None
        # A diverging step overflows somewhere in here; the loss or gradient that is
        # not finite is what the caller is told about, so NumPy's warnings are noise.
        with np.errstate(over="ignore", invalid="ignore"):
            trace = self._forward(X, training=dropout)
            loss = self._loss(trace, Y, row_weights)
            gradients = self.backward(trace, Y, row_weights, into=into, record=record)
            if not math.isfinite(loss):
                return Step(loss, trace, gradients, f"the loss became {loss}", before)
            # First, not inside the update's loop: an update also moves the optimiser's
            # moments, which a skipped step must leave as they were.
            if not _all_finite(gradients.flat):
                return Step(loss, trace, gradients, "the gradient became NaN or infinite",
                            before)
            if rules is not None:
                rules.adjust_gradients(self._layers, gradients)
            optimizer.update(self.params, gradients.flat, keep)
            if rules is not None:
                rules.constrain_weights(self.weights)
        return Step(loss, trace, gradients, params_before=before)

    # ------------------------------------------------------------------ data
    def _prepare(
        self, X: Any, y: Any, sample_weight: Any = None
    ) -> tuple[np.ndarray, np.ndarray, str | None, np.ndarray | None]:
        """Check and convert a dataset: ``(X, Y, target kind, sample weights)``."""
        X = check.check_X(X, self.sizes[0])
        Y, kind = check.prepare_targets(y, X.shape[0], self.sizes[-1], self.loss, self.dtype)
        w = check.check_sample_weight(sample_weight, X.shape[0])
        return check.as_float(X, self.dtype, "X"), Y, kind, w

    def _row_weights(self, sample_weight: np.ndarray | None) -> np.ndarray | None:
        """``w_i / sum(w)``, so the loss is ``sum(row_weights * l_i)``; None (the
        mean) without sample weights."""
        if sample_weight is None:
            return None
        return (sample_weight / sample_weight.sum()).astype(self.dtype)

    # ------------------------------------------------------------------ prediction
    def predict(self, X: np.ndarray, dtype: str | np.dtype | None = None) -> np.ndarray:
        """The network's outputs for ``X`` ``(n, sizes[0])``: shape ``(n, sizes[-1])``.

        ``dtype`` is the precision of the computation and of the result, by default
        the network's. ``"float64"`` on a float32 network widens its weights first:
        slower, but a row's outputs then no longer depend (at float32's rounding) on
        how many rows share the call, as BLAS picks its kernels by matrix size.
        """
        X = check.check_X(X, self.sizes[0])
        dtype = self.dtype if dtype is None else _check_dtype(dtype)
        layers = None if dtype == self.dtype else [
            (W.astype(dtype), b.astype(dtype)) for W, b in self._layers
        ]
        out = np.empty((X.shape[0], self.sizes[-1]), dtype=dtype)
        for start in range(0, X.shape[0], PREDICT_CHUNK):
            chunk = check.as_float(X[start : start + PREDICT_CHUNK], dtype, "X")
            out[start : start + len(chunk)] = self._forward_output(chunk, layers)[1]
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape ``(n, n_classes)``.

        Softmax outputs are returned as they are; a single sigmoid output ``p``
        becomes two columns ``[1 - p, p]`` (so ``argmax`` gives the class);
        several sigmoid outputs are independent probabilities (multi-label).
        """
        self._require_probabilities()
        out = self.predict(X)
        if out.shape[1] == 1:
            return np.hstack([1 - out, out])
        return out

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """Predicted classes, ``int64``: shape ``(n,)`` (argmax of the outputs, or
        ``output >= 0.5`` for a single output), or ``(n, k)`` 0/1 for multi-label."""
        out = self.predict(X)
        if out.shape[1] == 1 or self.loss.targets == BINARY:
            classes = (out >= 0.5).astype(np.int64)
            return classes[:, 0] if out.shape[1] == 1 else classes
        return out.argmax(axis=1).astype(np.int64)

    def _require_probabilities(self) -> None:
        if not self.output_activation.probabilities:
            raise ConfigError(
                "predict_proba needs a softmax or sigmoid output layer, this network's is "
                f"{self.output_activation.name}"
            )

    def evaluate(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> dict[str, float]:
        """``{"loss": ...}``, plus ``"accuracy"`` when the targets are classes
        (a classification loss, or integer labels for several outputs)."""
        X, Y, kind, w = self._prepare(X, y, sample_weight)
        return evaluate_prepared(self, X, Y, kind, w)

    # ------------------------------------------------------------------ training and files
    # The loop, the file format and the printed step live in the modules above this
    # one; these methods hand over to them (imported when called: they import this).
    def fit(self, X: Any, y: Any, **settings: Any) -> History:
        """Train by gradient descent; see :func:`steepest.training.fit` for the
        settings (``epochs``, ``batch_size``, ``optimizer``, ...)."""
        from .training import fit

        return fit(self, X, y, **settings)

    def save(self, path: str | Path) -> Path:
        """Write a model file; see :func:`steepest.io.save`."""
        from .io import save

        return save(self, path)

    def explain(self, X: Any, y: Any, **options: Any) -> str:
        """Print one training step, every matrix; see :func:`steepest.explain.explain`."""
        from .explain import explain

        return explain(self, X, y, **options)

    # ------------------------------------------------------------------ other frameworks
    # The converters live in steepest.export, above this module, and import PyTorch or
    # scikit-learn's models only when called.
    def to_torch(self) -> Any:
        """This network as a ``torch.nn.Sequential`` with the same weights and outputs;
        see :func:`steepest.export.torch.to_torch`."""
        from .export.torch import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, model: Any, *, loss: str | None = None) -> Network:
        """A network from an ``nn.Sequential`` of ``nn.Linear`` layers and
        activations; see :func:`steepest.export.torch.from_torch`."""
        from .export.torch import from_torch

        return from_torch(model, loss=loss)

    @classmethod
    def from_sklearn(cls, mlp: Any) -> Network:
        """A network from a fitted scikit-learn ``MLPClassifier`` or ``MLPRegressor``;
        see :func:`steepest.export.scikit_learn.from_sklearn`."""
        from .export.scikit_learn import from_sklearn

        return from_sklearn(mlp)


# ---------------------------------------------------------------------- construction checks


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    try:
        # True == 1, but a flag given for a layer size is a mistake, not one unit
        if any(isinstance(s, bool | np.bool_) for s in sizes):
            raise TypeError
        as_ints = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise ConfigError(f"sizes must be a list of whole numbers, got {sizes!r}") from None
    if len(as_ints) < 2 or min(as_ints) < 1 or as_ints != list(sizes):
        raise ConfigError(
            f"sizes must list at least two layers of >= 1 unit each, like [2, 3, 3, 2]; "
            f"got {list(sizes)!r}"
        )
    return as_ints


def _check_memory(n_params: int, dtype: np.dtype) -> None:
    """Refuse a network whose weights alone would not fit in this machine's memory
    (a typo such as 10**12 units), before NumPy fails or the system kills us."""
    size = n_params * dtype.itemsize
    total = _physical_memory()
    if total is not None and size > total:
        raise ConfigError(
            f"the network has {n_params:,} weights and biases, {size / 2**30:,.1f} GiB as "
            f"{dtype.name}: more than this machine's {total / 2**30:,.1f} GiB of memory; "
            "are the layer sizes what you meant?"
        )


def _physical_memory() -> int | None:
    """Bytes of memory in this machine, where the system says (POSIX), else None."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_dtype(dtype: str | np.dtype) -> np.dtype:
    try:
        resolved = np.dtype(dtype) if dtype is not None else None
    except TypeError:
        resolved = None
    # ``None`` must be tested apart: NumPy finds np.dtype("float64") == None true.
    if resolved is None or resolved not in (np.dtype("float32"), np.dtype("float64")):
        raise ConfigError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return resolved


def _check_dropout(dropout: float | Sequence[float] | None, n_hidden: int) -> list[float]:
    if dropout is None:
        dropout = 0.0
    try:
        rates = (
            [float(dropout)] * n_hidden if np.isscalar(dropout) else [float(r) for r in dropout]
        )
    except (TypeError, ValueError):
        raise ConfigError(f"dropout must be a rate or a list of rates, got {dropout!r}") from None
    if len(rates) != n_hidden:
        raise ConfigError(
            f"dropout needs one rate per hidden layer ({n_hidden}), got {len(rates)}"
        )
    if any(not 0 <= r < 1 for r in rates):
        raise ConfigError(f"dropout rates must lie in [0, 1), got {rates}")
    return rates


def _resolve_activations(
    activation: ActivationSpec | Sequence[ActivationSpec],
    output_activation: ActivationSpec | None,
    loss: Loss,
    n_layers: int,
    n_outputs: int,
) -> list[Activation]:
    if isinstance(activation, list | tuple):
        specs = list(activation)
        if len(specs) == n_layers:
            if output_activation is not None:
                raise ConfigError(
                    "activation already lists the output layer's activation; "
                    "do not pass output_activation too"
                )
            output_activation = specs.pop()
        elif len(specs) != n_layers - 1:
            raise ConfigError(
                f"activation lists {len(specs)} names; expected {n_layers - 1} (one per hidden "
                f"layer) or {n_layers} (one per layer, output included)"
            )
        fallback = specs[-1] if specs else None
    else:
        specs = [activation] * (n_layers - 1)
        fallback = activation
    hidden = [get_activation(s) for s in specs]
    if output_activation is None:
        output_activation = loss.output_activation or fallback
    if output_activation is None:
        raise ConfigError("a network without hidden layers needs an output activation")
    output = get_activation(output_activation)
    loss.check_output_activation(output)
    output.check_output_units(n_outputs)
    for f in hidden:
        if not f.hidden:
            raise ConfigError(f"{f.name} belongs on the output layer only, not on hidden layers")
    return [*hidden, output]


def _default_init(activations: list[Activation]) -> str:
    """The initialiser the hidden layers' activations ask for: theirs when they
    agree, He when any is ReLU-family, else Glorot."""
    families = {f.init for f in activations[:-1]}
    if len(families) == 1:
        return families.pop()
    return "he" if "he" in families else "glorot"
