"""benchmarks/compare.py: the smoke run produces its table and JSON lines, with or
without PyTorch (run through subprocess, as CI and users run it)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from steepest import _kernels

pytestmark = pytest.mark.slow  # every test here takes seconds

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "compare.py"
MNIST_DIR = ROOT.parent / "shared" / "data" / "mnist"  # the script's default --data-dir

RESULT_KEYS = {"record", "setup", "system", "label", "status", "reason", "sec_per_epoch",
               "accuracy", "peak_rss_mb", "rss_after_load_mb", "time_vs_steepest",
               "epoch_seconds", "epochs", "repeats", "threads", "data", "train_rows",
               "test_rows", "info"}
RATIO_KEYS = {"record", "setup", "steepest_over_torch", "steepest_over_sklearn",
              "steepest_over_blas"}
RUN_KEYS = {"record", "setups", "systems", "epochs", "repeats", "threads", "jobs", "seed",
            "smoke", "data", "train_rows", "test_rows", "load_start", "load_end", "seconds",
            "versions", "cpus", "processor"}


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _run(*options: str, env: dict | None = None) -> tuple[str, list[dict], str]:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *options], capture_output=True, text=True, cwd=ROOT,
        timeout=600, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    table = "\n".join(line for line in lines if not line.startswith("{"))
    return table, records, result.stderr


def _by_kind(records: list[dict]) -> tuple[dict, dict, dict]:
    results = {(r["setup"], r["system"]): r for r in records if r["record"] == "result"}
    ratios = {r["setup"]: r for r in records if r["record"] == "ratios"}
    runs = [r for r in records if r["record"] == "run"]
    assert len(runs) == 1
    return results, ratios, runs[0]


def _table_rows(table: str) -> list[str]:
    """The table's rows: one per setup and system (they start with the setup's letter)."""
    return [line for line in table.splitlines() if line[:2] in ("a ", "b ", "c ")]


def _check_ok(record: dict, epochs: int) -> None:
    assert record.keys() >= RESULT_KEYS
    assert record["status"] == "ok", record
    assert record["reason"] is None
    # The median of every run's epochs but its first (the warm-up), when it has more.
    steady = [t for run in record["epoch_seconds"] for t in (run[1:] if len(run) > 1 else run)]
    assert record["sec_per_epoch"] == statistics.median(steady) > 0
    assert record["peak_rss_mb"] > 0
    assert record["time_vs_steepest"] > 0
    assert all(len(run) == epochs and all(t > 0 for t in run) for run in record["epoch_seconds"])
    if record["system"] == "blas":
        assert record["accuracy"] == {}
    else:
        assert set(record["accuracy"]) == {str(e) for e in range(1, epochs + 1) if e in (1, 5, 10)
                                           or e == epochs}
        assert all(0.0 <= a <= 1.0 for a in record["accuracy"].values())


@pytest.fixture(scope="module")
def smoke():
    return _run("--smoke", "--synthetic")


def test_smoke_runs_every_setup_and_system(smoke):
    table, records, progress = smoke
    results, ratios, run = _by_kind(records)
    assert run.keys() >= RUN_KEYS
    assert run["smoke"] and run["data"] == "synthetic" and run["epochs"] == 2
    assert run["processor"] == _compare_module().processor() != ""
    assert f"{run['cpus']} CPUs ({run['processor']}); numpy " in table
    assert (run["train_rows"], run["test_rows"]) == (2000, 500)
    expected = {(s, m) for s in "abc"
                for m in ("steepest", "steepest_numpy", "sklearn", "torch", "blas")}
    expected.add(("b", "loop"))
    assert set(results) == expected
    for (setup, system), record in results.items():
        if system == "torch" and not _available("torch"):
            assert record["status"] == "skipped" and "torch" in record["reason"]
        elif system == "sklearn" and not _available("sklearn"):
            assert record["status"] == "skipped"
        else:
            # PyTorch on setup b is slow: it trains --slow-epochs epochs (smoke: 1)
            slow = (setup, system) == ("b", "torch")
            _check_ok(record, epochs=1 if slow else 2)
            assert record["epochs"] == (1 if slow else 2)
    assert results[("a", "steepest")]["time_vs_steepest"] == 1.0
    for (setup, _system), record in results.items():  # the other's time over steepest's
        if record["status"] == "ok":
            steepest_time = results[(setup, "steepest")]["sec_per_epoch"]
            assert record["time_vs_steepest"] == pytest.approx(
                record["sec_per_epoch"] / steepest_time)
    # The fused kernels and NumPy's updates train to the same numbers, bit for bit.
    for setup in "abc":
        assert results[(setup, "steepest")]["accuracy"] == \
            results[(setup, "steepest_numpy")]["accuracy"]
        assert results[(setup, "steepest_numpy")]["info"]["update"] == "numpy"
        assert results[(setup, "steepest")]["info"]["update"] == _kernels.path()
    # steepest learns the synthetic digits (10 classes: chance is 10 %)
    assert results[("a", "steepest")]["accuracy"]["2"] > 0.3
    assert set(ratios) == {"a", "b", "c"}
    for setup, record in ratios.items():  # steepest's time over the other's
        assert record.keys() >= RATIO_KEYS
        steepest_time = results[(setup, "steepest")]["sec_per_epoch"]
        for system in ("blas", "sklearn", "torch"):
            other = results[(setup, system)]
            expected = (steepest_time / other["sec_per_epoch"] if other["status"] == "ok"
                        else None)
            assert record[f"steepest_over_{system}"] == pytest.approx(expected)
        assert ("loop_over_steepest" in record) == (setup == "b")
    assert ratios["b"]["loop_over_steepest"] == pytest.approx(
        results[("b", "loop")]["sec_per_epoch"] / results[("b", "steepest")]["sec_per_epoch"])

    # The table: a header, one row per setup and system, the ratio lines.
    assert "synthetic random data (2,000 train / 500 test rows)" in table
    header = next(line for line in table.splitlines() if line.startswith("setup  system"))
    for column in ("s/epoch", "acc@1", "acc@2", "peak RSS MB", "time/steepest"):
        assert column in header
    rows = _table_rows(table)
    for label in ("steepest", "steepest, NumPy updates", "scikit-learn", "PyTorch",
                  "per-sample loop", "BLAS bound"):
        assert any(label in row for row in rows), label
    assert len(rows) == 16
    for setup in "abc":
        for ratio in ("steepest/PyTorch", "steepest/scikit-learn", "steepest/BLAS bound"):
            assert f"setup {setup}: {ratio}" in table
    assert "faster than the per-sample loop" in table
    for setup in "abc":  # PyTorch's ratio on every setup, against issue 13's target
        assert f"setup {setup}: steepest/PyTorch" in table
        line = next(x for x in table.splitlines() if x.startswith(f"setup {setup}: steepest/Py"))
        assert "(target <= 0.8: " in line or not _available("torch")
    assert "setup c: steepest/BLAS bound" in table and "(target <= 1.3: " in table
    if _available("torch"):
        assert "PyTorch on setup b: 1 epoch(s) per run only (--slow-epochs)" in table
    assert "NOT comparable" in table  # smoke workers overlap: it says so
    path = _kernels.path()
    assert (f"steepest's optimiser update: the fused kernels, {path}; NumPy's passes"
            if path != "numpy" else "steepest's optimiser update: NumPy's passes") in table
    for label in ("steepest peak RSS: setup a", "steepest, NumPy updates peak RSS: setup a"):
        assert label in table
    assert "[16/16]" in progress


def test_without_torch_the_row_says_skipped(tmp_path):
    # A 'torch' package that cannot be imported, first on the path: the worker must
    # report the system as skipped, and everything else must still run.
    blocker = tmp_path / "torch"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('torch blocked by the test')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    table, records, _ = _run("--smoke", "--synthetic", "--setup", "a",
                             "--systems", "steepest,torch,blas", env=env)
    results, ratios, run = _by_kind(records)
    assert set(results) == {("a", "steepest"), ("a", "torch"), ("a", "blas")}
    torch_row = results[("a", "torch")]
    assert torch_row.keys() >= RESULT_KEYS and torch_row["status"] == "skipped"
    assert "torch not importable" in torch_row["reason"]
    assert torch_row["sec_per_epoch"] is None
    _check_ok(results[("a", "steepest")], epochs=2)
    _check_ok(results[("a", "blas")], epochs=2)
    assert ratios["a"]["steepest_over_torch"] is None
    assert ratios["a"]["steepest_over_blas"] > 0
    assert "skipped: torch not importable" in table
    assert run["systems"] == ["steepest", "torch", "blas"]


def test_steepest_and_sklearn_only():
    table, records, _ = _run("--smoke", "--synthetic", "--setup", "b", "--epochs", "1",
                             "--systems", "steepest,sklearn,loop")
    results, ratios, _ = _by_kind(records)
    assert set(results) == {("b", "steepest"), ("b", "sklearn"), ("b", "loop")}
    for record in results.values():
        if record["system"] == "sklearn" and not _available("sklearn"):
            continue
        _check_ok(record, epochs=1)
    assert ratios["b"]["steepest_over_torch"] is None
    assert ratios["b"]["loop_over_steepest"] > 0
    rows = _table_rows(table)
    assert len(rows) == 3 and not any("PyTorch" in row for row in rows)


@pytest.mark.skipif(not MNIST_DIR.is_dir(), reason=f"no MNIST files in {MNIST_DIR}")
def test_smoke_on_mnist():
    table, records, _ = _run("--smoke", "--setup", "a", "--systems", "steepest,blas")
    results, _, run = _by_kind(records)
    assert run["data"] == "mnist" and run["train_rows"] == 2000
    _check_ok(results[("a", "steepest")], epochs=2)
    _check_ok(results[("a", "blas")], epochs=2)
    assert results[("a", "steepest")]["accuracy"]["2"] > 0.5  # real digits, 2000 rows
    assert "MNIST (2,000 train / 500 test rows)" in table


def _compare_module():
    spec = importlib.util.spec_from_file_location("compare_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_row_where_some_runs_failed_is_partial_says_why_and_fails_the_run():
    compare = _compare_module()
    args = argparse.Namespace(epochs=3, slow_epochs=2, threads=2, synthetic=True)
    ok = {"status": "ok", "epoch_seconds": [9.0, 1.0, 3.0], "accuracy": {"1": 0.5, "3": 0.7},
          "peak_rss_mb": 200.0, "rss_after_load_mb": 150.0, "train_rows": 100,
          "test_rows": 50, "info": {"update": "numpy"}}
    failed = {"status": "failed", "reason": "exit code 1: MemoryError"}
    record = compare.aggregate("a", "steepest", [ok, failed], args)
    assert record["status"] == "partial" and record["repeats"] == 2
    assert record["reason"] == "exit code 1: MemoryError"
    assert record["sec_per_epoch"] == 2.0  # 1.0 and 3.0: the 9-second first epoch left out
    assert record.keys() >= RESULT_KEYS
    all_failed = compare.aggregate("a", "steepest", [failed, failed], args)
    assert all_failed["status"] == "failed" and all_failed["sec_per_epoch"] is None
    assert all_failed.keys() >= RESULT_KEYS
    # PyTorch's two epochs on setup b: the second alone counts
    slow = compare.aggregate("b", "torch", [ok | {"epoch_seconds": [5.0, 2.0]}] * 2, args)
    assert slow["status"] == "ok" and slow["sec_per_epoch"] == 2.0 and slow["epochs"] == 2


def _cache(folder: Path, level: str, kind: str, size: str) -> None:
    folder.mkdir(parents=True)
    for name, text in (("level", level), ("type", kind), ("size", size)):
        (folder / name).write_text(text + "\n")


def test_processor_names_the_model_and_its_unified_caches(tmp_path):
    compare = _compare_module()
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\n"
                       "model name\t: AMD EPYC 7B13\nflags\t\t: fpu\n\n"
                       "processor\t: 1\nmodel name\t: AMD EPYC 7B13\n")
    caches = tmp_path / "cache"
    _cache(caches / "index0", "1", "Data", "32K")
    _cache(caches / "index1", "1", "Instruction", "32K")
    _cache(caches / "index2", "2", "Unified", "512K")
    _cache(caches / "index3", "3", "Unified", "32768K")
    (caches / "index4").mkdir()  # a cache Linux lists without its files: left out
    assert compare.processor(cpuinfo, caches) == "AMD EPYC 7B13, L2 512K, L3 32768K"
    # where neither file says: the platform module's name, or that it is unknown
    fallback = compare.platform.processor() or "unknown processor"
    assert compare.processor(tmp_path / "missing", tmp_path / "none") == fallback
    cpuinfo.write_text("processor\t: 0\nmodel name\t:\n")
    assert compare.processor(cpuinfo, tmp_path / "none") == fallback


def test_bad_options_exit_with_code_2():
    result = subprocess.run([sys.executable, str(SCRIPT), "--systems", "steepest,keras"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert "keras" in result.stderr
    result = subprocess.run([sys.executable, str(SCRIPT), "--data-dir", "/nonexistent/mnist"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert "--synthetic" in result.stderr


# ------------------------------------------------------------ benchmarks/widths.py

WIDTHS_SCRIPT = ROOT / "benchmarks" / "widths.py"


def test_widths_smoke_prints_a_table_json_lines_and_draws_the_plot(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "widths.png"
    result = subprocess.run([sys.executable, str(WIDTHS_SCRIPT), "--smoke", "--synthetic",
                             "--repeats", "2", "--png", str(png)], capture_output=True,
                            text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    widths = [r for r in records if r["record"] == "width"]
    (run,) = [r for r in records if r["record"] == "run"]
    assert run["widths"] == [16, 32] and run["smoke"] and run["threads"] == 1
    assert run["repeats"] == 2
    assert run["processor"] == _compare_module().processor()
    assert f"1 thread(s) of {run['cpus']} CPUs ({run['processor']}); load average" in \
        result.stdout
    order = re.findall(r"^width (\d+) (.+?) \(repeat (\d)/2\)", result.stderr, re.M)
    systems = ["steepest", "PyTorch", "BLAS bound"]
    assert order == [(w, s, r) for w in ("16", "32") for r in "12" for s in systems]
    expected = {(w, s) for w in (16, 32) for s in ("steepest", "torch", "blas")}
    assert {(r["width"], r["system"]) for r in widths} == expected
    for record in widths:
        if record["system"] == "torch" and not _available("torch"):
            assert record["status"] == "skipped"
            continue
        assert record["status"] == "ok" and record["sec_per_epoch"] > 0
        assert record["repeats"] == 2 and record["rows"] == 512
        assert [len(run) for run in record["seconds"]] == [2, 2]
        # the median short epoch of both runs (every epoch, with only two), scaled to
        # 60,000 rows
        assert record["sec_per_epoch"] == pytest.approx(
            statistics.median(record["seconds"][0] + record["seconds"][1]) * 60000 / 512)
    header = "| width | steepest | PyTorch | BLAS bound | steepest/PyTorch | steepest/bound |"
    assert header in lines
    assert any(line.startswith("| 16 | ") for line in lines)
    assert any(line.startswith("| 32 | ") for line in lines)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_widths_refuses_unknown_systems():
    result = subprocess.run([sys.executable, str(WIDTHS_SCRIPT), "--systems", "steepest,jax"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert "unknown systems ['jax']; expected some of ['steepest', 'torch', 'blas']" in \
        result.stderr


# ------------------------------------------------------------ benchmarks/presets.py

PRESETS_SCRIPT = ROOT / "benchmarks" / "presets.py"


def _run_presets(*options: str) -> tuple[list[dict], str]:
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(PRESETS_SCRIPT), "--smoke", *options],
                            capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return records, result.stdout


def test_presets_smoke_on_digits():
    records, out = _run_presets("--presets", "digits-best")
    (record,) = records
    assert record["preset"] == "digits-best" and record["epochs"] == 1
    assert 0.1 < record["test_accuracy"] <= 1 and record["met"] is None
    assert record["command"].startswith("steepest train --preset digits-best --json")
    assert "| digits-best |" in out and "| >= 98.0% | - |" in out
    assert out.startswith(f"machine: {os.cpu_count()} cores ({_compare_module().processor()});")


@pytest.mark.skipif(not (MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file(),
                    reason=f"no MNIST files in {MNIST_DIR}")
def test_presets_smoke_on_mnist():
    records, out = _run_presets("--presets", "mnist-fast,mnist-best")
    assert [r["preset"] for r in records] == ["mnist-fast", "mnist-best"]
    assert all(r["test_accuracy"] > 0.85 for r in records)
    assert ">= 99.2% in <= 1800 s" in out


def test_presets_refuses_unknown_names():
    result = subprocess.run([sys.executable, str(PRESETS_SCRIPT), "--presets", "imagenet"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and "unknown presets ['imagenet']" in result.stderr


# ------------------------------------------------------------ benchmarks/step_cost.py

STEP_COST_SCRIPT = ROOT / "benchmarks" / "step_cost.py"


def _step_cost(*args: str) -> tuple[list[str], list[dict]]:
    """``benchmarks/step_cost.py ARGS --epochs 1``: its lines and its JSON records."""
    result = subprocess.run([sys.executable, str(STEP_COST_SCRIPT), *args, "--epochs", "1"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    return lines, [json.loads(line) for line in lines if line.startswith("{")]


def test_step_cost_against_a_commit_times_both_in_one_process():
    # The tree against its last commit (a name that is no Python identifier): both
    # timed in one process (never a pass/fail on speed: only that both ran), the
    # commit with the kernels built from its own source where this tree has them.
    lines, records = _step_cost("--networks", "playground,b", "--rounds", "2",
                                "--against", "HEAD~0", "--threads", "2")
    assert [r["network"] for r in records] == ["playground", "b"]
    for r in records:
        assert r["record"] == "step-cost" and r["against"] == "HEAD~0" and r["rounds"] == 2
        assert r["threads"] == 2 and r["us_per_step"] > 0 and r["other_us_per_step"] > 0
    built_there = _kernels.path() if importlib.util.find_spec("setuptools") else "numpy"
    for r in records:  # the other side is the commit's tree, unpacked into a temporary folder
        other = Path(r["other_module"])
        assert other.parts[-2:] == ("steepest_other", "__init__.py")
        assert not other.is_relative_to(ROOT) and not other.exists()  # cleaned up
        assert (r["this_path"], r["other_path"]) == (_kernels.path(), built_there)
    assert lines[0] == f"update paths: this tree {_kernels.path()}, HEAD~0 {built_there}"
    assert "HEAD~0 us/step" in lines[1]


def test_step_cost_against_numpy_times_this_trees_two_update_paths():
    lines, (record,) = _step_cost("--networks", "c", "--rounds", "1", "--against", "numpy")
    assert lines[0] == f"this tree's update path: {_kernels.path()}"
    assert "numpy us/step" in lines[1]
    assert record["network"] == "c" and record["against"] == "numpy"
    assert (record["this_path"], record["other_path"]) == (_kernels.path(), "numpy")
    assert record["us_per_step"] > 0 and record["other_us_per_step"] > 0


@pytest.mark.skipif(not (MNIST_DIR / "train-images-idx3-ubyte.gz").is_file(),
                    reason=f"no MNIST files in {MNIST_DIR}")
def test_step_cost_can_train_on_mnist_instead_of_random_rows():
    lines, (record,) = _step_cost("--networks", "a", "--rounds", "1", "--mnist", str(MNIST_DIR))
    assert record["network"] == "a" and record["data"] == "mnist" and record["us_per_step"] > 0
    assert lines[0].split() == ["network", "this", "tree", "us/step"]
    refused = subprocess.run([sys.executable, str(STEP_COST_SCRIPT), "--mnist", str(MNIST_DIR)],
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert refused.returncode == 2
    assert "--mnist trains the networks of 784 inputs; leave out playground" in refused.stderr


def test_step_cost_refuses_unknown_networks():
    result = subprocess.run([sys.executable, str(STEP_COST_SCRIPT), "--networks", "z"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and "unknown networks ['z']" in result.stderr


# ------------------------------------------------------------ benchmarks/startup.py


def test_startup_times_fresh_processes_on_each_update_path():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "startup.py"), "--runs",
                             "2", "--baseline"], capture_output=True, text=True, cwd=ROOT,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["kind"] for r in records] == ["compiled", "numpy", "baseline"]
    paths = [r["path"] for r in records]
    assert paths == [_kernels.path() if _kernels.built() else "numpy", "numpy", "numpy only"]
    for r in records:
        assert r["record"] == "startup" and r["runs"] == 2
        assert 0 < r["seconds_min"] <= r["seconds"] <= r["seconds_max"]
        # a Python process with NumPy loaded: tens of MB, each child's own figure
        assert 10 < r["peak_rss_mb_min"] <= r["peak_rss_mb"] <= r["peak_rss_mb_max"] < 1000
    baseline = records[2]["peak_rss_mb"]
    assert records[0]["peak_rss_mb"] > baseline and records[1]["peak_rss_mb"] > baseline
    assert result.stdout.splitlines()[0].split() == ["run", "path", "seconds", "(min-max)",
                                                     "peak", "RSS", "MB", "(min-max)"]


# ------------------------------------------------------------ benchmarks/passes.py


@pytest.mark.skipif(not _kernels.built(), reason="the compiled kernels were not built here")
def test_passes_times_each_kernel_against_numpys_pass():
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "passes.py"), "--rounds",
                             "1"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"compiled: {_kernels.path()}; 1 rounds, one thread, float32"
    records = [json.loads(line) for line in lines if line.startswith("{")]
    layer = ["relu forward", "relu+bias forward", "relu backward"]
    parameters = ["finiteness check", "momentum update", "adam update"]
    assert [(r["pass"], r["size"]) for r in records] == (
        [(name, size) for size in ("10x8", "128x128", "128x800") for name in layer]
        + [(name, size) for size in ("101,770", "636,010") for name in parameters])
    for r in records:
        assert r["record"] == "pass" and r["rounds"] == 1
        assert r["compiled_us"] > 0 and r["numpy_us"] > 0
        assert r["ratio"] == pytest.approx(r["compiled_us"] / r["numpy_us"])


def test_the_playground_benchmark_runs_in_a_browser():
    """benchmarks/playground.py speed, briefly: the script works (its figures are for
    the docs, never a pass/fail)."""
    sys.path.insert(0, str(ROOT / "tests" / "playground"))
    from browser import missing

    if missing():
        pytest.skip(missing())
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "playground.py"), "speed", "--seconds", "1",
         "--repeats", "2"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env=os.environ | {"OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    modes = ["pace", "fast-forward", "pace, no drawing", "fast-forward, no drawing"]
    assert [r["mode"] for r in records] == modes * 2 + ["library alone"] * 2
    for record in records:
        assert record["record"] == "playground-speed" and record["epochs_per_second"] > 0
    assert all(record["frames_per_second"] > 0 for record in records[:8])
    table = result.stdout.split("{", 1)[0]
    assert "(median, min-max of 2)" in table and "one frame computed by the server" in table
    for mode in [*modes, "library alone"]:
        assert re.search(rf"^{re.escape(mode)} +\d+\.\d \(\d+\.\d-\d+\.\d\)", table,
                         re.M), mode


# ------------------------------------------------------------ benchmarks/estimators.py

ESTIMATORS_SCRIPT = ROOT / "benchmarks" / "estimators.py"


def test_estimators_table_on_two_datasets():
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(ESTIMATORS_SCRIPT), "--data", "iris,diabetes",
                             "--folds", "2", "--ours", "epochs=30"], capture_output=True,
                            text=True, cwd=ROOT, timeout=600, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| data | what | metric | scikit-learn MLP | steepest |")
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert [r["data"] for r in records] == ["iris", "diabetes"]
    assert [r["metric"] for r in records] == ["accuracy", "r2"]
    iris, diabetes = records
    assert iris["ours"] == {"epochs": 30}
    assert 0.5 < iris["steepest"]["mean"] <= 1 and 0.5 < iris["sklearn"]["mean"] <= 1
    assert diabetes["steepest"]["mean"] > 0.2  # the targets are scaled: it learns
    assert "| iris | 150 x 4, 3 classes | accuracy |" in result.stdout


def test_estimators_refuses_unknown_datasets():
    result = subprocess.run([sys.executable, str(ESTIMATORS_SCRIPT), "--data", "titanic"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2 and "unknown datasets ['titanic']" in result.stderr


# ------------------------------------------------------------ benchmarks/side_by_side.py

SIDE_BY_SIDE_SCRIPT = ROOT / "benchmarks" / "side_by_side.py"


def _side_by_side_module():
    spec = importlib.util.spec_from_file_location("side_by_side_under_test", SIDE_BY_SIDE_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _side_by_side(*options: str, env: dict | None = None) -> tuple[str, list[dict], str]:
    result = subprocess.run([sys.executable, str(SIDE_BY_SIDE_SCRIPT), *options],
                            capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    return ("\n".join(line for line in lines if not line.startswith("{")),
            [json.loads(line) for line in lines if line.startswith("{")], result.stderr)


def test_side_by_side_times_each_system_in_turn_and_takes_the_rounds_ratios():
    table, records, progress = _side_by_side("--smoke", "--synthetic", "--setup", "c",
                                             "--systems", "steepest,steepest_numpy,blas")
    systems = {r["system"]: r for r in records if r["record"] == "system"}
    ratios = {r["pair"]: r for r in records if r["record"] == "ratio"}
    (run,) = [r for r in records if r["record"] == "run"]
    assert list(systems) == ["steepest", "steepest_numpy", "blas"]
    for r in systems.values():
        assert len(r["epoch_seconds"]) == 2 and all(t > 0 for t in r["epoch_seconds"])
        assert r["sec_per_epoch"] == statistics.median(r["epoch_seconds"])
    assert list(ratios) == ["steepest/steepest_numpy", "steepest/blas"]
    mine = systems["steepest"]["epoch_seconds"]
    for other in ("steepest_numpy", "blas"):
        ratio = ratios[f"steepest/{other}"]
        # each round's epoch of steepest over that round's epoch of the other
        assert ratio["ratios"] == [s / t for s, t in zip(mine, systems[other]["epoch_seconds"],
                                                         strict=True)]
        assert ratio["median"] == statistics.median(ratio["ratios"])
        assert ratio["min"] <= ratio["median"] <= ratio["max"]
    blas = ratios["steepest/blas"]
    assert (blas["target"], blas["target_is"], blas["met"]) == (1.3, "le", blas["median"] <= 1.3)
    assert ratios["steepest/steepest_numpy"]["target"] is None
    assert (run["rounds"], run["threads"], run["data"], run["train_rows"]) == (
        2, 1, "synthetic", 2000)
    assert run["setups"] == ["c"] and run["seconds"] > 0
    assert run["systems"] == ["steepest", "steepest_numpy", "blas"]
    assert run["processor"] == _compare_module().processor()
    assert f"machine: {run['cpus']} CPUs ({run['processor']}); Python " in table
    # a warm-up round, then the two counted ones, each system once a round, the
    # order turned by one each round: round r starts with system r (mod 3)
    rounds = [line for line in progress.splitlines() if line.startswith("setup ")]
    assert [line.split(":")[0] for line in rounds] == [
        "setup c round 0/2 (warm-up, not counted)", "setup c round 1/2", "setup c round 2/2"]
    assert rounds[1].split(": ")[1].startswith("steepest, NumPy updates")
    assert rounds[2].split(": ")[1].startswith("BLAS bound")
    for j, name in enumerate(systems):
        assert systems[name]["positions"] == [(j - r) % 3 for r in (1, 2)]
    assert systems["steepest"]["info"]["update"] == _kernels.path()
    assert systems["steepest_numpy"]["info"]["update"] == "numpy"
    if _available("threadpoolctl"):
        assert "openblas 1 threads" in systems["blas"]["thread_pools"]
    assert f"steepest/BLAS bound {blas['median']:.2f}" in table
    assert "steepest, NumPy updates" in table.splitlines()[3]


def test_side_by_side_rotates_the_order_and_counts_the_loop_as_a_speedup():
    side_by_side = _side_by_side_module()
    assert [side_by_side.rotation(["a", "b", "c"], i) for i in range(4)] == [
        ["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]
    targets = {("b", "torch"): 0.8, "b_loop_speedup": 20.0}
    records = side_by_side.summarise("b", {"steepest": [1.0, 2.0, 1.0],
                                           "torch": [2.0, 2.0, 4.0],
                                           "loop": [5.0, 30.0, 25.0]}, targets)
    systems = [r for r in records if r["record"] == "system"]
    assert [(r["system"], r["sec_per_epoch"]) for r in systems] == [
        ("steepest", 1.0), ("torch", 2.0), ("loop", 25.0)]
    torch_ratio, loop_ratio = (r for r in records if r["record"] == "ratio")
    assert torch_ratio["pair"] == "steepest/torch" and torch_ratio["ratios"] == [0.5, 1.0, 0.25]
    assert (torch_ratio["median"], torch_ratio["met"]) == (0.5, True)
    assert loop_ratio["pair"] == "loop/steepest" and loop_ratio["ratios"] == [5.0, 15.0, 25.0]
    assert (loop_ratio["median"], loop_ratio["target_is"], loop_ratio["met"]) == (15.0, "ge",
                                                                                   False)


@pytest.mark.skipif(not _kernels.built(), reason="the compiled kernels were not built here")
def test_side_by_side_runs_steepests_numpy_path_only_inside_its_own_epochs():
    # compare.py's builder chooses NumPy's path for its whole (own) process; here the
    # compiled system shares the process, so the choice must hold only for the epoch.
    side_by_side = _side_by_side_module()
    seen = []

    def numpy_builder(cfg, X, y, Xt, yt, args):
        _kernels.use("numpy")
        return (lambda: seen.append(_kernels.path())), None, {}

    fake = argparse.Namespace(WORKERS={"steepest_numpy": numpy_builder})
    before = _kernels.use("compiled")  # the caller's own choice, kept through it all
    try:
        epoch, info = side_by_side._build(fake, "steepest_numpy", {},
                                          ((None, None), (None, None)), None)
        assert info == {} and _kernels.use("compiled") == "compiled"
        epoch()
        assert seen == ["numpy"] and _kernels.use("compiled") == "compiled"
    finally:
        _kernels.use(before)


def test_side_by_side_without_torch_says_skipped_and_compares_the_rest(tmp_path):
    blocker = tmp_path / "torch"  # a 'torch' that cannot be imported, first on the path
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('torch blocked by the test')\n")
    table, records, _ = _side_by_side("--smoke", "--synthetic", "--setup", "a",
                                      env={**os.environ, "PYTHONPATH": str(tmp_path)})
    systems = {r["system"]: r for r in records if r["record"] == "system"}
    assert "torch not importable" in systems["torch"]["skipped"]
    assert set(systems) == {"steepest", "torch", "blas"}  # the loop runs on b only
    assert [r["pair"] for r in records if r["record"] == "ratio"] == ["steepest/blas"]
    assert "PyTorch                  skipped: torch not importable" in table
    (run,) = [r for r in records if r["record"] == "run"]
    assert run["systems"] == ["steepest", "blas"]  # those that ran


def test_side_by_side_runs_the_loop_and_scikit_learn_on_setup_b():
    pytest.importorskip("sklearn")
    table, records, _ = _side_by_side("--smoke", "--synthetic", "--setup", "b",
                                      "--systems", "steepest,sklearn,loop")
    systems = {r["system"]: r for r in records if r["record"] == "system"}
    assert list(systems) == ["steepest", "sklearn", "loop"]
    assert systems["sklearn"]["info"]["dtype"] == "float32"  # its estimator, once trained
    loop = next(r for r in records if r["record"] == "ratio" and r["pair"] == "loop/steepest")
    assert loop["ratios"] == [t / s for s, t in zip(systems["steepest"]["epoch_seconds"],
                                                    systems["loop"]["epoch_seconds"],
                                                    strict=True)]
    assert (loop["target"], loop["target_is"]) == (20.0, "ge")
    assert f"steepest is {loop['median']:.1f} x faster than the per-sample loop" in table


def test_side_by_side_refuses_bad_options():
    def refused(*options: str) -> str:
        result = subprocess.run([sys.executable, str(SIDE_BY_SIDE_SCRIPT), *options],
                                capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 2
        return result.stderr

    assert "--systems must include steepest" in refused("--systems", "torch,blas")
    assert "unknown ['keras']" in refused("--systems", "steepest,keras")
    assert "--synthetic" in refused("--data-dir", "/nonexistent/mnist")
    assert "--rounds and --threads must be >= 1" in refused("--rounds", "0", "--synthetic")
    assert "--settle >= 0" in refused("--settle", "-1", "--synthetic")
    assert "--settle >= 0" in refused("--settle", "nan", "--synthetic")
    assert "--train-rows and --test-rows must be >= 1" in refused("--train-rows", "-5",
                                                                  "--synthetic")


@pytest.mark.skipif(not (MNIST_DIR / "train-images-idx3-ubyte.gz").is_file(),
                    reason=f"no MNIST files in {MNIST_DIR}")
def test_side_by_side_on_mnist():
    _, records, _ = _side_by_side("--smoke", "--setup", "a", "--systems", "steepest,blas")
    (run,) = [r for r in records if r["record"] == "run"]
    assert (run["data"], run["train_rows"]) == ("mnist", 2000)
    (ratio,) = [r for r in records if r["record"] == "ratio"]
    assert ratio["pair"] == "steepest/blas" and ratio["median"] > 0
