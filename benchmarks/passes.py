"""The elementwise passes of a step alone: each compiled kernel against NumPy's
path, in microseconds a call.

    python benchmarks/passes.py                 # every pass, at every size
    python benchmarks/passes.py --rounds 15

Each pass is timed on both paths of this tree (``steepest._kernels.use``), in
turn (the first of the two changing every round), round after round, in one
process; a round times a few hundred calls of each and keeps the mean, and the
figures are the medians of the rounds (with the median of the rounds' ratios,
compiled over NumPy). The passes:

- ``relu forward``, ``relu+bias forward`` and ``relu backward`` (``ReLU.forward``,
  ``ReLU.add_bias_and_forward``: the layer's bias added in the same pass, and
  ``ReLU.backward``) on a layer's outputs: 10 x 8 (the playground's), 128 x 128
  (setup a), 128 x 800 (c);
- ``finiteness check`` on a gradient of setup a's and c's sizes (101,770 and
  636,010 values): the check ``train_step`` makes first (``fit`` leaves it to the
  update's loop);
- ``momentum update`` and ``adam update`` over those parameters, with the fit
  loop's undo copy.

All float32, on one thread (the passes use one). The arrays of a pass stay in the
processor's caches from call to call, as they do not inside ``fit``, where the
products and the gathered batch pass through between two updates: a pass is
slower there when the memory is busy (``profile_steepest.py`` shows it in place).
Prints a table and one JSON line per pass and size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

LAYER_SHAPES = [(10, 8), (128, 128), (128, 800)]
PARAMETERS = [101_770, 636_010]


def _layer_passes(shape: tuple[int, int]) -> dict[str, Callable[[], object]]:
    from steepest.activations import ReLU

    rng = np.random.default_rng(0)
    Z = rng.standard_normal(shape).astype(np.float32)  # half the units positive
    grads = rng.standard_normal(shape).astype(np.float32)
    zero_bias = np.zeros(shape[1], np.float32)  # Z += 0 leaves Z as it was: the same work
    relu = ReLU()
    # backward works in place, and its zeros stay zeros: the same work every call
    return {"relu forward": lambda: relu.forward(Z),
            "relu+bias forward": lambda: relu.add_bias_and_forward(Z, zero_bias),
            "relu backward": lambda: relu.backward(Z, None, grads)}


def _parameter_passes(n: int) -> dict[str, Callable[[], object]]:
    from steepest.network import _all_finite
    from steepest.optimizers import Adam, Momentum

    rng = np.random.default_rng(1)
    params = rng.standard_normal(n).astype(np.float32)
    grads = (rng.standard_normal(n) * 1e-3).astype(np.float32)
    keep = np.empty_like(params)
    momentum, adam = Momentum(1e-4, momentum=0.9), Adam(1e-6)
    return {"finiteness check": lambda: _all_finite(grads),
            "momentum update": lambda: momentum.update(params, grads, keep),
            "adam update": lambda: adam.update(params, grads, keep)}


def _mean_microseconds(call: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls * 1e6


def measure(name: str, size: str, call: Callable[[], object], rounds: int) -> dict:
    from steepest import _kernels

    calls = 2000 if size in ("10x8", "128x128") else 300
    timed: dict[str, list[float]] = {"compiled": [], "numpy": []}
    for round_ in range(rounds):  # the path that goes first changes every round
        for path in sorted(timed, reverse=bool(round_ % 2)):
            before = _kernels.use(path)
            try:
                timed[path].append(_mean_microseconds(call, calls))
            finally:
                _kernels.use(before)
    ratios = [c / n for c, n in zip(timed["compiled"], timed["numpy"], strict=True)]
    return {"record": "pass", "pass": name, "size": size,
            "compiled_us": statistics.median(timed["compiled"]),
            "numpy_us": statistics.median(timed["numpy"]),
            "ratio": statistics.median(ratios), "ratio_min": min(ratios),
            "ratio_max": max(ratios), "rounds": rounds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="rounds (default 9)")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from steepest import _kernels

    if not _kernels.built():
        parser.exit(1, "the compiled kernels were not built here: nothing to compare\n")
    jobs = [(name, f"{a}x{b}", call) for a, b in LAYER_SHAPES
            for name, call in _layer_passes((a, b)).items()]
    jobs += [(name, f"{n:,}", call) for n in PARAMETERS
             for name, call in _parameter_passes(n).items()]
    with threadpool_limits(1, user_api="blas"):
        records = [measure(name, size, call, args.rounds) for name, size, call in jobs]
    print(f"compiled: {_kernels.path()}; {args.rounds} rounds, one thread, float32")
    print(f"{'pass':<17} {'size':>8} {'compiled us':>12} {'NumPy us':>9} "
          f"{'ratio (min-max)':>22}")
    for r in records:
        print(f"{r['pass']:<17} {r['size']:>8} {r['compiled_us']:>12.2f} "
              f"{r['numpy_us']:>9.2f} {r['ratio']:>9.3f} ({r['ratio_min']:.3f}-"
              f"{r['ratio_max']:.3f})")
    for r in records:
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
