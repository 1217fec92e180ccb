"""``Network.explain``: one full training step, printed in the order the maths goes.

Forward phase, per layer ``i``: the input ``X_i``, the weights ``W_i`` and
biases ``b_i``, the weighted sum ``Z_i = X_i @ W_i + b_i`` and the activation
``X_{i+1} = f_i(Z_i)``; then the loss. Backward phase, last layer first:
``psi_i = dLoss/dZ_i``, the gradients ``dW_i = X_i.T @ psi_i`` and
``db_i = psi_i summed over rows``, and ``psi_{i-1} = f'_{i-1}(Z_{i-1}) * (psi_i @ W_i.T)``.
Last, the plain gradient-descent update ``W_i - lr * dW_i``, ``b_i - lr * db_i``.

Every array with at most ``MAX_VALUES`` entries is printed in full (6
significant digits); larger ones as their shape and mean, std, min and max.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from . import _validation as check
from .optimizers import SGD

if TYPE_CHECKING:
    from .network import Network

#: Arrays with at most this many entries are printed value by value.
MAX_VALUES = 64
DIGITS = 6
INDENT = "    "


@dataclass
class TrainingStep:
    """Everything one gradient-descent step computes, per layer ``i``:
    ``inputs[i]`` ``X_i``, ``weights[i]``/``biases[i]`` (before the step),
    ``sums[i]`` ``Z_i``, ``outputs[i]`` ``f_i(Z_i)``, ``masks[i]`` the dropout
    mask on the layer's output (None without dropout), ``psis[i]``
    ``dLoss/dZ_i``, ``weight_grads[i]`` ``dW_i``, ``bias_grads[i]`` ``db_i``; and
    the loss. All of it is the record of :meth:`Network.train_step`'s step."""

    inputs: list[np.ndarray]
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    sums: list[np.ndarray]
    outputs: list[np.ndarray]
    masks: list[np.ndarray | None]
    psis: list[np.ndarray]
    weight_grads: list[np.ndarray]
    bias_grads: list[np.ndarray]
    targets: np.ndarray
    loss: float
    learning_rate: float


def training_step(net: Network, X: Any, y: Any, learning_rate: float = 0.1, *,
                  apply: bool = False) -> TrainingStep:
    """One step of plain gradient descent on ``(X, y)`` at ``learning_rate``, the
    step ``fit`` takes (dropout included), recorded. ``X`` is ``(n_samples,
    sizes[0])``, ``y`` targets as for ``fit``. With ``apply=True`` the network
    takes the step; otherwise a copy does and the network is unchanged."""
    learning_rate = check.positive_number(learning_rate, "learning_rate")
    X, Y, _, _ = net._prepare(X, y)
    stepper = net if apply else net.copy()
    # A loss or gradient that is not finite is shown as it is; the update is then
    # not made (Step.skipped).
    step = stepper._train_step(X, Y, SGD(learning_rate), record=True)
    before = net._views(step.params_before)
    trace, gradients = step.trace, step.gradients
    return TrainingStep(
        inputs=trace.inputs, weights=[W for W, _ in before], biases=[b for _, b in before],
        sums=trace.sums, outputs=trace.outputs, masks=trace.masks, psis=gradients.psis,
        weight_grads=gradients.weights, bias_grads=gradients.biases, targets=Y,
        loss=step.loss, learning_rate=learning_rate,
    )


def explain(net: Network, X: Any, y: Any, *, learning_rate: float = 0.1, apply: bool = False,
            file: IO[str] | None = None) -> str:
    """Print one full training step on ``(X, y)`` and return the text.

    ``X`` is ``(n_samples, sizes[0])``; ``y`` targets as for ``fit``. The step
    uses the network's own loss and plain gradient descent at
    ``learning_rate``, dropout included, as ``fit`` steps; with ``apply=True``
    the update is made to the network, otherwise the network is unchanged.
    Printed to ``file`` (standard output by default).
    """
    step = training_step(net, X, y, learning_rate, apply=apply)
    text = format_step(net, step)
    print(text, file=file or sys.stdout)
    return text


def format_step(net: Network, step: TrainingStep) -> str:
    """The printable explanation of a :class:`TrainingStep`."""
    n, L = len(step.targets), net.n_layers
    lr = f"{step.learning_rate:g}"
    lines = [f"one training step: Network {' -> '.join(map(str, net.sizes))}, loss "
             f"{net.loss.name}, {n} sample{'s' * (n != 1)}, plain gradient descent, "
             f"learning rate {lr}"]
    if any(mask is not None for mask in step.masks):
        lines.append("dropout as in training: M_i is 0 for a dropped unit, 1/keep for a kept "
                     "one, drawn afresh each step")
    lines += ["", "forward phase: Z_i = X_i @ W_i + b_i, then X_{i+1} = f_i(Z_i)"]
    for i in range(L):
        f, mask = net.activations[i].label, step.masks[i]
        lines.append(f"layer {i} ({f})")
        lines += _show(f"X_{i}", step.inputs[i])
        lines += _show(f"W_{i}", step.weights[i])
        lines += _show(f"b_{i}", step.biases[i])
        lines += _show(f"Z_{i} = X_{i} @ W_{i} + b_{i}", step.sums[i])
        if mask is None:
            lines += _show(f"X_{i + 1} = {f}(Z_{i})", step.outputs[i])
        else:
            lines += _show(f"{f}(Z_{i})", step.outputs[i])
            lines += _show(f"M_{i} (dropout mask)", mask)
            lines += _show(f"X_{i + 1} = {f}(Z_{i}) * M_{i}", step.inputs[i + 1])
    lines += _show("targets y", step.targets, indent="")
    lines.append(f"loss ({net.loss.name}, mean over {n} sample{'s' * (n != 1)}) = "
                 f"{_number(step.loss)}")
    lines += ["", "backward phase: psi_i = dLoss/dZ_i, dW_i = X_i.T @ psi_i, db_i = psi_i "
              "summed over rows, psi_{i-1} = f'_{i-1}(Z_{i-1}) * (psi_i @ W_i.T)"]
    for i in range(L - 1, -1, -1):
        lines.append(f"layer {i}")
        if i == L - 1:
            how = f"dLoss/dZ_{i} (from the loss and {net.activations[i].label}')"
        else:
            how = f"{net.activations[i].label}'(Z_{i}) * (psi_{i + 1} @ W_{i + 1}.T)"
            if step.masks[i] is not None:
                how += f" * M_{i}"
        lines += _show(f"psi_{i} = {how}", step.psis[i])
        lines += _show(f"dW_{i} = X_{i}.T @ psi_{i}", step.weight_grads[i])
        lines += _show(f"db_{i} = psi_{i} summed over rows", step.bias_grads[i])
    lines += ["", f"update: W_i <- W_i - {lr} * dW_i, b_i <- b_i - {lr} * db_i"]
    for i in range(L):
        lines.append(f"layer {i}")
        lines += _show(f"W_{i} - {lr} * dW_{i}",
                       step.weights[i] - step.learning_rate * step.weight_grads[i])
        lines += _show(f"b_{i} - {lr} * db_{i}",
                       step.biases[i] - step.learning_rate * step.bias_grads[i])
    return "\n".join(lines)


def _number(value: float) -> str:
    # + 0.0 turns -0.0 (a product with a zero weight, say) into 0.0: no "-0" printed.
    return f"{float(value) + 0.0:.{DIGITS}g}"


def _show(label: str, a: np.ndarray, indent: str = INDENT) -> list[str]:
    """``label shape`` then the values (small arrays) or summary statistics."""
    head = f"{indent}{label}  shape {a.shape}"
    if a.size > MAX_VALUES:
        values = a.astype(np.float64)
        return [f"{head}  mean {_number(values.mean())}  std {_number(values.std())}  "
                f"min {_number(values.min())}  max {_number(values.max())}"]
    text = np.array2string(np.asarray(a, dtype=np.float64), separator=", ",
                           formatter={"float_kind": _number}, max_line_width=92)
    if "\n" not in text and len(head) + len(text) < 100:
        return [f"{head}  {text}"]
    return [head, *(f"{indent}{INDENT}{row}" for row in text.splitlines())]


def step_summary(step: TrainingStep) -> dict[str, Any]:
    """A JSON-able record of the step: each array as values (small ones) or
    shape and statistics (large ones)."""
    def record(a: np.ndarray) -> dict[str, Any]:
        values = np.asarray(a, dtype=np.float64)
        out: dict[str, Any] = {"shape": list(a.shape)}
        if a.size <= MAX_VALUES:
            out["values"] = values.tolist()
        else:
            out |= {"mean": float(values.mean()), "std": float(values.std()),
                    "min": float(values.min()), "max": float(values.max())}
        return out

    layers = []
    for i in range(len(step.weights)):
        layers.append({
            "layer": i, "X": record(step.inputs[i]), "W": record(step.weights[i]),
            "b": record(step.biases[i]), "Z": record(step.sums[i]),
            "A": record(step.outputs[i]), "psi": record(step.psis[i]),
            "dW": record(step.weight_grads[i]), "db": record(step.bias_grads[i]),
        })
        if step.masks[i] is not None:
            layers[-1]["dropout_mask"] = record(step.masks[i])
    return {"loss": step.loss, "learning_rate": step.learning_rate, "layers": layers}
