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

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import IO, Any

import numpy as np

from . import _validation as check
from . import io as model_io
from . import training
from .activations import Activation, ReLU, get_activation
from .errors import ConfigError, ShapeError
from .explain import explain as _explain
from .history import History
from .initializers import get_initializer
from .losses import Loss, get_loss, weighted_loss
from .metrics import PREDICT_CHUNK, evaluate_prepared
from .optimizers import Optimizer

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


class Network:
    """A fully connected feed-forward network trained by gradient descent.

    Parameters
    ----------
    sizes:
        Units per layer, input first, bias not counted: ``[2, 3, 3, 2]``.
    activation:
        One activation for every layer, or a list: one per hidden layer, or one
        per layer including the output. Names: ``sigmoid``, ``tanh``, ``relu``,
        ``leaky_relu``, ``softmax``, ``identity``; or objects such as
        ``Sigmoid(c=0.01)`` and ``LeakyReLU(slope=0.1)``.
    output_activation:
        The output layer's activation. When not given, the output layer uses the
        hidden layers' activation (as in the tutorials, where every layer is a
        sigmoid), except with ``loss="cross_entropy"`` (softmax) and
        ``loss="binary_cross_entropy"`` (sigmoid).
    loss:
        ``sse``, ``mse``, ``binary_cross_entropy`` or ``cross_entropy``
        (see :mod:`steepest.losses`).
    init:
        ``uniform01``, ``uniform``, ``glorot`` or ``he``; by default ``he`` when
        the hidden layers are ReLU-family, else ``glorot``.
    dropout:
        Fraction of each hidden layer's outputs dropped during training (one
        number, or a list with one per hidden layer); inverted dropout, so
        nothing changes at prediction time.
    seed:
        Seeds initialisation, shuffling and dropout: the same seed gives the
        same run, bit for bit.
    dtype:
        ``"float32"`` (default) or ``"float64"``: the precision of the weights
        and of training.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: ActivationSpec | Sequence[ActivationSpec] = "sigmoid",
        output_activation: ActivationSpec | None = None,
        loss: str | Loss = "sse",
        init: str | None = None,
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
        self.init = init if init is not None else _default_init(self.activations)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        # Fixed for the network's life (saved in model files), so validation_split
        # holds out the same rows at every fit, even without a seed.
        self.split_seed = int(np.random.SeedSequence(seed).generate_state(1, np.uint32)[0])

        self.params = np.empty(self.n_params, dtype=self.dtype)
        self._layers = self._views(self.params)
        initializer = get_initializer(self.init)
        for (W, b), n_in, n_out in zip(self._layers, self.sizes[:-1], self.sizes[1:], strict=True):
            W_init, b_init = initializer(self.rng, n_in, n_out)
            W[...] = W_init
            b[...] = b_init

        # Training state, carried across fit() calls and saved in model files.
        self.optimizer: Optimizer | None = None
        self.history = History()
        self.epochs_trained = 0
        self.stop_training = False
        #: Free-form JSON-able facts saved with the model (dataset, class names...).
        self.metadata: dict[str, Any] = {}

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
            "loss": self.loss.name,
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
        config = self.config() | {"dtype": np.dtype(dtype).name}
        twin = Network.from_config(config)
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

    # ------------------------------------------------------------------ forward
    def forward(self, X: np.ndarray, training: bool = False) -> Trace:
        """The forward phase on a batch ``X`` ``(n, sizes[0])``: every layer's
        input, weighted sum and output (see :class:`Trace`).

        With ``training=True`` dropout is applied, as during ``fit``.
        """
        X = check.as_float(check.check_X(X, self.sizes[0]), self.dtype, "X")
        return self._forward(X, training)

    def _forward(self, X: np.ndarray, training: bool) -> Trace:
        trace = Trace(inputs=[X], sums=[], outputs=[], masks=[])
        for i, ((W, b), f) in enumerate(zip(self._layers, self.activations, strict=True)):
            Z = trace.inputs[-1] @ W
            Z += b
            A = f.forward(Z)
            trace.sums.append(Z)
            trace.outputs.append(A)
            if i < self.n_layers - 1:
                mask = self._dropout_mask(A.shape, self.dropout[i]) if training else None
                trace.masks.append(mask)
                trace.inputs.append(A if mask is None else A * mask)
        trace.masks.append(None)
        return trace

    def _dropout_mask(self, shape: tuple[int, ...], rate: float) -> np.ndarray | None:
        if rate == 0:
            return None
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
            Z = A @ W
            Z += b
            A = f.forward(Z)
        return Z, A

    # ------------------------------------------------------------------ backward
    def _backward(self, trace: Trace, Y: np.ndarray, row_weights: np.ndarray | None,
                  grad_layers: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """The psi recursion: write every ``dW_i``, ``db_i`` into ``grad_layers``."""
        last = self.n_layers - 1
        psi = self.loss.output_delta(
            Y, trace.outputs[last], trace.sums[last], self.activations[last], row_weights
        )
        for i in range(last, -1, -1):
            dW, db = grad_layers[i]
            np.matmul(trace.inputs[i].T, psi, out=dW)
            psi.sum(axis=0, out=db)
            if i == 0:
                break
            grad_input = psi @ self._layers[i][0].T
            if trace.masks[i - 1] is not None:
                grad_input *= trace.masks[i - 1]
            psi = self.activations[i - 1].backward(
                trace.sums[i - 1], trace.outputs[i - 1], grad_input
            )

    def _row_weights(self, sample_weight: np.ndarray | None) -> np.ndarray | None:
        """``w_i / sum(w)``, so the loss is ``sum(row_weights * l_i)``; None (the
        mean) without sample weights."""
        if sample_weight is None:
            return None
        return (sample_weight / sample_weight.sum()).astype(self.dtype)

    def _loss_and_gradients(
        self, X: np.ndarray, Y: np.ndarray, row_weights: np.ndarray | None,
        grad_layers: list[tuple[np.ndarray, np.ndarray]], training: bool,
    ) -> tuple[float, Trace]:
        """One forward and one backward phase on a prepared batch: the loss
        ``sum(row_weights * l_i)`` (the mean when None), and its gradients written
        into ``grad_layers`` (views like ``_layers``). Returns the loss and the forward trace."""
        trace = self._forward(X, training)
        per_sample = self.loss.per_sample(
            Y, trace.outputs[-1], trace.sums[-1], self.activations[-1]
        )
        loss = weighted_loss(per_sample, row_weights)
        self._backward(trace, Y, row_weights, grad_layers)
        return loss, trace

    def gradients(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> list[np.ndarray]:
        """``[dW0, db0, dW1, db1, ...]``: the gradient of the loss on the batch
        ``(X, y)`` in the order (and shapes) of :meth:`get_weights`, from one
        backward sweep. This is what ``fit`` uses (without dropout here)."""
        X, Y, _, w = self._prepare(X, y, sample_weight)
        grad_layers = self._views(np.empty_like(self.params))
        self._loss_and_gradients(X, Y, self._row_weights(w), grad_layers, training=False)
        return [a.copy() for layer in grad_layers for a in layer]

    def _prepare(
        self, X: Any, y: Any, sample_weight: Any = None
    ) -> tuple[np.ndarray, np.ndarray, str | None, np.ndarray | None]:
        """Check and convert a dataset: ``(X, Y, target kind, sample weights)``."""
        X = check.check_X(X, self.sizes[0])
        Y, kind = check.prepare_targets(y, X.shape[0], self.sizes[-1], self.loss.name, self.dtype)
        w = check.check_sample_weight(sample_weight, X.shape[0])
        return check.as_float(X, self.dtype, "X"), Y, kind, w

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
        if out.shape[1] == 1 or self.loss.name == "binary_cross_entropy":
            classes = (out >= 0.5).astype(np.int64)
            return classes[:, 0] if out.shape[1] == 1 else classes
        return out.argmax(axis=1).astype(np.int64)

    def _require_probabilities(self) -> None:
        if self.output_activation.name not in ("softmax", "sigmoid"):
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
    fit = training.fit
    save = model_io.save
    explain = _explain


# ---------------------------------------------------------------------- construction checks


def _check_sizes(sizes: Sequence[int]) -> list[int]:
    try:
        as_ints = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise ConfigError(f"sizes must be a list of whole numbers, got {sizes!r}") from None
    if len(as_ints) < 2 or min(as_ints) < 1 or as_ints != list(sizes):
        raise ConfigError(
            f"sizes must list at least two layers of >= 1 unit each, like [2, 3, 3, 2]; "
            f"got {list(sizes)!r}"
        )
    return as_ints


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
        output_activation = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}.get(
            loss.name, fallback
        )
    if output_activation is None:
        raise ConfigError("a network without hidden layers needs an output activation")
    output = get_activation(output_activation)
    loss.check_output_activation(output)
    if output.name == "softmax" and n_outputs < 2:
        raise ConfigError(
            "a softmax output needs at least 2 units (one per class); for two classes use "
            "1 sigmoid output with binary_cross_entropy, or 2 softmax outputs"
        )
    if any(a.name == "softmax" for a in hidden):
        raise ConfigError("softmax belongs on the output layer only, not on hidden layers")
    return [*hidden, output]


def _default_init(activations: list[Activation]) -> str:
    relu_like = any(isinstance(a, ReLU) or a.name == "leaky_relu" for a in activations[:-1])
    return "he" if relu_like else "glorot"

