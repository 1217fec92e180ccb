"""``steepest train``: train a network, evaluate it once on the test rows, save it."""

from __future__ import annotations

import argparse
import contextlib
import math
import time
from pathlib import Path
from typing import Any

from ..._parsing import names_list, positive_int
from ...callbacks import BestWeights, Callback, GradientMonitor, ProgressBar, Snapshots
from ...config import TrainingConfig
from ...errors import ConfigError, DivergenceError
from ...network import Network
from ..command import EXIT_FAILED, EXIT_INTERRUPTED, Command, Console
from ..data import Data, data_kind, data_name, default_model_path, load_data
from ..files import check_plot_folder, check_writable, write_plots
from ..options import (
    Defaults,
    add_data_options,
    add_network_options,
    add_output_options,
    add_training_options,
    argument_type,
    options_given,
)
from ..settings import PRESETS, RunSettings, check_run, make_augmenter, resolve_run

#: The options that make the run (see resolve_run).
RUN_OPTIONS = ("data", "layers", "activation", "dropout", "loss", "seed", "optimizer", "lr",
               "epochs", "batch_size", "val_split", "schedule", "l2", "clip_norm", "max_norm",
               "augment", "select")

DEFAULTS = Defaults(texts={"data": "default: digits, or the preset's",
                           "out": "default: DATA-model.npz"}, presets=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_options(parser, DEFAULTS, csv=True)
    parser.add_argument("--preset", choices=sorted(PRESETS),
                        help="a tuned recipe for its dataset (see 'Presets and augmentation' "
                        "in the docs); the options given override it (default: none)")
    add_network_options(parser, DEFAULTS, dropout=True)
    add_training_options(parser, DEFAULTS)
    parser.add_argument("--threads", type=argument_type(positive_int),
                        help="at most this many BLAS threads (threadpoolctl) (default: all "
                        "cores)")
    add_output_options(parser, DEFAULTS, plots=True)


def run(args: argparse.Namespace, console: Console) -> int:
    given = options_given(args, RUN_OPTIONS)
    plan = resolve_run(given, args.preset)
    data = load_data(plan.data, args.data_dir, plan.config.seed, args.target,
                     names_list(args.one_hot), args.standardize)
    check_run(plan, given, data)
    augment = make_augmenter(plan.augment, data.info.get("image", {}).get("shape"))
    config = plan.config_for(data.classes is not None)
    net = _network(config, data, plan, args.data_dir)
    out = Path(args.out) if args.out else default_model_path(plan.data)
    check_writable(out)
    if args.plots:
        check_plot_folder(args.plots)
    if not args.json:
        _say_plan(console, data, net, plan)

    best = _SelectedEpoch(plan.select)
    monitor = GradientMonitor(data.X_train, data.y_train, probe_size=256) if args.plots else None
    snapshots = _snapshots(data, config.epochs) if args.plots else None
    callbacks: list[Callback] = [c for c in (best, monitor, snapshots) if c is not None]
    if not args.json:
        callbacks.append(ProgressBar(out=console.out, err=console.err))
    started = time.perf_counter()
    try:
        with _blas_threads(args.threads):
            net.fit(data.X_train, data.y_train, **config.fit_settings(), callbacks=callbacks,
                    augment=augment)
    except KeyboardInterrupt:
        return _interrupted(console, net, best, out, args.json)
    except DivergenceError as exc:
        return _diverged(console, exc, out, _divergence_fixes(config, plan, args.standardize),
                         args.json)
    seconds = time.perf_counter() - started
    best.restore(net)
    report = _evaluate_and_save(net, data, out, best, seconds)
    if args.plots:
        written = write_plots(net, data, args.plots, monitor, snapshots)
        report["plots"] = [str(p.resolve()) for p in written]
    _say_result(console, report, best, args.json)
    return 0


def _network(config: TrainingConfig, data: Data, plan: RunSettings,
             data_dir: str | None) -> Network:
    """The new network, its metadata saying what it was trained on."""
    net = config.network(data.X_train.shape[1], data.n_outputs)
    net.metadata = {"data": data_name(plan.data), "classes": data.classes,
                    "seed": config.seed, **data.info}
    if plan.preset:
        net.metadata["preset"] = plan.preset
    if data_dir:
        net.metadata["data_dir"] = str(Path(data_dir).resolve())
    return net


class _SelectedEpoch(BestWeights):
    """The epoch ``--select`` keeps, for the end of training and for Ctrl-C: the
    lowest validation loss (training loss without validation), or by ``accuracy``
    the highest validation accuracy (ties: the lower loss)."""

    def __init__(self, select: str) -> None:
        super().__init__("loss")
        self.select = select

    def on_train_begin(self, net: Network, metric_names: list[str]) -> None:
        prefix = "val_" if "val_loss" in metric_names else ""
        by_accuracy = self.select == "accuracy" and f"{prefix}accuracy" in metric_names
        self.monitor = f"{prefix}{'accuracy' if by_accuracy else 'loss'}"
        self.maximize = by_accuracy
        self.tie_break = f"{prefix}loss" if by_accuracy else None
        super().on_train_begin(net, metric_names)

    @property
    def basis(self) -> str:
        """``"validation loss"``, ``"training accuracy"``...: what chose the epoch."""
        split, _, metric = self.monitor.rpartition("_")
        return f"{'validation' if split else 'training'} {metric}"


def _snapshots(data: Data, epochs: int) -> Snapshots | None:
    """For 2-D classes: the weights about 20 times over training, for the GIF."""
    if data.classes is None or data.X_train.shape[1] != 2:
        return None
    return Snapshots(every=max(1, math.ceil(epochs / 20)))


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


def _evaluate_and_save(net: Network, data: Data, out: Path, best: _SelectedEpoch,
                       seconds: float) -> dict[str, Any]:
    """Evaluate once on the test rows, save, and return the JSON report."""
    figures = net.evaluate(data.X_test, data.y_test)
    net.metadata["test"] = figures
    path = net.save(out).resolve()
    return {
        "data": net.metadata["data"],
        "model": str(path),
        "test_loss": figures["loss"],
        "test_accuracy": figures.get("accuracy"),
        "seconds": seconds,
        "epochs": net.epochs_trained,
        "best_epoch": best.best_epoch + 1 if best.best_epoch is not None else None,
        "parameters": net.n_params,
        "layers": net.sizes,
        "train_samples": len(data.X_train),
        "test_samples": len(data.X_test),
    }


def _interrupted(console: Console, net: Network, best: _SelectedEpoch, out: Path,
                 as_json: bool) -> int:
    """Ctrl-C: save the best epoch's weights, if one has ended, and say where."""
    if not best.restore(net):
        console.message("\ninterrupted before the first epoch ended: no model saved")
        if as_json:
            console.json({"interrupted": True, "model": None, "best_epoch": None})
        return EXIT_INTERRUPTED
    path = net.save(out).resolve()
    console.message(f"\ninterrupted: saved the best model so far (epoch {best.best_epoch + 1}, "
                    f"{best.monitor} {best.best:.4f}) to {path}")
    if as_json:
        console.json({"interrupted": True, "model": str(path),
                      "best_epoch": best.best_epoch + 1})
    return EXIT_INTERRUPTED


def _divergence_fixes(config: TrainingConfig, plan: RunSettings, standardized: bool
                      ) -> list[str]:
    """What the command line offers against a diverging run, that this one lacks."""
    fixes = ["a smaller --lr (steepest lr-find suggests one)"]
    if config.clip_norm is None:
        fixes.append("--clip-norm 1")
    if data_kind(plan.data) == "csv" and not standardized:
        fixes.append("--standardize")
    return fixes


def _diverged(console: Console, exc: DivergenceError, out: Path, fixes: list[str],
              as_json: bool) -> int:
    """Divergence: nothing is saved; say where it happened, what became of ``out``
    and what to try."""
    kept = f"{out} is left as it was" if out.exists() else f"no model saved to {out}"
    tries = f"{', '.join(fixes[:-1])} or {fixes[-1]}" if len(fixes) > 1 else fixes[0]
    console.error("train", f"{exc.summary}; {kept}. Try {tries}")
    if as_json:
        console.json({"diverged": True, "model": None, "epoch": exc.epoch, "batch": exc.batch,
                      "reason": exc.reason, "learning_rate": exc.learning_rate})
    return EXIT_FAILED


def _say_plan(console: Console, data: Data, net: Network, plan: RunSettings) -> None:
    what = f"{len(data.classes)} classes" if data.classes is not None else "regression"
    console.print(f"data: {data.name} ({len(data.X_train):,} train / {len(data.X_test):,} "
                  f"test rows, {data.X_train.shape[1]} features, {what})")
    config = plan.config
    batch = config.batch_size or "full"
    dropout = f" (dropout {config.dropout:g})" if config.dropout else ""
    schedule = f" ({config.schedule})" if config.schedule != "constant" else ""
    extras = "".join(f", {name} {value:g}" for name, value in
                     (("l2", config.l2), ("clip-norm", config.clip_norm),
                      ("max-norm", config.max_norm)) if value)
    extras += f", augment {plan.augment}" if plan.augment != "none" else ""
    console.print(f"network: {' -> '.join(map(str, net.sizes))}, {config.activation}{dropout}, "
                  f"{net.loss.name}; {config.optimizer} lr {config.learning_rate:g}{schedule}, "
                  f"{config.epochs} epochs, batch {batch}, validation "
                  f"{config.validation_split:.0%}{extras}")


def _say_result(console: Console, report: dict[str, Any], best: _SelectedEpoch,
                as_json: bool) -> None:
    if as_json:
        console.json(report)
        return
    accuracy = report["test_accuracy"]
    accuracy_text = f"test accuracy {accuracy:.2%}   " if accuracy is not None else ""
    console.print(f"{accuracy_text}test loss {report['test_loss']:.4f}   time "
                  f"{report['seconds']:.1f} s   parameters {report['parameters']:,}   (weights "
                  f"of epoch {report['best_epoch']}, the best {best.basis})")
    console.print(f"model saved to {report['model']}")
    for plot in report.get("plots", []):
        console.print(f"wrote {plot}")


COMMAND = Command(
    "train", "train a network and save it", add_arguments, run,
    description="Train a network, evaluate it once on the test rows and save it; with no "
    "options, on the 8x8 digits, offline.")
