"""Helpers for the command-line tests: run ``steepest`` in this process (fast) or,
for the end-to-end tests, in a subprocess as a user does; check its output; make
small data files."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from steepest import _kernels
from steepest.cli import main

MNIST_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist"
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
HAVE_MNIST = ((MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file()
              or (MNIST_DIR / "t10k-labels-idx1-ubyte").is_file())
needs_mnist = pytest.mark.skipif(not HAVE_MNIST, reason=f"no MNIST files in {MNIST_DIR}")
README = Path(__file__).resolve().parents[2] / "README.md"

# One BLAS thread per subprocess: on a busy machine, threaded OpenBLAS on these small
# matrices makes an epoch 20x slower, and one thread keeps runs bit-reproducible.
# (In this process, conftest.py sets the same limit with threadpoolctl.)
ENV = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1"}

TRAIN_JSON_KEYS = {"data", "model", "test_loss", "test_accuracy", "seconds", "epochs",
                   "best_epoch", "parameters", "layers", "train_samples", "test_samples",
                   "update"}
EPOCH_LINE = re.compile(r"^epoch\s+(\d+)/(\d+)\s+loss \d")


@dataclass
class Result:
    """What a run of ``steepest`` returned and wrote (as subprocess.CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


def run(*args: object, cwd: Path) -> Result:
    """``steepest ARGS...`` in this process, in folder ``cwd``, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd):
        code = main([str(a) for a in args], stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


def run_subprocess(*args: object, cwd: Path, timeout: float = 300,
                   command: tuple[str, ...] = ("-m", "steepest")) -> Result:
    """``python -m steepest ARGS...`` in a new process, as a user runs it."""
    done = subprocess.run([sys.executable, *command, *map(str, args)], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return Result(done.returncode, done.stdout, done.stderr)


def _lines_of(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def interrupt(args: list[str], cwd: Path, ready: Callable[[str], bool], pause: float = 0.0,
              signum: int | None = signal.SIGINT,
              then: Callable[[subprocess.Popen], None] | None = None
              ) -> tuple[int, str, list[str]]:
    """Run ``steepest ARGS`` in a new process and send it ``signum`` (Ctrl-C's by
    default; None: none) once a line of its output is ``ready`` (and ``pause``
    seconds more), then call ``then(process)`` (to send more): the exit code,
    stderr and the rest of stdout."""
    stderr_path = cwd / "stderr.txt"
    with open(stderr_path, "w") as stderr, subprocess.Popen(
        [sys.executable, "-m", "steepest", *args], cwd=cwd,
        env=ENV | {"PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=stderr, text=True,
    ) as proc:
        lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_lines_of, args=(proc.stdout, lines), daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 120
            while True:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                assert line is not None, "the command ended before it was interrupted"
                if ready(line):
                    break
            time.sleep(pause)
            if signum is not None:
                proc.send_signal(signum)
            if then is not None:
                then(proc)
            code = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(timeout=10)
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    return code, stderr_path.read_text(), rest


def assert_ok(result: Result, code: int = 0) -> Result:
    """The command returned ``code`` with nothing on stderr."""
    assert result.returncode == code, (result.returncode, result.stdout[-2000:], result.stderr)
    assert result.stderr == ""
    return result


def run_ok(*args: object, cwd: Path, code: int = 0) -> Result:
    """Like :func:`run`, but the command must return ``code`` with nothing on stderr."""
    return assert_ok(run(*args, cwd=cwd), code)


def json_report(result: Result) -> dict:
    """Standard output must be exactly one JSON object, nothing else."""
    out = result.stdout
    assert out.endswith("\n") and out.count("\n") == 1, out
    report = json.loads(out)
    assert isinstance(report, dict)
    return report


def run_json(*args: object, cwd: Path, code: int = 0) -> dict:
    """Run with ``--json``: it must return ``code`` and print exactly one JSON object."""
    return json_report(run_ok(*args, "--json", cwd=cwd, code=code))


def assert_user_error(result: Result, *fragments: str, quiet_stdout: bool = True) -> str:
    """Exit code 2, exactly one line on stderr naming ``fragments``, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stderr.endswith("\n")
    message = lines[0]
    assert message.startswith("steepest"), message
    assert "error" in message, message
    for fragment in fragments:
        assert fragment.lower() in message.lower(), (fragment, message)
    if quiet_stdout:
        assert result.stdout == ""
    return message


def user_error(*args: object, cwd: Path) -> str:
    """Run a command that must fail with a one-line user error; returns the line."""
    return assert_user_error(run(*args, cwd=cwd), quiet_stdout=False)


def assert_train_report_types(report: dict) -> None:
    assert set(report) == TRAIN_JSON_KEYS
    assert isinstance(report["data"], str)
    assert isinstance(report["model"], str) and Path(report["model"]).is_absolute()
    assert isinstance(report["test_loss"], float) and math.isfinite(report["test_loss"])
    accuracy = report["test_accuracy"]
    assert accuracy is None or (isinstance(accuracy, float) and 0 <= accuracy <= 1)
    assert isinstance(report["seconds"], int | float) and report["seconds"] >= 0
    for key in ("epochs", "best_epoch", "parameters", "train_samples", "test_samples"):
        assert type(report[key]) is int, key
        assert report[key] >= 1, key
    assert 1 <= report["best_epoch"] <= report["epochs"]
    assert isinstance(report["layers"], list) and len(report["layers"]) >= 2
    assert all(type(n) is int and n >= 1 for n in report["layers"])
    assert report["update"] == _kernels.path()  # which path the updates took


def predictions(report: dict) -> list[dict]:
    """The predictions of ``steepest predict --json`` for a digits model, checked."""
    assert set(report) == {"model", "predictions", "errors"} and report["errors"] == []
    for p in report["predictions"]:
        assert set(p) == {"input", "class", "label", "probabilities"}
        assert type(p["class"]) is int
        assert p["label"] == str(p["class"])  # digits' class names are "0".."9"
        assert all(0 <= v <= 1 for v in p["probabilities"])
        assert sum(p["probabilities"]) == pytest.approx(1.0, abs=1e-4)
        assert int(np.argmax(p["probabilities"])) == p["class"]
    return report["predictions"]


def hide_modules(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make ``import NAME`` (and of its submodules) fail until the test ends, as if
    the package were not installed."""
    for name in names:
        for loaded in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            monkeypatch.setitem(sys.modules, loaded, None)
        monkeypatch.setitem(sys.modules, name, None)


def written(stdout: str) -> list[Path]:
    """The files a command says it wrote; each must be an image of its suffix's format."""
    from PIL import Image

    paths = [Path(p) for p in re.findall(r"^wrote (.+)$", stdout, re.M)]
    for path in paths:
        assert path.is_absolute()
        with Image.open(path) as image:
            assert image.format == path.suffix[1:].upper()
    return paths


def digit_png(path: Path, size: tuple[int, int], digit: str, width: int,
              mode: str = "L") -> Path:
    """A digit drawn dark on light with Pillow: '0' an ellipse, '1' a vertical stroke."""
    from PIL import Image, ImageDraw

    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    w, h = size
    if digit == "0":
        draw.ellipse([w * 0.3, h * 0.15, w * 0.7, h * 0.85], outline="black", width=width)
    else:
        draw.line([(w * 0.5, h * 0.1), (w * 0.5, h * 0.9)], fill="black", width=width)
    image.save(path)
    return path


def write_csv(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(str(v) for v in row) + "\n")
    return path


def classification_rows(n: int = 300, seed: int = 0) -> list[tuple]:
    """A learnable table: the label depends on two numbers and a colour."""
    rng = np.random.default_rng(seed)
    bonus = {"red": 0.0, "green": 1.5, "blue": -1.5}
    rows = []
    for _ in range(n):
        size, weight = rng.uniform(0, 1000), rng.normal()
        color = str(rng.choice(["red", "green", "blue"]))
        label = int(size / 500 - 1 + weight + bonus[color] > 0)
        rows.append((f"{size:.1f}", f"{weight:.3f}", color, label))
    return rows


def regression_rows(n: int = 300, seed: int = 0) -> list[tuple]:
    """A numeric target: ``y = 2a - 0.3b + 0.5`` plus noise of 0.05."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        a, b = rng.uniform(-1, 1), rng.uniform(0, 10)
        y = 2 * a - 0.3 * b + 0.5 + rng.normal(0, 0.05)
        rows.append((f"{a:.5f}", f"{b:.5f}", f"{y:.5f}"))
    return rows
