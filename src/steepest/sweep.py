"""Cross-validated grid searches of networks, on one machine or a Dask cluster.

A sweep is scikit-learn's ``GridSearchCV`` over :mod:`steepest.sklearn`
estimators, run through joblib: ``"loky"`` uses this machine's cores;
``"dask"`` sends every fit to a Dask distributed cluster (one at
``scheduler``, or a ``LocalCluster`` started for the sweep and closed after
it). Dask does the distribution; nothing here schedules work.

The grid's text form, as on the command line: space-separated ``name=v1;v2``,
with ``,`` inside a value for layer sizes::

    layers=64;128,64 lr=1e-3;1e-2 batch_size=32;0

Needs scikit-learn (``pip install "steepest[sklearn]"``); the Dask backend
needs ``pip install "steepest[sweep]"``.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _parsing
from .activations import ACTIVATIONS
from .config import TrainingConfig
from .errors import ConfigError
from .optimizers import OPTIMIZERS

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
    """One point of the grid and its cross-validated score (NaN if its fits failed)."""

    params: dict[str, Any]  # in the grid's own names (``layers``, ``lr``...)
    mean_score: float
    std_score: float
    rank: int
    fit_seconds: float


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


def sweep(
    X: np.ndarray, y: np.ndarray, grid: dict[str, list[Any]] | str, *,
    classification: bool = True, config: TrainingConfig | None = None,
    fixed: dict[str, Any] | None = None, cv: int = 3, backend: str = "loky",
    scheduler: str | None = None, n_workers: int = 2, n_jobs: int = -1,
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
    """
    from sklearn.exceptions import FitFailedWarning
    from sklearn.model_selection import GridSearchCV

    from .sklearn import NetworkClassifier, NetworkRegressor, estimator_params

    grid = parse_grid(grid) if isinstance(grid, str) else grid
    unknown = sorted(set(grid) - set(GRID_PARAMETERS))
    if unknown:
        raise ConfigError(f"grid: unknown names {unknown}; expected {', '.join(GRID_PARAMETERS)}")
    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise ConfigError(f"cv must be a whole number of folds >= 2, got {cv!r}")
    _check_folds(y, cv, classification)
    params = (estimator_params(config) if config is not None else {}) | (fixed or {})
    estimator = (NetworkClassifier if classification else NetworkRegressor)(**params)
    search = GridSearchCV(estimator, estimator_grid(grid), cv=cv, n_jobs=n_jobs,
                          error_score=np.nan)
    with _joblib_backend(backend, scheduler, n_workers), warnings.catch_warnings():
        # A candidate whose fits fail (a diverging learning rate) scores NaN and is
        # shown as failed in the table; scikit-learn's warning would only repeat it.
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.filterwarnings("ignore", "One or more of the test scores are non-finite")
        try:
            search.fit(X, y)
        except ValueError as exc:
            if "fits failed" not in str(exc):
                raise
            raise ConfigError(f"every fit of the sweep failed; the last error: "
                              f"{_last_error(str(exc))}") from None
    return SweepResult(_candidates(search, grid), search.best_estimator_,
                       "accuracy" if classification else "r2", cv, backend)


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


def _last_error(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[-1] if lines else message


def _candidates(search: Any, grid: dict[str, list[Any]]) -> list[Candidate]:
    from .sklearn import parameter_name

    names = {parameter_name(name): name for name in grid}
    results = search.cv_results_
    candidates = [
        Candidate(
            params={names[key]: value for key, value in params.items()},
            mean_score=float(results["mean_test_score"][i]),
            std_score=float(results["std_test_score"][i]),
            rank=int(results["rank_test_score"][i]),
            fit_seconds=float(results["mean_fit_time"][i]),
        )
        for i, params in enumerate(results["params"])
    ]
    # Failed candidates (NaN) last; scikit-learn ranks them after every finite score.
    return sorted(candidates, key=lambda c: (c.rank, math.isnan(c.mean_score)))


@contextlib.contextmanager
def _joblib_backend(backend: str, scheduler: str | None, n_workers: int) -> Iterator[None]:
    import joblib

    if backend == "loky":
        with joblib.parallel_config(backend="loky"):
            yield
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError('the dask backend needs dask.distributed: pip install '
                          '"steepest[sweep]"') from None
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
