"""What the page draws, computed and packed compactly.

Every unit's picture (its output over the plane) comes from one batched forward
phase of the network over a grid (:meth:`Network.forward`), quantised to one
byte per pixel; a frame is a small JSON header followed by the arrays as raw
bytes (:func:`encode`), never a JSON list per pixel.

Frame layout: a little-endian ``uint32`` ``n``, ``n`` bytes of UTF-8 JSON (the
header, whose ``arrays`` lists each array's ``name``, ``dtype`` ("u1" or "f4"),
``shape`` and byte ``offset``), then the arrays, each starting at a multiple of
4 bytes so the page views them as typed arrays without a copy.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..activations import Activation
from ..network import Trace

#: The output's picture is OUTPUT_GRID x OUTPUT_GRID pixels; each unit's, every
#: STRIDE-th of them (the same forward phase).
OUTPUT_GRID = 64
STRIDE = 2
UNIT_GRID = OUTPUT_GRID // STRIDE
#: Byte values: 128 is 0, 1 and 255 are -scale and +scale.
MIDDLE, HALF = 128, 127
DTYPES = {"u1": np.uint8, "f4": np.float32}


def encode(header: dict[str, Any], arrays: Sequence[tuple[str, np.ndarray]]) -> bytes:
    """One binary frame: ``header`` (JSON-able) and the named arrays (uint8 or
    float32), laid out as the module describes."""
    described, offset = [], 0
    for name, array in arrays:
        dtype = next(code for code, kind in DTYPES.items() if array.dtype == kind)
        described.append({"name": name, "dtype": dtype, "shape": list(array.shape),
                          "offset": offset})
        offset += _padded(array.nbytes)
    text = json.dumps(jsonable({**header, "arrays": described}), allow_nan=False,
                      separators=(",", ":")).encode()
    head = struct.pack("<I", len(text)) + text
    parts = [head, bytes(_padded(len(head)) - len(head))]
    for _, array in arrays:
        data = np.ascontiguousarray(array).tobytes()
        parts += [data, bytes(_padded(len(data)) - len(data))]
    return b"".join(parts)


def decode(frame: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The header and the arrays of a frame made by :func:`encode` (as the page
    reads it; for the tests and the benchmark)."""
    (size,) = struct.unpack_from("<I", frame)
    header = json.loads(frame[4 : 4 + size])
    start = _padded(4 + size)
    arrays = {}
    for item in header["arrays"]:
        dtype = np.dtype(DTYPES[item["dtype"]])
        count = math.prod(item["shape"])
        arrays[item["name"]] = np.frombuffer(frame, dtype, count, start + item["offset"]
                                             ).reshape(item["shape"])
    return header, arrays


def _padded(n: int) -> int:
    return -(-n // 4) * 4


def jsonable(value: Any) -> Any:
    """``value`` with NaN and infinities as None (JSON has no literal for them),
    NumPy numbers as Python's and tuples as lists."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def quantised(maps: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Pictures ``(m, ...)`` as bytes and one scale per picture: a value ``v``
    becomes ``128 + 127 v / scale`` with ``scale = max(1, max |v|)``, so values
    in [-1, 1] keep their absolute colour and larger ones their shape (NaN, from
    a diverged network, shows as 0)."""
    flat = np.array(maps, dtype=np.float32).reshape(len(maps), -1)  # a copy, worked in place
    if not np.isfinite(flat.sum()):
        np.nan_to_num(flat, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    scales = np.maximum(1.0, np.abs(flat).max(axis=1, initial=0.0))
    flat *= (HALF / scales)[:, None]
    flat += MIDDLE
    np.rint(flat, out=flat)
    np.minimum(np.maximum(flat, 1, out=flat), 255, out=flat)
    return flat.astype(np.uint8).reshape(maps.shape), scales.tolist()


def shown(A: np.ndarray, activation: Activation) -> np.ndarray:
    """A layer's outputs as pictured: probabilities ``p`` as ``2p - 1`` (so 0.5
    is white, as 0 is for the other units), anything else as it is."""
    return 2 * A - 1 if activation.probabilities else A


def unit_maps(trace: Trace, activations: Sequence[Activation]) -> np.ndarray:
    """Every unit's picture ``(n_units, UNIT_GRID, UNIT_GRID)``: the input
    features, then each layer's outputs, from a forward phase over the
    ``OUTPUT_GRID`` x ``OUTPUT_GRID`` grid (every STRIDE-th point of it)."""
    # Thinned before they are stacked: a frame copies 1/STRIDE**2 of the grid.
    columns = [_every_stride(trace.inputs[0])] + [
        shown(_every_stride(A), f) for A, f in zip(trace.outputs, activations, strict=True)]
    return np.ascontiguousarray(np.hstack(columns).T).reshape(-1, UNIT_GRID, UNIT_GRID)


def _every_stride(A: np.ndarray) -> np.ndarray:
    """The rows of ``A`` ``(OUTPUT_GRID**2, k)`` at every STRIDE-th grid point in
    both directions, ``(UNIT_GRID**2, k)``."""
    grid = A.reshape(OUTPUT_GRID, OUTPUT_GRID, -1)[::STRIDE, ::STRIDE]
    return grid.reshape(UNIT_GRID * UNIT_GRID, A.shape[1])


def class_map(output: np.ndarray, activation: Activation) -> np.ndarray:
    """The output's large picture for classes ``(2, OUTPUT_GRID, OUTPUT_GRID)``
    uint8, from the outputs ``(OUTPUT_GRID**2, n_outputs)``: the predicted class,
    and how sure the network is (the class's probability as 0..255; 255 when
    the outputs are not probabilities) as the colour's strength. Values are
    pictured by :func:`quantised`."""
    size = (OUTPUT_GRID, OUTPUT_GRID)
    if output.shape[1] == 1:  # one sigmoid unit: class 1 when p >= 0.5
        p = output[:, 0]
        chosen = (p >= 0.5).astype(np.uint8)
        confidence = np.where(chosen == 1, p, 1 - p)
    else:
        chosen = output.argmax(axis=1).astype(np.uint8)
        confidence = output.max(axis=1)
    if not activation.probabilities:
        confidence = np.ones(len(output))
    strength = np.clip(np.rint(np.nan_to_num(confidence) * 255), 0, 255).astype(np.uint8)
    return np.stack([chosen.reshape(size), strength.reshape(size)])
