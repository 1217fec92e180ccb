#!/usr/bin/env python
"""steepest, PyTorch and the BLAS bound timed epoch by epoch, in turn, in one process.

Usage (from the repository root)::

    python benchmarks/side_by_side.py --setup c              # 10 rounds after a warm-up
    python benchmarks/side_by_side.py --rounds 6             # every setup
    python benchmarks/side_by_side.py --smoke --synthetic    # tiny run for CI

``compare.py`` runs each system in a process of its own, for its peak memory and
its own thread pools, one whole run after another. On a machine whose speed moves
by 10-40 % within a minute, two runs minutes apart give ratios that move as much.
Here the systems of a setup (``compare.py``'s own code, on the same data) are
built once, in one process; then one epoch of each runs in turn, round after
round, the first of them changing every round (A B C, B C A, C A B ...), so a
round's ratio compares epochs seconds apart. Round 0 is a warm-up and is not
counted. Before each epoch the script sleeps ``--settle`` seconds, longer than
OpenBLAS's idle threads spin after a product (2**28 cycles, about 0.1 s), so that
no system starts beside the last one's spinning threads.

A system's figure is the median of its counted epochs; a ratio (steepest's
seconds over the other's, or the per-sample loop's over steepest's) is the median
of the rounds' ratios, with their range. Accuracy and memory are not measured
here: ``compare.py`` measures them. Standard output: a table per setup, the ratio
lines, then one JSON object per line (``"record": "system"`` per setup and system,
``"record": "ratio"`` per setup and pair, ``"record": "run"`` once).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Run by default: the systems of the ratio targets (the loop only exists for b).
DEFAULT_SYSTEMS = ("steepest", "torch", "loop", "blas")
FULL = {"rounds": 10, "threads": 2, "settle": 0.25}
SMOKE = {"rounds": 2, "threads": 1, "settle": 0.0, "train_rows": 2000, "test_rows": 500}
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def _compare():
    """benchmarks/compare.py as a module: its setups, systems and data loading."""
    spec = importlib.util.spec_from_file_location("compare", ROOT / "benchmarks" / "compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None, compare=None):
    compare = compare or _compare()
    p = argparse.ArgumentParser(
        description="Time steepest, PyTorch and the BLAS bound epoch by epoch, in turn, in "
                    "one process (see benchmarks/README.md).")
    p.add_argument("--setup", default="all", choices=["a", "b", "c", "all"],
                   help="a setup of compare.py, or all (default)")
    p.add_argument("--systems", default=",".join(DEFAULT_SYSTEMS),
                   help=f"comma-separated, steepest among them; from "
                        f"{','.join(compare.SYSTEMS)} (default: {','.join(DEFAULT_SYSTEMS)}; "
                        "the loop runs on setup b only)")
    p.add_argument("--rounds", type=int, default=None,
                   help="counted rounds, after one warm-up round (default 10)")
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS/OpenMP/torch threads of every system (default 2)")
    p.add_argument("--settle", type=float, default=None,
                   help="seconds of sleep before each epoch (default 0.25)")
    compare.add_data_options(p)
    p.add_argument("--smoke", action="store_true",
                   help="tiny run for CI: 2000/500 rows, 2 rounds, 1 thread, no settling")
    p.add_argument("--seed", type=int, default=0, help="seed of every system (default 0)")
    args = p.parse_args(argv)
    for key, value in (SMOKE if args.smoke else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(compare.SYSTEMS))
    if unknown or "steepest" not in systems:
        p.error(f"--systems: unknown {unknown}; steepest and others from "
                f"{','.join(compare.SYSTEMS)}" if unknown else
                "--systems must include steepest: every ratio is steepest's")
    args.system_list = [s for s in compare.SYSTEMS if s in systems]
    if args.rounds < 1 or args.threads < 1 or not args.settle >= 0:  # NaN fails too
        p.error("--rounds and --threads must be >= 1, --settle >= 0")
    if min(args.train_rows or 1, args.test_rows or 1) < 1:
        p.error("--train-rows and --test-rows must be >= 1")
    # scikit-learn's builder sizes its estimator by the epochs it will train: one a
    # round, the warm-up's included.
    args.epochs = args.rounds + 1
    if not args.synthetic:
        data_dir = Path(args.data_dir)
        data_dir = data_dir if data_dir.is_absolute() else ROOT / data_dir
        if not (data_dir / "train-images-idx3-ubyte.gz").is_file() and not (
                data_dir / "train-images-idx3-ubyte").is_file():
            p.error(f"no MNIST files in {data_dir}: pass --data-dir, or --synthetic")
    return args


def rotation(systems: list[str], round_index: int) -> list[str]:
    """The order of a round: ``systems`` rotated by the round's number."""
    k = round_index % len(systems)
    return systems[k:] + systems[:k]


def summarise(setup: str, epochs: dict[str, list[float]], targets: dict) -> list[dict]:
    """The records of one setup from each system's counted epochs (one a round, in the
    rounds' order): a ``system`` record each, then a ``ratio`` record per other system."""
    records = [{"record": "system", "setup": setup, "system": name, "epoch_seconds": times,
                "sec_per_epoch": statistics.median(times)} for name, times in epochs.items()]
    mine = epochs["steepest"]
    for other, times in epochs.items():
        if other == "steepest":
            continue
        if other == "loop":  # how many times faster than the loop: loop over steepest
            per_round = [t / s for s, t in zip(mine, times, strict=True)]
            pair, target, better = "loop/steepest", targets.get("b_loop_speedup"), "ge"
        else:
            per_round = [s / t for s, t in zip(mine, times, strict=True)]
            pair, target, better = f"steepest/{other}", targets.get((setup, other)), "le"
        median = statistics.median(per_round)
        met = None if target is None else (median <= target if better == "le" else
                                           median >= target)
        records.append({"record": "ratio", "setup": setup, "pair": pair, "ratios": per_round,
                        "median": median, "min": min(per_round), "max": max(per_round),
                        "target": target, "target_is": better, "met": met})
    return records


def run_setup(compare, setup: str, args, data) -> tuple[list[dict], list[dict]]:
    """Build the setup's systems on ``data`` and time them in turn: (system records,
    with a ``skipped`` one for each system that cannot run here; ratio records)."""
    cfg = compare.SETUPS[setup]
    epochs_of, infos, skipped = {}, {}, []
    for name in args.system_list:
        if setup not in compare.ONLY_FOR.get(name, (setup,)):
            continue
        try:
            epochs_of[name], infos[name] = _build(compare, name, cfg, data, args)
        except compare.Skip as exc:
            skipped.append({"record": "system", "setup": setup, "system": name,
                            "skipped": str(exc)})
    if "steepest" not in epochs_of:
        raise SystemExit("steepest could not run: nothing to compare")
    names = list(epochs_of)
    times = {name: [] for name in names}
    positions = {name: [] for name in names}  # where in each counted round it ran
    with _thread_limit(args.threads) as pools:
        for round_index in range(args.rounds + 1):  # round 0: the warm-up
            order = rotation(names, round_index)
            this_round = {}
            for name in order:
                time.sleep(args.settle)
                start = time.perf_counter()
                epochs_of[name]()
                this_round[name] = time.perf_counter() - start
            if round_index:
                for position, name in enumerate(order):
                    times[name].append(this_round[name])
                    positions[name].append(position)
            print(f"setup {setup} round {round_index}/{args.rounds}"
                  f"{' (warm-up, not counted)' if not round_index else ''}: "
                  + ", ".join(f"{compare.LABELS[n]} {this_round[n]:.3f} s" for n in order),
                  file=sys.stderr, flush=True)
    targets = compare.RATIO_TARGETS | {"b_loop_speedup": compare.TARGETS["b_loop_speedup"]}
    records = summarise(setup, times, targets)
    # scikit-learn's builder reports its estimator's state once trained: a callable.
    infos = {name: info() if callable(info) else info for name, info in infos.items()}
    systems = [r | {"positions": positions[r["system"]], "info": infos[r["system"]],
                    "thread_pools": pools}
               for r in records if r["record"] == "system"]
    return systems + skipped, [r for r in records if r["record"] == "ratio"]


def _build(compare, name: str, cfg: dict, data, args):
    """One epoch of system ``name``, as a function, and what its builder reports
    (steepest's update path, torch's threads ...). steepest's NumPy path is chosen
    around each of its epochs only: ``compare.py`` chooses it for its whole worker
    process, and here steepest's compiled path shares the process."""
    (X, y), (Xt, yt) = data
    if name != "steepest_numpy":
        epoch, _, info = compare.WORKERS[name](cfg, X, y, Xt, yt, args)
        return epoch, info
    from steepest import _kernels

    saved = _kernels.use(None)
    epoch, _, info = compare.WORKERS[name](cfg, X, y, Xt, yt, args)
    _kernels.use(saved)  # the builder chose NumPy's path for a process of its own

    def on_numpys_path():
        before = _kernels.use("numpy")
        try:
            epoch()
        finally:
            _kernels.use(before)

    return on_numpys_path, info


@contextlib.contextmanager
def _thread_limit(threads: int):
    """threadpoolctl's limit on every BLAS and OpenMP pool loaded by now (the systems'
    imports are done), as ``compare.py``'s workers set it; yields the pools it set,
    as ``"openblas 2 threads"`` (an empty list without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        yield []
        return
    with threadpool_limits(limits=threads):
        yield sorted({f"{pool['internal_api']} {pool['num_threads']} threads"
                      for pool in threadpool_info()})


def print_setup(compare, setup: str, systems: list[dict], ratios: list[dict]) -> None:
    label = compare.LABELS
    print(f"setup {setup}: {compare.SETUPS[setup]['title']}")
    print(f"  {'system':<24} {'s/epoch':>8} {'min':>8} {'max':>8}")
    for r in systems:
        if "skipped" in r:
            print(f"  {label[r['system']]:<24} skipped: {r['skipped']}")
        else:
            t = r["epoch_seconds"]
            print(f"  {label[r['system']]:<24} {r['sec_per_epoch']:8.3f} "
                  f"{min(t):8.3f} {max(t):8.3f}")
    for r in ratios:
        if r["pair"] == "loop/steepest":
            what = f"steepest is {r['median']:.1f} x faster than the per-sample loop"
            span = f"({r['min']:.1f}-{r['max']:.1f})"
        else:
            what = f"steepest/{label[r['pair'].split('/')[1]]} {r['median']:.2f}"
            span = f"({r['min']:.2f}-{r['max']:.2f})"
        goal = ""
        if r["target"] is not None:
            sign = "<=" if r["target_is"] == "le" else ">="
            goal = f" (target {sign} {r['target']:g}: {'met' if r['met'] else 'NOT met'})"
        print(f"  {what} {span}{goal}")
    print()


def main(argv=None) -> int:
    compare = _compare()
    args = parse_args(argv, compare)
    # Before NumPy is imported (by the data loading): every pool starts at this size.
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(args.threads)
    sys.path.insert(0, str(ROOT / "src"))  # steepest importable even when not installed
    load_start, began = list(os.getloadavg()), time.perf_counter()
    data = compare._load_data(args)
    setups = ["a", "b", "c"] if args.setup == "all" else [args.setup]
    records = []
    for setup in setups:
        systems, ratios = run_setup(compare, setup, args, data)
        print_setup(compare, setup, systems, ratios)
        records += systems + ratios
    import numpy as np

    records.append({
        "record": "run", "setups": setups, "rounds": args.rounds,
        "systems": [s for s in args.system_list
                    if any(r.get("system") == s and "skipped" not in r for r in records)],
        "threads": args.threads, "settle": args.settle, "seed": args.seed,
        "data": "synthetic" if args.synthetic else "mnist", "train_rows": len(data[0][0]),
        "load_start": load_start, "load_end": list(os.getloadavg()),
        "seconds": time.perf_counter() - began, "numpy": np.__version__,
        "python": sys.version.split()[0], "cpus": os.cpu_count(),
        "processor": compare.processor()})
    run = records[-1]
    print(f"machine: {run['cpus']} CPUs ({run['processor']}); Python {run['python']}, "
          f"numpy {run['numpy']}; load average {[round(x, 2) for x in load_start]} -> "
          f"{[round(x, 2) for x in run['load_end']]}\n")
    for record in records:
        print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
