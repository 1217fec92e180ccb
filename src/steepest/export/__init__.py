"""Take a network anywhere: ONNX, PyTorch and scikit-learn both ways, plain NumPy
code and JSON weights, with numbers that agree.

| direction | how |
| --- | --- |
| network -> ONNX file | :func:`export_onnx`, ``steepest export MODEL --format onnx`` |
| ONNX file -> network | :func:`import_onnx` |
| network -> ``torch.nn.Sequential`` | ``net.to_torch()`` (:mod:`steepest.export.torch`) |
| ``nn.Sequential`` -> network | ``Network.from_torch(model)`` |
| fitted ``MLPClassifier``/``MLPRegressor`` -> network | ``Network.from_sklearn(mlp)`` |
| network -> Python file with ``predict(X)`` | :func:`export_python`, ``--format python`` |
| network -> JSON weights, and back | :func:`export_json`, :func:`import_json`, ``--format json`` |

Only steepest's own activations can be exported (a class of your own is Python
code no format holds); the message names the layer. The optional packages are
imported when used: ``pip install "steepest[onnx]"`` (``onnx``), ``"steepest[torch]"``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from ..network import Network
from .json_weights import MARK as JSON_MARK
from .json_weights import export_json, import_json
from .onnx import MARK as ONNX_MARK
from .onnx import export_onnx, import_onnx
from .python_code import MARK as PYTHON_MARK
from .python_code import export_python, is_weights_file


@dataclass(frozen=True)
class Format:
    """A format a network is written in: its ``name``, the file ``suffix`` that
    implies it, what it is (``summary``), and ``write(net, path)``, which returns
    the paths written."""

    name: str
    suffix: str
    summary: str
    write: Callable[[Network, Path], list[Path]]
    mark: re.Pattern[bytes]  # how the first bytes of a file steepest wrote begin


#: The formats of :func:`export_model` and ``steepest export``, by name.
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("onnx", ".onnx", "an ONNX graph for ONNX Runtime and other runtimes, class and "
           "feature names in its metadata (needs the onnx package)",
           lambda net, path: [export_onnx(net, path)], ONNX_MARK),
    Format("python", ".py", "a standalone Python file with predict(X), NumPy only (the "
           "weights inline for small networks, else in an .npz beside it)", export_python,
           PYTHON_MARK),
    Format("json", ".json", "the weights, shapes and activations as JSON, for other "
           "languages and the web", lambda net, path: [export_json(net, path)],
           JSON_MARK),
)}


def is_export(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file ``steepest export`` wrote: one whose first bytes
    carry a format's mark, or the weights file beside a Python file."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)  # the marks come first
    except OSError:
        return False
    return (any(f.mark.match(head) for f in FORMATS.values())
            or is_weights_file(Path(path)))


def format_for(path: str | os.PathLike[str], name: str | None = None) -> Format:
    """The format called ``name``, or (None) the one ``path``'s suffix implies."""
    if name is None:
        suffix = Path(path).suffix.lower()
        found = [f for f in FORMATS.values() if f.suffix == suffix]
        if not found:
            raise ConfigError(f"cannot tell the format from the file name {Path(path).name!r}; "
                              f"name a format ({', '.join(FORMATS)}) or end the name with "
                              f"{', '.join(f.suffix for f in FORMATS.values())}")
        return found[0]
    if name not in FORMATS:
        raise ConfigError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}")
    return FORMATS[name]


def export_model(net: Network, path: str | os.PathLike[str],
                 format: str | None = None) -> list[Path]:
    """Write ``net`` to ``path`` in ``format`` (see :data:`FORMATS`; None: by the
    suffix of ``path``); returns the paths written."""
    return format_for(path, format).write(net, Path(path))


__all__ = ["FORMATS", "Format", "export_json", "export_model", "export_onnx", "export_python",
           "format_for", "import_json", "import_onnx", "is_export"]
