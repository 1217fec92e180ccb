#!/usr/bin/env python
"""Seconds per epoch against the hidden layer's width: steepest, PyTorch, the BLAS bound.

Usage (from the repository root)::

    python benchmarks/widths.py                      # widths 64 ... 2048, MNIST, 2 threads
    python benchmarks/widths.py --epochs 5 --repeats 3   # on a noisy machine
    python benchmarks/widths.py --smoke --png /tmp/w.png   # tiny run for CI

The network is 784-W-10, ReLU, softmax cross-entropy, SGD with momentum 0.9
(setup c of ``compare.py``, whose systems run here unchanged), batch 128. Each
width trains ``--rows`` rows (a few dozen batches) for ``--epochs`` short epochs,
every system in its own subprocess, the systems alternated at every width
(``--repeats`` times: A B C A B C); a system's figure is the median short epoch
of its runs scaled to the 60,000 rows of an MNIST epoch. Standard output: a
table, then one JSON object per line (``"record": "width"`` per width and
system, ``"record": "run"`` once); the plot goes to ``--png`` (default
``docs/images/speed-widths.png``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
MNIST_ROWS = 60000
SYSTEMS = ("steepest", "torch", "blas")
LABELS = {"steepest": "steepest", "torch": "PyTorch", "blas": "BLAS bound"}
FULL = {"widths": "64,128,256,512,1024,2048", "rows": 6400, "epochs": 3, "threads": 2,
        "repeats": 1}
SMOKE = {"widths": "16,32", "rows": 512, "epochs": 2, "threads": 1, "repeats": 1}


def _compare():
    """benchmarks/compare.py as a module: its systems and data loading."""
    spec = importlib.util.spec_from_file_location("compare", ROOT / "benchmarks" / "compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worker(args) -> dict:
    """Train one system at one width; the epochs' seconds as a dict (one JSON line)."""
    compare = _compare()
    cfg = dict(compare.SETUPS["c"], sizes=[784, args.width, 10])
    data_args = SimpleNamespace(synthetic=args.synthetic, train_rows=args.rows, test_rows=100,
                                seed=0, data_dir=args.data_dir, threads=args.threads,
                                epochs=args.epochs)
    (X, y), (Xt, yt) = compare._load_data(data_args)
    try:
        epoch, _, _ = compare.WORKERS[args.system](cfg, X, y, Xt, yt, data_args)
    except compare.Skip as exc:
        return {"status": "skipped", "reason": str(exc)}
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):
        seconds = []
        for _ in range(args.epochs):
            start = time.perf_counter()
            epoch()
            seconds.append(time.perf_counter() - start)
    return {"status": "ok", "rows": len(X), "seconds": seconds}


def run_worker(args, system: str, width: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):  # as compare.py's workers
        env[var] = str(args.threads)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else src
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--system", system,
           "--width", str(width), "--rows", str(args.rows), "--epochs", str(args.epochs),
           "--threads", str(args.threads), "--data-dir", str(args.data_dir)]
    if args.synthetic:
        cmd.append("--synthetic")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False,
                          timeout=1800)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": "failed", "reason": f"exit code {proc.returncode}: {tail}"}
    return json.loads(lines[-1])


def per_epoch(results: list[dict]) -> float | None:
    """The median short epoch of the runs that finished (each run's first left out
    when it has more than two: it warms up), scaled to an MNIST epoch of 60,000
    rows."""
    ok = [r for r in results if r.get("status") == "ok"]
    if not ok:
        return None
    seconds = [t for r in ok for t in (r["seconds"][1:] if len(r["seconds"]) > 2
                                       else r["seconds"])]
    return statistics.median(seconds) * MNIST_ROWS / ok[0]["rows"]


def width_record(width: int, system: str, results: list[dict]) -> dict:
    """One system at one width, from its runs (one per repeat)."""
    ok = [r for r in results if r.get("status") == "ok"]
    status = ("ok" if len(ok) == len(results) else "partial" if ok
              else results[0].get("status", "failed"))
    reasons = [r.get("reason") for r in results if r.get("status") != "ok"]
    return {"record": "width", "width": width, "system": system, "status": status,
            "reason": "; ".join(dict.fromkeys(map(str, reasons))) or None,
            "sec_per_epoch": per_epoch(results), "repeats": len(results),
            "seconds": [r["seconds"] for r in ok], "rows": ok[0]["rows"] if ok else None}


def plot(records: list[dict], path: Path, threads: int) -> None:
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for system, style in (("steepest", "o-"), ("torch", "s--"), ("blas", "^:")):
        points = [(r["width"], r["sec_per_epoch"]) for r in records
                  if r["system"] == system and r["sec_per_epoch"] is not None]
        if points:
            ax.plot(*zip(*points, strict=True), style, label=LABELS[system])
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    # ticks at 0.1, 0.2, 0.5, 1, 2, 5, ... written plainly (not 5 x 10^-1)
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    widths = sorted({r["width"] for r in records})
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.set_xlabel("hidden units W (784-W-10, ReLU, momentum SGD, batch 128)")
    ax.set_ylabel("seconds per MNIST epoch")
    ax.set_title(f"Time per epoch against width ({threads} thread{'s' * (threads > 1)}, float32)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    from steepest._files import atomic_file

    with atomic_file(path, suffix=path.suffix) as tmp:  # a killed run leaves the old plot
        fig.savefig(tmp)
    plt.close(fig)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--widths", help=f"comma-separated hidden widths (default {FULL['widths']})")
    p.add_argument("--rows", type=int, help=f"training rows per short epoch (default "
                                            f"{FULL['rows']})")
    p.add_argument("--epochs", type=int, help="short epochs per system and width (default 3)")
    p.add_argument("--threads", type=int, help="BLAS and elementwise threads (default 2)")
    p.add_argument("--repeats", type=int, help="runs of every system at each width, in "
                                               "turn (default 1); the median of all")
    p.add_argument("--systems", default=",".join(SYSTEMS),
                   help=f"comma-separated subset of {','.join(SYSTEMS)}")
    p.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    p.add_argument("--synthetic", action="store_true", help="random MNIST-shaped data")
    p.add_argument("--png", default=str(ROOT / "docs" / "images" / "speed-widths.png"),
                   help="where to draw the plot ('' for none)")
    p.add_argument("--smoke", action="store_true",
                   help="tiny run for CI: widths 16 and 32, 512 rows, 2 epochs, 1 thread")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--system", choices=SYSTEMS, help=argparse.SUPPRESS)
    p.add_argument("--width", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for key, value in (SMOKE if args.smoke else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    unknown = sorted(set(args.systems.split(",")) - set(SYSTEMS))
    if unknown:
        p.error(f"unknown systems {unknown}; expected some of {list(SYSTEMS)}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return 0
    widths = [int(w) for w in str(args.widths).split(",")]
    systems = [s for s in SYSTEMS if s in args.systems.split(",")]
    load_start = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    records = []
    for width in widths:  # every system at one width, then the next: drift hits all alike
        results: dict[str, list[dict]] = {system: [] for system in systems}
        for repeat in range(args.repeats):  # and in turn, A B C A B C, at each width
            for system in systems:
                result = run_worker(args, system, width)
                results[system].append(result)
                figure = (f"{per_epoch([result]):.3f} s/epoch" if result["status"] == "ok"
                          else f"{result['status']}: {result.get('reason')}")
                print(f"width {width} {LABELS[system]} (repeat {repeat + 1}/{args.repeats})"
                      f": {figure}", file=sys.stderr, flush=True)
        records += [width_record(width, system, results[system]) for system in systems]
    run = {"record": "run", "widths": widths, "systems": systems, "rows": args.rows,
           "epochs": args.epochs, "repeats": args.repeats, "threads": args.threads,
           "smoke": args.smoke,
           "data": "synthetic" if args.synthetic else "mnist", "load_start": load_start,
           "load_end": [round(x, 2) for x in os.getloadavg()],
           "seconds": time.perf_counter() - started, "png": args.png or None,
           "cpus": os.cpu_count(), "processor": _compare().processor()}

    print(f"784-W-10 ReLU, momentum SGD, batch 128; {args.rows} rows x {args.epochs} short "
          f"epochs per system and width, {args.repeats} repeat(s) in turn, scaled to "
          f"{MNIST_ROWS:,} rows; {args.threads} thread(s) of {run['cpus']} CPUs "
          f"({run['processor']}); load average {load_start} -> {run['load_end']}")
    by = {(r["width"], r["system"]): r["sec_per_epoch"] for r in records}
    header = ["width", *[LABELS[s] for s in systems], "steepest/PyTorch", "steepest/bound"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for width in widths:
        st = by.get((width, "steepest"))
        cells = [str(width), *[_fmt(by.get((width, s))) for s in systems],
                 _fmt(_ratio(st, by.get((width, "torch")))),
                 _fmt(_ratio(st, by.get((width, "blas"))))]
        print("| " + " | ".join(cells) + " |")
    if args.png:
        plot(records, Path(args.png), args.threads)
        print(f"plot: {args.png}")
    print()
    for record in records:
        print(json.dumps(record))
    print(json.dumps(run))
    return 1 if any(r["status"] in ("failed", "partial") for r in records) else 0


def _ratio(a, b):
    return a / b if a is not None and b else None


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(main())
