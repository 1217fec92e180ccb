"""What steepest costs before the first step: a new process's time and memory to
import it and fit a small network, on each update path.

    python benchmarks/startup.py                  # 5 runs of each path, in turn
    python benchmarks/startup.py --runs 9

Each run is a fresh Python process that imports steepest, fits a 4-8-2 network
for one epoch on 64 rows and exits. The two paths, the compiled kernels
(``STEEPEST_KERNELS=auto``, when they were built) and NumPy's updates
(``STEEPEST_KERNELS=numpy``), take turns, A B A B, so a drift in the machine's
speed falls on both. A run's figures are its wall time (``time.perf_counter``
around the process) and its peak resident memory (``ru_maxrss`` of the finished
child). The time includes starting Python and importing NumPy, which any user of
steepest pays: ``--baseline`` adds a third kind of run that imports NumPy only,
for that floor.

Prints a table (median, and the range, of each path) and one JSON line per path.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIRST_FIT = """
import numpy as np
import steepest
from steepest import _kernels
X = np.random.default_rng(0).random((64, 4), dtype=np.float32)
net = steepest.Network([4, 8, 2], loss="cross_entropy", seed=0)
net.fit(X, (X[:, 0] > 0.5).astype(int), epochs=1, batch_size=16, optimizer="adam")
print(_kernels.path())
"""
NUMPY_ONLY = "import numpy\nprint('numpy only')\n"

#: kind of run -> (STEEPEST_KERNELS, the program)
KINDS: dict[str, tuple[str, str]] = {
    "compiled": ("auto", FIRST_FIT),
    "numpy": ("numpy", FIRST_FIT),
    "baseline": ("auto", NUMPY_ONLY),
}


def one_run(kind: str) -> dict:
    """One fresh process of ``kind``: its wall time, peak memory and update path."""
    choice, program = KINDS[kind]
    env = dict(os.environ, STEEPEST_KERNELS=choice, OPENBLAS_NUM_THREADS="1")
    src = str(ROOT / "src")  # steepest importable even when not installed
    env["PYTHONPATH"] = src + os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else src
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", program], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = child.stdout.read(), child.stderr.read()  # a few lines: no pipe fills
    # wait4, not wait: the finished child's own peak memory, not the largest of all
    # children so far (which is what getrusage(RUSAGE_CHILDREN) gives).
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    child.stderr.close()
    if child.returncode:
        last = (err.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"a {kind} run failed (exit code {child.returncode}): {last}")
    return {"seconds": seconds, "path": out.strip(), "peak_rss_mb": usage.ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each path (default 5)")
    parser.add_argument("--baseline", action="store_true",
                        help="also time a process that imports NumPy only")
    args = parser.parse_args(argv)
    kinds = ["compiled", "numpy"] + (["baseline"] if args.baseline else [])
    runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for _ in range(args.runs):
        for kind in kinds:
            runs[kind].append(one_run(kind))
    print(f"{'run':<10} {'path':<24} {'seconds (min-max)':>22} {'peak RSS MB (min-max)':>24}")
    for kind, done in runs.items():
        seconds = [r["seconds"] for r in done]
        memory = [r["peak_rss_mb"] for r in done]
        record = {"record": "startup", "kind": kind, "path": done[0]["path"],
                  "runs": len(done), "seconds": statistics.median(seconds),
                  "seconds_min": min(seconds), "seconds_max": max(seconds),
                  "peak_rss_mb": statistics.median(memory), "peak_rss_mb_min": min(memory),
                  "peak_rss_mb_max": max(memory)}
        runs[kind] = record
        print(f"{kind:<10} {record['path']:<24} "
              f"{record['seconds']:>8.3f} ({record['seconds_min']:.3f}-"
              f"{record['seconds_max']:.3f}) {record['peak_rss_mb']:>9.1f} "
              f"({record['peak_rss_mb_min']:.1f}-{record['peak_rss_mb_max']:.1f})")
    for record in runs.values():
        print(json.dumps(record | {"python": sys.version.split()[0]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
