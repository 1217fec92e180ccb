"""Model files: exact round trips, exact resumption, and every way a file can be bad."""

from __future__ import annotations

import gc
import io
import json
import os
import pathlib
import pickle
import warnings
import zipfile

import numpy as np
import pytest

import steepest
import steepest.io
from steepest import Network
from steepest.activations import LeakyReLU, Sigmoid
from steepest.errors import (
    ConfigError,
    DataError,
    ModelFileError,
    SteepestError,
)
from steepest.io import _digest
from steepest.optimizers import CosineDecay

OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam"]
SCHEDULES = [
    {"name": "step", "step_size": 2, "factor": 0.5},
    {"name": "cosine", "epochs": 5, "final": 0.1},
]
LEARNING_RATES = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "rmsprop": 0.01, "adam": 0.01}


# ---------------------------------------------------------------------- helpers


def _classification_data(n: int = 60, n_features: int = 4, n_classes: int = 3, seed: int = 1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 0.8).astype(np.int64)
    assert set(np.unique(y)) <= set(range(n_classes))
    return X, y


def _trained_net(dtype: str = "float32") -> tuple[Network, np.ndarray]:
    """A net with parametrised activations, dropout, history and an optimiser state."""
    X, y = _classification_data()
    Y = np.eye(2)[(y > 0).astype(int)] * 0.8 + 0.1
    net = Network(
        [4, 5, 4, 2],
        activation=[Sigmoid(c=0.01), LeakyReLU(slope=0.2), "tanh"],
        loss="mse",
        dropout=[0.1, 0.3],
        seed=3,
        dtype=dtype,
    )
    net.fit(X, Y, epochs=2, batch_size=16, optimizer="adam", learning_rate=0.05,
            validation_split=0.25)
    return net, X


def _read(path: pathlib.Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _write(path: pathlib.Path, arrays: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _metadata(arrays: dict[str, np.ndarray]) -> dict:
    return json.loads(arrays["metadata"].tobytes().decode())


def _encode(meta: object) -> np.ndarray:
    return np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


def _rewrite(path: pathlib.Path, arrays: dict[str, np.ndarray], *, recompute: bool) -> None:
    """Write ``arrays`` as a model file; with ``recompute`` a fresh valid checksum."""
    arrays = dict(arrays)
    if recompute:
        arrays.pop("checksum", None)
        arrays["checksum"] = np.frombuffer(_digest(arrays).encode(), dtype=np.uint8)
    _write(path, arrays)


def _with_metadata_changed(path: pathlib.Path, change) -> pathlib.Path:
    """Rewrite the model file ``path`` with ``change(metadata)`` applied and a valid
    checksum (what a file written by something else would be)."""
    arrays = _read(path)
    meta = _metadata(arrays)
    change(meta)
    arrays["metadata"] = _encode(meta)
    _rewrite(path, arrays, recompute=True)
    return path


def _saved(tmp_path: pathlib.Path, name: str = "model.npz") -> pathlib.Path:
    net, _ = _trained_net()
    path = tmp_path / name
    net.save(path)
    return path


def _load_error(path: pathlib.Path) -> str:
    with pytest.raises(ModelFileError) as info:
        steepest.load(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)
    return str(info.value)


def _assert_same_weights(a: Network, b: Network) -> None:
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb, strict=True):
        assert x.dtype == y.dtype
        assert x.shape == y.shape
        assert np.array_equal(x, y)
    assert np.array_equal(a.params, b.params)


# ---------------------------------------------------------------------- round trip


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_bitwise_exact(tmp_path, dtype):
    net, X = _trained_net(dtype)
    path = tmp_path / "model.npz"
    assert net.save(path) == path
    loaded = steepest.load(path)

    assert loaded.dtype == np.dtype(dtype)
    assert loaded.params.dtype == np.dtype(dtype)
    _assert_same_weights(net, loaded)
    for W in loaded.get_weights():
        assert W.dtype == np.dtype(dtype)
    p_net, p_loaded = net.predict(X), loaded.predict(X)
    assert p_loaded.dtype == np.dtype(dtype)
    assert p_loaded.shape == (60, 2)
    assert np.array_equal(p_net, p_loaded)


def test_round_trip_keeps_architecture_loss_dropout_history(tmp_path):
    net, _ = _trained_net()
    path = tmp_path / "model.npz"
    net.save(path)
    loaded = steepest.load(path)

    assert loaded.sizes == [4, 5, 4, 2]
    assert loaded.config() == net.config()
    assert isinstance(loaded.activations[0], Sigmoid)
    assert loaded.activations[0].c == 0.01
    assert isinstance(loaded.activations[1], LeakyReLU)
    assert loaded.activations[1].slope == 0.2
    assert loaded.activations[2].name == "tanh"
    assert loaded.loss.name == "mse"
    assert loaded.dropout == [0.1, 0.3]
    assert loaded.init == net.init
    assert loaded.seed == 3
    assert loaded.epochs_trained == 2
    assert sorted(loaded.history.keys()) == ["loss", "lr", "val_loss"]
    assert len(loaded.history) == 2
    assert loaded.history.to_dict() == net.history.to_dict()
    assert loaded.history["lr"] == [0.05, 0.05]
    assert loaded.rng.bit_generator.state == net.rng.bit_generator.state


def test_round_trip_keeps_user_metadata(tmp_path):
    net, _ = _trained_net()
    net.metadata = {"dataset": "xor", "scale": 0.5, "tags": ["a", "b"]}
    net.save(tmp_path / "m.npz")
    loaded = steepest.load(tmp_path / "m.npz")
    assert loaded.metadata == {"dataset": "xor", "scale": 0.5, "tags": ["a", "b"]}
    assert steepest.load(_saved(tmp_path, "plain.npz")).metadata == {}


def test_round_trip_keeps_optimizer_settings_and_state(tmp_path):
    net, _ = _trained_net()
    path = tmp_path / "model.npz"
    net.save(path)
    loaded = steepest.load(path)
    assert loaded.optimizer is not None
    assert loaded.optimizer.name == "adam"
    assert loaded.optimizer.config() == net.optimizer.config()
    # 45 training rows in batches of 16: 3 steps per epoch, 2 epochs.
    assert loaded.optimizer.steps == 6
    assert set(loaded.optimizer.state) == {"m", "v"}
    for key in ("m", "v"):
        assert loaded.optimizer.state[key].dtype == np.float32
        assert np.array_equal(loaded.optimizer.state[key], net.optimizer.state[key])
        assert np.any(loaded.optimizer.state[key] != 0)


def test_untrained_network_round_trip_then_fit_matches_fresh(tmp_path):
    X, y = _classification_data()
    path = tmp_path / "fresh.npz"
    Network([4, 6, 3], activation="tanh", loss="cross_entropy", seed=7).save(path)
    loaded = steepest.load(path)
    assert loaded.optimizer is None
    assert loaded.epochs_trained == 0
    assert len(loaded.history) == 0

    reference = Network([4, 6, 3], activation="tanh", loss="cross_entropy", seed=7)
    _assert_same_weights(reference, loaded)
    reference.fit(X, y, epochs=2, batch_size=8)
    loaded.fit(X, y, epochs=2, batch_size=8)
    _assert_same_weights(reference, loaded)
    assert loaded.history.to_dict() == reference.history.to_dict()


def test_loaded_network_is_independent_of_the_original(tmp_path):
    net, X = _trained_net()
    path = tmp_path / "model.npz"
    net.save(path)
    loaded = steepest.load(path)
    before, predictions = net.get_weights(), net.predict(X)
    loaded.params += 1
    for a, b in zip(before, net.get_weights(), strict=True):
        assert np.array_equal(a, b)
    assert np.array_equal(net.predict(X), predictions)
    assert not np.array_equal(loaded.predict(X), predictions)


# ---------------------------------------------------------------------- resumption


def _resume_setup(dtype: str = "float32"):
    X, y = _classification_data()
    net = Network([4, 7, 5, 3], activation="tanh", loss="cross_entropy", dropout=0.25,
                  seed=11, dtype=dtype)
    return net, X, y


def _fit_kwargs() -> dict:
    return {"batch_size": 16, "shuffle": True, "validation_split": 0.2}


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s["name"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_two_fits_equal_one_fit_and_save_load_resume_equals_too(tmp_path, optimizer, schedule):
    lr = LEARNING_RATES[optimizer]
    first = {"optimizer": optimizer, "learning_rate": lr, "schedule": schedule}

    straight, X, y = _resume_setup()
    initial = straight.get_weights()
    straight.fit(X, y, epochs=6, **first, **_fit_kwargs())

    # fit(3) then fit(3) without an optimizer argument
    twice, _, _ = _resume_setup()
    twice.fit(X, y, epochs=3, **first, **_fit_kwargs())
    twice.fit(X, y, epochs=3, **_fit_kwargs())

    # fit(3) -> save -> load -> fit(3)
    halfway, _, _ = _resume_setup()
    halfway.fit(X, y, epochs=3, **first, **_fit_kwargs())
    path = tmp_path / f"{optimizer}.npz"
    halfway.save(path)
    resumed = steepest.load(path)
    assert resumed.epochs_trained == 3
    resumed.fit(X, y, epochs=3, **_fit_kwargs())

    # training changed something, so the comparisons below are meaningful
    assert not np.array_equal(initial[0], straight.get_weights()[0])
    lrs = straight.history["lr"]
    assert len(lrs) == 6
    assert len(set(lrs)) > 1  # the schedule changed the learning rate

    for other in (twice, resumed):
        _assert_same_weights(straight, other)
        assert other.epochs_trained == 6
        assert other.history.to_dict() == straight.history.to_dict()
        assert other.optimizer.name == optimizer
        assert other.optimizer.steps == straight.optimizer.steps == 6 * 3  # 48 rows / 16
        assert other.optimizer.config() == straight.optimizer.config()
        for key in straight.optimizer.state_names:
            assert np.array_equal(other.optimizer.state[key], straight.optimizer.state[key])
        assert other.rng.bit_generator.state == straight.rng.bit_generator.state
    assert set(straight.history.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}


def test_resume_float64_with_sample_weights_is_exact(tmp_path):
    weights = np.linspace(0.5, 2.0, 60)
    kwargs = {"batch_size": 7, "sample_weight": weights}
    straight, X, y = _resume_setup("float64")
    straight.fit(X, y, epochs=4, optimizer="momentum", learning_rate=0.05, **kwargs)

    halfway, _, _ = _resume_setup("float64")
    halfway.fit(X, y, epochs=2, optimizer="momentum", learning_rate=0.05, **kwargs)
    halfway.save(tmp_path / "m.npz")
    resumed = steepest.load(tmp_path / "m.npz")
    assert resumed.dtype == np.float64
    resumed.fit(X, y, epochs=2, **kwargs)
    _assert_same_weights(straight, resumed)
    assert resumed.history.to_dict() == straight.history.to_dict()


def test_resave_after_load_gives_identical_arrays(tmp_path):
    net, _ = _trained_net()
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    net.save(first)
    steepest.load(first).save(second)
    a, b = _read(first), _read(second)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].dtype == b[name].dtype
        assert np.array_equal(a[name], b[name]), name


# ---------------------------------------------------------------------- file layout


def test_file_holds_plain_arrays_and_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    assert {"W0", "b0", "W1", "b1", "W2", "b2", "metadata", "checksum"} <= set(arrays)
    assert {"optimizer.m", "optimizer.v"} <= set(arrays)
    for array in arrays.values():
        assert array.dtype != object
    assert arrays["W0"].shape == (4, 5)
    assert arrays["b2"].shape == (2,)
    meta = _metadata(arrays)
    assert meta["format"] == "steepest.model"
    assert meta["format_version"] == 1
    checksum = arrays.pop("checksum").tobytes().decode()
    assert checksum == _digest(arrays)
    assert len(checksum) == 64


@pytest.mark.parametrize("name", ["model", "model.bin", "weights.npz", "a.b.c"])
def test_file_is_written_exactly_at_the_given_path(tmp_path, name):
    net, X = _trained_net()
    path = tmp_path / name
    returned = net.save(str(path))
    assert returned == path
    assert sorted(os.listdir(tmp_path)) == [name]
    assert zipfile.is_zipfile(path)
    assert np.array_equal(steepest.load(str(path)).predict(X), net.predict(X))


@pytest.mark.parametrize(("name", "position", "value"), [
    ("W0", (0, 1), np.nan), ("b1", (1,), np.inf), ("b0", (2,), -np.inf)])
def test_save_refuses_weights_that_are_not_finite_and_keeps_the_old_file(
        tmp_path, name, position, value):
    path = tmp_path / "model.npz"
    net = Network([2, 3, 2], seed=0)
    net.save(path)
    before = path.read_bytes()
    arrays = net.weights if name[0] == "W" else net.biases  # views into the parameters
    arrays[int(name[1])][position] = value
    index = ", ".join(map(str, position))
    with pytest.raises(DataError) as info:
        net.save(path)
    assert str(info.value) == (f"cannot save {path}: {name} contains NaN or infinity: "
                               f"1 value(s), the first at index ({index})")
    assert path.read_bytes() == before  # refused before anything was written
    assert os.listdir(tmp_path) == ["model.npz"]


def test_save_overwrites_an_existing_file(tmp_path):
    path = tmp_path / "model.npz"
    Network([2, 3, 1], seed=0).save(path)
    net, X = _trained_net()
    net.save(path)
    assert np.array_equal(steepest.load(path).predict(X), net.predict(X))
    assert os.listdir(tmp_path) == ["model.npz"]


# ---------------------------------------------------------------------- pickle never runs


class _Exploit:
    """Unpickling this creates the marker file: proof that code ran."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_object_array_is_rejected_and_no_code_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = np.empty(1, dtype=object)
    payload[0] = _Exploit(marker)
    path = tmp_path / "evil.npz"
    good = _read(_saved(tmp_path, "good.npz"))
    good["metadata"] = payload
    with open(path, "wb") as f:
        np.savez(f, allow_pickle=True, **good)

    # The payload is live: unpickling it with pickle allowed would run it.
    with open(path, "rb") as f, zipfile.ZipFile(f) as z:
        raw = z.read("metadata.npy")
    assert b"touch" in raw
    with np.load(path, allow_pickle=True) as archive:
        archive["metadata"]
    assert marker.exists()
    marker.unlink()

    message = _load_error(path)
    assert "not a readable model file" in message
    assert "allow_pickle" in message or "pickle" in message.lower()
    assert not marker.exists()


def test_pickle_file_is_rejected_and_no_code_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps(_Exploit(marker)))
    message = _load_error(path)
    assert "not a readable model file" in message
    assert not marker.exists()


# ---------------------------------------------------------------------- bad files


def test_missing_file(tmp_path):
    message = _load_error(tmp_path / "nowhere.npz")
    assert "no such model file" in message


@pytest.mark.parametrize("kind", ["folder", "fifo", "link loop"])
def test_a_path_that_is_no_file_is_named_for_what_it_is(tmp_path, not_a_file, kind):
    path = tmp_path / "model.npz"
    found = not_a_file(path, kind)
    assert _load_error(path) == f"{path}: {found}, not a model file"


def test_npz_members_that_are_not_npy_arrays_are_refused(tmp_path):
    path = tmp_path / "raw.npz"
    with zipfile.ZipFile(path, "w") as archive:  # NumPy gives such members as bytes
        archive.writestr("metadata", "{}")
        archive.writestr("checksum", "abc")
    assert _load_error(path) == (f"{path}: not a steepest model file (member 'metadata' is "
                                 "not an array)")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    message = _load_error(path)
    assert "not a readable model file (empty or truncated)" in message


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(3000))
    message = _load_error(path)
    assert "not a readable model file" in message


def test_random_bytes_after_zip_magic(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(b"PK\x03\x04" + np.random.default_rng(1).bytes(3000))
    message = _load_error(path)
    assert "not a readable model file" in message


@pytest.mark.parametrize("fraction", [0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999])
def test_truncated_file(tmp_path, fraction):
    path = _saved(tmp_path)
    data = path.read_bytes()
    cut = max(1, int(len(data) * fraction))
    assert cut < len(data)
    path.write_bytes(data[:cut])
    message = _load_error(path)
    assert "not a readable model file" in message
    assert "truncated" in message


def test_truncated_by_one_byte(tmp_path):
    path = _saved(tmp_path)
    path.write_bytes(path.read_bytes()[:-1])
    assert "truncated or corrupt" in _load_error(path)


def test_loading_a_broken_zip_closes_the_file(tmp_path):
    path = _saved(tmp_path)
    path.write_bytes(path.read_bytes()[:100])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with pytest.raises(ModelFileError):
            steepest.load(path)
        gc.collect()
    leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def test_raw_byte_flip_inside_array_is_detected(tmp_path):
    """A flipped byte in an array's data: zip's own CRC or our checksum catches it."""
    path = _saved(tmp_path)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("W1.npy")
    data = bytearray(path.read_bytes())
    # local header (30 bytes + name + extra), then the .npy header, then the data
    header = data[info.header_offset : info.header_offset + 30]
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    offset = start + info.file_size - 3  # inside the last float of W1
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))
    message = _load_error(path)
    assert "corrupt" in message


def _flip_array_byte_keep_zip_valid(path: pathlib.Path, member: str, index: int) -> None:
    """Flip one byte of a member's bytes and rewrite the zip (CRCs recomputed),
    so only the model's own checksum can notice."""
    with zipfile.ZipFile(path) as z:
        members = {info.filename: z.read(info.filename) for info in z.infolist()}
    raw = bytearray(members[member])
    raw[index] ^= 0x01
    members[member] = bytes(raw)
    with zipfile.ZipFile(path, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)


@pytest.mark.parametrize("member", ["W0.npy", "b1.npy", "W2.npy", "optimizer.m.npy"])
def test_byte_flipped_inside_array_is_a_checksum_mismatch(tmp_path, member):
    path = _saved(tmp_path)
    _flip_array_byte_keep_zip_valid(path, member, -2)
    # the file is still a perfectly readable npz, with one value changed
    changed = _read(path)
    original = _read(_saved(tmp_path, "again.npz"))
    key = member.removesuffix(".npy")
    assert changed[key].shape == original[key].shape
    assert not np.array_equal(changed[key], original[key])
    message = _load_error(path)
    assert "checksum mismatch" in message


def test_changed_array_with_old_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    arrays["W1"] = arrays["W1"].copy()
    arrays["W1"][0, 0] = np.nextafter(arrays["W1"][0, 0], np.float32(np.inf))
    _rewrite(path, arrays, recompute=False)
    assert "checksum mismatch" in _load_error(path)


def test_changed_dtype_with_old_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    arrays["b0"] = arrays["b0"].astype(np.float64)
    _rewrite(path, arrays, recompute=False)
    assert "checksum mismatch" in _load_error(path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m["network"].update(loss="sse"),
        lambda m: m["history"]["loss"].__setitem__(0, 0.0),
        lambda m: m.update(epochs_trained=99),
        lambda m: m["optimizer"].update(learning_rate=1.0),
    ],
    ids=["loss", "history", "epochs", "learning_rate"],
)
def test_edited_metadata_with_old_checksum(tmp_path, edit):
    path = _saved(tmp_path)
    arrays = _read(path)
    meta = _metadata(arrays)
    edit(meta)
    arrays["metadata"] = _encode(meta)
    _rewrite(path, arrays, recompute=False)
    assert "checksum mismatch" in _load_error(path)


def test_extra_array_with_old_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    arrays["W9"] = np.zeros(3, dtype=np.float32)
    _rewrite(path, arrays, recompute=False)
    assert "checksum mismatch" in _load_error(path)


def test_wrong_format_version_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    meta = _metadata(arrays)
    meta["format_version"] = 99
    arrays["metadata"] = _encode(meta)
    _rewrite(path, arrays, recompute=True)
    # the checksum is valid, so it is the version check that refuses the file
    check = _read(path)
    assert check.pop("checksum").tobytes().decode() == _digest(check)
    message = _load_error(path)
    assert "format version 99" in message
    assert "reads version 1" in message
    assert "upgrade steepest" in message
    assert "checksum" not in message


@pytest.mark.parametrize("version", [0, "1", None])
def test_other_bad_format_versions(tmp_path, version):
    path = _saved(tmp_path)
    arrays = _read(path)
    meta = _metadata(arrays)
    meta["format_version"] = version
    arrays["metadata"] = _encode(meta)
    _rewrite(path, arrays, recompute=True)
    message = _load_error(path)
    assert f"format version {version!r}" in message
    assert "upgrade" not in message


def test_wrong_format_name_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    meta = _metadata(arrays)
    meta["format"] = "keras.model"
    arrays["metadata"] = _encode(meta)
    _rewrite(path, arrays, recompute=True)
    message = _load_error(path)
    assert "not a steepest model file" in message
    assert "keras.model" in message


def test_missing_w1_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    del arrays["W1"]
    _rewrite(path, arrays, recompute=True)
    message = _load_error(path)
    assert "inconsistent model file" in message
    assert "W1" in message


def test_wrong_weight_shape_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    arrays["W1"] = np.zeros((4, 5), dtype=np.float32)  # should be (5, 4)
    _rewrite(path, arrays, recompute=True)
    message = _load_error(path)
    assert "inconsistent model file" in message
    assert "W1 must have shape (5, 4)" in message


def test_wrong_optimizer_state_shape_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    arrays["optimizer.m"] = arrays["optimizer.m"][:-1]
    _rewrite(path, arrays, recompute=True)
    message = _load_error(path)
    assert "inconsistent model file" in message
    assert "optimizer.m" in message


@pytest.mark.parametrize("missing", ["network", "history", "epochs_trained", "rng_state"])
def test_missing_metadata_key_with_valid_checksum(tmp_path, missing):
    path = _saved(tmp_path)
    arrays = _read(path)
    meta = _metadata(arrays)
    del meta[missing]
    arrays["metadata"] = _encode(meta)
    _rewrite(path, arrays, recompute=True)
    message = _load_error(path)
    assert "inconsistent model file" in message
    assert missing in message


def test_unknown_activation_in_metadata_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    meta = _metadata(arrays)
    meta["network"]["activations"][1] = {"name": "swish"}
    arrays["metadata"] = _encode(meta)
    _rewrite(path, arrays, recompute=True)
    message = _load_error(path)
    assert "the model uses the activation 'swish', which this Python session does not know" \
        in message
    assert "steepest.register" in message


def test_metadata_not_utf8_json_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    arrays["metadata"] = np.frombuffer(b"\xff\xfe{not json", dtype=np.uint8)
    _rewrite(path, arrays, recompute=True)
    assert "corrupt metadata" in _load_error(path)


def test_metadata_invalid_json_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    arrays["metadata"] = np.frombuffer(b'{"format": ', dtype=np.uint8)
    _rewrite(path, arrays, recompute=True)
    assert "corrupt metadata" in _load_error(path)


def test_metadata_json_not_an_object_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    arrays["metadata"] = _encode([1, 2])
    _rewrite(path, arrays, recompute=True)
    assert "not a steepest model file" in _load_error(path)


def test_history_not_a_dict_with_valid_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    meta = _metadata(arrays)
    meta["history"] = [1.0, 2.0]
    arrays["metadata"] = _encode(meta)
    _rewrite(path, arrays, recompute=True)
    assert "inconsistent model file" in _load_error(path)


def test_npz_without_metadata(tmp_path):
    path = tmp_path / "other.npz"
    _write(path, {"a": np.arange(3.0), "b": np.ones((2, 2))})
    message = _load_error(path)
    assert "not a steepest model file" in message
    assert "no metadata or checksum" in message


def test_npz_without_checksum(tmp_path):
    path = _saved(tmp_path)
    arrays = _read(path)
    del arrays["checksum"]
    _rewrite(path, arrays, recompute=False)
    assert "no metadata or checksum" in _load_error(path)


def test_plain_npy_file_is_not_a_model_file(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(3.0))
    assert _load_error(path) == f"{path}: not a readable model file (not an .npz archive)"


# ---------------------------------------------------------------------- atomic writes


def test_failed_write_keeps_old_file_and_leaves_no_temp_file(tmp_path, monkeypatch):
    net, X = _trained_net()
    path = tmp_path / "model.npz"
    net.save(path)
    old_bytes = path.read_bytes()
    old_predictions = net.predict(X)

    calls = []

    def broken_savez(file, *args, **kwargs):
        calls.append(file)
        file.write(b"PK\x03\x04" + b"\x00" * 500)  # part of a file, then the disk fails
        raise OSError("simulated disk full")

    monkeypatch.setattr(steepest.io.np, "savez", broken_savez)
    other = Network([4, 5, 4, 2], seed=99)
    with pytest.raises(OSError, match="simulated disk full"):
        other.save(path)
    assert len(calls) == 1
    monkeypatch.undo()

    assert os.listdir(tmp_path) == ["model.npz"]
    assert path.read_bytes() == old_bytes
    assert np.array_equal(steepest.load(path).predict(X), old_predictions)


def test_interrupted_write_leaves_no_file_and_no_temp_file(tmp_path, monkeypatch):
    def interrupted(file, *args, **kwargs):
        file.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(steepest.io.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Network([2, 2, 1], seed=0).save(tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


def test_save_into_missing_folder(tmp_path):
    path = tmp_path / "missing" / "model.npz"
    with pytest.raises(SteepestError) as info:
        Network([2, 2, 1], seed=0).save(path)
    assert isinstance(info.value, ValueError)
    assert "does not exist" in str(info.value)
    assert str(tmp_path / "missing") in str(info.value)
    assert not (tmp_path / "missing").exists()
    assert os.listdir(tmp_path) == []


def test_save_accepts_str_and_pathlike(tmp_path):
    net, _ = _trained_net()
    net.save(str(tmp_path / "a"))
    net.save(tmp_path / "b")
    a, b = _read(tmp_path / "a"), _read(tmp_path / "b")
    assert sorted(a) == sorted(b)
    for name in a:
        assert np.array_equal(a[name], b[name]), name
    assert zipfile.is_zipfile(io.BytesIO((tmp_path / "a").read_bytes()))


def test_new_optimizer_schedule_resumes_exactly_after_save_and_load(blobs, classifier, tmp_path):
    X, y = blobs(64, gap=1.5)

    def start():
        net = classifier(seed=3)
        net.fit(X, y, epochs=2, batch_size=16, optimizer="sgd", learning_rate=0.1)
        return net

    interrupted = start()
    interrupted.fit(X, y, epochs=3, batch_size=16, optimizer="adam", learning_rate=0.01,
                    schedule=CosineDecay(epochs=6))
    loaded = steepest.load(interrupted.save(tmp_path / "net.npz"))
    loaded.fit(X, y, epochs=3, batch_size=16)

    straight = start()
    straight.fit(X, y, epochs=6, batch_size=16, optimizer="adam", learning_rate=0.01,
                 schedule=CosineDecay(epochs=6))
    assert straight.history["lr"][2] == 0.01
    assert loaded.history["lr"] == straight.history["lr"]
    np.testing.assert_array_equal(loaded.params, straight.params)
    assert loaded.optimizer.first_epoch == straight.optimizer.first_epoch == 2


def test_metadata_with_numpy_values_saves_and_others_raise(classifier, tmp_path):
    net = classifier()
    net.metadata = {"n": np.int64(3), "x": np.float32(0.5), "a": np.arange(3)}
    loaded = steepest.load(net.save(tmp_path / "ok.npz"))
    assert loaded.metadata == {"n": 3, "x": 0.5, "a": [0, 1, 2]}
    assert type(loaded.metadata["n"]) is int and type(loaded.metadata["x"]) is float

    net.metadata = {"thing": object()}
    bad = tmp_path / "bad" / "net.npz"
    bad.parent.mkdir()
    with pytest.raises(ConfigError, match=r"cannot save net.metadata or net.record: object "
                                          r"values are not JSON-able \(<object object"):
        net.save(bad)
    assert list(bad.parent.iterdir()) == []


def test_model_file_without_split_seed_still_loads(blobs, classifier, tmp_path):
    X, y = blobs(20, gap=1.5)
    net = classifier()
    net.fit(X, y, epochs=2, optimizer="adam")
    path = net.save(tmp_path / "net.npz")
    # rewrite it as the previous version wrote it: no split_seed, no first_epoch
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    del arrays["checksum"]
    meta = json.loads(arrays["metadata"].tobytes().decode())
    del meta["split_seed"]
    del meta["optimizer"]["first_epoch"]
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    arrays["checksum"] = np.frombuffer(_digest(arrays).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    loaded = steepest.load(path)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


# ---------------------------------------------------------------------- the metadata's schema


def _with_metadata_text(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = _saved(tmp_path)
    arrays = _read(path)
    arrays["metadata"] = np.frombuffer(text.encode(), dtype=np.uint8)
    _rewrite(path, arrays, recompute=True)
    return path


def test_metadata_nested_too_deeply_is_a_model_file_error(tmp_path):
    path = _with_metadata_text(tmp_path, "[" * 100_000 + "]" * 100_000)
    before = path.read_bytes()
    assert "corrupt metadata (JSON nested too deeply)" in _load_error(path)
    assert path.read_bytes() == before  # never touched


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.update(epochs_trained=float("inf")),
     "epochs_trained must be a whole number >= 0, found inf"),
    (lambda m: m.update(epochs_trained=-3), "epochs_trained must be a whole number >= 0"),
    (lambda m: m.update(history={"loss": "abc"}),
     "history['loss'] must be a list of numbers, found 'abc'"),
    (lambda m: m.update(history={"loss": [0.5, None]}), "history['loss'] must be a list"),
    (lambda m: m["network"].update(sizes=[2, 1e400]), "network.sizes must be at least two"),
    (lambda m: m["network"].update(sizes=[2, True]), "network.sizes must be at least two"),
    (lambda m: m["network"].update(activations=["tanh"]),
     "network.activations must name one activation per layer"),
    (lambda m: m["network"].update(loss=7), "network.loss must be a name or an object"),
    (lambda m: m["network"].update(seed="abc"), "network.seed must be a whole number or null"),
    (lambda m: m.update(user=[1, 2]), "user must be an object, found [1, 2]"),
    (lambda m: m.update(optimizer={"name": "adam", "steps": float("nan")}),
     "optimizer.steps must be a whole number >= 0, found nan"),
    (lambda m: m.update(optimizer="adam"), "optimizer must be null or an object with a name"),
    (lambda m: m.update(split_seed=1.5), "split_seed must be a whole number >= 0, found 1.5"),
    (lambda m: m["rng_state"].update(state="x"),
     "rng_state must be the state of a PCG64 generator, found {'bit_generator': 'PCG64', "),
    (lambda m: m["rng_state"]["state"].update(state=-1),
     "rng_state must be the state of a PCG64 generator"),
    (lambda m: m.update(rng_state={"bit_generator": "MT19937"}),
     "rng_state must be the state of a PCG64 generator, found {'bit_generator': 'MT19937'}"),
])
def test_checksummed_but_wrong_metadata_names_the_field(tmp_path, change, message):
    path = _saved(tmp_path)
    arrays = _read(path)
    meta = _metadata(arrays)
    change(meta)
    arrays["metadata"] = _encode(meta)
    _rewrite(path, arrays, recompute=True)
    error = _load_error(path)
    assert "inconsistent model file: " in error
    assert message in error


@pytest.mark.parametrize("user", [{"test": "holdout v2"}, {"data": "digits", "image": "yes"},
                                  {"classes": 10}, {"nested": {"a": [1, 2, {"b": None}]}}])
def test_any_json_metadata_of_the_users_own_round_trips(tmp_path, user):
    net, _ = _trained_net()
    net.metadata = user
    assert steepest.load(net.save(tmp_path / "m.npz")).metadata == user


def test_a_model_file_written_before_the_restructuring_still_loads_and_resumes():
    """tests/data/model-written-by-0.1.0.npz was saved by steepest as released
    before the one-source-of-truth restructuring (3 epochs of Adam with a cosine
    schedule, dropout, a validation split and metadata)."""
    path = pathlib.Path(__file__).parent / "data" / "model-written-by-0.1.0.npz"
    net = steepest.load(path)
    probe = np.array([[0.5, -0.2, 1.0], [-1.0, 0.3, 0.0]])
    np.testing.assert_allclose(net.predict(probe), [[0.40283489, 0.59716511],
                                                    [0.67321301, 0.32678699]], rtol=1e-6)
    assert (net.sizes, net.init, net.dropout) == ([3, 5, 2], "glorot", [0.1])
    assert net.metadata == {"data": "two blobs", "classes": ["no", "yes"]}
    # Its command-line facts sat in the user's metadata then: the record takes them.
    assert net.record == {"data": "two blobs", "classes": ["no", "yes"]}
    assert net.epochs_trained == 3 and len(net.history["val_loss"]) == 3
    assert net.optimizer.name == "adam" and net.optimizer.schedule.epochs == 10
    assert net.optimizer.steps == 12  # 32 training rows in batches of 8, 3 epochs
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    history = net.fit(X, (X[:, 0] + X[:, 1] > 0).astype(int), epochs=1, batch_size=8,
                      validation_split=0.2)  # resumes: the same optimiser, state and split
    assert net.optimizer.steps == 16 and len(history["loss"]) == 1


# ---------------------------------------------------------------------- the record, apart


def test_the_record_is_kept_apart_from_the_users_metadata(tmp_path):
    net, _ = _trained_net()
    net.metadata = {"test": "holdout v2", "data": "digits", "image": "yes", "classes": 10}
    net.record = {"data": "moons", "classes": ["a", "b"], "test": {"loss": 0.5}}
    loaded = steepest.load(net.save(tmp_path / "m.npz"))
    assert loaded.metadata == net.metadata
    assert loaded.record == net.record
    assert steepest.load(_saved(tmp_path, "plain.npz")).record == {}


def _as_written_before_the_record(path: pathlib.Path, user: dict) -> None:
    """Rewrite ``path`` as steepest 0.1.0 wrote files: the command line's facts in
    ``user``, no ``record``."""
    def as_before(meta: dict) -> None:
        del meta["record"]
        meta["user"] = user

    _with_metadata_changed(path, as_before)


def test_an_old_file_gets_the_record_from_its_metadata_where_the_form_fits(tmp_path):
    path = _saved(tmp_path)
    user = {"data": "digits", "classes": 10, "image": "yes", "seed": 3, "test": {"loss": 0.2},
            "mine": [1, 2]}
    _as_written_before_the_record(path, user)
    net = steepest.load(path)
    assert net.metadata == user
    assert net.record == {"data": "digits", "seed": 3, "test": {"loss": 0.2}}


@pytest.mark.parametrize(("record", "message"), [
    ({"classes": 10}, "record.classes must be a list of class names or null, found 10"),
    ({"image": "yes"}, 'record.image must be an object {"shape": [height, width]'),
    ({"image": {"shape": [8], "style": "digits"}}, "record.image must be an object"),
    ({"image": {"shape": [100_000, 100_000], "style": "mnist"}},
     "with sides of 1 to 4096 pixels, found {'shape': [100000, 100000]"),
    ({"image": {"shape": [0, 8], "style": "digits"}}, "with sides of 1 to 4096 pixels"),
    ({"image": {"shape": [8, 8], "style": "nosuch"}},
     'record.image must be an object {"shape": [height, width], "style": "mnist", "digits" '
     'or "fit"} with sides of 1 to 4096 pixels, found'),
    ({"data": 3}, "record.data must be a dataset's name or a file's path, found 3"),
    ({"test": {"loss": "low"}}, "record.test must be an object of figures"),
    ({"csv": {"schema": [], "target": "y"}}, "record.csv must be an object"),
    ({"run": [1]}, "record.run must be an object, found [1]"),
    ([1, 2], "record must be an object, found [1, 2]"),
])
def test_a_checksummed_record_of_the_wrong_form_is_refused_naming_the_field(tmp_path, record,
                                                                            message):
    path = _with_metadata_changed(_saved(tmp_path), lambda meta: meta.update(record=record))
    assert message in _load_error(path)


def test_read_metadata_tells_model_files_from_other_files(tmp_path):
    path = _saved(tmp_path)
    assert steepest.io.read_metadata(path)["format"] == "steepest.model"
    (tmp_path / "d.csv").write_text("a,b\n1,2\n")
    np.save(tmp_path / "a.npy", np.arange(3))
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("x.txt", "hello")
    for other in ("d.csv", "a.npy", "other.zip", "missing.npz"):
        assert steepest.io.read_metadata(tmp_path / other) is None


# ---------------------------------------------------------------------- the training state


def _checkpointed(tmp_path: pathlib.Path) -> pathlib.Path:
    X, y = _classification_data()
    net = Network([4, 6, 3], activation="tanh", loss="cross_entropy", seed=0)
    net.fit(X, y, epochs=3, batch_size=16, optimizer="adam", validation_split=0.25,
            callbacks=[steepest.EarlyStopping(patience=5)], checkpoint=tmp_path / "ck.npz")
    return tmp_path / "ck.npz"


def test_a_checkpoint_holds_the_training_state_with_its_arrays(tmp_path):
    net, state = steepest.io.load_checkpoint(_checkpointed(tmp_path))
    assert (state.epochs, state.every, state.stopped) == (3, 1, False)
    assert state.settings == {"batch_size": 16, "l2": 0.0, "l1": 0.0, "clip_norm": None,
                              "max_norm": None, "validation_split": 0.25, "shuffle": True,
                              "validation_data": False}
    assert len(state.data) == 64  # a SHA-256
    (entry,) = state.callbacks
    assert entry["name"] == "EarlyStopping" and entry["state"]["monitor"] == "val_loss"
    assert entry["state"]["params"].shape == net.params.shape
    assert state.update == steepest._kernels.path()  # which path the updates took
    assert steepest.io.load_checkpoint(_saved(tmp_path))[1] is None


def test_a_checkpoint_from_before_the_update_path_was_noted_loads(tmp_path):
    def written_before(meta):
        del meta["training"]["update"]

    path = _with_metadata_changed(_checkpointed(tmp_path), written_before)
    assert steepest.io.load_checkpoint(path)[1].update is None


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.update(epochs=-1), "training.epochs must be a whole number >= 0"),
    (lambda t: t.update(every=0), "training.every must be a whole number >= 1, found 0"),
    (lambda t: t.update(blas_threads="two"), "training.blas_threads must be a whole number"),
    (lambda t: t.update(stopped="no"), "training.stopped must be true or false"),
    (lambda t: t.update(update=3), "training.update must be a text or null, found 3"),
    (lambda t: t.update(callbacks=[{"state": {}}]), "training.callbacks must hold objects"),
    (lambda t: t.update(data=None), "training.data must be a text, found None"),
    (lambda t: t["callbacks"][0]["state"].update(params={"array": "nowhere"}),
     "missing 'nowhere'"),
])
def test_a_checksummed_training_state_of_the_wrong_form_is_refused(tmp_path, change, message):
    path = _with_metadata_changed(_checkpointed(tmp_path), lambda meta: change(meta["training"]))
    assert message in _load_error(path)
