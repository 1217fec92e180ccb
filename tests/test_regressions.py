"""Regression tests: these pin behaviour fixed after the code review (commit fbce755).

One test (or one parametrized test) per fix; each fails on the code before the fix.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import steepest
from steepest import EarlyStopping, Network, gradcheck
from steepest.activations import Sigmoid
from steepest.errors import ConfigError, DataError, DivergenceError, ShapeError
from steepest.io import _digest
from steepest.losses import BinaryCrossEntropy
from steepest.optimizers import SGD, Adam, CosineDecay, Schedule


def blobs(n=64, seed=0, gap=1.5):
    """Two Gaussian blobs in 2-D, labels 0/1 alternating."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = np.where(y[:, None] == 1, gap, -gap) * np.array([1.0, 0.5]) + rng.normal(size=(n, 2))
    return X, y


def classifier(seed=0, **kwargs):
    return Network([2, 4, 2], activation="tanh", loss="cross_entropy", seed=seed, **kwargs)


def held_out_rows(net, n, fraction):
    order = np.random.default_rng(net.split_seed).permutation(n)
    return np.sort(order[: round(n * fraction)])


# ----------------------------------------------------------------------- 1. schedules


def test_new_optimizer_schedule_starts_at_its_own_first_epoch():
    X, y = blobs()
    net = classifier()
    net.fit(X, y, epochs=10, optimizer="sgd", learning_rate=0.1)
    before = net.params.copy()
    h = net.fit(X, y, epochs=5, optimizer="adam", learning_rate=0.01,
                schedule=CosineDecay(epochs=5))
    assert h["lr"][0] == 0.01  # the schedule's epoch 0, not the network's epoch 10 (lr 0)
    assert not np.array_equal(net.params, before)
    assert net.optimizer.first_epoch == 10


def test_new_optimizer_schedule_resumes_exactly_after_save_and_load(tmp_path):
    X, y = blobs()

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


# ----------------------------------------------------------------------- 2. divergence


def test_divergence_restarts_the_same_optimizer_afresh():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1000, size=(40, 3))
    y = rng.uniform(0, 1000, size=(40, 1))
    net = Network([3, 8, 1], activation="relu", output_activation="identity", loss="sse",
                  seed=0)
    spec = {"name": "adam", "learning_rate": 1e20, "beta1": 0.8,
            "schedule": {"name": "step", "step_size": 3, "factor": 0.5}}
    with pytest.raises(DivergenceError):
        net.fit(X, y, epochs=20, batch_size=8, optimizer=spec)
    opt = net.optimizer
    assert type(opt) is Adam
    assert opt.steps == 0 and opt.state == {}
    expected = spec | {"beta2": 0.999, "eps": 1e-8, "schedule": spec["schedule"]}
    config = opt.config()
    assert config.pop("steps") == 0
    config.pop("first_epoch")
    assert config == expected


# ----------------------------------------------------------------------- 3. sample weights


def test_minibatch_of_tiny_weights_takes_a_tiny_step():
    X, y = blobs(32)
    # the same points with flipped labels and weight 1e-9, last so they form the
    # final batch of every epoch
    Xa, ya = np.vstack([X, X]), np.concatenate([y, 1 - y])
    w = np.concatenate([np.ones(32), np.full(32, 1e-9)])
    accuracy = {}
    for batch_size in (32, None):
        net = classifier()
        net.fit(Xa, ya, epochs=100, batch_size=batch_size, shuffle=False, optimizer="sgd",
                learning_rate=0.5, sample_weight=w)
        accuracy[batch_size] = net.evaluate(X, y)["accuracy"]
    assert accuracy[None] >= 0.95
    assert accuracy[32] >= 0.95


# ----------------------------------------------------------------------- 4. clip_norm


def test_clip_norm_with_a_gradient_whose_squared_norm_overflows_float32():
    net = Network([1, 1], activation="identity", loss="mse")
    net.set_weights([np.ones((1, 1)), np.zeros(1)])
    X, y = np.array([[1e10], [2e10]]), np.array([0.0, 0.0])
    before = net.params.astype(np.float64)
    net.fit(X, y, epochs=1, batch_size=None, optimizer="sgd", learning_rate=0.1,
            clip_norm=1.0)
    moved = np.linalg.norm(net.params.astype(np.float64) - before)
    assert moved == pytest.approx(0.1, rel=1e-5)


# ----------------------------------------------------------------------- 5. validation_split


@pytest.mark.parametrize("zero_side", ["validation", "training"])
def test_validation_split_with_zero_weights_on_one_side(zero_side):
    X, y = blobs(20)
    net = classifier()
    val_rows = held_out_rows(net, 20, 0.25)
    in_val = np.isin(np.arange(20), val_rows)
    w = np.where(in_val, 0.0, 1.0) if zero_side == "validation" else np.where(in_val, 1.0, 0.0)
    with pytest.raises(DataError, match="zero sample weights"):
        net.fit(X, y, epochs=1, validation_split=0.25, sample_weight=w)


# ----------------------------------------------------------------------- 6. setting types


@pytest.mark.parametrize(
    "setting",
    [
        {"batch_size": 32.0},
        {"batch_size": True},
        {"batch_size": "a"},
        {"epochs": 2.0},
        {"epochs": None},
        {"epochs": float("nan")},
        {"epochs": float("inf")},
        {"l2": None},
        {"l2": "0.1"},
        {"clip_norm": "1"},
        {"validation_split": None},
        {"learning_rate": "x"},
        {"learning_rate": True},
    ],
    ids=lambda setting: ",".join(f"{k}={v!r}" for k, v in setting.items()),
)
def test_fit_settings_of_the_wrong_type_raise_config_error(setting):
    X, y = blobs(20)
    net = classifier()
    with pytest.raises(ConfigError):
        net.fit(X, y, **({"optimizer": "sgd"} | setting))
    # NumPy integers are whole numbers
    h = net.fit(X, y, epochs=np.int64(2), batch_size=np.int64(16))
    assert len(h["loss"]) == 2


# ----------------------------------------------------------------------- 7. float32 range


def test_values_beyond_float32_range_raise_data_error():
    net = Network([2, 3, 3], loss="cross_entropy", seed=0)
    X, y = np.ones((4, 2)), np.array([0, 1, 2, 0])
    huge = X.copy()
    huge[2, 1] = 1e39
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="too large for float32"):
            net.fit(huge, y)
        with pytest.raises(DataError, match="too large for float32"):
            net.predict(huge)
        with pytest.raises(DataError, match=r"found labels from 0 to 1e\+30"):
            net.fit(X, np.array([0.0, 1.0, 1e30, 2.0]))
        weights = [a.astype(np.float64) for a in net.get_weights()]
        weights[0][0, 0] = 1e39
        with pytest.raises(DataError, match="too large for float32"):
            net.set_weights(weights)
        with pytest.raises(DataError):
            net.fit(X, y, sample_weight=np.full(4, 1e308))


# ----------------------------------------------------------------------- 8. ragged lists


def test_ragged_lists_raise_data_error():
    with pytest.raises(DataError):
        Network([3, 2], loss="cross_entropy").fit([[1, 2, 3], [1, 2]], [0, 1])
    net = Network([2, 2])
    with pytest.raises(DataError):
        net.fit([[1, 2], [3, 4]], [[1, 0], [0]])
    with pytest.raises(DataError):
        net.set_weights([[[1, 2], [3]], [0, 0]])


# ----------------------------------------------------------------------- 9. sample_weight shape


def test_two_dimensional_sample_weight_is_a_shape_error():
    X, y = blobs(20)
    net = classifier()
    with pytest.raises(ShapeError):
        net.fit(X, y, sample_weight=np.ones((4, 5)))
    h = net.fit(X, y, sample_weight=np.ones((20, 1)))
    assert np.isfinite(h["loss"]).all()


# ----------------------------------------------------------------------- 10. dropout=None


def test_dropout_none_means_no_dropout():
    X, y = blobs(20)
    net = Network([2, 4, 2], activation="tanh", loss="cross_entropy", dropout=None, seed=0)
    assert net.dropout == [0.0]
    twin = classifier()
    net.fit(X, y, epochs=2)
    twin.fit(X, y, epochs=2)
    np.testing.assert_array_equal(net.params, twin.params)


# ----------------------------------------------------------------------- 11. metadata


def test_metadata_with_numpy_values_saves_and_others_raise(tmp_path):
    net = classifier()
    net.metadata = {"n": np.int64(3), "x": np.float32(0.5), "a": np.arange(3)}
    loaded = steepest.load(net.save(tmp_path / "ok.npz"))
    assert loaded.metadata == {"n": 3, "x": 0.5, "a": [0, 1, 2]}
    assert type(loaded.metadata["n"]) is int and type(loaded.metadata["x"]) is float

    net.metadata = {"thing": object()}
    bad = tmp_path / "bad" / "net.npz"
    bad.parent.mkdir()
    with pytest.raises(ConfigError):
        net.save(bad)
    assert list(bad.parent.iterdir()) == []


# ----------------------------------------------------------------------- 12. gradcheck eps


@pytest.mark.parametrize("eps", [0, 0.0, float("nan"), -1])
def test_gradcheck_rejects_non_positive_eps(eps):
    X, y = blobs(8)
    with pytest.raises(ConfigError, match="eps"):
        gradcheck(classifier(), X, y, eps=eps)


# ----------------------------------------------------------------------- 13. failed fit


def test_fit_failing_its_checks_leaves_the_optimizer_alone():
    X, y = blobs(20)
    net = classifier()
    net.fit(X, y, epochs=2, optimizer="adam")
    adam, steps = net.optimizer, net.optimizer.steps
    assert steps > 0
    with pytest.raises(ConfigError, match="val_loss"):
        net.fit(X, y, optimizer="sgd", callbacks=[EarlyStopping(monitor="val_loss")])
    assert net.optimizer is adam
    assert adam.steps == steps


# ----------------------------------------------------------------------- 14. BCE with c > 1


def test_binary_cross_entropy_finite_for_huge_float32_logits_and_steep_sigmoid():
    sigmoid = Sigmoid(c=4)
    Z = np.array([[1e38], [-1e38], [1e38]], dtype=np.float32)
    Y = np.array([[0], [1], [1]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = sigmoid.forward(Z.copy())
        loss = BinaryCrossEntropy().per_sample(Y, A, Z, sigmoid)
    assert np.isfinite(loss).all()
    expected = 4 * float(np.float32(1e38))
    np.testing.assert_allclose(loss, [expected, expected, 0.0], rtol=1e-12)


# ----------------------------------------------------------------------- 15. split seed


def test_unseeded_network_holds_out_the_same_rows_every_fit(tmp_path):
    X, y = blobs(50)
    net = Network([2, 4, 2], activation="tanh", loss="cross_entropy")  # seed=None
    split_seed = net.split_seed
    val_rows = held_out_rows(net, 50, 0.2)
    for _ in range(2):
        h = net.fit(X, y, epochs=1, validation_split=0.2)
        assert net.split_seed == split_seed
        final = net.evaluate(X[val_rows], y[val_rows])["loss"]
        assert h["val_loss"][-1] == pytest.approx(final, rel=1e-12)

    loaded = steepest.load(net.save(tmp_path / "net.npz"))
    assert loaded.split_seed == split_seed
    h = loaded.fit(X, y, epochs=1, validation_split=0.2)
    final = loaded.evaluate(X[val_rows], y[val_rows])["loss"]
    assert h["val_loss"][-1] == pytest.approx(final, rel=1e-12)


# ----------------------------------------------------------------------- 16. subnormals


def test_adam_state_has_no_subnormals_after_many_zero_gradients():
    rng = np.random.default_rng(0)
    params = np.zeros(100, dtype=np.float32)
    opt = Adam()
    opt.update(params, rng.normal(size=100).astype(np.float32))
    zeros = np.zeros(100, dtype=np.float32)
    for _ in range(2000):
        opt.update(params, zeros)
    m = np.abs(opt.state["m"])
    assert int(((m > 0) & (m < np.finfo(np.float32).tiny)).sum()) == 0
    assert np.isfinite(params).all()


# ----------------------------------------------------------------------- 17. non-finite gradient


def test_non_finite_gradient_counts_as_divergence():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1000, size=(40, 3))
    y = rng.uniform(0, 1000, size=(40, 1))
    net = Network([3, 8, 1], activation="tanh", output_activation="identity", loss="mse",
                  seed=0)
    with pytest.raises(DivergenceError, match="gradient"):
        net.fit(X, y, epochs=30, batch_size=8, optimizer="sgd", learning_rate=1e18)
    assert np.isfinite(net.params).all()
    h = net.fit(X / 1000, y / 1000, epochs=20, batch_size=8, learning_rate=0.01)
    assert np.isfinite(h["loss"]).all()
    assert h["loss"][-1] < h["loss"][0]


# ----------------------------------------------------------------------- bugs found meanwhile


def _divergent_relu_setup():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1000, size=(40, 3))
    y = rng.uniform(0, 1000, size=(40, 1))
    net = Network([3, 8, 1], activation="relu", output_activation="identity", loss="sse",
                  seed=0)
    return net, X, y


class Halving(Schedule):
    """A user's own schedule (not one of the built-in names)."""

    name = "halving"

    def factor(self, epoch: int) -> float:
        return 0.5**epoch


def test_divergence_with_a_user_defined_schedule_raises_divergence_error():
    net, X, y = _divergent_relu_setup()
    with pytest.raises(DivergenceError):
        net.fit(X, y, epochs=20, batch_size=8, optimizer=SGD(1e6, schedule=Halving()))
    assert net.optimizer.steps == 0


@pytest.mark.parametrize("learning_rate", [np.float32(0.01), np.int64(1)], ids=repr)
def test_numpy_scalar_learning_rate_is_accepted(learning_rate):
    X, y = blobs(20)
    h = classifier().fit(X, y, optimizer="sgd", learning_rate=learning_rate)
    assert h["lr"] == [float(learning_rate)]


def test_model_file_without_split_seed_still_loads(tmp_path):
    X, y = blobs(20)
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
