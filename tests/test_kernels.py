"""The compiled kernels of the optimisers' updates (steepest._fused): the same
numbers as the NumPy updates bit for bit, chosen by STEEPEST_KERNELS or
``_kernels.use``, left out for an update rule of one's own, and built wherever a
C compiler was at hand."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

import steepest
from steepest import _kernels
from steepest.activations import get_activation
from steepest.errors import ConfigError
from steepest.network import _all_finite
from steepest.optimizers import Momentum, get_optimizer

OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam"]
needs_kernels = pytest.mark.skipif(not _kernels.built(), reason="the compiled kernels were "
                                   "not built (steepest was installed without a C compiler)")


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


@needs_kernels
@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_kernel_gives_the_numpy_update_bit_for_bit(name, dtype, keep):
    params, state, kept = _updates("compiled", name, dtype, keep)
    ref_params, ref_state, ref_kept = _updates("numpy", name, dtype, keep)
    assert params.dtype == dtype
    assert np.array_equal(params, ref_params)
    assert set(state) == set(ref_state) and all(np.array_equal(state[k], ref_state[k])
                                                for k in state)
    if keep:  # the weights as they were before each update, as NumPy's path keeps them
        assert all(np.array_equal(a, b) for a, b in zip(kept, ref_kept, strict=True))
        assert not np.isnan(kept[-1]).any()


@needs_kernels
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_fit_trains_to_the_same_weights_on_either_path(name):
    rng = np.random.default_rng(0)
    X = rng.random((300, 40), dtype=np.float32)
    y = rng.integers(0, 5, 300)
    weights = {}
    for path in ("numpy", "compiled"):
        _kernels.use(path)
        net = steepest.Network([40, 64, 5], activation="relu", loss="cross_entropy", seed=2,
                               dropout=0.1)
        history = net.fit(X, y, epochs=3, batch_size=32, optimizer=name, learning_rate=0.01,
                          l2=1e-4, schedule="cosine")
        weights[path] = (net.params.copy(), history["loss"])
    assert np.array_equal(weights["numpy"][0], weights["compiled"][0])
    assert weights["numpy"][1] == weights["compiled"][1]
    assert weights["compiled"][1][-1] < weights["compiled"][1][0]  # it learned


@needs_kernels
def test_the_kernels_need_no_scratch_space_the_numpy_update_does():
    params, grads = np.ones(5000, dtype=np.float32), np.ones(5000, dtype=np.float32)
    _kernels.use("compiled")
    fused = get_optimizer("adam", 0.01)
    fused.update(params, grads)
    assert fused.scratch is None  # no full-size temporary beside the weights
    _kernels.use("numpy")
    fused.update(params, grads)
    assert fused.scratch.shape == params.shape


@needs_kernels
def test_path_names_the_kernels_and_their_compiler_or_numpy():
    from steepest import _fused

    _kernels.use("compiled")
    assert _kernels.active() and _kernels.path() == f"compiled ({_fused.COMPILER})"
    assert re.fullmatch(r"(gcc|clang) \d+\.\d+.*|C", _fused.COMPILER)
    _kernels.use("numpy")
    assert not _kernels.active() and _kernels.path() == "numpy"


def test_the_kernels_are_built_wherever_a_c_compiler_was_at_hand():
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not (shutil.which("gcc") or shutil.which("cc")) or not headers.exists():
        pytest.skip("no C compiler or no Python headers here: the kernels cannot be built")
    assert _kernels.built(), ("steepest._fused is missing although a C compiler is here: "
                              "reinstall steepest (pip install -e .) to build it")


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


def test_without_the_kernels_the_updates_take_numpy_path(monkeypatch):
    monkeypatch.setattr(_kernels, "_module", False)  # as if built without a C compiler
    assert _kernels.path() == "numpy" and not _kernels.active()
    with pytest.raises(ConfigError, match="the compiled kernels were not built: steepest was "
                       "installed without a C compiler; install gcc"):
        _kernels.use("compiled")
    params = np.ones(100, dtype=np.float32)
    get_optimizer("momentum", 0.5).update(params, np.ones(100, dtype=np.float32))
    assert np.all(params == 0.5)


def test_a_bad_choice_is_refused_with_the_choices():
    with pytest.raises(ConfigError,
                       match="kernels must be one of auto, compiled, numpy, got 'fast'"):
        _kernels.use("fast")


def _path_with(value: str) -> subprocess.CompletedProcess:
    code = "from steepest import _kernels; print(_kernels.path())"
    return subprocess.run([sys.executable, "-c", code], env={**os.environ,
                          "STEEPEST_KERNELS": value}, capture_output=True, text=True, check=False)


def test_steepest_kernels_in_the_environment_chooses_the_path():
    numpy_path = _path_with("numpy")
    assert (numpy_path.returncode, numpy_path.stdout) == (0, "numpy\n")
    if _kernels.built():
        compiled = _path_with("compiled")
        assert compiled.returncode == 0 and compiled.stdout.startswith("compiled (")
    bad = _path_with("fast")
    assert bad.returncode == 1
    assert "STEEPEST_KERNELS must be one of auto, compiled, numpy, got 'fast'" in bad.stderr


@needs_kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_finiteness_kernel_finds_a_nan_or_infinity_anywhere(dtype):
    _kernels.use("compiled")
    values = np.ones(100_003, dtype=dtype)
    assert _all_finite(values) is True
    for bad in (np.nan, np.inf, -np.inf):
        for where in (0, 4097, 100_002):  # the vector loop's first lane, a middle one, the tail
            values[where] = bad
            assert _all_finite(values) is False
            values[where] = 1.0
    values[:] = np.finfo(dtype).max  # large, and finite: a sum would overflow
    assert _all_finite(values) is True


def _misaligned(values: np.ndarray) -> np.ndarray:
    """A writable copy of ``values`` one byte past an aligned address."""
    out = np.frombuffer(bytearray(values.nbytes + 1), dtype=values.dtype,
                        count=values.size, offset=1).reshape(values.shape)
    out[...] = values
    assert not out.flags.aligned and out.flags.c_contiguous and out.flags.writeable
    return out


@needs_kernels
@pytest.mark.parametrize(("arrays", "message"), [
    ((np.ones(4, np.float32), np.ones(4, np.float64), np.ones(4, np.float32)),
     "sgd takes float32 or float64 arrays, all of one precision and size; argument 1 differs"),
    ((np.ones(4, np.float32), np.ones(3, np.float32), np.ones(4, np.float32)),
     "argument 1 differs"),
    ((np.ones(4, np.int32), np.ones(4, np.int32), np.ones(4, np.int32)), "argument 0 differs"),
    ((np.ones(8, np.float32)[::2], np.ones(4, np.float32), np.ones(4, np.float32)),
     "not C-contiguous"),
    ((np.ones(4, np.float32), _misaligned(np.ones(4, np.float32)), np.ones(4, np.float32)),
     "sgd takes arrays aligned to their item size; argument 1 is not"),
])
def test_the_kernels_refuse_arrays_they_cannot_update(arrays, message):
    from steepest import _fused

    with pytest.raises((TypeError, ValueError), match=message):
        _fused.sgd(*arrays, False, 0.1)


@needs_kernels
def test_the_kernels_refuse_read_only_weights_and_wrong_arguments():
    from steepest import _fused

    params, grads = np.ones(4, np.float32), np.ones(4, np.float32)
    params.flags.writeable = False
    with pytest.raises(ValueError, match="buffer source array is read-only"):
        _fused.sgd(params, grads, params, False, 0.1)
    grads.flags.writeable = False  # gradients are only read: fine read-only
    weights = np.ones(4, np.float32)
    _fused.sgd(weights, grads, weights, False, 0.5)
    assert np.all(weights == 0.5)
    with pytest.raises(TypeError, match="sgd takes 5 arguments, got 4"):
        _fused.sgd(weights, grads, weights, False)
    with pytest.raises(TypeError, match="must be real number, not str"):
        _fused.sgd(weights, grads, weights, False, "0.1")
    with pytest.raises(TypeError, match="all_finite takes a float32 or float64 array"):
        _fused.all_finite(np.ones(3, np.int64))


@needs_kernels
def test_a_scalar_is_rounded_to_the_arrays_precision_as_numpy_rounds_it():
    from steepest import _fused

    lr = 0.1 + 1e-9  # not a float32 number: float32 rounds it
    for dtype in (np.float32, np.float64):
        params, grads = np.full(9, 3.0, dtype), np.full(9, 7.0, dtype)
        expected = params - grads * lr  # NumPy's rounding of a Python number
        _fused.sgd(params, grads, params, False, lr)
        assert params.dtype == dtype and np.array_equal(params, expected)


def _awkward_values(dtype, n=10_007) -> np.ndarray:
    """Random values with every special case among them: NaN of either sign and
    another payload, infinities, signed zeros, the smallest subnormal."""
    values = np.random.default_rng(5).standard_normal(n).astype(dtype)
    bits = np.uint32 if dtype == np.float32 else np.uint64
    odd_nan = np.array(np.nan, dtype).view(bits) | bits(1)  # a NaN with a payload
    special = [np.nan, -np.nan, odd_nan.view(dtype), np.inf, -np.inf, 0.0, -0.0,
               np.finfo(dtype).smallest_subnormal, -np.finfo(dtype).smallest_subnormal]
    values[3 : 3 + len(special)] = special  # in the vector loop
    values[-len(special):] = special  # and in its tail
    return values


def _bits(values: np.ndarray) -> np.ndarray:
    return values.view(np.uint32 if values.dtype == np.float32 else np.uint64)


@needs_kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_relu_kernels_give_numpys_numbers_bit_for_bit(dtype):
    relu = get_activation("relu")
    Z = _awkward_values(dtype).reshape(1, -1)
    grads = _awkward_values(dtype)[::-1].reshape(1, -1).copy()  # specials meet specials
    out = {}
    for path in ("numpy", "compiled"):
        _kernels.use(path)
        with np.errstate(invalid="ignore"):  # inf * 0, on NumPy's path
            out[path] = relu.forward(Z), relu.backward(Z, None, grads.copy())
    for numpy_result, compiled_result in zip(out["numpy"], out["compiled"], strict=True):
        assert compiled_result.dtype == dtype
        assert np.array_equal(_bits(compiled_result), _bits(numpy_result))
    forward, backward = out["compiled"]
    assert np.signbit(forward[0, 3 + 6]) == np.False_  # max(-0.0, 0) is +0.0, as NumPy has it
    assert np.isnan(forward[0, 3]) and np.all(forward[~np.isnan(forward)] >= 0)
    assert np.all(backward[(Z <= 0) & np.isfinite(grads)] == 0)  # no gradient through 0
    assert np.array_equal(backward[Z > 0], grads[Z > 0], equal_nan=True)


@needs_kernels
def test_relu_takes_numpys_path_for_arrays_the_kernels_do_not_take():
    relu = get_activation("relu")
    _kernels.use("compiled")
    Z = np.random.default_rng(6).standard_normal((6, 8)).astype(np.float32)
    for odd in (Z[:, ::2], Z.T, Z.astype(np.float16), np.arange(-3, 3), np.array(-2.0, np.float32),
                _misaligned(Z)):
        assert not _kernels.suits(odd)
        assert np.array_equal(relu.forward(odd), np.maximum(odd, 0))
    grads = np.ones((6, 8), np.float64)  # another precision than Z: NumPy's multiply
    assert not _kernels.suits(grads, Z)
    assert np.array_equal(relu.backward(Z, None, grads), (Z > 0).astype(np.float64))
    _kernels.use("numpy")
    assert not _kernels.suits(Z)


@needs_kernels
def test_the_relu_kernels_refuse_arrays_of_another_size_or_precision():
    from steepest import _fused

    with pytest.raises(TypeError, match="relu takes float32 or float64 arrays, all of one "
                       "precision and size; argument 1 differs"):
        _fused.relu(np.empty(4, np.float32), np.ones(5, np.float32))
    with pytest.raises(TypeError, match="relu_backward takes float32 or float64 arrays"):
        _fused.relu_backward(np.empty(4, np.float32), np.ones(4, np.float64))
    with pytest.raises(TypeError, match="relu takes 2 arguments, got 3"):
        _fused.relu(np.empty(4, np.float32), np.ones(4, np.float32), False)


@needs_kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_relu_with_its_bias_gives_numpys_numbers_bit_for_bit(dtype, monkeypatch):
    # Z += b, then max(Z, 0): the sums left in Z and the outputs, bit for bit, with
    # the special values meeting a bias that has its own (NaN, infinities, -0.0).
    relu = get_activation("relu")
    ran, run = [], _kernels.run

    def spy(name, *arrays_and_scalars):
        ran.append(name)
        return run(name, *arrays_and_scalars)

    monkeypatch.setattr(_kernels, "run", spy)
    values = _awkward_values(dtype, n=97 * 103)
    b = _awkward_values(dtype, n=103)[::-1].copy()
    out = {}
    for path in ("numpy", "compiled"):
        _kernels.use(path)
        Z = values.reshape(97, 103).copy()
        with np.errstate(invalid="ignore"):  # inf + -inf, on NumPy's path
            A = relu.add_bias_and_forward(Z, b)
        out[path] = Z, A
    with np.errstate(invalid="ignore"):
        sums = values.reshape(97, 103) + b
    for path in ("numpy", "compiled"):
        Z, A = out[path]
        assert Z.dtype == A.dtype == dtype
        assert np.array_equal(_bits(Z), _bits(sums))
        assert np.array_equal(_bits(A), _bits(np.maximum(sums, 0)))
    assert not np.signbit(out["compiled"][1][sums == 0]).any()  # max(-0.0, 0) is +0.0
    assert ran == ["relu_bias"]  # one compiled pass on that path, none on NumPy's


@needs_kernels
def test_the_relu_with_its_bias_takes_numpys_path_for_what_the_kernel_does_not_take():
    relu = get_activation("relu")
    _kernels.use("compiled")
    rng = np.random.default_rng(8)
    Z = rng.standard_normal((6, 8)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    for odd_Z, odd_b in ((np.asfortranarray(Z), b), (Z, b.astype(np.float64)),
                         (Z, np.repeat(b, 2)[::2]), (Z[0].copy(), b), (Z, _misaligned(b)),
                         (Z.astype(np.float16), b)):
        assert not (_kernels.suits(odd_Z) and odd_Z.ndim == 2 and _kernels.suits(odd_b)
                    and odd_b.dtype == odd_Z.dtype)
        sums = odd_Z.copy()
        sums += odd_b  # in place, as the layer adds it: Z keeps its precision
        got_Z = odd_Z.copy()
        got = relu.add_bias_and_forward(got_Z, odd_b)
        assert np.array_equal(got_Z, sums) and np.array_equal(got, np.maximum(sums, 0))
    with pytest.raises(ValueError, match="broadcast"):  # NumPy's own word for a wrong bias
        relu.add_bias_and_forward(Z.copy(), b[:5])
    # Every other activation adds the bias, then runs its forward pass
    tanh = get_activation("tanh")
    Z2 = Z.copy()
    assert np.array_equal(tanh.add_bias_and_forward(Z2, b), np.tanh(Z + b))
    assert np.array_equal(Z2, Z + b)


@needs_kernels
def test_the_relu_bias_kernel_refuses_what_it_cannot_take():
    from steepest import _fused

    out, z = np.empty((3, 4), np.float32), np.ones((3, 4), np.float32)
    with pytest.raises(TypeError, match="relu_bias takes 3 arguments, got 2"):
        _fused.relu_bias(out, z)
    read_only = z.copy()
    read_only.flags.writeable = False
    with pytest.raises(TypeError, match="relu_bias writes its argument 1, which is read-only"):
        _fused.relu_bias(out, read_only, np.ones(4, np.float32))
    for bias in (np.ones(5, np.float32), np.ones(4, np.float64), np.ones(0, np.float32),
                 _misaligned(np.ones(4, np.float32))):
        with pytest.raises(TypeError, match="relu_bias takes a bias of the arrays' precision"):
            _fused.relu_bias(out, z, bias)
    with pytest.raises(TypeError, match="relu_bias takes float32 or float64 arrays"):
        _fused.relu_bias(out, np.ones(11, np.float32), np.ones(4, np.float32))
    assert np.array_equal(z, np.ones((3, 4), np.float32))  # refused: nothing written


def _poisoned_at(net, bad_step):
    """Make ``net``'s backward pass give NaN and infinity in the gradient at step
    ``bad_step`` (1-based); returns the list of the weights before each step."""
    seen, backward = [], net.backward

    def poisoned(*args, **kwargs):
        seen.append(net.params.copy())
        gradients = backward(*args, **kwargs)
        if len(seen) == bad_step:
            gradients.flat[[3, -2]] = [np.inf, np.nan]
        return gradients

    net.backward = poisoned
    return seen


def _paths():
    return ("numpy", "compiled") if _kernels.built() else ("numpy",)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_a_gradient_gone_bad_in_fit_leaves_weights_and_optimizer_as_numpys_path(name):
    """The bad step is never made: the weights go back to those before the step
    before it, and the optimiser the caller gave keeps the moments and the step
    count of the last step made, the same bit for bit on either path."""
    rng = np.random.default_rng(7)
    X, y = rng.random((64, 6), dtype=np.float32), rng.integers(0, 3, 64)
    outcome = {}
    for path in _paths():
        _kernels.use(path)
        net = steepest.Network([6, 9, 3], activation="relu", loss="cross_entropy", seed=4,
                               dtype="float32")
        seen = _poisoned_at(net, 5)
        optimizer = get_optimizer(name, 0.05)
        with pytest.raises(steepest.errors.DivergenceError,
                           match="at epoch 1, batch 5: the gradient became NaN or infinite"):
            net.fit(X, y, epochs=3, batch_size=8, optimizer=optimizer, clip_norm=1.0)
        assert np.array_equal(net.params, seen[3])  # the step before the bad one undone too
        assert optimizer.steps == 4
        assert all(np.isfinite(values).all() for values in optimizer.state.values())
        outcome[path] = net.params.copy(), optimizer.state
    weights, state = outcome["numpy"]
    for other_weights, other_state in outcome.values():
        assert np.array_equal(other_weights, weights)
        assert state.keys() == other_state.keys()
        assert all(np.array_equal(other_state[key], state[key]) for key in state)


@pytest.mark.parametrize("path", ["numpy", "compiled"])
def test_a_step_with_a_bad_gradient_changes_nothing_even_with_an_undo_buffer(path):
    if path == "compiled" and not _kernels.built():
        pytest.skip("the compiled kernels were not built")
    _kernels.use(path)
    net = steepest.Network([4, 5, 2], activation="relu", loss="cross_entropy", seed=1)
    X, Y = net._prepare(np.random.default_rng(2).random((8, 4)), np.arange(8) % 2)[:2]
    optimizer = get_optimizer("momentum", 0.1)
    optimizer.bind(net)
    undo = np.empty_like(net.params)
    assert net._train_step(X, Y, optimizer, keep=undo).skipped is None  # moments started
    _poisoned_at(net, 1)
    params, velocity = net.params.copy(), optimizer.state["velocity"].copy()
    step = net._train_step(X, Y, optimizer, keep=undo)
    assert step.skipped == "the gradient became NaN or infinite"
    assert np.array_equal(net.params, params)
    assert np.array_equal(optimizer.state["velocity"], velocity) and optimizer.steps == 1


@pytest.mark.parametrize("path", ["numpy", "compiled"])
def test_an_optimizer_of_ones_own_wrapping_update_is_checked_as_the_others(path):
    """A subclass whose ``update`` adds to the library's (and returns nothing)
    still has every bad gradient caught before its update."""
    if path == "compiled" and not _kernels.built():
        pytest.skip("the compiled kernels were not built")
    _kernels.use(path)

    class Counted(Momentum):
        calls = 0

        def update(self, params, grads, keep=None):
            Counted.calls += 1
            super().update(params, grads, keep)

    rng = np.random.default_rng(5)
    X, y = rng.random((40, 6)), rng.integers(0, 3, 40)
    net = steepest.Network([6, 7, 3], activation="relu", loss="cross_entropy", seed=2)
    seen = _poisoned_at(net, 3)
    with pytest.raises(steepest.errors.DivergenceError,
                       match="at epoch 1, batch 3: the gradient became NaN or infinite"):
        net.fit(X, y, epochs=2, batch_size=8, optimizer=Counted(0.1))
    assert Counted.calls == 2 and np.isfinite(net.params).all()
    assert np.array_equal(net.params, seen[1])
