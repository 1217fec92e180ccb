"""The fused numba kernels of the optimisers' updates: the same numbers as the NumPy
updates bit for bit, chosen by STEEPEST_KERNELS or ``_kernels.use``, and left out
for an update rule of one's own."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import steepest
from steepest import _kernels
from steepest.errors import ConfigError
from steepest.network import _all_finite
from steepest.optimizers import Momentum, get_optimizer

OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam"]
needs_numba = pytest.mark.skipif(not _kernels._import_numba(),
                                 reason="the fused kernels need numba (steepest[fast])")


@pytest.fixture(autouse=True)
def _choice_restored():
    before = _kernels.use(None)
    yield
    _kernels.use(before)


def _updates(path, name, dtype, keep, steps=5, n=10_007):
    """``steps`` updates of ``n`` parameters on path ``path``, the learning rate
    changing each step: the parameters, the state, and each step's kept copy."""
    _kernels.use(path)
    rng = np.random.default_rng(3)
    params = rng.standard_normal(n).astype(dtype)
    optimizer = get_optimizer(name, 0.05)
    kept = []
    for step in range(steps):
        optimizer.start_epoch(step)
        optimizer.lr = 0.05 / (step + 1)
        grads = rng.standard_normal(n).astype(dtype)
        grads[:50] = 0.0  # a dead unit's gradient: the moments decay towards 0
        buffer = np.full_like(params, np.nan) if keep else None
        optimizer.update(params, grads, buffer)
        kept.append(buffer)
    return params, optimizer.state, kept


@needs_numba
@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_kernel_gives_the_numpy_update_bit_for_bit(name, dtype, keep):
    params, state, kept = _updates("numba", name, dtype, keep)
    ref_params, ref_state, ref_kept = _updates("numpy", name, dtype, keep)
    assert params.dtype == dtype
    assert np.array_equal(params, ref_params)
    assert set(state) == set(ref_state) and all(np.array_equal(state[k], ref_state[k])
                                                for k in state)
    if keep:  # the weights as they were before each update, as NumPy's path keeps them
        assert all(np.array_equal(a, b) for a, b in zip(kept, ref_kept, strict=True))
        assert not np.isnan(kept[-1]).any()


@needs_numba
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_fit_trains_to_the_same_weights_on_either_path(name):
    rng = np.random.default_rng(0)
    X = rng.random((300, 40), dtype=np.float32)
    y = rng.integers(0, 5, 300)
    weights = {}
    for path in ("numpy", "numba"):
        _kernels.use(path)
        net = steepest.Network([40, 64, 5], activation="relu", loss="cross_entropy", seed=2,
                               dropout=0.1)
        history = net.fit(X, y, epochs=3, batch_size=32, optimizer=name, learning_rate=0.01,
                          l2=1e-4, schedule="cosine")
        weights[path] = (net.params.copy(), history["loss"])
    assert np.array_equal(weights["numpy"][0], weights["numba"][0])
    assert weights["numpy"][1] == weights["numba"][1]
    assert weights["numba"][1][-1] < weights["numba"][1][0]  # it learned


@needs_numba
def test_the_kernels_need_no_scratch_space_the_numpy_update_does():
    params, grads = np.ones(5000, dtype=np.float32), np.ones(5000, dtype=np.float32)
    _kernels.use("numba")
    fused = get_optimizer("adam", 0.01)
    fused.update(params, grads)
    assert fused.scratch is None  # no full-size temporary beside the weights
    _kernels.use("numpy")
    fused.update(params, grads)
    assert fused.scratch.shape == params.shape


@needs_numba
def test_path_names_the_kernels_or_numpy():
    _kernels.use("numba")
    import numba

    assert _kernels.active() and _kernels.path() == f"numba {numba.__version__}"
    _kernels.use("numpy")
    assert not _kernels.active() and _kernels.path() == "numpy"


def test_an_update_rule_of_ones_own_takes_numpy_path_even_beside_a_kernel():
    calls = []

    class Halved(Momentum):  # a new rule: the momentum kernel must not replace it
        name = "halved_momentum_for_kernel_test"

        def _apply(self, params, grads, state, tmp):
            calls.append(len(params))
            params -= 0.5 * self.lr * grads

    class Renamed(Momentum):  # the same rule: keeps the kernel
        name = "renamed_momentum_for_kernel_test"

    assert Halved._fused is None and Renamed._fused is Momentum._fused
    params = np.ones(1000, dtype=np.float32)
    Halved(0.2).update(params, np.ones(1000, dtype=np.float32))
    assert sum(calls) == 1000 and np.allclose(params, 0.9)


def test_without_numba_the_updates_take_numpy_path(monkeypatch):
    monkeypatch.setattr(_kernels, "_numba", False)  # as if numba were not installed
    assert _kernels.path() == "numpy" and not _kernels.active()
    with pytest.raises(ConfigError, match=r'need numba: pip install "steepest\[fast\]"'):
        _kernels.use("numba")
    params = np.ones(100, dtype=np.float32)
    get_optimizer("momentum", 0.5).update(params, np.ones(100, dtype=np.float32))
    assert np.all(params == 0.5)


def test_a_bad_choice_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match="kernels must be one of auto, numba, numpy, got 'fast'"):
        _kernels.use("fast")


def _path_with(value: str) -> subprocess.CompletedProcess:
    code = "from steepest import _kernels; print(_kernels.path())"
    return subprocess.run([sys.executable, "-c", code], env={**os.environ,
                          "STEEPEST_KERNELS": value}, capture_output=True, text=True, check=False)


def test_steepest_kernels_in_the_environment_chooses_the_path():
    numpy_path = _path_with("numpy")
    assert (numpy_path.returncode, numpy_path.stdout) == (0, "numpy\n")
    bad = _path_with("fast")
    assert bad.returncode == 1
    assert "STEEPEST_KERNELS must be one of auto, numba, numpy, got 'fast'" in bad.stderr


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_finiteness_kernel_finds_a_nan_or_infinity_anywhere(dtype):
    _kernels.use("numba")
    values = np.ones(100_003, dtype=dtype)
    assert _all_finite(values) is True
    for bad in (np.nan, np.inf, -np.inf):
        for where in (0, 4097, 100_002):  # the vector loop's first lane, a middle one, the tail
            values[where] = bad
            assert _all_finite(values) is False
            values[where] = 1.0
    values[:] = np.finfo(dtype).max  # large, and finite: a sum would overflow
    assert _all_finite(values) is True


@needs_numba
def test_without_a_place_for_numbas_cache_the_kernels_compile_each_time(monkeypatch):
    import numba

    njit, asked = numba.njit, []

    def no_cache_place(*args, cache=False, **options):
        asked.append(cache)
        if cache:
            raise RuntimeError("cannot cache function '_sgd': no locator available for file")
        return njit(*args, **options)

    monkeypatch.setattr(numba, "njit", no_cache_place)
    monkeypatch.setattr(_kernels, "_compiled", {})
    _kernels.use("numba")
    params = np.ones(10, dtype=np.float32)
    get_optimizer("sgd", 0.5).update(params, np.ones(10, dtype=np.float32))
    assert asked == [True, False] and np.all(params == 0.5)
