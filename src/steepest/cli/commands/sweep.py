"""``steepest sweep``: a cross-validated grid search, on this machine or a Dask
cluster; what the grid does not vary is what ``steepest train`` would use."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..._files import exclusive
from ..._parsing import Number, names_list, positive_int
from ...errors import ConfigError
from ...sweep import (
    BACKENDS,
    GRID_PARAMETERS,
    Candidate,
    SweepResult,
    check_available,
    format_table,
    format_value,
    parse_grid,
    scoring,
    sweep,
)
from ..command import Command, Console
from ..data import Data, data_name, default_model_path, load_data
from ..files import check_model_output
from ..options import (
    Defaults,
    add_data_options,
    add_option,
    add_output_options,
    argument_type,
    options_given,
)
from ..settings import resolve_run

DEFAULTS = Defaults(texts={"data": "default: digits", "out": "default: DATA-sweep-model.npz"})
WORKERS = 2  # processes of the LocalCluster
JOBS = -1  # loky's parallel fits: every core


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grid", required=True,
                        help='e.g. "layers=64;128,64 lr=1e-3;1e-2"; names: '
                        f"{', '.join(GRID_PARAMETERS)} (required)")
    add_data_options(parser, DEFAULTS, csv=True)
    add_option(parser, "epochs", DEFAULTS)
    add_option(parser, "seed", DEFAULTS)
    search = parser.add_argument_group("search")
    search.add_argument("--cv", type=argument_type(Number(int, lambda v: v >= 2, ">= 2")),
                        default=3, help="cross-validation folds (default: 3)")
    search.add_argument("--backend", choices=BACKENDS, default="loky",
                        help="loky: this machine's cores; dask: a Dask cluster (default: loky)")
    search.add_argument("--scheduler", metavar="ADDRESS",
                        help="Dask scheduler, e.g. tcp://host:8786 (default: a LocalCluster)")
    search.add_argument("--workers", type=argument_type(positive_int),
                        help=f"dask: worker processes of the LocalCluster (default: {WORKERS})")
    search.add_argument("--jobs", type=argument_type(Number(int, lambda v: v == -1 or v >= 1,
                                                            "-1 or >= 1")),
                        help=f"loky: parallel fits (default: {JOBS}, every core)")
    add_output_options(parser, DEFAULTS)


def run(args: argparse.Namespace, console: Console) -> int:
    check_available(args.backend)
    grid = parse_grid(args.grid)
    _check_search_options(args, grid)
    plan = resolve_run(options_given(args, ("data", "epochs", "seed")))
    data = load_data(plan.data, args.data_dir, plan.config.seed, args.target,
                     names_list(args.one_hot), args.standardize)
    out = Path(args.out) if args.out else default_model_path(plan.data, "sweep-model")
    check_model_output(out, force=args.force, inputs=[plan.data])
    classification = data.classes is not None
    if not args.json:
        _say_plan(console, args, data, math.prod(len(values) for values in grid.values()))
    with exclusive(out, "--out"):
        result = sweep(data.X_train, data.y_train, grid, classification=classification,
                       config=plan.config, cv=args.cv, backend=args.backend,
                       scheduler=args.scheduler, n_workers=args.workers or WORKERS,
                       n_jobs=args.jobs or JOBS,
                       on_candidate=None if args.json else _progress(console,
                                                                     scoring(classification)))
        report = _save_best(result, data, args, plan.data, plan.config.seed, out)
    if args.json:
        console.json(report)
        return 0
    console.print(format_table(result))
    console.print(f"best: {_written(report['best_params'])} (mean {result.scoring} "
                  f"{result.best_score:.4f}); test {result.scoring} "
                  f"{report[f'test_{result.scoring}']:.4f}")
    console.print(f"model saved to {report['model']}")
    return 0


def _check_search_options(args: argparse.Namespace, grid: dict[str, list[Any]]) -> None:
    """Refuse search options that the backend would ignore, and epochs set twice."""
    if args.backend != "dask":
        given = [flag for flag, value in (("--scheduler", args.scheduler),
                                          ("--workers", args.workers)) if value is not None]
        if given:
            raise ConfigError(f"{given[0]} needs --backend dask")
    elif args.jobs is not None:
        raise ConfigError("--jobs is for --backend loky; on Dask, the cluster's workers run "
                          "the fits (--workers, for the LocalCluster)")
    elif args.scheduler and args.workers is not None:
        raise ConfigError("--workers sets the size of the LocalCluster the sweep starts; with "
                          "--scheduler, the cluster's own workers run the fits")
    if args.epochs is not None and "epochs" in grid:
        raise ConfigError("--epochs and the grid's epochs both set the epochs; give one")


def _progress(console: Console, score: str) -> Callable[[Candidate, int, int], None]:
    """One line per candidate as its last fit finishes: its score, or why it failed."""

    def show(candidate: Candidate, done: int, total: int) -> None:
        outcome = (f"failed: {candidate.error}" if math.isnan(candidate.mean_score) else
                   f"mean {score} {candidate.mean_score:.4f} ({candidate.fit_seconds:.2f} s "
                   "per fit)")
        params = {name: format_value(value) for name, value in candidate.params.items()}
        console.print(f"[{done}/{total}] {_written(params)}: {outcome}", flush=True)

    return show


def _say_plan(console: Console, args: argparse.Namespace, data: Data, n_candidates: int) -> None:
    where = args.scheduler or (f"a local Dask cluster of {args.workers or WORKERS} workers"
                               if args.backend == "dask" else "this machine")
    console.print(f"data: {data.name} ({len(data.X_train):,} train / {len(data.X_test):,} test "
                  f"rows, {data.X_train.shape[1]} features)")
    console.print(f"sweep: {n_candidates} candidates x {args.cv} folds = "
                  f"{n_candidates * args.cv} fits, backend {args.backend} on {where}", flush=True)


def _written(params: dict[str, str]) -> str:
    return " ".join(f"{name}={value}" for name, value in params.items())


def _save_best(result: SweepResult, data: Data, args: argparse.Namespace, spec: str, seed: int,
               out: Path) -> dict[str, Any]:
    """Score the refitted best once on the test rows, save it, and return the JSON
    report."""
    net = result.best.network_
    test_score = float(result.best.score(data.X_test, data.y_test))
    best_params = {k: format_value(v) for k, v in result.best_params.items()}
    net.record = {"data": data_name(spec), "classes": data.classes, "seed": seed, **data.info,
                  "test": net.evaluate(data.X_test, data.y_test),
                  "sweep": {"grid": args.grid, "best": _written(best_params), "cv": args.cv,
                            f"cv_{result.scoring}": result.best_score}}
    if args.data_dir:
        net.record["data_dir"] = str(Path(args.data_dir).resolve())
    path = net.save(out).resolve()
    return {
        "data": net.record["data"], "backend": args.backend, "cv": args.cv,
        "scoring": result.scoring, "model": str(path), "best_params": best_params,
        "best_score": result.best_score, f"test_{result.scoring}": test_score,
        "candidates": [{"rank": c.rank, "params": {k: format_value(v)
                                                   for k, v in c.params.items()},
                        "mean_score": None if math.isnan(c.mean_score) else c.mean_score,
                        "std_score": None if math.isnan(c.std_score) else c.std_score,
                        "fit_seconds": c.fit_seconds, "error": c.error}
                       for c in result.candidates],
    }


COMMAND = Command(
    "sweep", "cross-validated grid search (loky or a Dask cluster)", add_arguments, run,
    description="A cross-validated grid search through scikit-learn's GridSearchCV and "
    "joblib, on this machine (loky) or a Dask cluster; prints the candidates best first and "
    "saves the best model, refitted on all the training rows. What the grid does not vary is "
    "what `steepest train` would use for the dataset.")
