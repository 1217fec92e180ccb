"""The cost of one training step, in microseconds: this tree, or this tree against another commit.

    python benchmarks/step_cost.py                       # every network, this tree
    python benchmarks/step_cost.py --against 3feb65d     # A/B with a commit, in one process
    python benchmarks/step_cost.py --against numpy       # the fused kernels against NumPy's updates
    python benchmarks/step_cost.py --networks playground,b --rounds 20
    python benchmarks/step_cost.py --networks a,c --threads 2 --against HEAD~1
    python benchmarks/step_cost.py --networks c --threads 2 --against HEAD~1 \
        --mnist ../shared/data/mnist --epochs 1               # whole MNIST epochs

A step's cost at small batches is mostly NumPy's per-call cost and Python's, so it
moves with the machine's speed from one second to the next (on this project's
2-core machine by a third). A comparison is therefore made in one process: the
other commit's ``src/steepest`` is copied out of git (``git archive``) and
imported under another name (with its compiled kernels built from its own C
source and compiler flags, as ``pip install`` builds them), and the two are timed
in turn, round after round; each round's ratio is this tree's time over the
other's, and the median ratio is the figure to quote. ``--against numpy`` times
this tree twice instead: as it runs by default (the compiled kernels, when they
were built) and with the optimisers' NumPy updates (``STEEPEST_KERNELS=numpy``).

Each round trains a new network with ``fit`` on random data (the same rows for
both; with ``--mnist DIR``, MNIST's 60,000 training rows) for ``--epochs`` epochs
after a warm-up epoch on its first 2,560 rows, at one BLAS thread, and
takes the CPU time of this thread per step; with ``--threads 2`` (as
``compare.py`` trains) it takes the wall time instead. The networks:

- ``playground``: the playground's benchmark, 2-8-8-8-8-8-8-2 tanh, softmax
  cross-entropy, plain SGD, batch 10 (250 rows);
- ``b``: the tutorials' 784-30-10 sigmoid, squared error, SGD, batch 10 (2,000 rows);
- ``a``: 784-128-10 ReLU, softmax cross-entropy, Adam, batch 128 (6,400 rows);
- ``c``: 784-800-10 ReLU, softmax cross-entropy, momentum SGD, batch 128 (3,200 rows);
- ``best``: ``--preset mnist-best``'s 784-800-800-10 ReLU, Adam, batch 128 (1,280
  rows; without its dropout and augmentation).

Prints a table and one JSON line per network.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: name -> (sizes, hidden activation, output, loss, optimizer, rows, batch size)
NETWORKS: dict[str, tuple] = {
    "playground": ([2, 8, 8, 8, 8, 8, 8, 2], "tanh", "softmax", "cross_entropy", "sgd", 250, 10),
    "b": ([784, 30, 10], "sigmoid", "sigmoid", "sse", "sgd", 2000, 10),
    "a": ([784, 128, 10], "relu", "softmax", "cross_entropy", "adam", 6400, 128),
    "c": ([784, 800, 10], "relu", "softmax", "cross_entropy", "momentum", 3200, 128),
    "best": ([784, 800, 800, 10], "relu", "softmax", "cross_entropy", "adam", 1280, 128),
}
#: ``--against`` this: this tree with NumPy's updates, not another commit.
NUMPY = "numpy"
#: What a step's time is: this thread's CPU time at one BLAS thread (the least
#: noisy); wall time with ``--threads`` above 1, as the other threads work too.
clock = time.thread_time
#: ``--mnist``: MNIST's training rows and labels, instead of random rows.
mnist: tuple[np.ndarray, np.ndarray] | None = None
WARM_UP_ROWS = 2560


def step_microseconds(steepest, name: str, epochs: int, kernels: str | None = None) -> float:
    """CPU microseconds per step of ``fit`` on network ``name`` with the module
    ``steepest``; ``kernels`` chooses its update path (None: as it is)."""
    if kernels is None:
        return _step_microseconds(steepest, name, epochs)
    before = steepest._kernels.use(kernels)
    try:
        return _step_microseconds(steepest, name, epochs)
    finally:
        steepest._kernels.use(before)


def _step_microseconds(steepest, name: str, epochs: int) -> float:
    sizes, hidden, output, loss, optimizer, rows, batch = NETWORKS[name]
    if mnist is not None:
        X, y = mnist
        rows = len(X)
    else:
        data = np.random.default_rng(1)
        X = data.random((rows, sizes[0]), dtype=np.float32)
        y = data.integers(0, sizes[-1], rows)
    net = steepest.Network(sizes, activation=hidden, output_activation=output, loss=loss,
                           seed=0)
    warm = slice(0, WARM_UP_ROWS)  # the optimiser's state made, the first calls paid
    net.fit(X[warm], y[warm], epochs=1, batch_size=batch, optimizer=optimizer,
            learning_rate=0.01)
    started = clock()
    net.fit(X, y, epochs=epochs, batch_size=batch)
    steps = epochs * -(-rows // batch)
    return (clock() - started) / steps * 1e6


def import_commit(commit: str, into: Path):
    """``src/steepest`` of ``commit`` (any name git knows), imported as the module
    ``steepest_other``, with its compiled kernels built from its own C source."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src/steepest"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    other = into / "steepest_other"
    (into / "src" / "steepest").rename(other)
    _build_compiled_kernels(commit, other, into / "build")
    sys.path.insert(0, str(into))
    return importlib.import_module("steepest_other")


def _build_compiled_kernels(commit: str, other: Path, scratch: Path) -> None:
    """git holds the kernels' C source, not the module built from it: build the other
    commit's, with the compiler flags of its own ``pyproject.toml``, as ``pip
    install`` would (else say that it runs NumPy's updates)."""
    if not (other / "_fused.c").exists():
        return  # a commit from before the compiled kernels
    project = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:pyproject.toml"],
                             capture_output=True, text=True, check=True).stdout
    try:
        (spec,) = tomllib.loads(project)["tool"]["setuptools"]["ext-modules"]
        from setuptools import Distribution, Extension
        from setuptools.command.build_ext import build_ext

        extension = Extension("steepest_other._fused", sources=[str(other / "_fused.c")],
                              extra_compile_args=spec.get("extra-compile-args", []))
        command = build_ext(Distribution({"ext_modules": [extension]}))
        command.build_lib, command.build_temp = str(other.parent), str(scratch)
        command.ensure_finalized()
        command.run()
    except Exception as exc:  # no build table, no setuptools or compiler, a bad source
        print(f"note: the other commit's compiled kernels could not be built ({exc}): it "
              "runs NumPy's updates", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", default=",".join(NETWORKS),
                        help=f"comma-separated, of {', '.join(NETWORKS)} (default all)")
    parser.add_argument("--against", metavar="COMMIT",
                        help="another commit, timed in turn with this tree in this process; "
                             "'numpy': this tree with the optimisers' NumPy updates")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (default 1); above 1 a step's time is wall time")
    parser.add_argument("--mnist", metavar="DIR",
                        help="train on the 60,000 MNIST rows of the IDX files in DIR (the "
                             "networks with 784 inputs)")
    args = parser.parse_args()
    names = args.networks.split(",")
    unknown = sorted(set(names) - set(NETWORKS))
    if unknown:
        parser.error(f"unknown networks {unknown}; expected some of {list(NETWORKS)}")
    if args.mnist:
        if "playground" in names:
            parser.error("--mnist trains the networks of 784 inputs; leave out playground")
        global mnist
        from steepest.datasets import load_mnist

        (X, y), _ = load_mnist(path=args.mnist, download=False, progress=False)
        mnist = X.astype(np.float32), y

    from threadpoolctl import threadpool_limits

    import steepest

    global clock
    if args.threads > 1:
        clock = time.perf_counter
    with (tempfile.TemporaryDirectory() as folder,
          threadpool_limits(args.threads, user_api="blas")):
        other = (steepest if args.against == NUMPY else
                 import_commit(args.against, Path(folder)) if args.against else None)
        records = [measure(steepest, other, name, args) for name in names]
        # What ran on each side, for the record: the other tree's module file (in
        # the temporary folder) and each side's update path.
        sides = {"this_path": steepest._kernels.path()}
        if args.against == NUMPY:
            sides["other_path"] = NUMPY
        elif other is not None:
            sides |= {"other_module": other.__file__, "other_path": (
                other._kernels.path() if hasattr(other, "_kernels") else NUMPY)}
    if args.against == NUMPY:
        print(f"this tree's update path: {steepest._kernels.path()}")
    elif other is not None and hasattr(other, "_kernels"):
        print(f"update paths: this tree {steepest._kernels.path()}, {args.against} "
              f"{other._kernels.path()}")
    head = f"{'network':<11} {'this tree us/step':>18}"
    print(head + (f" {args.against + ' us/step':>18} {'ratio (min-max)':>22}" if other else ""))
    for r in records:
        line = f"{r['network']:<11} {r['us_per_step']:>18.1f}"
        if other:
            line += (f" {r['other_us_per_step']:>18.1f} {r['ratio']:>9.3f} "
                     f"({r['ratio_min']:.3f}-{r['ratio_max']:.3f})")
        print(line)
    for r in records:
        print(json.dumps({"record": "step-cost", **r, **sides, "rounds": args.rounds,
                          "epochs": args.epochs, "threads": args.threads,
                          "data": "mnist" if args.mnist else "random",
                          "python": sys.version.split()[0]}))


def measure(steepest, other, name: str, args: argparse.Namespace) -> dict:
    """Medians over the rounds; with ``other``, each round times both, in turn, the
    one that goes first changing every round (an order effect favours neither)."""
    mine, theirs, ratios = [], [], []
    kernels = NUMPY if args.against == NUMPY else None
    for round_ in range(args.rounds):
        if other is not None and round_ % 2:
            theirs.append(step_microseconds(other, name, args.epochs, kernels))
        mine.append(step_microseconds(steepest, name, args.epochs))
        if other is not None and not round_ % 2:
            theirs.append(step_microseconds(other, name, args.epochs, kernels))
        if other is not None:
            ratios.append(mine[-1] / theirs[-1])
    record = {"network": name, "us_per_step": statistics.median(mine)}
    if other is not None:
        record |= {"against": args.against, "other_us_per_step": statistics.median(theirs),
                   "ratio": statistics.median(ratios), "ratio_min": min(ratios),
                   "ratio_max": max(ratios)}
    return record


if __name__ == "__main__":
    main()
