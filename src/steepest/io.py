"""Model files: one ``.npz`` of plain arrays plus JSON metadata; never pickle.

A file holds ``W0, b0, W1, b1, ...``, the optimiser's state vectors
(``optimizer.m`` ...), ``metadata`` (UTF-8 JSON as bytes: format and version,
architecture, dtype, training history, optimiser settings and step count, the
random generator's state, the network's own ``metadata`` dict (the user's) and
its ``record`` (what steepest's front ends note: the dataset, class names...))
and ``checksum`` (SHA-256 over all of that). A checkpoint adds a
:class:`TrainingState`: how the run goes on. It is read with
``allow_pickle=False``, so opening a file can never run code, and written to a
temporary file that is renamed into place, so a crash never leaves half a model
behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._files import atomic_write, read_problem
from ._validation import check_finite
from .errors import ConfigError, DataError, ModelFileError, UnknownNameError
from .history import History
from .optimizers import get_optimizer

if TYPE_CHECKING:
    from .network import Network

FORMAT = "steepest.model"
ZIP_MAGIC = b"PK\x03\x04"
FORMAT_VERSION = 1


@dataclass
class TrainingState:
    """How a run goes on from a model file's weights: what a checkpoint adds to a
    model file (see :class:`~steepest.callbacks.Checkpoint`).

    - ``settings``: the settings of ``fit`` that the network does not hold
      itself (``batch_size``, ``l2``, ``l1``, ``clip_norm``, ``max_norm``,
      ``validation_split``, ``shuffle``).
    - ``epochs``: the epoch the run trains to, counted over the network's life.
    - ``data``: the training data's fingerprint
      (:func:`~steepest.training.data_fingerprint`), so a resume on other data
      is refused.
    - ``every``: a checkpoint is written every this many epochs.
    - ``callbacks``: the state of each callback that keeps one
      (:meth:`~steepest.callbacks.Callback.get_state`), in order, as
      ``{"name": class name, "state": {...}}``; a state may hold arrays.
    - ``blas_threads``: the BLAS threads the run used (None: unknown): a run
      repeats bit for bit only at the same count.
    - ``update``: which path the optimiser's updates took, ``"compiled (gcc
      12.2.0)"`` (the fused kernels of :mod:`steepest._kernels`, and their
      compiler), ``"numpy"``, or None (unknown: a file from before it was noted).
      All give the same numbers.
    - ``stopped``: a callback ended the run early.
    """

    settings: dict[str, Any]
    epochs: int
    data: str
    every: int = 1
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    blas_threads: int | None = None
    stopped: bool = False
    update: str | None = None


def save(net: Network, path: str | os.PathLike[str],
         training: TrainingState | None = None) -> Path:
    """Write the network to ``path`` (exactly that name) atomically; returns the path.

    Everything needed to predict and to resume training bit for bit is saved:
    weights, architecture, history, optimiser state and the random state, the
    network's ``metadata`` and ``record``; with ``training``, a checkpoint's
    :class:`TrainingState` too. A symbolic link is written through to its
    target; a folder, FIFO or device at ``path`` is refused
    (:class:`~steepest.errors.WriteError`, as is a failed write, which leaves
    the old file as it was). Weights holding NaN or infinity are refused
    (:class:`~steepest.errors.DataError`) before anything is written, since
    :func:`load` would refuse the file.
    """
    arrays = {}
    for i, (W, b) in enumerate(net._layers):
        arrays[f"W{i}"], arrays[f"b{i}"] = W, b
    _check_weights_finite(arrays, path)
    metadata: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "network": net.config(),
        "history": net.history.to_dict(),
        "epochs_trained": net.epochs_trained,
        "rng_state": net.rng.bit_generator.state,
        "split_seed": net.split_seed,
        "optimizer": None,
        "user": net.metadata,
        "record": net.record,
    }
    if net.optimizer is not None:
        metadata["optimizer"] = net.optimizer.config()
        for key, value in net.optimizer.state.items():
            arrays[f"optimizer.{key}"] = value
    if training is not None:
        metadata["training"] = _training_to_json(training, arrays)
    try:
        text = json.dumps(metadata, default=_plain)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cannot save net.metadata or net.record: {exc}") from None
    arrays["metadata"] = np.frombuffer(text.encode(), dtype=np.uint8)
    arrays["checksum"] = np.frombuffer(_digest(arrays).encode(), dtype=np.uint8)
    path = Path(path)
    atomic_write(path, lambda f: np.savez(f, **arrays))
    return path


def _check_weights_finite(weights: dict[str, np.ndarray], path: str | os.PathLike[str]
                          ) -> None:
    """Refuse NaN or infinity in ``weights``, naming the array as :func:`load` does."""
    for name, array in weights.items():
        try:
            check_finite(array, name)
        except DataError as exc:
            raise DataError(f"cannot save {path}: {exc}") from None


def load(path: str | os.PathLike[str]) -> Network:
    """Read a network written by :func:`save` (a checkpoint too: its weights are
    those of the last epoch it holds).

    Raises :class:`~steepest.errors.ModelFileError` naming the problem when the
    file is missing, not a model file, truncated, corrupt, of an unknown format
    version, or altered since it was written.
    """
    return load_checkpoint(path)[0]


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[Network, TrainingState | None]:
    """Read a model file and how its run goes on: the network (as :func:`load`)
    and the file's :class:`TrainingState`, or None for a file saved without one
    (``net.save``). Raises :class:`~steepest.errors.ModelFileError` as
    :func:`load` does."""
    path = Path(path)
    problem = read_problem(path, "model file")
    if problem:
        raise ModelFileError(f"{path}: {problem}")
    arrays = _read_arrays(path)
    if "metadata" not in arrays or "checksum" not in arrays:
        raise ModelFileError(f"{path}: not a steepest model file (no metadata or checksum)")
    checksum = arrays.pop("checksum").tobytes().decode(errors="replace")
    if checksum != _digest(arrays):
        raise ModelFileError(f"{path}: checksum mismatch: the file was altered or is corrupt")
    meta = _parse_metadata(path, arrays.pop("metadata"))
    try:
        net = _network(meta, arrays)
        training = _training_from_json(meta.get("training"), arrays)
    except UnknownNameError as exc:
        raise ModelFileError(
            f"{path}: the model uses the {exc.kind} {exc.name!r}, which this Python session "
            f"does not know; define or import its class and pass it to steepest.register "
            "before loading"
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ModelFileError(f"{path}: inconsistent model file: {detail}") from None
    return net, training


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The metadata of the steepest model file ``path`` as written, or None when
    ``path`` is not one. Quick and unchecked: the arrays are neither read nor
    checked against the checksum (:func:`load` does that)."""
    try:
        with open(path, "rb") as f:
            if f.read(4) != ZIP_MAGIC:
                return None
            f.seek(0)
            with np.load(f, allow_pickle=False) as archive:
                raw = archive["metadata"].tobytes()
        meta = json.loads(raw.decode())
    except (OSError, ValueError, KeyError, AttributeError, RecursionError, zipfile.BadZipFile,
            EOFError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None


def _network(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Network:
    """The network the checked ``meta`` and ``arrays`` describe."""
    from .network import Network  # the network module imports this one

    net = Network.from_config(meta["network"])
    n_layers = net.n_layers
    net.set_weights([arrays[f"{kind}{i}"] for i in range(n_layers) for kind in "Wb"])
    net.history = History(meta["history"])
    net.epochs_trained = int(meta["epochs_trained"])
    _restore_rng(net.rng.bit_generator, meta["rng_state"])
    if "split_seed" in meta:  # files from before it existed keep the seed's own
        net.split_seed = int(meta["split_seed"])
    net.metadata = dict(meta.get("user") or {})
    net.record = dict(meta["record"]) if "record" in meta else _legacy_record(net.metadata)
    if meta["optimizer"] is not None:
        net.optimizer = _restore_optimizer(meta["optimizer"], arrays, net)
        net.optimizer.bind(net)
    return net


def _restore_rng(generator: np.random.BitGenerator, state: dict[str, Any]) -> None:
    """Give ``generator`` the saved ``state``; a state of another form is a
    ValueError naming the field (NumPy's own errors name nothing)."""
    try:
        generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError):
        raise ValueError(f"rng_state must be the state of a {type(generator).__name__} "
                         f"generator, found {_short(state)}") from None


def _legacy_record(user: dict[str, Any]) -> dict[str, Any]:
    """A file from before the record had its own place kept the command line's
    facts in the user's metadata: those of them that have the record's form."""
    return {key: value for key, value in user.items()
            if key in RECORD_FIELDS and _record_problem(key, value) is None}


def _training_to_json(training: TrainingState, arrays: dict[str, np.ndarray]
                      ) -> dict[str, Any]:
    """``training`` as JSON; the arrays of the callbacks' states go into ``arrays``."""
    callbacks = []
    for i, entry in enumerate(training.callbacks):
        state = {}
        for key, value in entry["state"].items():
            if isinstance(value, np.ndarray):
                name = f"training.callbacks.{i}.{key}"
                arrays[name] = value
                value = {"array": name}
            state[key] = value
        callbacks.append({"name": entry["name"], "state": state})
    return {"settings": training.settings, "epochs": training.epochs, "data": training.data,
            "every": training.every, "callbacks": callbacks,
            "blas_threads": training.blas_threads, "stopped": training.stopped,
            "update": training.update}


def _training_from_json(saved: dict[str, Any] | None, arrays: dict[str, np.ndarray]
                        ) -> TrainingState | None:
    if saved is None:
        return None
    callbacks = []
    for entry in saved["callbacks"]:
        state = {key: arrays[value["array"]] if _is_array_ref(value) else value
                 for key, value in entry["state"].items()}
        callbacks.append({"name": entry["name"], "state": state})
    return TrainingState(dict(saved["settings"]), saved["epochs"], saved["data"],
                         saved["every"], callbacks, saved["blas_threads"], saved["stopped"],
                         saved.get("update"))


def _is_array_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"array"} and isinstance(value["array"],
                                                                             str)


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays in metadata, as JSON-able Python values."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} values are not JSON-able ({value!r})")


def _restore_optimizer(config: dict[str, Any], arrays: dict[str, np.ndarray], net: Network):
    optimizer = get_optimizer(config)
    optimizer.steps = int(config["steps"])
    first = config.get("first_epoch")
    optimizer.first_epoch = None if first is None else int(first)
    for key in optimizer.state_names:
        name = f"optimizer.{key}"
        if name in arrays:
            state = arrays[name]
            if state.shape != net.params.shape or state.dtype != net.dtype:
                raise ValueError(f"{name} has shape {state.shape} {state.dtype}")
            optimizer.state[key] = state.copy()
    return optimizer


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    # Our own file handle: np.load leaks its own when a broken zip makes it fail.
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4:
                raise ModelFileError(f"{path}: not a readable model file (empty or truncated)")
            if head != ZIP_MAGIC:  # else NumPy may try (and refuse) to unpickle it
                raise ModelFileError(f"{path}: not a readable model file (not an .npz archive)")
            f.seek(0)
            archive = np.load(f, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ModelFileError(f"{path}: a single array, not a steepest model file")
            with archive:
                return {name: _member(archive, name, path) for name in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(
            f"{path}: not a readable model file (truncated or corrupt: {exc})"
        ) from None


def _member(archive: np.lib.npyio.NpzFile, name: str, path: Path) -> np.ndarray:
    """The array ``name`` of ``archive``; a member that is not an ``.npy`` (NumPy
    then gives its raw bytes) is refused."""
    value = archive[name]
    if not isinstance(value, np.ndarray):
        raise ModelFileError(f"{path}: not a steepest model file (member {name!r} is not an "
                             "array)")
    return value


def _parse_metadata(path: Path, raw: np.ndarray) -> dict[str, Any]:
    try:
        meta = json.loads(raw.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: corrupt metadata ({exc})") from None
    except RecursionError:
        raise ModelFileError(f"{path}: corrupt metadata (JSON nested too deeply)") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: not a steepest model file (metadata is not a JSON object)")
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a steepest model file (format {meta.get('format')!r})")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {version!r}; this steepest reads version "
            f"{FORMAT_VERSION}" + (" (upgrade steepest)" if isinstance(version, int)
                                   and version > FORMAT_VERSION else "")
        )
    try:
        _check_metadata(meta)
    except _MetadataError as exc:
        raise ModelFileError(f"{path}: inconsistent model file: {exc}") from None
    return meta


# ---------------------------------------------------------------------- the metadata's schema


class _MetadataError(Exception):
    """A metadata field that does not hold what :func:`save` writes."""


def _check_metadata(meta: dict[str, Any]) -> None:
    """Check every field :func:`load` reads against what :func:`save` writes, so a
    file that passed its checksum but was written by something else is refused
    with the field's name, never with a Python error from deep inside."""
    network = _get(meta, "network", dict, "an object")
    sizes = _get(network, "network.sizes", list, "a list of layer sizes")
    if len(sizes) < 2 or not all(_is_whole(n) and n >= 1 for n in sizes):
        raise _MetadataError(f"network.sizes must be at least two whole numbers >= 1, found "
                        f"{_short(sizes)}")
    activations = _get(network, "network.activations", list, "a list")
    if len(activations) != len(sizes) - 1 or not all(map(_is_spec, activations)):
        raise _MetadataError(f"network.activations must name one activation per layer, found "
                        f"{_short(activations)}")
    for key in ("loss", "init"):
        if not _is_spec(network.get(key)):
            raise _MetadataError(f"network.{key} must be a name or an object with a name, found "
                            f"{_short(network.get(key))}")
    dropout = _get(network, "network.dropout", list, "a list of rates")
    if not all(_is_number(r) for r in dropout):
        raise _MetadataError(f"network.dropout must be a list of rates, found {_short(dropout)}")
    if network.get("seed") is not None and not _is_whole(network["seed"]):
        raise _MetadataError(f"network.seed must be a whole number or null, found "
                        f"{_short(network['seed'])}")
    _get(network, "network.dtype", str, "a text")
    for name, values in _get(meta, "history", dict, "an object").items():
        if not (isinstance(values, list) and all(_is_number(v) for v in values)):
            raise _MetadataError(f"history[{name!r}] must be a list of numbers, found "
                            f"{_short(values)}")
    for key in ("epochs_trained", "split_seed"):
        if (key in meta or key == "epochs_trained") and not (
                _is_whole(meta.get(key)) and meta[key] >= 0):
            found = _short(meta[key]) if key in meta else "nothing"
            raise _MetadataError(f"{key} must be a whole number >= 0, found {found}")
    _get(meta, "rng_state", dict, "an object")
    if meta.get("user") is not None:
        _get(meta, "user", dict, "an object")
    if "record" in meta:
        for key, value in _get(meta, "record", dict, "an object").items():
            problem = _record_problem(key, value)
            if problem:
                raise _MetadataError(f"record.{key} must be {problem}, found {_short(value)}")
    _check_optimizer(meta.get("optimizer", _MISSING))
    if meta.get("training") is not None:
        _check_training(_get(meta, "training", dict, "an object"))


#: The styles :func:`steepest.images.image_input` knows (not imported: the two
#: modules sit side by side in the layers).
IMAGE_STYLES = ("mnist", "digits", "fit")
#: The largest side of a recorded image shape: a crafted file must not make
#: ``predict`` scale a picture to billions of pixels.
MAX_IMAGE_SIDE = 4096

#: The record's fields that the command line reads, and the form each must have.
RECORD_FIELDS: dict[str, tuple[str, Any]] = {
    "data": ("a dataset's name or a file's path", lambda v: isinstance(v, str)),
    "classes": ("a list of class names or null",
                lambda v: v is None or (isinstance(v, list)
                                        and all(isinstance(c, str) for c in v))),
    "feature_names": ("a list of column names",
                      lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v)),
    "image": ('an object {"shape": [height, width], "style": "mnist", "digits" or "fit"} '
              f"with sides of 1 to {MAX_IMAGE_SIDE} pixels",
              lambda v: isinstance(v, dict) and v.get("style") in IMAGE_STYLES
              and isinstance(v.get("shape"), list) and len(v["shape"]) == 2
              and all(_is_whole(n) and 1 <= n <= MAX_IMAGE_SIDE for n in v["shape"])),
    "csv": ('an object {"schema": {...}, "target": column}',
            lambda v: isinstance(v, dict) and isinstance(v.get("schema"), dict)
            and isinstance(v.get("target"), str)),
    "seed": ("a whole number >= 0 or null", lambda v: v is None or (_is_whole(v) and v >= 0)),
    "data_dir": ("a folder's path", lambda v: isinstance(v, str)),
    "preset": ("a preset's name", lambda v: isinstance(v, str)),
    "test": ("an object of figures", lambda v: isinstance(v, dict)
             and all(_is_number(x) for x in v.values())),
    "run": ("an object", lambda v: isinstance(v, dict)),
}


def _record_problem(key: str, value: Any) -> str | None:
    """What a record field must be, when ``value`` is not that; None when it is (or
    the field is not one the command line reads)."""
    if key not in RECORD_FIELDS:
        return None
    what, valid = RECORD_FIELDS[key]
    return None if valid(value) else what


def _check_training(training: dict[str, Any]) -> None:
    _get(training, "training.settings", dict, "an object")
    _get(training, "training.data", str, "a text")
    _check_whole(training.get("epochs"), "training.epochs", 0)
    _check_whole(training.get("every"), "training.every", 1)
    _check_whole(training.get("blas_threads"), "training.blas_threads", 1, null=True)
    _get(training, "training.stopped", bool, "true or false")
    if training.get("update") is not None:  # absent from files written before it was noted
        _get(training, "training.update", str, "a text or null")
    for entry in _get(training, "training.callbacks", list, "a list"):
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                and isinstance(entry.get("state"), dict)):
            raise _MetadataError(f"training.callbacks must hold objects with a name and a "
                                 f"state, found {_short(entry)}")


def _check_optimizer(config: Any) -> None:
    if config is None:
        return
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise _MetadataError(f"optimizer must be null or an object with a name, found "
                        f"{_short(config)}")
    _check_whole(config.get("steps"), "optimizer.steps", 0)
    _check_whole(config.get("first_epoch"), "optimizer.first_epoch", 0, null=True)


def _check_whole(value: Any, where: str, low: int, null: bool = False) -> None:
    """Refuse ``value`` unless it is a whole number >= ``low`` (or, with ``null``, None)."""
    if (value is None and null) or (_is_whole(value) and value >= low):
        return
    raise _MetadataError(f"{where} must be a whole number >= {low}{' or null' if null else ''}, "
                         f"found {_short(value)}")


_MISSING = object()


def _get(container: dict[str, Any], where: str, kind: type, what: str) -> Any:
    value = container.get(where.rpartition(".")[2], _MISSING)
    if not isinstance(value, kind):
        found = "nothing" if value is _MISSING else _short(value)
        raise _MetadataError(f"{where} must be {what}, found {found}")
    return value


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_spec(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, dict) and isinstance(value.get("name"),
                                                                            str))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over every array's name, dtype, shape and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()
