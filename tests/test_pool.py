"""The elementwise thread pool: fixed partitions, and the same results bit for bit
at any number of threads (the optimisers' updates, the finiteness check, fit)."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

import steepest
from steepest import _pool
from steepest.callbacks import elementwise_threads, limit_threads
from steepest.errors import ConfigError
from steepest.network import _all_finite
from steepest.optimizers import UPDATE_BLOCK, Optimizer, get_optimizer

#: Large enough for two threads (the pool leaves smaller arrays to one).
N = 3 * _pool.MIN_PART + 1234

# The pool splits the NumPy updates; the compiled kernels run on the calling thread.
pytestmark = pytest.mark.usefixtures("numpy_updates")


@pytest.mark.parametrize("n", [0, 1, 1000, _pool.MIN_PART, 2 * _pool.MIN_PART, N, 10**6])
@pytest.mark.parametrize("parts", [1, 2, 3, 8])
def test_partition_covers_the_range_in_aligned_parts(n, parts):
    ranges = _pool.partition(n, parts, UPDATE_BLOCK)
    assert ranges == _pool.partition(n, parts, UPDATE_BLOCK)  # fixed
    starts = [lo for lo, _ in ranges]
    stops = [hi for _, hi in ranges]
    if n == 0:
        assert ranges == []
        return
    assert starts[0] == 0 and stops[-1] == n and starts[1:] == stops[:-1]
    assert 1 <= len(ranges) <= parts
    assert all(lo % UPDATE_BLOCK == 0 for lo in starts)
    if len(ranges) > 1:
        assert all(hi - lo >= _pool.MIN_PART for lo, hi in ranges)
    assert len(ranges) == 1 if n < 2 * _pool.MIN_PART else len(ranges) == min(parts,
        n // _pool.MIN_PART, -(-n // UPDATE_BLOCK))


def test_pool_runs_every_part_in_its_own_thread_and_reraises():
    pool = _pool.Pool(3)
    seen: dict[tuple[int, int], str] = {}

    def work(lo, hi):
        seen[(lo, hi)] = threading.current_thread().name

    pool.run(work, N, UPDATE_BLOCK)
    assert sorted(seen) == _pool.partition(N, 3, UPDATE_BLOCK)
    assert len(set(seen.values())) == 3
    assert seen[min(seen)] == threading.current_thread().name  # the caller does part 1

    def fail(lo, hi):
        if lo > 0:
            raise ValueError(f"part at {lo}")

    with pytest.raises(ValueError, match="part at"):
        pool.run(fail, N, UPDATE_BLOCK)
    pool.run(work, N, UPDATE_BLOCK)  # still serves after a failure
    pool.close()


def test_threads_setting_and_limit_threads_restores_it():
    before = elementwise_threads()
    assert _pool._default_threads() == 1 or "STEEPEST_THREADS" in os.environ
    with limit_threads(elementwise=3):
        assert elementwise_threads() == 3 == _pool.threads()
    assert elementwise_threads() == before
    with limit_threads(1):  # BLAS only: the elementwise threads stay
        assert elementwise_threads() == before
    with pytest.raises(ConfigError, match="threads"):
        _pool.Pool(0)


def _run_update(name, threads, steps=3, keep=False):
    rng = np.random.default_rng(0)
    params = rng.standard_normal(N, dtype=np.float32)
    optimizer = get_optimizer(name, 0.01)
    kept = []
    with limit_threads(elementwise=threads):
        for _ in range(steps):
            grads = rng.standard_normal(N, dtype=np.float32)
            buffer = np.empty_like(params) if keep else None
            before = params.copy()
            optimizer.update(params, grads, buffer)
            if keep:
                kept.append(np.array_equal(buffer, before))
    return params, optimizer.state, kept


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_updates_are_bit_identical_at_one_and_two_threads(name):
    one, state_one, _ = _run_update(name, 1)
    two, state_two, kept = _run_update(name, 2, keep=True)
    assert np.array_equal(one, two)
    for key in state_one:
        assert np.array_equal(state_one[key], state_two[key])
    assert kept == [True, True, True]  # keep holds the weights from before each update


def test_a_custom_optimizer_that_is_not_threadsafe_runs_in_one_thread():
    names = set()

    class Recorder(Optimizer):
        name = "recorder_for_pool_test"

        def _apply(self, params, grads, state, tmp):
            names.add(threading.current_thread().name)
            params -= self.lr * grads

    params = np.zeros(N, dtype=np.float32)
    with limit_threads(elementwise=2):
        Recorder(1.0).update(params, np.ones(N, dtype=np.float32))
    assert names == {threading.current_thread().name}
    assert np.all(params == -1.0)


def test_finiteness_check_finds_a_nan_in_any_part():
    values = np.ones(N, dtype=np.float32)
    with limit_threads(elementwise=2):
        assert _all_finite(values)
        for where in (0, N // 2, N - 1):
            values[where] = np.nan
            assert not _all_finite(values)
            values[where] = 1.0
        values[-1] = np.inf
        assert not _all_finite(values)


def _fit(pool_threads, optimizer="momentum", threads=None):
    rng = np.random.default_rng(1)
    X = rng.random((256, 300), dtype=np.float32)
    y = rng.integers(0, 10, 256)
    # 300 * 500 + 500 * 10 weights: large enough for the pool to split the update
    net = steepest.Network([300, 500, 10], activation="relu", loss="cross_entropy", seed=0)
    before = _pool.set_threads(pool_threads)
    try:
        net.fit(X, y, epochs=2, batch_size=32, optimizer=optimizer, learning_rate=0.01,
                threads=threads)
    finally:
        _pool.set_threads(before)
    return net.params


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_fit_repeats_bit_for_bit_and_does_not_depend_on_the_pool_size(optimizer):
    # Only the elementwise pool changes between these runs: BLAS keeps the thread
    # count of the process (its float32 products round by thread count).
    two = _fit(2, optimizer)
    assert np.array_equal(two, _fit(2, optimizer))
    assert np.array_equal(two, _fit(1, optimizer))
    # fit(threads=2) sets BLAS's threads, and repeats itself bit for bit
    assert np.array_equal(_fit(1, optimizer, threads=2), _fit(1, optimizer, threads=2))


def test_fit_refuses_a_bad_thread_count():
    net = steepest.Network([2, 2, 1], seed=0)
    with pytest.raises(ConfigError, match="threads"):
        net.fit(np.zeros((4, 2)), np.zeros(4), threads=0)
