"""The ``steepest`` command: train, evaluate, predict, info, gradcheck, demo, plot.

User errors (missing files, bad option values, corrupt models, inputs of the
wrong size) print one line on standard error and exit with code 2, never a
traceback. ``--json`` prints one JSON object on standard output instead of the
human summary; its keys are listed in the README and stay stable.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__, datasets
from ._files import atomic_write
from .augment import ImageAugmenter
from .callbacks import Callback, GradientMonitor, ProgressBar, Snapshots
from .datasets.tables import TableSchema, fit_schema, read_csv_rows, targets
from .errors import ConfigError, DataError, SteepestError
from .gradcheck import gradcheck
from .images import IMAGE_SUFFIXES, load_image
from .io import load
from .network import Network

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
NAMED_DATA = ("digits", "mnist", "fashion-mnist", "xor", "spirals", "moons", "circles")


# --------------------------------------------------------------------------- data


@dataclass
class Data:
    """A dataset ready for the network: train/test arrays and what they are."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: list[str] | None  # None for regression
    info: dict[str, Any] = field(default_factory=dict)  # saved in the model's metadata

    @property
    def n_outputs(self) -> int:
        return len(self.classes) if self.classes is not None else 1


#: Per dataset: the network and training a new user gets with no options.
DEFAULTS: dict[str, dict[str, Any]] = {
    "digits": {"layers": [256, 256], "dropout": 0.2, "lr": 1e-3, "epochs": 60,
               "batch_size": 32},
    "mnist": {"layers": [128], "lr": 1e-3, "epochs": 10, "batch_size": 128},
    "fashion-mnist": {"layers": [256], "lr": 1e-3, "epochs": 15, "batch_size": 128},
    "xor": {"layers": [4], "activation": "tanh", "lr": 0.05, "epochs": 500, "batch_size": 0,
            "val_split": 0.0},
    "spirals": {"layers": [32, 32], "lr": 1e-2, "epochs": 200, "batch_size": 32},
    "moons": {"layers": [16], "lr": 1e-2, "epochs": 100, "batch_size": 32},
    "circles": {"layers": [16], "lr": 1e-2, "epochs": 100, "batch_size": 32},
    "csv": {"layers": [16], "lr": 1e-2, "epochs": 100, "batch_size": 32},
}
COMMON_DEFAULTS = {"activation": "relu", "optimizer": "adam", "val_split": 0.1, "seed": 0,
                   "dropout": 0.0, "schedule": "constant", "l2": 0.0, "augment": "none",
                   "select": "loss"}

#: Recipes tuned for a dataset (README, "Presets"; measured in benchmarks/RESULTS.md).
#: Each names its dataset; options given on the command line override it.
PRESETS: dict[str, dict[str, Any]] = {
    "mnist-fast": {"data": "mnist", "layers": [512, 512], "dropout": 0.2, "lr": 1e-3,
                   "schedule": "cosine", "epochs": 20, "batch_size": 128, "select": "accuracy"},
    "mnist-best": {"data": "mnist", "layers": [800, 800], "dropout": 0.3, "lr": 1e-3,
                   "schedule": "cosine", "epochs": 150, "batch_size": 128,
                   "augment": "elastic", "select": "accuracy"},
    "fashion-mnist": {"data": "fashion-mnist", "layers": [1024, 1024], "dropout": 0.3,
                      "lr": 1e-3, "schedule": "cosine", "epochs": 40, "batch_size": 128,
                      "augment": "flip", "select": "accuracy"},
    "digits-best": {"data": "digits", "layers": [256, 256], "dropout": 0.2, "lr": 1e-3,
                    "schedule": "cosine", "epochs": 100, "batch_size": 32,
                    "augment": "affine", "select": "accuracy"},
}
AUGMENTATIONS = ("none", "affine", "elastic", "flip")
TRAIN_OPTIONS = ("layers", "activation", "dropout", "optimizer", "lr", "epochs", "batch_size",
                 "val_split", "seed", "schedule", "l2", "augment", "select")


def train_settings(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The dataset and every training setting: the defaults, the dataset's own
    defaults, then the preset's, then the options given."""
    preset = PRESETS[args.preset] if args.preset else {}
    data = args.data or preset.get("data", "digits")
    if preset and preset["data"] != data:
        raise ConfigError(f"--preset {args.preset} is for --data {preset['data']}, not {data}")
    kind = "csv" if data.lower().endswith(".csv") else data
    settings = {**COMMON_DEFAULTS, **DEFAULTS.get(kind, DEFAULTS["csv"])}
    settings |= {k: v for k, v in preset.items() if k != "data"}
    settings |= {k: v for k, v in vars(args).items() if v is not None and k in TRAIN_OPTIONS}
    return data, settings


def make_augmenter(kind: str, image_shape: Sequence[int] | None) -> ImageAugmenter | None:
    """The ``--augment`` distortions, scaled to the image size: ``affine`` shifts a
    28-pixel image by up to 2 pixels, turns it by up to 10 degrees and scales it by
    up to 10 %; ``elastic`` adds Simard et al.'s elastic distortion (alpha 34,
    sigma 4 pixels at that size); ``flip`` mirrors half the images left to right,
    nothing else (for clothes, not digits: measured on Fashion-MNIST, shifts on
    top of it cost accuracy)."""
    if kind == "none":
        return None
    if image_shape is None:
        raise ConfigError(f"--augment {kind} needs image data (digits, mnist, fashion-mnist)")
    size = min(image_shape) / 28
    if kind == "flip":
        return ImageAugmenter(image_shape, shift=0, rotation=0, scale=0, mirror=True)
    elastic = {"elastic_alpha": 34 * size, "elastic_sigma": 4 * size} if kind == "elastic" else {}
    return ImageAugmenter(image_shape, shift=2 * size, rotation=10, scale=0.1, **elastic)


def load_data(spec: str, data_dir: str | None, seed: int = 0, target: str | None = None,
              one_hot: Sequence[str] = (), standardize: bool = False) -> Data:
    """A named dataset, or a CSV file (``PATH.csv``), split into train and test."""
    if spec == "digits":
        (X, y), (Xt, yt) = datasets.load_digits()
        return Data(spec, X, y, Xt, yt, [str(d) for d in range(10)],
                    {"image": {"shape": [8, 8], "style": "digits"}})
    if spec in ("mnist", "fashion-mnist"):
        loader = datasets.load_mnist if spec == "mnist" else datasets.load_fashion_mnist
        classes = datasets.MNIST.classes if spec == "mnist" else datasets.FASHION_MNIST.classes
        (X, y), (Xt, yt) = loader(path=data_dir)
        style = "mnist" if spec == "mnist" else "fit"
        return Data(spec, X, y, Xt, yt, list(classes),
                    {"image": {"shape": [28, 28], "style": style}})
    if spec == "xor":
        X, y = datasets.xor()
        return Data(spec, X, y, X, y, ["0", "1"])
    if spec in ("spirals", "moons", "circles"):
        X, y = getattr(datasets, spec)(n_samples=1000, seed=seed)
        X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, 0.25, seed=seed)
        return Data(spec, X_train, y_train, X_test, y_test, [str(c) for c in np.unique(y)])
    if spec.lower().endswith(".csv"):
        return _load_csv_split(Path(spec), seed, target, one_hot, standardize)
    raise ConfigError(f"unknown --data {spec!r}; expected one of {', '.join(NAMED_DATA)} or a "
                      "PATH.csv")


def _load_csv_split(path: Path, seed: int, target: str | None, one_hot: Sequence[str],
                    standardize: bool) -> Data:
    header, rows = read_csv_rows(path)
    target = target or header[-1]
    if len(header) < 2:
        raise DataError(f"{path}: only the target column {target!r}, no feature columns "
                        "(is the delimiter a comma?)")
    y, train, test, classes = _csv_split(header, rows, target, seed, str(path))
    # Categories come from every row (a rare one may sit only in the test rows);
    # the scaling figures from the training rows alone.
    schema = fit_schema(header, [rows[i] for i in train], target, one_hot, standardize,
                        str(path), category_rows=rows)
    X_train = schema.encode(header, [rows[i] for i in train], str(path))
    X_test = schema.encode(header, [rows[i] for i in test], str(path))
    info = {"csv": {"schema": schema.to_dict(), "target": target}}
    return Data(path.name, X_train, y[train], X_test, y[test], classes, info)


#: A whole-number CSV target with at most this many distinct values holds classes.
MAX_CSV_CLASSES = 50


def _csv_split(header: list[str], rows: list, target: str, seed: int, where: str,
               classes: list[str] | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str] | None]:
    """Targets, train and test row indices (25 %, stratified for classes), and the
    class names (None for a numeric target). A whole-number target with few
    distinct values holds classes: its values map to 0..k-1 in sorted order, or
    to the given ``classes``."""
    y = targets(header, rows, target, where)
    values = np.unique(y)
    if classes is None and y.dtype == np.int64 and len(values) <= MAX_CSV_CLASSES:
        classes = [str(v) for v in values]
    if classes is not None:
        lookup = {name: k for k, name in enumerate(classes)}
        unknown = sorted({str(v) for v in values} - set(lookup))
        if unknown:
            raise DataError(f"{where}: target values {unknown[:5]} are not among the model's "
                            f"classes {classes}")
        y = np.array([lookup[str(v)] for v in y], dtype=np.int64)
    train, test, _, _ = datasets.train_test_split(
        np.arange(len(rows)), y if classes is not None else np.zeros(len(rows)), 0.25,
        stratify=classes is not None, seed=seed,
    )
    return y, train, test, classes


# --------------------------------------------------------------------------- commands


def cmd_train(args: argparse.Namespace) -> int:
    data_spec, settings = train_settings(args)
    kind = "csv" if data_spec.lower().endswith(".csv") else data_spec
    data = load_data(data_spec, args.data_dir, settings["seed"], args.target,
                     _split_names(args.one_hot), args.standardize)
    augment = make_augmenter(settings["augment"], data.info.get("image", {}).get("shape"))
    loss = args.loss or ("cross_entropy" if data.classes is not None else "mse")
    output = _output_activation(loss, data.classes is not None)
    sizes = [data.X_train.shape[1], *settings["layers"], data.n_outputs]
    net = Network(sizes, activation=settings["activation"], output_activation=output,
                  loss=loss, dropout=settings["dropout"], seed=settings["seed"])
    data_name = str(Path(data_spec).resolve()) if kind == "csv" else kind
    net.metadata = {"data": data_name, "classes": data.classes, "seed": settings["seed"],
                    **data.info}
    if args.preset:
        net.metadata["preset"] = args.preset
    if args.data_dir:
        net.metadata["data_dir"] = str(Path(args.data_dir).resolve())
    out = Path(args.out or f"{kind if kind != 'csv' else Path(data_spec).stem}-model.npz")
    _check_writable(out)
    if args.plots:
        _check_plot_folder(args.plots)

    if not args.json:
        _say_plan(data, net, settings)
    best = _BestWeights(by=settings["select"])
    callbacks: list[Callback] = [best]
    monitor = _gradient_monitor(data) if args.plots else None
    snapshots = _snapshots(data, settings["epochs"]) if args.plots else None
    callbacks += [c for c in (monitor, snapshots) if c is not None]
    if not args.json:
        callbacks.append(ProgressBar())
    started = time.perf_counter()
    batch_size = settings["batch_size"] or None
    schedule = settings["schedule"]
    if schedule == "cosine":  # down to 0 at the last epoch
        schedule = {"name": "cosine", "epochs": settings["epochs"]}
    try:
        with _blas_threads(args.threads):
            net.fit(data.X_train, data.y_train, epochs=settings["epochs"],
                    batch_size=batch_size, optimizer=settings["optimizer"],
                    learning_rate=settings["lr"], schedule=schedule, l2=settings["l2"],
                    validation_split=settings["val_split"], callbacks=callbacks,
                    augment=augment)
    except KeyboardInterrupt:
        return _interrupted(net, best, out, args.json)
    seconds = time.perf_counter() - started
    best.restore(net)
    figures = net.evaluate(data.X_test, data.y_test)
    net.metadata["test"] = figures
    path = net.save(out).resolve()
    report = {
        "data": net.metadata["data"],
        "model": str(path),
        "test_loss": figures["loss"],
        "test_accuracy": figures.get("accuracy"),
        "seconds": round(seconds, 3),
        "epochs": net.epochs_trained,
        "best_epoch": best.epoch + 1 if best.epoch is not None else None,
        "parameters": net.n_params,
        "layers": net.sizes,
        "train_samples": len(data.X_train),
        "test_samples": len(data.X_test),
    }
    if args.plots:
        written = _write_plots(net, data, args.plots, monitor, snapshots)
        report["plots"] = [str(p.resolve()) for p in written]
    if args.json:
        _print_json(report)
    else:
        accuracy = (f"test accuracy {figures['accuracy']:.2%}   "
                    if "accuracy" in figures else "")
        print(f"{accuracy}test loss {figures['loss']:.4f}   time {seconds:.1f} s   "
              f"parameters {net.n_params:,}   (weights of epoch {report['best_epoch']}, "
              f"the best {best.basis})")
        print(f"model saved to {path}")
        for plot in report.get("plots", []):
            print(f"wrote {plot}")
    return 0


def _saved_model(args: argparse.Namespace) -> tuple[Network, str]:
    """The model file ``args.model`` and its dataset: ``--data``, else the one it
    was trained on."""
    net = load(args.model)
    spec = args.data or net.metadata.get("data")
    if spec is None:
        raise ConfigError("this model does not record its dataset; pass --data")
    return net, spec


def cmd_evaluate(args: argparse.Namespace) -> int:
    net, spec = _saved_model(args)
    data = _data_for_model(net, spec, args.data_dir)
    figures = net.evaluate(data.X_test, data.y_test)
    report: dict[str, Any] = {"model": str(Path(args.model).resolve()), "data": spec,
                              "samples": len(data.X_test), **figures}
    if "accuracy" in figures and data.classes is not None:
        report |= _classification_report(net, data)
    if args.json:
        _print_json(report)
        return 0
    print(f"model {args.model}   data {spec} ({len(data.X_test):,} test rows)")
    line = f"loss {figures['loss']:.4f}"
    if "accuracy" in figures:
        line += f"   accuracy {figures['accuracy']:.2%}"
    print(line)
    if "confusion_matrix" in report:
        print()
        print(_format_report(report))
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    net = load(args.model)
    rows, names = [], []
    for item in args.inputs:
        X = _read_input(net, Path(item))
        rows.append(X)
        names += [item] if len(X) == 1 else [f"{item}[{i}]" for i in range(len(X))]
    X = np.vstack(rows)
    classes = net.metadata.get("classes")
    results = []
    outputs = net.predict(X)
    if classes is not None and net.output_activation.name in ("softmax", "sigmoid"):
        probabilities = net.predict_proba(X)
        predicted = probabilities.argmax(axis=1)
        for name, k, p in zip(names, predicted, probabilities, strict=True):
            results.append({"input": name, "class": int(k), "label": _label(classes, k),
                            "probabilities": [round(float(v), 6) for v in p]})
    else:
        for name, out in zip(names, outputs, strict=True):
            results.append({"input": name, "output": [float(v) for v in out]})
    if args.json:
        _print_json({"model": str(Path(args.model).resolve()), "predictions": results})
        return 0
    for r in results:
        if "class" in r:
            p = r["probabilities"]
            top = np.argsort(p)[::-1][:3]
            others = ", ".join(f"{_label(classes, k)} {p[k]:.1%}" for k in top[1:])
            print(f"{r['input']}: {r['label']} ({p[r['class']]:.1%}; then {others})")
        else:
            print(f"{r['input']}: {', '.join(f'{v:.6g}' for v in r['output'])}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    net = load(args.model)
    net.summary()
    meta, history = net.metadata, net.history
    print(f"file: {Path(args.model).resolve()}")
    if meta.get("data"):
        print(f"trained on: {meta['data']}" + (f", {len(meta['classes'])} classes"
                                               if meta.get("classes") else ""))
    optimizer = net.optimizer
    if optimizer is not None:
        print(f"optimizer: {optimizer.name}, learning rate {optimizer.learning_rate:g}, "
              f"{optimizer.steps:,} steps")
    print(f"epochs trained: {net.epochs_trained}")
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        if history.get(key):
            values = history[key]
            best = max(values) if "accuracy" in key else min(values)
            print(f"  {key:<13} first {values[0]:.4f}   last {values[-1]:.4f}   best {best:.4f}")
    if "test" in meta:
        print("test: " + "   ".join(f"{k} {v:.4f}" for k, v in meta["test"].items()))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demos import DEMOS, PLOTTING_DEMOS

    if args.plots is None:
        DEMOS[args.name]()
        return 0
    if args.name not in PLOTTING_DEMOS:
        raise ConfigError(f"demo {args.name} draws no figures; --plots works with "
                          f"{', '.join(sorted(PLOTTING_DEMOS))}")
    _check_plot_folder(args.plots)
    DEMOS[args.name](plots=Path(args.plots))
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    net, spec = _saved_model(args)
    _check_plot_folder(args.out, "--out")
    data = _data_for_model(net, spec, args.data_dir)
    for path in _write_plots(net, data, args.out):
        print(f"wrote {path.resolve()}")
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    rng = np.random.default_rng(args.seed)
    loss = args.loss
    n_out = args.outputs
    sizes = [args.inputs, *args.layers, n_out]
    net = Network(sizes, activation=args.activation, loss=loss, seed=args.seed)
    # Random biases: with zero biases a dead ReLU layer passes exactly 0 on, which
    # sits on the next ReLU's kink, where finite differences are meaningless.
    for b in net.biases:
        b[...] = rng.normal(0.0, 0.5, b.shape)
    X = rng.normal(size=(args.samples, args.inputs))
    if loss == "cross_entropy":
        y = rng.integers(0, n_out, size=args.samples)
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=(args.samples, n_out))
    else:
        y = rng.uniform(0, 1, size=(args.samples, n_out))
    result = gradcheck(net, X, y)
    print(net)
    print(result)
    return 0 if result.passed() else 1


def cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import format_table, format_value, parse_grid, sweep

    grid = parse_grid(args.grid)
    if args.scheduler and args.backend != "dask":
        raise ConfigError("--scheduler needs --backend dask")
    kind = "csv" if args.data.lower().endswith(".csv") else args.data
    defaults = {**COMMON_DEFAULTS, **DEFAULTS.get(kind, DEFAULTS["csv"])}
    seed = defaults["seed"] if args.seed is None else args.seed
    data = load_data(args.data, args.data_dir, seed, args.target, _split_names(args.one_hot),
                     args.standardize)
    out = Path(args.out or f"{kind if kind != 'csv' else Path(args.data).stem}-sweep-model.npz")
    _check_writable(out)
    # What the grid does not vary is what `steepest train` would use.
    fixed = {"hidden_layer_sizes": tuple(defaults["layers"]),
             "activation": defaults["activation"], "dropout": defaults["dropout"],
             "optimizer": defaults["optimizer"], "learning_rate": defaults["lr"],
             "epochs": args.epochs or defaults["epochs"],
             "batch_size": defaults["batch_size"] or None, "random_state": seed}
    n_candidates = math.prod(len(values) for values in grid.values())
    if not args.json:
        where = args.scheduler or (f"a local Dask cluster of {args.workers} workers"
                                   if args.backend == "dask" else "this machine")
        print(f"data: {data.name} ({len(data.X_train):,} train / {len(data.X_test):,} test "
              f"rows, {data.X_train.shape[1]} features)")
        print(f"sweep: {n_candidates} candidates x {args.cv} folds = {n_candidates * args.cv} "
              f"fits, backend {args.backend} on {where}", flush=True)
    result = sweep(data.X_train, data.y_train, grid, classification=data.classes is not None,
                   fixed=fixed, cv=args.cv, backend=args.backend, scheduler=args.scheduler,
                   n_workers=args.workers, n_jobs=args.jobs)
    net = result.best.network_
    test_score = float(result.best.score(data.X_test, data.y_test))
    best = " ".join(f"{k}={format_value(v)}" for k, v in result.best_params.items())
    net.metadata = {"data": str(Path(args.data).resolve()) if kind == "csv" else kind,
                    "classes": data.classes, "seed": seed, **data.info,
                    "test": net.evaluate(data.X_test, data.y_test),
                    "sweep": {"grid": args.grid, "best": best, "cv": args.cv,
                              f"cv_{result.scoring}": result.best_score}}
    if args.data_dir:
        net.metadata["data_dir"] = str(Path(args.data_dir).resolve())
    path = net.save(out).resolve()
    if args.json:
        _print_json({
            "data": net.metadata["data"], "backend": args.backend, "cv": args.cv,
            "scoring": result.scoring, "model": str(path),
            "best_params": {k: format_value(v) for k, v in result.best_params.items()},
            "best_score": result.best_score, f"test_{result.scoring}": test_score,
            "candidates": [{"rank": c.rank, "params": {k: format_value(v)
                                                       for k, v in c.params.items()},
                            "mean_score": None if math.isnan(c.mean_score) else c.mean_score,
                            "std_score": None if math.isnan(c.std_score) else c.std_score,
                            "fit_seconds": c.fit_seconds} for c in result.candidates],
        })
        return 0
    print(format_table(result))
    print(f"best: {best} (mean {result.scoring} {result.best_score:.4f}); "
          f"test {result.scoring} {test_score:.4f}")
    print(f"model saved to {path}")
    return 0


def cmd_diagnose(args: argparse.Namespace) -> int:
    from .doctor import diagnose

    net, data, optimizer = _doctor_network(args)
    result = diagnose(net, data.X_train, data.y_train, optimizer=optimizer,
                      batch_size=args.batch_size, steps=args.steps, seed=args.seed or 0)
    if args.json:
        _print_json({"data": data.name, **result.to_dict()})
    else:
        print(result)
    return 0


def cmd_lr_find(args: argparse.Namespace) -> int:
    from .doctor import lr_find

    net, data, optimizer = _doctor_network(args)
    if optimizer is not None:  # the range test sets the rate itself
        optimizer = {"name": optimizer["name"]}
    if args.plot:
        _check_writable(Path(args.plot))
    result = lr_find(net, data.X_train, data.y_train, start=args.start, stop=args.stop,
                     steps=args.steps, batch_size=args.batch_size, optimizer=optimizer,
                     seed=args.seed or 0)
    if args.plot:
        figure = result.plot()
        atomic_write(Path(args.plot), lambda f: figure.savefig(f, format="png", dpi=100))
    if args.json:
        _print_json({"data": data.name, **result.to_dict(), "plot": args.plot})
        return 0
    print(result)
    if args.plot:
        print(f"plot saved to {Path(args.plot).resolve()}")
    return 0


def cmd_overfit_check(args: argparse.Namespace) -> int:
    from .doctor import overfit_check

    net, data, _ = _doctor_network(args)
    result = overfit_check(net, data.X_train, data.y_train, n_samples=args.samples,
                           epochs=args.epochs, optimizer=args.optimizer or "adam",
                           learning_rate=args.lr or 0.01,
                           seed=args.seed or 0)
    if args.json:
        _print_json({"data": data.name, **result.to_dict()})
    else:
        print(result)
    return 0 if result.passed else 1


def cmd_explain(args: argparse.Namespace) -> int:
    from .explain import format_step, step_summary, training_step

    net, data, _ = _doctor_network(args)
    rows = slice(0, args.samples)
    step = training_step(net, data.X_train[rows], data.y_train[rows], args.lr or 0.1)
    if args.json:
        _print_json({"data": data.name, **step_summary(step)})
    else:
        print(format_step(net, step))
    return 0


def _doctor_network(args: argparse.Namespace) -> tuple[Network, Data, dict[str, Any] | None]:
    """The network the doctor's commands examine (a saved model, or one built from
    the same flags as ``train``, untrained), its training rows, and the optimiser
    to use (None: the model's own)."""
    built = {k: getattr(args, k) for k in ("layers", "activation", "init", "loss")
             if getattr(args, k) is not None}
    if args.model is not None:
        if built:
            raise ConfigError(f"--{next(iter(built))} builds a new network; it cannot be "
                              f"combined with the model file {args.model}")
        net = load(args.model)
        spec = args.data or net.metadata.get("data")
        if spec is None:
            raise ConfigError("this model does not record its dataset; pass --data")
        data = _data_for_model(net, spec, args.data_dir)
        optimizer = None
        if args.optimizer or args.lr:
            name = args.optimizer or (net.optimizer.name if net.optimizer else "sgd")
            optimizer = {"name": name} | ({"learning_rate": args.lr} if args.lr else {})
        return net, data, optimizer
    spec = args.data or "digits"
    kind = "csv" if spec.lower().endswith(".csv") else spec
    settings = {**COMMON_DEFAULTS, **DEFAULTS.get(kind, DEFAULTS["csv"])}
    settings.update({k: v for k, v in vars(args).items() if v is not None and k in
                     ("layers", "activation", "optimizer", "lr", "seed")})
    data = load_data(spec, args.data_dir, settings["seed"])
    loss = args.loss or ("cross_entropy" if data.classes is not None else "mse")
    sizes = [data.X_train.shape[1], *settings["layers"], data.n_outputs]
    net = Network(sizes, activation=settings["activation"],
                  output_activation=_output_activation(loss, data.classes is not None),
                  loss=loss, init=args.init, seed=settings["seed"])
    return net, data, {"name": settings["optimizer"], "learning_rate": settings["lr"]}


# --------------------------------------------------------------------------- helpers


class _BestWeights(Callback):
    """Keeps the weights of the best epoch so far, for the end of training and for
    Ctrl-C: the lowest validation loss (training loss without validation), or with
    ``by="accuracy"`` the highest validation accuracy (ties: the lower loss)."""

    def __init__(self, by: str = "loss") -> None:
        self.by = by

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        prefix = "val_" if "val_loss" in metric_names else ""
        by_accuracy = self.by == "accuracy" and f"{prefix}accuracy" in metric_names
        self.monitor = f"{prefix}{'accuracy' if by_accuracy else 'loss'}"
        self.best, self.epoch, self.params_copy = None, None, None
        self._key = None

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        loss = logs[self.monitor.replace("accuracy", "loss")]
        key = (-logs[self.monitor], loss) if "accuracy" in self.monitor else (loss,)
        if self._key is None or key < self._key:
            self._key, self.best, self.epoch = key, logs[self.monitor], epoch
            self.params_copy = net.params.copy()

    @property
    def basis(self) -> str:
        """``"validation loss"``, ``"training accuracy"``...: what chose the epoch."""
        split, _, metric = self.monitor.rpartition("_")
        return f"{'validation' if split else 'training'} {metric}"

    def restore(self, net: Network) -> bool:
        if self.params_copy is None:
            return False
        net.params[...] = self.params_copy
        return True


def _interrupted(net: Network, best: _BestWeights, out: Path, as_json: bool) -> int:
    if not best.restore(net):
        print("\ninterrupted before the first epoch ended: no model saved", file=sys.stderr)
        if as_json:
            _print_json({"interrupted": True, "model": None, "best_epoch": None})
        return EXIT_INTERRUPTED
    path = net.save(out).resolve()
    print(f"\ninterrupted: saved the best model so far (epoch {best.epoch + 1}, "
          f"{best.monitor} {best.best:.4f}) to {path}", file=sys.stderr)
    if as_json:
        _print_json({"interrupted": True, "model": str(path), "best_epoch": best.epoch + 1})
    return EXIT_INTERRUPTED


def _blas_threads(threads: int | None) -> contextlib.AbstractContextManager:
    """At most ``threads`` BLAS threads inside the block (threadpoolctl); no
    change when None."""
    if threads is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise ConfigError('--threads needs threadpoolctl: pip install "steepest[cli]"') from None
    return threadpool_limits(limits=threads, user_api="blas")


def _gradient_monitor(data: Data) -> GradientMonitor:
    return GradientMonitor(data.X_train, data.y_train, probe_size=256)


def _snapshots(data: Data, epochs: int) -> Snapshots | None:
    """For 2-D classes: the weights about 20 times over training, for the GIF."""
    if data.classes is None or data.X_train.shape[1] != 2:
        return None
    return Snapshots(every=max(1, math.ceil(epochs / 20)))


def _check_plot_folder(folder: str, option: str = "--plots") -> None:
    """Refuse, before any training, a plots folder that cannot be made or written,
    and a missing matplotlib."""
    from .plots import check_available

    check_available()
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path} is a file; give a folder for the images")
    path.mkdir(parents=True, exist_ok=True)
    if not os.access(path, os.W_OK):
        raise ConfigError(f"cannot write plots into {path}: the folder is not writable")


def _write_plots(net: Network, data: Data, folder: str, monitor: GradientMonitor | None = None,
                 snapshots: Snapshots | None = None) -> list[Path]:
    """The model's pictures for its test rows (see plots.write_model_plots)."""
    from .plots import write_model_plots

    image = net.metadata.get("image") or data.info.get("image")
    return write_model_plots(net, data.X_test, data.y_test, folder, classes=data.classes,
                             image_shape=image["shape"] if image else None, monitor=monitor,
                             snapshots=snapshots)


def _check_writable(out: Path) -> None:
    """Refuse, before any training, a model path that cannot be written."""
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder; give a file name such as model.npz")
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: folder {out.parent} does not exist")
    if not os.access(out.parent, os.W_OK):
        raise ConfigError(f"cannot write {out}: folder {out.parent} is not writable")


def _output_activation(loss: str, classification: bool) -> str | None:
    if loss in ("cross_entropy", "binary_cross_entropy"):
        return None  # the loss decides
    return "sigmoid" if classification else "identity"


def _say_plan(data: Data, net: Network, settings: dict[str, Any]) -> None:
    what = f"{len(data.classes)} classes" if data.classes is not None else "regression"
    print(f"data: {data.name} ({len(data.X_train):,} train / {len(data.X_test):,} test rows, "
          f"{data.X_train.shape[1]} features, {what})")
    batch = settings["batch_size"] or "full"
    dropout = f" (dropout {settings['dropout']:g})" if settings["dropout"] else ""
    schedule = f" ({settings['schedule']})" if settings["schedule"] != "constant" else ""
    extras = "".join(f", {name} {settings[name]}" for name in ("l2", "augment")
                     if settings[name] not in (0.0, "none"))
    print(f"network: {' -> '.join(map(str, net.sizes))}, {settings['activation']}{dropout}, "
          f"{net.loss.name}; {settings['optimizer']} lr {settings['lr']:g}{schedule}, "
          f"{settings['epochs']} epochs, batch {batch}, validation {settings['val_split']:.0%}"
          f"{extras}")


def _data_for_model(net: Network, spec: str, data_dir: str | None) -> Data:
    """The rows to evaluate on: the test split of the model's own dataset (drawn
    again with its seed), or every row of another CSV file."""
    meta = net.metadata
    seed = int(meta.get("seed", 0))
    csv_info = meta.get("csv")
    if csv_info is not None and spec.lower().endswith(".csv"):
        header, rows = read_csv_rows(spec)
        schema = TableSchema.from_dict(csv_info["schema"])
        y, _, test, _ = _csv_split(header, rows, csv_info["target"], seed, spec,
                                   meta.get("classes"))
        if Path(spec).resolve() == Path(meta.get("data", "")).resolve():
            rows, y = [rows[i] for i in test], y[test]
        X = schema.encode(header, rows, spec)
        return Data(spec, X, y, X, y, meta.get("classes"))
    data = load_data(spec, data_dir or meta.get("data_dir"), seed)
    if data.X_test.shape[1] != net.sizes[0]:
        raise DataError(f"{spec} has {data.X_test.shape[1]} features but the model expects "
                        f"{net.sizes[0]}")
    return data


def _classification_report(net: Network, data: Data) -> dict[str, Any]:
    k = len(data.classes)
    outputs = net.predict(data.X_test)  # one class per row, even from sigmoid outputs
    predicted = outputs.argmax(axis=1) if outputs.shape[1] > 1 else (outputs[:, 0] >= 0.5)
    predicted = predicted.astype(np.int64)
    truth = data.y_test
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    hits = np.diag(confusion).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(confusion.sum(0) > 0, hits / confusion.sum(0), 0.0)
        recall = np.where(confusion.sum(1) > 0, hits / confusion.sum(1), 0.0)
    return {
        "classes": list(data.classes),
        "precision": [round(float(v), 6) for v in precision],
        "recall": [round(float(v), 6) for v in recall],
        "support": [int(v) for v in confusion.sum(1)],
        "confusion_matrix": confusion.tolist(),
    }


def _format_report(report: dict[str, Any]) -> str:
    classes = report["classes"]
    width = max(5, *(len(c) for c in classes))
    lines = [f"{'class':<{width}}  precision  recall  support"]
    for c, p, r, s in zip(classes, report["precision"], report["recall"], report["support"],
                          strict=True):
        lines.append(f"{c:<{width}}  {p:>9.3f}  {r:>6.3f}  {s:>7}")
    matrix = report["confusion_matrix"]
    cell = max(4, len(str(max(max(row) for row in matrix))) + 1)
    lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
    lines.append(" " * width + "".join(f"{k!s:>{cell}}" for k in range(len(classes))))
    for c, row in zip(classes, matrix, strict=True):
        lines.append(f"{c:<{width}}" + "".join(f"{v:>{cell}}" for v in row))
    return "\n".join(lines)


def _read_input(net: Network, path: Path) -> np.ndarray:
    """Rows ``(n, n_features)`` from a .npy, .csv or image file."""
    n_features = net.sizes[0]
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: no such input file")
    if suffix in IMAGE_SUFFIXES:
        image = net.metadata.get("image")
        if image is None:
            raise DataError(f"{path}: this model was not trained on images, so it cannot read one")
        return load_image(path, tuple(image["shape"]), image["style"])[None, :]
    if suffix == ".npy":
        try:
            X = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise DataError(f"{path}: not a readable .npy file ({exc})") from None
        if X.ndim == 0 or X.size == 0:
            raise DataError(f"{path}: expected rows of {n_features} features, got an array of "
                            f"shape {X.shape}")
        X = X.reshape(1, -1) if X.size == n_features else X.reshape(len(X), -1)
        if X.shape[0] == 1 and X.shape[1] != n_features:
            raise DataError(f"{path}: the model expects {n_features} features per row, the "
                            f"input has {X.shape[1]}")
    elif suffix == ".csv":
        X = _read_csv_input(net, path)
    else:
        raise DataError(f"{path}: unknown input type; expected .npy, .csv or an image "
                        f"({', '.join(sorted(IMAGE_SUFFIXES))})")
    if X.ndim != 2 or X.shape[1] != n_features:
        raise DataError(f"{path}: the model expects {n_features} features per row, the input "
                        f"has shape {X.shape}")
    return X


def _read_csv_input(net: Network, path: Path) -> np.ndarray:
    csv_info = net.metadata.get("csv")
    if csv_info is not None:
        header, rows = read_csv_rows(path)
        return TableSchema.from_dict(csv_info["schema"]).encode(header, rows, str(path))
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            lines = [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
        numbers = [[float(cell) for cell in row] for row in lines[1:]]
        with contextlib.suppress(ValueError):  # a first row of numbers is data, not a header
            numbers.insert(0, [float(cell) for cell in lines[0]])
        return np.array(numbers, dtype=np.float64)
    except (ValueError, IndexError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: expected rows of numbers separated by commas ({exc})") from None


def _label(classes: list[str] | None, k: int) -> str:
    return classes[k] if classes and k < len(classes) else str(k)


def _split_names(text: str | None) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def _print_json(report: dict[str, Any]) -> None:
    """Print ``report`` as strict JSON: NaN and infinities (a diverged loss) become null,
    since JSON has no literal for them and other parsers reject Python's ``NaN``."""

    def finite(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {key: finite(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [finite(item) for item in value]
        return value

    print(json.dumps(finite(report), indent=None, sort_keys=False, allow_nan=False))


# --------------------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _layers(text: str) -> list[int]:
    try:
        layers = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 128,64, got {text!r}") from None
    if any(n < 1 for n in layers):
        raise argparse.ArgumentTypeError(f"layer sizes must be >= 1, got {text!r}")
    return layers


def _number(kind: type, accept: Callable[[float], bool], requirement: str):
    """An argparse type: ``kind`` (int or float) meeting ``accept``."""
    noun = "whole number" if kind is int else "number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {noun}, got {text!r}") from None
        if not (math.isfinite(value) and accept(value)):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
        return value

    parse.__name__ = noun  # argparse names the type in its messages
    return parse


_positive_int = _number(int, lambda v: v > 0, "> 0")
_positive_float = _number(float, lambda v: v > 0, "> 0")
_non_negative_int = _number(int, lambda v: v >= 0, ">= 0")
_non_negative_float = _number(float, lambda v: v >= 0, ">= 0")
_fraction = _number(float, lambda v: 0 <= v < 1, "in [0, 1)")


def _activation_spec(text: str) -> str | dict[str, Any]:
    """``name`` or ``name(key=value, ...)``, e.g. ``sigmoid(c=0.01)``, as
    :func:`steepest.activations.get_activation` takes it."""
    from .activations import get_activation

    name, _, rest = text.partition("(")
    spec: str | dict[str, Any] = name.strip()
    if rest:
        if not rest.endswith(")"):
            raise argparse.ArgumentTypeError(f"expected name(key=value), got {text!r}")
        params: dict[str, Any] = {"name": spec}
        for item in filter(None, (t.strip() for t in rest[:-1].split(","))):
            key, _, value = item.partition("=")
            try:
                params[key.strip()] = float(value)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"expected key=number inside the parentheses, got {item!r}") from None
        spec = params
    try:
        activation = get_activation(spec)
    except (SteepestError, TypeError) as exc:
        raise argparse.ArgumentTypeError(_one_line(exc)) from None
    if activation.name == "softmax":
        raise argparse.ArgumentTypeError("softmax belongs on the output layer only")
    return spec


def _add_doctor_options(command: argparse.ArgumentParser) -> None:
    """What the doctor's commands examine: a saved MODEL, or a new network built
    from the same flags as ``train``."""
    from .initializers import INITIALIZERS
    from .losses import LOSSES
    from .optimizers import OPTIMIZERS

    command.add_argument("model", nargs="?", metavar="MODEL",
                         help="a saved model (default: build a new network from the flags)")
    command.add_argument("--data", help=f"{' | '.join(NAMED_DATA)} | PATH.csv (default: the "
                         "model's dataset, else digits)")
    command.add_argument("--data-dir", help="folder with the IDX files (mnist, fashion-mnist)")
    command.add_argument("--layers", type=_layers, help="hidden layer sizes, e.g. 128,64")
    command.add_argument("--activation", type=_activation_spec,
                         help="hidden activation: a name, or e.g. 'sigmoid(c=0.01)'")
    command.add_argument("--init", choices=sorted(INITIALIZERS))
    command.add_argument("--loss", choices=sorted(LOSSES))
    command.add_argument("--optimizer", choices=sorted(OPTIMIZERS))
    command.add_argument("--lr", type=_positive_float, help="learning rate")
    command.add_argument("--seed", type=_non_negative_int)
    command.add_argument("--json", action="store_true", help="print one JSON object")


def build_parser() -> argparse.ArgumentParser:
    from .activations import ACTIVATIONS
    from .losses import LOSSES
    from .optimizers import OPTIMIZERS

    parser = _Parser(prog="steepest", description="Neural networks trained by gradient "
                     "descent, backpropagation by hand in NumPy.")
    parser.add_argument("--version", action="version", version=f"steepest {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train a network and save it",
                                description="Train a network; with no options, on the 8x8 "
                                "digits, offline.")
    train.add_argument("--data",
                       help=f"{' | '.join(NAMED_DATA)} | PATH.csv (default: digits, or the "
                       "preset's)")
    train.add_argument("--preset", choices=sorted(PRESETS),
                       help="a tuned recipe for its dataset (see the README)")
    train.add_argument("--data-dir", help="folder with the IDX files (mnist, fashion-mnist)")
    train.add_argument("--target", help="CSV: the column to predict (default: the last)")
    train.add_argument("--one-hot", help="CSV: categorical columns, comma-separated")
    train.add_argument("--standardize", action="store_true",
                       help="CSV: scale numeric columns to mean 0, std 1 (training rows' figures)")
    train.add_argument("--layers", type=_layers, help="hidden layer sizes, e.g. 128,64")
    train.add_argument("--activation", choices=sorted(set(ACTIVATIONS) - {"softmax"}))
    train.add_argument("--dropout", type=_fraction, help="dropout rate of the hidden layers")
    train.add_argument("--loss", choices=sorted(LOSSES))
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS))
    train.add_argument("--lr", type=_positive_float, help="learning rate")
    train.add_argument("--epochs", type=_positive_int)
    train.add_argument("--batch-size", type=_non_negative_int, help="0 = full batch")
    train.add_argument("--val-split", type=_fraction,
                       help="fraction of the training rows held out for validation")
    train.add_argument("--schedule", choices=["constant", "cosine", "step", "exponential"],
                       help="learning-rate schedule (cosine: down to 0 at the last epoch)")
    train.add_argument("--l2", type=_non_negative_float, help="weight decay")
    train.add_argument("--augment", choices=AUGMENTATIONS,
                       help="image data: random affine (+ elastic) distortions of each batch")
    train.add_argument("--select", choices=["loss", "accuracy"],
                       help="keep the epoch with the best validation loss (default) or "
                       "accuracy")
    train.add_argument("--threads", type=_positive_int, help="BLAS threads (threadpoolctl)")
    train.add_argument("--seed", type=_non_negative_int)
    train.add_argument("--out", help="model file to write (default: DATA-model.npz)")
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.add_argument("--plots", metavar="DIR", help="write training curves, gradient norms "
                       "and evaluation pictures (PNG) into DIR (needs matplotlib)")
    train.set_defaults(run=cmd_train)

    evaluate = commands.add_parser("evaluate", help="loss, accuracy, per-class figures")
    evaluate.add_argument("model")
    evaluate.add_argument("--data", help="dataset (default: the one the model was trained on)")
    evaluate.add_argument("--data-dir")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(run=cmd_evaluate)

    predict = commands.add_parser("predict", help="classify .npy, .csv or image inputs")
    predict.add_argument("model")
    predict.add_argument("inputs", nargs="+", metavar="INPUT")
    predict.add_argument("--json", action="store_true")
    predict.set_defaults(run=cmd_predict)

    info = commands.add_parser("info", help="architecture, shapes, training history")
    info.add_argument("model")
    info.set_defaults(run=cmd_info)

    check = commands.add_parser("gradcheck", help="check backpropagation on a random network")
    check.add_argument("--layers", type=_layers, default=[5, 4])
    check.add_argument("--inputs", type=_positive_int, default=3)
    check.add_argument("--outputs", type=_positive_int, default=3)
    check.add_argument("--activation", choices=sorted(set(ACTIVATIONS) - {"softmax"}),
                       default="tanh")
    check.add_argument("--loss", choices=sorted(LOSSES), default="cross_entropy")
    check.add_argument("--samples", type=_positive_int, default=8)
    check.add_argument("--seed", type=_non_negative_int, default=0)
    check.set_defaults(run=cmd_gradcheck)

    demo = commands.add_parser("demo", help="the tutorials' stories, run from scratch")
    demo.add_argument("name", choices=["tutorials", "vanishing"])
    demo.add_argument("--plots", metavar="DIR", help="vanishing: write its figures into DIR")
    demo.set_defaults(run=cmd_demo)

    sweep = commands.add_parser(
        "sweep", help="cross-validated grid search (loky or a Dask cluster)",
        description="A cross-validated grid search through scikit-learn's GridSearchCV and "
        "joblib, on this machine (loky) or a Dask cluster; prints the candidates best "
        "first and saves the best model, refitted on all the training rows.")
    sweep.add_argument("--grid", required=True,
                       help='e.g. "layers=64;128,64 lr=1e-3;1e-2"; names: layers, lr, epochs, '
                       "batch_size, activation, optimizer, l2, dropout")
    sweep.add_argument("--data", default="digits",
                       help=f"{' | '.join(NAMED_DATA)} | PATH.csv (default: digits)")
    sweep.add_argument("--data-dir", help="folder with the IDX files (mnist, fashion-mnist)")
    sweep.add_argument("--target", help="CSV: the column to predict (default: the last)")
    sweep.add_argument("--one-hot", help="CSV: categorical columns, comma-separated")
    sweep.add_argument("--standardize", action="store_true", help="CSV: scale numeric columns")
    sweep.add_argument("--epochs", type=_positive_int, help="epochs per fit (default: per data)")
    sweep.add_argument("--cv", type=_number(int, lambda v: v >= 2, ">= 2"), default=3,
                       help="cross-validation folds (default: 3)")
    sweep.add_argument("--backend", choices=["loky", "dask"], default="loky")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler, e.g. tcp://host:8786 (default: a LocalCluster)")
    sweep.add_argument("--workers", type=_positive_int, default=2,
                       help="worker processes of the LocalCluster (default: 2)")
    sweep.add_argument("--jobs", type=_number(int, lambda v: v == -1 or v >= 1, "-1 or >= 1"),
                       default=-1, help="parallel fits for loky (default: -1, every core)")
    sweep.add_argument("--seed", type=_non_negative_int)
    sweep.add_argument("--out", help="model file (default: DATA-sweep-model.npz)")
    sweep.add_argument("--json", action="store_true", help="print one JSON object")
    sweep.set_defaults(run=cmd_sweep)

    plot = commands.add_parser("plot", help="draw a saved model's pictures (PNG)",
                               description="Write a saved model's pictures for the test rows "
                               "of its dataset: training curves, confusion matrix, activation "
                               "histograms, and for images first-layer weights and mistakes; "
                               "for 2-D data the decision boundary. Needs matplotlib.")
    plot.add_argument("model")
    plot.add_argument("--data", help="dataset (default: the one the model was trained on)")
    plot.add_argument("--data-dir")
    plot.add_argument("--out", required=True, metavar="DIR", help="folder for the PNG files")
    plot.set_defaults(run=cmd_plot)

    doctor = commands.add_parser("diagnose", help="why a network does not learn: per-layer "
                                 "gradients, saturation, dead units, and fixes")
    _add_doctor_options(doctor)
    doctor.add_argument("--batch-size", type=_positive_int, default=256,
                        help="rows examined (default 256)")
    doctor.add_argument("--steps", type=_positive_int, default=5,
                        help="optimiser steps taken to watch the loss (default 5)")
    doctor.set_defaults(run=cmd_diagnose)

    finder = commands.add_parser("lr-find", help="learning-rate range test: loss against a "
                                 "rising learning rate, and a suggested rate")
    _add_doctor_options(finder)
    finder.add_argument("--start", type=_positive_float, default=1e-6)
    finder.add_argument("--stop", type=_positive_float, default=1.0)
    finder.add_argument("--steps", type=_positive_int, default=100)
    finder.add_argument("--batch-size", type=_positive_int, default=32)
    finder.add_argument("--plot", metavar="FILE", help="write the curve to this PNG file")
    finder.set_defaults(run=cmd_lr_find)

    overfit = commands.add_parser("overfit-check", help="can the network fit a few rows? "
                                  "(exit code 1 if not)")
    _add_doctor_options(overfit)
    overfit.add_argument("--samples", type=_positive_int, default=8)
    overfit.add_argument("--epochs", type=_positive_int, default=300)
    overfit.set_defaults(run=cmd_overfit_check)

    explain = commands.add_parser("explain", help="print one training step: every matrix, "
                                  "psi, gradient and update")
    _add_doctor_options(explain)
    explain.add_argument("--samples", type=_positive_int, default=1,
                         help="training rows in the step (default 1)")
    explain.set_defaults(run=cmd_explain)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``steepest`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (SteepestError, OSError) as exc:
        print(f"steepest {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print(f"steepest {args.command}: error: not enough memory (are the layers or the "
              "data far larger than intended?)", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
