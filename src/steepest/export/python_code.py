"""Plain NumPy code: a network as a short, standalone Python file with a
``predict(X)`` function, the network as one would write it by hand.

The file needs NumPy alone (not steepest). Its weights are written inline as
array literals for small networks (:data:`INLINE_LIMIT` parameters or fewer) or
into an ``.npz`` file beside it (``NAME_weights.npz`` for ``NAME.py``, never the
name of the model it came from; read with ``allow_pickle=False``).
Each line of ``predict`` is one layer with its shape in a comment; a classifier's
file also has ``CLASSES`` and ``predict_class(X)``; ``python predict.py rows.csv``
(or ``rows.npy``) prints one prediction per row.
"""

from __future__ import annotations

import os
import re
import textwrap
import zipfile
from pathlib import Path

import numpy as np

from .._files import atomic_write
from ..activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from ..network import Network
from ._layers import Layer, arrows, classes, feature_names, layers, version

#: Networks with at most this many weights and biases get them inline by default.
INLINE_LIMIT = 1000

#: The helper function each activation needs in the file (the identity needs none).
_FUNCTIONS = {
    Sigmoid: '''
def sigmoid(Z, c=1.0):
    """1 / (1 + exp(-c Z)), elementwise; c is the slope."""
    with np.errstate(over="ignore"):  # exp(-c Z) may overflow to inf: 1 / inf is 0, right
        return 1 / (1 + np.exp(-c * Z))
''',
    Tanh: "",
    ReLU: '''
def relu(Z):
    """max(Z, 0), elementwise."""
    return np.maximum(Z, 0)
''',
    LeakyReLU: '''
def leaky_relu(Z, slope):
    """Z where Z > 0, else slope * Z."""
    return np.where(Z > 0, Z, slope * Z)
''',
    Softmax: '''
def softmax(Z):
    """exp(Z) / (sum of exp(Z) over the row): each row sums to 1."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # minus the row's largest: exp never overflows
    return E / E.sum(axis=1, keepdims=True)
''',
    Identity: "",
}


def export_python(net: Network, path: str | os.PathLike[str], *,
                  inline: bool | None = None) -> list[Path]:
    """Write ``net`` as a Python file at ``path`` (NumPy only) and, unless the
    weights are ``inline`` (default: for at most :data:`INLINE_LIMIT` parameters),
    its weights into :func:`weights_path` of ``path``; both atomically. Returns
    the paths written."""
    path = Path(path)
    found = layers(net, "Python code")
    if inline is None:
        inline = net.n_params <= INLINE_LIMIT
    weights_file = None if inline else weights_path(path)
    if weights_file is not None:
        arrays = {f"{kind}{i}": a for i, layer in enumerate(found)
                  for kind, a in (("W", layer.W), ("b", layer.b))}
        atomic_write(weights_file, lambda f: np.savez(f, **arrays))
    source = python_source(net, found, path.name, weights_file)
    atomic_write(path, lambda f: f.write(source.encode()))
    return [path] if weights_file is None else [path, weights_file]


#: What the docstring of an exported Python file says of it, and so how such a
#: file begins (:data:`MARK`).
EXPORTED_BY = "exported by steepest"
MARK = re.compile(rb'"""[^\n]* ' + re.escape(EXPORTED_BY.encode()) + rb" ")
#: The arrays of the weights file beside a Python file: W0, b0, W1...
_WEIGHT_ARRAY = re.compile(r"[Wb]\d+\.npy")


def is_weights_file(path: Path) -> bool:
    """Whether ``path`` is a weights file :func:`export_python` wrote: an ``.npz``
    of nothing but ``W0``, ``b0``, ``W1``..."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return bool(names) and all(_WEIGHT_ARRAY.fullmatch(name) for name in names)


def weights_path(path: str | os.PathLike[str]) -> Path:
    """Where the weights of the Python file ``path`` go when they are not inline:
    ``NAME_weights.npz`` beside ``NAME.py``. Not ``NAME.npz``: exporting
    ``m.npz`` to ``m.py`` would write over the model itself."""
    path = Path(path)
    return path.with_name(f"{path.stem}_weights.npz")


def python_source(net: Network, found: list[Layer], name: str,
                  weights_file: Path | None) -> str:
    """The text of the file: docstring, weights, activations, ``predict``."""
    names = classes(net)
    imports = "import numpy as np\n" if weights_file is None else (
        "from pathlib import Path\n\nimport numpy as np\n")
    parts = [_docstring(net, name, weights_file, names), imports,
             _weights(found, net.dtype, weights_file)]
    if names is not None:
        parts.append(f"CLASSES = {names!r}\n")
    used = {type(layer.activation) for layer in found}
    parts += [_FUNCTIONS[cls] for cls in _FUNCTIONS if cls in used and _FUNCTIONS[cls]]
    parts.append(_predict(net, found))
    if names is not None:
        parts.append(_predict_class(net))
    parts.append(_main(names is not None))
    return "\n".join(parts)


def _docstring(net: Network, name: str, weights_file: Path | None,
               names: list[str] | None) -> str:
    stem = Path(name).stem
    usage = [f"    from {stem} import predict"] if stem.isidentifier() else []
    lines = [f'"""{name}: a {arrows(net.sizes)} network {EXPORTED_BY} {version()}; '
             "NumPy only.", "", *usage,
             f"    predict(X)   # X (n, {net.sizes[0]}) -> outputs (n, {net.sizes[-1]})", "",
             "Each layer i computes Z = A @ W_i + b_i, then A = f_i(Z), starting from A = X:",
             "rows are samples, W_i is (inputs, outputs)."]
    if weights_file is not None:
        lines += ["", f"The weights are in {weights_file.name}, which must stay beside this "
                  "file."]
    features = feature_names(net)
    if features is not None:
        lines += ["", "The input columns, in order:", *textwrap.wrap(", ".join(features), 88)]
    if names is not None:
        lines += ["", f"The outputs' columns are the classes CLASSES (loss: {net.loss.name})."]
    return "\n".join(lines) + '\n"""\n'


def _weights(found: list[Layer], dtype: np.dtype, weights_file: Path | None) -> str:
    if weights_file is not None:
        lines = [f'with np.load(Path(__file__).with_name("{weights_file.name}")) as saved:']
        lines += [f'    W{i}, b{i} = saved["W{i}"], saved["b{i}"]  # {layer.W.shape}, '
                  f"{layer.b.shape}" for i, layer in enumerate(found)]
        return "\n".join(lines) + "\n"
    kind = f"np.{dtype.name}"
    blocks = []
    for i, layer in enumerate(found):
        blocks.append(f"W{i} = np.array({_literal(layer.W)}, dtype={kind})  # {layer.W.shape}")
        blocks.append(f"b{i} = np.array({_literal(layer.b)}, dtype={kind})  # {layer.b.shape}")
    return "\n".join(blocks) + "\n"


def _literal(values: np.ndarray) -> str:
    """An array as a list literal, each number the shortest text that reads back as
    exactly the same number in the array's precision; a matrix one row a line."""
    def lines(vector: np.ndarray, first: str, rest: str) -> str:
        return "\n".join(textwrap.wrap(", ".join(str(v) for v in vector), 92,
                                       initial_indent=first, subsequent_indent=rest))

    if values.ndim == 1:
        text = f"[{lines(values, '', '')}]"
        return text if len(text) <= 60 else f"[\n{lines(values, '    ', '    ')},\n]"
    return "[\n" + ",\n".join(f"{lines(r, '    [', '     ')}]" for r in values) + ",\n]"


def _call(f: Activation, inner: str) -> str:
    """The Python expression of activation ``f`` applied to ``inner``."""
    if isinstance(f, Sigmoid):
        return f"sigmoid({inner})" if f.c == 1.0 else f"sigmoid({inner}, c={f.c!r})"
    if isinstance(f, LeakyReLU):
        return f"leaky_relu({inner}, slope={f.slope!r})"
    if isinstance(f, Tanh):
        return f"np.tanh({inner})"
    if isinstance(f, Identity):
        return inner
    return f"{f.name}({inner})"


def _predict(net: Network, found: list[Layer]) -> str:
    steps = [f"A = np.asarray(X, dtype=np.{net.dtype.name})"]
    steps += [f"A = {_call(layer.activation, f'A @ W{i} + b{i}')}" for i, layer in
              enumerate(found)]
    shapes = [f"(n, {n})" for n in net.sizes]
    width = max(len(s) for s in steps) + 2
    body = "\n".join(f"    {step:<{width}}# {shape}" for step, shape in
                     zip(steps, shapes, strict=True))
    return (f'\ndef predict(X):\n    """The outputs (n, {net.sizes[-1]}) for the rows X '
            f'(n, {net.sizes[0]})."""\n{body}\n    return A\n')


def _predict_class(net: Network) -> str:
    if net.sizes[-1] == 1:
        rule = "CLASSES[1] where the output is >= 0.5, else CLASSES[0]"
        pick = "(predict(X)[:, 0] >= 0.5).astype(int)"
    else:
        rule = "the class of the row's highest output"
        pick = "predict(X).argmax(axis=1)"
    return (f'\ndef predict_class(X):\n    """Each row\'s class (n,): {rule}."""\n'
            f"    return np.array(CLASSES)[{pick}]\n")


def _main(has_classes: bool) -> str:
    show = ("    print(*predict_class(X), sep=\"\\n\")" if has_classes else
            '    np.savetxt(sys.stdout, predict(X), fmt="%.7g", delimiter=",")')
    return textwrap.dedent('''
        if __name__ == "__main__":
            # python FILE rows.csv (numbers, no header) or rows.npy: one prediction per row.
            import sys

            source = sys.argv[1]
            X = np.load(source) if source.endswith(".npy") else np.loadtxt(
                source, delimiter=",", ndmin=2)
        ''') + show + "\n"
