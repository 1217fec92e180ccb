"""JSON weights: a network as one JSON document, for other languages and the web,
and back.

The document (UTF-8)::

    {"format": "steepest.weights", "format_version": 1, "producer": "steepest 0.1.0",
     "sizes": [2, 16, 2], "dtype": "float32", "loss": "cross_entropy",
     "classes": ["0", "1"], "feature_names": null,
     "layers": [{"activation": {"name": "relu"}, "W": [[...], [...]], "b": [...]},
                {"activation": {"name": "softmax"}, "W": [...], "b": [...]}]}

Layer ``i`` has ``W`` as ``sizes[i]`` rows of ``sizes[i+1]`` numbers (``W[j][k]``
joins input ``j`` to output ``k``) and ``b`` of ``sizes[i+1]`` numbers; it
computes ``z[k] = sum_j x[j] * W[j][k] + b[k]``, then the activation:
``{"name": "sigmoid", "c": c}`` is ``1 / (1 + exp(-c z))``; ``tanh``; ``relu``,
``max(z, 0)``; ``{"name": "leaky_relu", "slope": s}``, ``z`` if ``z > 0`` else
``s z``; ``identity``; ``softmax``, ``exp(z_k) / sum_j exp(z_j)`` over the layer.
Each number is the shortest decimal that reads back as exactly the weight (in
``dtype``). ``classes`` (the outputs' class names) and ``feature_names`` (the
inputs' column names) are null where the model does not record them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_write
from ..errors import ModelFileError
from ..network import Network
from ._layers import classes, feature_names, layers, network_from_layers, shortest, version

FORMAT = "steepest.weights"
FORMAT_VERSION = 1
#: How a JSON weights file begins: the object's first key names the format.
MARK = re.compile(rb'\{\s*"format"\s*:\s*"' + re.escape(FORMAT.encode()) + rb'"')


def to_json(net: Network) -> dict[str, Any]:
    """The document of ``net`` (see the module's description), as Python objects."""
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "producer": f"steepest {version()}",
        "sizes": list(net.sizes), "dtype": net.dtype.name, "loss": net.loss.name,
        "classes": classes(net), "feature_names": feature_names(net),
        "layers": [{"activation": layer.activation.config(), "W": _numbers(layer.W),
                    "b": _numbers(layer.b)} for layer in layers(net, "JSON")],
    }


def _numbers(values: np.ndarray) -> list:
    """Nested lists of floats, each the :func:`shortest` decimal of its value."""
    if values.ndim > 1:
        return [_numbers(row) for row in values]
    return [shortest(v) for v in values]


def export_json(net: Network, path: str | os.PathLike[str]) -> Path:
    """Write ``net`` as a JSON weights file at ``path``, atomically; returns the path."""
    text = json.dumps(to_json(net), separators=(",", ":"), allow_nan=False)
    return atomic_write(path, lambda f: f.write(text.encode()))


def import_json(path: str | os.PathLike[str]) -> Network:
    """A :class:`~steepest.Network` from a JSON weights file, its loss, class and
    feature names included. A file that is not one, or is corrupt, raises
    :class:`~steepest.errors.ModelFileError` saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such JSON weights file")
    try:
        doc = json.loads(path.read_bytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a steepest JSON weights file (no \"format\": "
                             f"\"{FORMAT}\")")
    if doc.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: format version {doc.get('format_version')!r}; this "
                             f"steepest reads version {FORMAT_VERSION}")
    try:
        found = doc["layers"]
        weights = [(np.asarray(layer["W"], dtype=np.float64),
                    np.asarray(layer["b"], dtype=np.float64)) for layer in found]
        record = {key: doc[key] for key in ("classes", "feature_names") if doc.get(key)}
        return network_from_layers(weights, [layer["activation"] for layer in found],
                                   loss=doc.get("loss"), dtype=doc.get("dtype", "float32"),
                                   where=str(path), record=record)
    except (KeyError, TypeError, ValueError) as exc:  # steepest's errors are ValueErrors
        reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ModelFileError(f"{path}: inconsistent JSON weights file: {reason}") from None
