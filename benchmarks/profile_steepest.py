"""Where an epoch of steepest's training goes: cProfile of benchmark setup (a) or (c).

    python benchmarks/profile_steepest.py                 # setup a, 3 epochs, 2 threads
    python benchmarks/profile_steepest.py --setup c --out benchmarks/profile-setup-c.txt

Prints (and with ``--out`` writes) the functions sorted by their own time. NumPy's
matrix products are operators, so their time shows under the function that calls
them (``_forward``, ``backward``); the optimiser's update shows under its compiled
kernel (``steepest._fused.momentum``...), or ``_apply`` on NumPy's path. Uses MNIST
from ``--data-dir`` (default ``../shared/data/mnist``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from pathlib import Path

from steepest._files import atomic_write

ROOT = Path(__file__).resolve().parents[1]
SETUPS = {
    "a": {"sizes": [784, 128, 10], "activation": "relu", "loss": "cross_entropy",
          "optimizer": "adam", "lr": 1e-3, "batch": 128},
    "b": {"sizes": [784, 30, 10], "activation": "sigmoid", "loss": "sse",
          "optimizer": "sgd", "lr": 3.0, "batch": 10},
    "c": {"sizes": [784, 800, 10], "activation": "relu", "loss": "cross_entropy",
          "optimizer": {"name": "momentum", "momentum": 0.9}, "lr": 0.01, "batch": 128},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=sorted(SETUPS), default="a")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args()

    from threadpoolctl import threadpool_limits

    import steepest
    from steepest.datasets import load_mnist

    (X, y), _ = load_mnist(args.data_dir)
    cfg = SETUPS[args.setup]
    with threadpool_limits(args.threads):
        net = steepest.Network(cfg["sizes"], activation=cfg["activation"], loss=cfg["loss"],
                               seed=0)
        net.fit(X[:1000], y[:1000], epochs=1, batch_size=cfg["batch"],
                optimizer=cfg["optimizer"], learning_rate=cfg["lr"])  # warm-up, not profiled
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        net.fit(X, y, epochs=args.epochs, batch_size=cfg["batch"])
        profiler.disable()
        seconds = time.perf_counter() - started
    text = io.StringIO()
    text.write(f"setup {args.setup}: {cfg}\n{args.epochs} epochs of {len(X)} rows, "
               f"{args.threads} BLAS threads: {seconds / args.epochs:.3f} s/epoch "
               f"under the profiler ({time.strftime('%Y-%m-%d %H:%M')})\n")
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(args.top)
    report = text.getvalue()
    print(report)
    if args.out:
        atomic_write(args.out, lambda f: f.write(report.encode()))


if __name__ == "__main__":
    main()
