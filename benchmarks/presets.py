"""Train every ``steepest train --preset`` as a user would, and check it against its target.

Each preset runs in its own process through the command line (``python -m
steepest.cli train --preset NAME --json``); the script prints a table (test
accuracy, wall-clock time, target met or not) and one JSON line per run.

    python benchmarks/presets.py                          # every preset, full length
    python benchmarks/presets.py --presets mnist-fast     # one
    python benchmarks/presets.py --smoke                  # 1 epoch, small layers: checks the paths

MNIST and Fashion-MNIST come from ``--data-root`` (default ``../shared/data`` relative
to the repository root: folders ``mnist`` and ``fashion-mnist`` with the IDX files).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_ROOT = ROOT.parent / "shared" / "data"

#: preset -> (data folder under --data-root or None, least test accuracy, most seconds)
TARGETS: dict[str, tuple[str | None, float, float | None]] = {
    "mnist-fast": ("mnist", 0.985, 120.0),
    "mnist-best": ("mnist", 0.992, 1800.0),
    "mnist-record": ("mnist", 0.994, 3600.0),
    "fashion-mnist": ("fashion-mnist", 0.90, None),
    "digits-best": (None, 0.98, None),
}


def run_preset(name: str, args: argparse.Namespace, workdir: Path) -> dict:
    folder, least_accuracy, most_seconds = TARGETS[name]
    command = [sys.executable, "-m", "steepest.cli", "train", "--preset", name, "--json",
               "--out", str(workdir / f"{name}.npz")]
    if folder is not None:
        command += ["--data-dir", str(Path(args.data_root) / folder)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if args.smoke:
        command += ["--epochs", "1", "--layers", "32"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        return {"preset": name, "error": result.stderr.strip()[-500:], "command": command}
    report = json.loads(result.stdout)
    met = report["test_accuracy"] >= least_accuracy and (
        most_seconds is None or seconds <= most_seconds)
    return {"preset": name, "test_accuracy": report["test_accuracy"],
            "seconds": round(seconds, 1), "training_seconds": report["seconds"],
            "epochs": report["epochs"], "best_epoch": report["best_epoch"],
            "target_accuracy": least_accuracy, "target_seconds": most_seconds,
            "met": None if args.smoke else met,
            "command": " ".join(["steepest", *command[3:]])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default=",".join(TARGETS),
                        help=f"comma-separated, from {', '.join(TARGETS)}")
    parser.add_argument("--data-root", default=str(DEFAULT_DATA_ROOT))
    parser.add_argument("--threads", type=int, help="BLAS threads (default: all cores)")
    parser.add_argument("--smoke", action="store_true", help="1 epoch, 32 hidden units")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.presets.split(",") if n.strip()]
    unknown = sorted(set(names) - set(TARGETS))
    if unknown:
        parser.error(f"unknown presets {unknown}; expected some of {list(TARGETS)}")

    from compare import processor  # benchmarks/, this script's folder, is on sys.path

    print(f"machine: {os.cpu_count()} cores ({processor()}); python {sys.version.split()[0]}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            record = run_preset(name, args, Path(tmp))
            print(json.dumps(record), flush=True)
            rows.append(record)
    print("\n| preset | test accuracy | time | target | met? |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        if "error" in r:
            print(f"| {r['preset']} | error: {r['error'][:80]} | | | no |")
            continue
        limit = f" in <= {r['target_seconds']:.0f} s" if r["target_seconds"] else ""
        met = "-" if r["met"] is None else ("yes" if r["met"] else "no")
        print(f"| {r['preset']} | {r['test_accuracy']:.2%} | {r['seconds']:.0f} s | "
              f">= {r['target_accuracy']:.1%}{limit} | {met} |")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
