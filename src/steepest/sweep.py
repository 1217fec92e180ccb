"""Cross-validated grid searches of networks, on one machine or a Dask cluster.

A sweep cross-validates :mod:`steepest.sklearn` estimators as scikit-learn's
``GridSearchCV`` does (the same folds, scores and ranks), each fit a joblib task,
and reports each candidate as its fits finish: ``"loky"`` uses this machine's
cores; ``"dask"`` sends every fit to a Dask distributed cluster (one at
``scheduler``, or a ``LocalCluster`` started for the sweep and closed after it).
Dask does the distribution; nothing here schedules work.

The grid's text form, as on the command line: space-separated ``name=v1;v2``,
with ``,`` inside a value for layer sizes::

    layers=64;128,64 lr=1e-3;1e-2 batch_size=32;0

Needs scikit-learn and joblib, and for the Dask backend dask.distributed: ``pip
install "steepest[sweep]"``.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import _parsing
from .activations import ACTIVATIONS
from .config import TrainingConfig
from .errors import ConfigError, DivergenceError, SteepestError
from .optimizers import OPTIMIZERS, learning_rate_in

BACKENDS = ("loky", "dask")

#: Grid name -> the parser of its values (whose ``requirement`` an error quotes). The
#: names are settings of a :class:`~steepest.config.TrainingConfig` or their aliases
#: (:data:`~steepest.config.ALIASES`): ``lr`` is ``learning_rate``.
GRID_PARAMETERS: dict[str, Callable[[str], Any]] = {
    "layers": _parsing.layer_sizes,
    "lr": _parsing.positive_float,
    "epochs": _parsing.positive_int,
    "batch_size": _parsing.batch_size,
    "activation": _parsing.PartSpec(ACTIVATIONS, hidden=True),
    "optimizer": _parsing.PartSpec(OPTIMIZERS),
    "l2": _parsing.non_negative_float,
    "dropout": _parsing.rate,
}


def parse_grid(text: str) -> dict[str, list[Any]]:
    """``"layers=64;128,64 lr=1e-3;1e-2"`` -> ``{"layers": [(64,), (128, 64)],
    "lr": [0.001, 0.01]}``. Names: see :data:`GRID_PARAMETERS` (``-`` may stand
    for ``_``). Raises :class:`~steepest.errors.ConfigError` naming the bad part."""
    grid: dict[str, list[Any]] = {}
    for item in text.split():
        name, equals, values = item.partition("=")
        name = name.replace("-", "_")
        if not equals or not values:
            raise ConfigError(f"grid: expected name=value1;value2, got {item!r}")
        if name not in GRID_PARAMETERS:
            raise ConfigError(f"grid: unknown name {name!r}; expected one of "
                              f"{', '.join(GRID_PARAMETERS)}")
        if name in grid:
            raise ConfigError(f"grid: {name} is given twice; list its values once, "
                              "separated by ';'")
        parsed = [_grid_value(name, value) for value in values.split(";")]
        if len(set(parsed)) != len(parsed):
            raise ConfigError(f"grid: {name} lists a value twice: {values!r}")
        grid[name] = parsed
    if not grid:
        raise ConfigError("grid: empty; expected e.g. \"layers=64;128,64 lr=1e-3;1e-2\"")
    return grid


def _grid_value(name: str, text: str) -> Any:
    """One value of the grid's ``name``; a ConfigError says what it must be (and, for
    a part with parameters, what is wrong with them)."""
    parse = GRID_PARAMETERS[name]
    try:
        return parse(text.strip())
    except ValueError as exc:
        detail = f" ({exc})" if isinstance(parse, _parsing.PartSpec) else ""
        raise ConfigError(f"grid: {name} value {text!r} is not {parse.requirement}{detail}"
                          ) from None


def estimator_grid(grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The grid with the estimators' parameter names (``lr`` -> ``learning_rate``,
    ``layers`` -> ``hidden_layer_sizes``)."""
    from .sklearn import parameter_name

    return {parameter_name(name): values for name, values in grid.items()}


@dataclass
class Candidate:
    """One point of the grid and its cross-validated score (NaN if its fits failed,
    ``error`` saying why); ``rank`` is 0 until every candidate has its score."""

    params: dict[str, Any]  # in the grid's own names (``layers``, ``lr``...)
    mean_score: float
    std_score: float
    rank: int
    fit_seconds: float  # the mean over the folds
    error: str | None = None


@dataclass
class SweepResult:
    """``candidates`` sorted best first; ``best`` the estimator refitted on all rows."""

    candidates: list[Candidate]
    best: Any  # NetworkClassifier | NetworkRegressor
    scoring: str
    cv: int
    backend: str

    @property
    def best_params(self) -> dict[str, Any]:
        return self.candidates[0].params

    @property
    def best_score(self) -> float:
        return self.candidates[0].mean_score


def check_available(backend: str = "loky") -> None:
    """Raise :class:`~steepest.errors.ConfigError` naming the extra to install when
    what a sweep needs is missing: scikit-learn and joblib, and for the ``"dask"``
    backend dask.distributed (call it before the data is loaded)."""
    needed = {"joblib": ("a sweep", "joblib"), "sklearn": ("a sweep", "scikit-learn")}
    if backend == "dask":
        needed["distributed"] = ("the dask backend", "dask.distributed")
    for module, (what, package) in needed.items():
        try:
            __import__(module)
        except ImportError:
            raise ConfigError(f'{what} needs {package}: pip install "steepest[sweep]"'
                              ) from None


def scoring(classification: bool) -> str:
    """The score of a sweep's candidates: ``"accuracy"`` for classes, ``"r2"`` for a
    number."""
    return "accuracy" if classification else "r2"


#: ``on_candidate(candidate, done, total)``: a candidate whose fits have all
#: finished (its ``rank`` still 0), the ``done``-th of ``total``.
CandidateCallback = Callable[[Candidate, int, int], None]


def sweep(
    X: np.ndarray, y: np.ndarray, grid: dict[str, list[Any]] | str, *,
    classification: bool = True, config: TrainingConfig | None = None,
    fixed: dict[str, Any] | None = None, cv: int = 3, backend: str = "loky",
    scheduler: str | None = None, n_workers: int = 2, n_jobs: int = -1,
    on_candidate: CandidateCallback | None = None,
) -> SweepResult:
    """Cross-validate every combination of ``grid`` on ``X`` ``(n_samples,
    n_features)`` and ``y`` ``(n_samples,)``; refit the best on all the rows.

    - ``grid``: ``{"layers": [(64,), (128, 64)], "lr": [1e-3, 1e-2]}`` or its text
      form (see :func:`parse_grid`).
    - ``classification``: a :class:`~steepest.sklearn.NetworkClassifier` scored
      by accuracy, else a :class:`~steepest.sklearn.NetworkRegressor` scored by R².
    - ``config``: what the grid does not vary, as a
      :class:`~steepest.config.TrainingConfig` (``steepest sweep`` passes what
      ``steepest train`` would use for the data; its ``loss`` None leaves the loss
      to the estimator, by the targets); None: the estimators' defaults.
    - ``fixed``: other estimator parameters, the same for every candidate, over
      ``config``'s (``{"epochs": 20, "random_state": 0}``).
    - ``cv``: stratified folds for classes, plain folds otherwise.
    - ``backend``: ``"loky"`` (``n_jobs`` processes on this machine; 1 runs in this
      process) or ``"dask"``: the cluster at ``scheduler`` (``"tcp://host:8786"``),
      or a ``LocalCluster`` of ``n_workers`` processes started and closed here.
    - ``on_candidate``: called in this process as each candidate's last fit
      finishes, in the order they finish (see :data:`CandidateCallback`).

    A candidate whose fits fail (a learning rate that diverges) scores NaN and
    ranks last; when every one fails, a ConfigError gives the first candidate's reason.
    """
    check_available(backend)
    from sklearn.base import clone
    from sklearn.model_selection import ParameterGrid, check_cv

    from .sklearn import NetworkClassifier, NetworkRegressor, estimator_params, parameter_name

    grid = parse_grid(grid) if isinstance(grid, str) else grid
    unknown = sorted(set(grid) - set(GRID_PARAMETERS))
    if unknown:
        raise ConfigError(f"grid: unknown names {unknown}; expected {', '.join(GRID_PARAMETERS)}")
    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise ConfigError(f"cv must be a whole number of folds >= 2, got {cv!r}")
    X, y = np.asarray(X), np.asarray(y)
    _check_folds(y, cv, classification)
    params = (estimator_params(config) if config is not None else {}) | (fixed or {})
    estimator = (NetworkClassifier if classification else NetworkRegressor)(**params)
    points = [_own_rate_kept(point, grid) for point in ParameterGrid(estimator_grid(grid))]
    folds = list(check_cv(cv, y, classifier=classification).split(X, y))
    with _joblib_backend(backend, scheduler, n_workers):
        candidates = _cross_validate(estimator, points, folds, X, y, n_jobs, grid, on_candidate)
    best = next(c for c in candidates if c.rank == 1)
    if math.isnan(best.mean_score):
        raise ConfigError(f"every fit of the sweep failed; the first candidate's: {best.error}")
    refitted = clone(estimator).set_params(**_own_rate_kept(
        {parameter_name(name): value for name, value in best.params.items()}, grid))
    return SweepResult(candidates, refitted.fit(X, y), scoring(classification), cv, backend)


def _cross_validate(estimator: Any, points: list[dict[str, Any]],
                    folds: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray, y: np.ndarray,
                    n_jobs: int, grid: dict[str, list[Any]],
                    on_candidate: CandidateCallback | None) -> list[Candidate]:
    """Fit and score every point on every fold, one joblib task each, taking the
    results as they come; the candidates, ranked, best first."""
    from joblib import Parallel, delayed

    from .sklearn import parameter_name

    names = {parameter_name(name): name for name in grid}
    scores = np.full((len(points), len(folds)), np.nan)
    seconds = np.zeros_like(scores)
    errors: list[list[str | None]] = [[None] * len(folds) for _ in points]
    left = [len(folds)] * len(points)
    candidates: list[Candidate | None] = [None] * len(points)
    tasks = (delayed(_fit_and_score)(estimator, point, X, y, train, test, (i, k))
             for i, point in enumerate(points) for k, (train, test) in enumerate(folds))
    done = 0
    for (i, k), score, took, error in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            tasks):
        scores[i, k], seconds[i, k] = score, took
        errors[i][k] = error
        left[i] -= 1
        if left[i]:
            continue
        # Over the folds in their order, whatever order they finished in, so the mean is
        # the same on every backend.
        candidates[i] = Candidate({names[key]: value for key, value in points[i].items()
                                   if key in names},
                                  float(np.mean(scores[i])), float(np.std(scores[i])), 0,
                                  float(np.mean(seconds[i])),
                                  next((e for e in errors[i] if e is not None), None))
        done += 1
        if on_candidate is not None:
            on_candidate(candidates[i], done, len(points))
    ranks = _ranks(scores.mean(axis=1))
    ranked = [replace(c, rank=int(rank)) for c, rank in zip(candidates, ranks, strict=True)]
    # Failed candidates (NaN) last, as scikit-learn ranks them after every finite score.
    return sorted(ranked, key=lambda c: (c.rank, math.isnan(c.mean_score)))


def _own_rate_kept(point: dict[str, Any], grid: dict[str, list[Any]]) -> dict[str, Any]:
    """A point's estimator parameters, with the learning rate an optimizer names
    itself (``"sgd(learning_rate=5)"``) over the one the grid does not vary, as
    ``steepest train`` takes it over its default; a grid that varies ``lr``
    sets the rate itself."""
    own = None if "lr" in grid else learning_rate_in(point.get("optimizer"))
    return point if own is None else {**point, "learning_rate": own}


def _fit_and_score(estimator: Any, point: dict[str, Any], X: np.ndarray, y: np.ndarray,
                   train: np.ndarray, test: np.ndarray, where: tuple[int, int]
                   ) -> tuple[tuple[int, int], float, float, str | None]:
    """One task: a copy of ``estimator`` with the ``point``'s parameters, fitted on
    the ``train`` rows and scored on the ``test`` rows; a fit that fails scores NaN,
    with its reason."""
    from sklearn.base import clone

    model = clone(estimator).set_params(**point)
    started = time.perf_counter()
    try:
        model.fit(X[train], y[train])
    except DivergenceError as exc:
        return where, math.nan, time.perf_counter() - started, exc.summary
    except (SteepestError, MemoryError) as exc:
        return where, math.nan, time.perf_counter() - started, " ".join(str(exc).split())
    took = time.perf_counter() - started
    return where, float(model.score(X[test], y[test])), took, None


def _ranks(means: np.ndarray) -> np.ndarray:
    """scikit-learn's ranks of mean scores ``(n_candidates,)``: 1 for the best, ties
    sharing the lowest rank, NaN (failed) after every score."""
    if np.isnan(means).all():
        return np.ones(len(means), dtype=np.int64)
    filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
    return np.array([1 + int(np.sum(filled > m)) for m in filled])


def _check_folds(y: np.ndarray, cv: int, classification: bool) -> None:
    """Refuse ``cv`` folds that ``y`` ``(n_samples,)`` cannot fill: stratified folds
    need ``cv`` rows of every class (else scikit-learn raises, or warns and trains
    folds that lack a class), plain folds ``cv`` rows."""
    y = np.asarray(y)
    if classification and y.ndim == 1:
        labels, counts = np.unique(y, return_counts=True)
        smallest = int(counts.argmin())
        if counts[smallest] < cv:
            raise ConfigError(
                f"cv={cv} stratified folds need at least {cv} rows of every class; class "
                f"{labels[smallest].item()!r} has {counts[smallest]} (use a smaller --cv or "
                "more data)")
    elif len(y) < cv:
        raise ConfigError(f"cv={cv} folds need at least {cv} rows, got {len(y)}")


@contextlib.contextmanager
def _joblib_backend(backend: str, scheduler: str | None, n_workers: int) -> Iterator[None]:
    import joblib

    if backend == "loky":
        with joblib.parallel_config(backend="loky"):
            yield
        return
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = Client(scheduler, timeout="10s")
            except (ValueError, OSError) as exc:  # a malformed address; nobody listening
                raise ConfigError(f"cannot connect to the Dask scheduler at {scheduler!r} "
                                  f"(expected a running scheduler such as "
                                  f"tcp://host:8786): {' '.join(str(exc).split())}"
                                  ) from None
            stack.enter_context(client)
        else:
            # Processes, not threads: each fit holds the GIL between BLAS calls.
            cluster = stack.enter_context(LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True,
                dashboard_address=None,
            ))
            stack.enter_context(Client(cluster))
        # joblib's dask backend finds the client just opened by itself.
        with joblib.parallel_config(backend="dask", wait_for_workers_timeout=60):
            yield


def format_table(result: SweepResult) -> str:
    """The candidates, best first: rank, mean and spread of the score, the fit
    time, then one column per grid name."""
    names = list(result.candidates[0].params) if result.candidates else []
    header = ["rank", f"mean {result.scoring}", "std", "fit s", *names]
    rows = [header]
    for c in result.candidates:
        failed = math.isnan(c.mean_score)
        rows.append([
            str(c.rank), "failed" if failed else f"{c.mean_score:.4f}",
            "" if failed else f"{c.std_score:.4f}", f"{c.fit_seconds:.2f}",
            *(format_value(c.params[name]) for name in names),
        ])
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     .rstrip() for row in rows)


def format_value(value: Any) -> str:
    """A grid value as it is written in the grid: ``(128, 64)`` -> ``128,64``."""
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "none"
    if value is None:
        return "0"
    return f"{value:g}" if isinstance(value, float) else str(value)
