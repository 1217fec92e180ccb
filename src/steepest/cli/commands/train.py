"""``steepest train``: train a network, evaluate it once on the test rows, save it."""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path
from typing import Any

from ... import _kernels
from ..._parsing import positive_int
from ...callbacks import (
    BestWeights,
    Callback,
    Checkpoint,
    GradientMonitor,
    ProgressBar,
    Snapshots,
    limit_threads,
)
from ...config import TrainingConfig
from ...errors import DivergenceError, WriteError
from ...io import save
from ...network import Network
from ...training import continue_run
from ..command import EXIT_FAILED, EXIT_INTERRUPTED, Command, Console
from ..data import Data, data_kind, data_name, load_data
from ..files import check_plot_folder, write_plots
from ..interrupts import Interrupted, Signals, stop_signals
from ..options import (
    Defaults,
    add_data_options,
    add_network_options,
    add_output_options,
    add_training_options,
    argument_type,
    options_given,
)
from ..runs import (
    DataOptions,
    Resumed,
    RunFiles,
    add_run_options,
    describe_monitor,
    locked,
    open_resumed,
    resolved,
    resume_hint,
    run_files,
    save_failed,
)
from ..settings import PRESETS, RunSettings, check_run, make_augmenter

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
    add_run_options(parser)


def run(args: argparse.Namespace, console: Console) -> int:
    resumed = open_resumed(args.resume) if args.resume else None
    given = options_given(args, RUN_OPTIONS)
    plan, source = resolved(given, args, resumed)
    data = load_data(plan.data, source.data_dir, plan.config.seed, source.target,
                     source.one_hot, source.standardize)
    check_run(plan, given, data)
    files = run_files(args, plan, resumed)
    if args.plots:
        check_plot_folder(args.plots)
    with locked(files):  # no other run writes them until this one is done
        return _train(args, console, plan, source, data, files, resumed)


def _train(args: argparse.Namespace, console: Console, plan: RunSettings, source: DataOptions,
           data: Data, files: RunFiles, resumed: Resumed | None) -> int:
    """Train (or go on with the run resumed), evaluate once, save; Ctrl-C, SIGTERM
    and SIGHUP save the best epoch so far."""
    augment = make_augmenter(plan.augment, data.info.get("image", {}).get("shape"))
    config = plan.config_for(data.classes is not None)
    net = resumed.net if resumed is not None else _network(config, data, plan, source)
    net.record["run"] = files.record(plan, config, source)
    if not args.json:
        _say_plan(console, data, net, plan, resumed)

    best = _SelectedEpoch(plan.select)
    monitor = GradientMonitor(data.X_train, data.y_train, probe_size=256) if args.plots else None
    snapshots = _snapshots(data, config.epochs) if args.plots else None
    callbacks: list[Callback] = [c for c in (best, monitor, snapshots) if c is not None]
    if not args.json:
        callbacks.append(ProgressBar(out=console.out, err=console.err))
    tracker = Checkpoint(files.checkpoint, files.every)
    started = time.perf_counter()
    with stop_signals() as came, limit_threads(args.threads, blas="required"):
        try:
            _fit(net, data, config, callbacks, augment, tracker, resumed, console)
            best.restore(net, training_state=True)
            report = _evaluate_and_save(net, data, files, tracker, best,
                                        time.perf_counter() - started)
        except KeyboardInterrupt as stop:
            return _interrupted(console, net, best, tracker, files, args.json, stop, came)
        except DivergenceError as exc:
            return _diverged(console, exc, files.out, tracker,
                             _divergence_fixes(config, plan, source.standardize), args.json)
    if args.plots:
        written = write_plots(net, data, args.plots, monitor, snapshots)
        report["plots"] = [str(p.resolve()) for p in written]
    _say_result(console, report, best, args.json)
    return 0


def _fit(net: Network, data: Data, config: TrainingConfig, callbacks: list[Callback],
         augment: Any, tracker: Checkpoint, resumed: Resumed | None, console: Console) -> None:
    """Train a new network, or go on with the run resumed (a changed BLAS thread
    count said as a warning line)."""
    if resumed is None:
        net.fit(data.X_train, data.y_train, **config.fit_settings(), callbacks=callbacks,
                augment=augment, checkpoint=tracker)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        continue_run(net, resumed.state, data.X_train, data.y_train, epochs=config.epochs,
                     callbacks=callbacks, augment=augment, checkpoint=tracker)
    for warning in caught:
        console.message(f"steepest train: warning: {warning.message}")


def _network(config: TrainingConfig, data: Data, plan: RunSettings,
             source: DataOptions) -> Network:
    """The new network, its record saying what it was trained on."""
    net = config.network(data.X_train.shape[1], data.n_outputs)
    net.record = {"data": data_name(plan.data), "classes": data.classes,
                  "seed": config.seed, **data.info}
    if plan.preset:
        net.record["preset"] = plan.preset
    if source.data_dir:
        net.record["data_dir"] = source.data_dir
    return net


class _SelectedEpoch(BestWeights):
    """The epoch ``--select`` keeps, for the end of training and for Ctrl-C: the
    lowest validation loss (training loss without validation), or by ``accuracy``
    the highest validation accuracy (ties: the lower loss)."""

    def __init__(self, select: str) -> None:
        super().__init__("loss", keep_training_state=True)
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
        return describe_monitor(self.monitor)


def _snapshots(data: Data, epochs: int) -> Snapshots | None:
    """For 2-D classes: the weights about 20 times over training, for the GIF."""
    if data.classes is None or data.X_train.shape[1] != 2:
        return None
    return Snapshots(every=max(1, math.ceil(epochs / 20)))


def _evaluate_and_save(net: Network, data: Data, files: RunFiles, tracker: Checkpoint,
                       best: _SelectedEpoch, seconds: float) -> dict[str, Any]:
    """Evaluate the best epoch's weights once on the test rows, save them with that
    epoch's training state (so the file resumes from it), and return the JSON
    report."""
    figures = net.evaluate(data.X_test, data.y_test)
    net.record["test"] = figures
    path = _save(net, files, tracker).resolve()
    return {
        "data": net.record["data"],
        "model": str(path),
        "test_loss": figures["loss"],
        "test_accuracy": figures.get("accuracy"),
        "seconds": seconds,
        "epochs": len(net.history),  # the run's; the weights are of best_epoch
        "best_epoch": best.best_epoch + 1 if best.best_epoch is not None else None,
        "parameters": net.n_params,
        "update": _kernels.path(),
        "layers": net.sizes,
        "train_samples": len(data.X_train),
        "test_samples": len(data.X_test),
    }


def _save(net: Network, files: RunFiles, tracker: Checkpoint) -> Path:
    """Save the model to ``--out``; a failed write says where the work still is."""
    try:
        return save(net, files.out, tracker.state(net))
    except WriteError as exc:
        raise save_failed(exc, files) from None


def _interrupted(console: Console, net: Network, best: _SelectedEpoch, tracker: Checkpoint,
                 files: RunFiles, as_json: bool, stop: KeyboardInterrupt, came: Signals) -> int:
    """Ctrl-C, SIGTERM or SIGHUP: save the best epoch's weights, if one has ended,
    and say where (and about any signal held meanwhile: the file is whole)."""
    name, code = ((stop.name, stop.exit_code) if isinstance(stop, Interrupted)
                  else ("SIGINT", EXIT_INTERRUPTED))
    path = None
    if not best.restore(net, training_state=True):
        line = f"interrupted ({name}) before the first epoch ended: no model saved"
    else:
        try:
            path = save(net, files.out, tracker.state(net)).resolve()
        except WriteError as exc:
            line = f"interrupted ({name}): {exc}"
        else:
            line = (f"interrupted ({name}): saved the best model so far (epoch "
                    f"{best.best_epoch + 1}, {best.monitor} {best.best:.4f}) to {path}")
    if came.held:
        line += (f"; {came.held_names()} came meanwhile and waited for the save to end, so "
                 f"{files.out} is {'the new model, whole' if path else 'as it was'}")
    console.message(f"\n{line}{resume_hint(files, path)}")
    if as_json:
        console.json({"interrupted": True, "signal": name,
                      "model": None if path is None else str(path),
                      "best_epoch": None if path is None else best.best_epoch + 1})
    return code


def _divergence_fixes(config: TrainingConfig, plan: RunSettings, standardized: bool
                      ) -> list[str]:
    """What the command line offers against a diverging run, that this one lacks."""
    fixes = ["a smaller --lr (steepest lr-find suggests one)"]
    if config.clip_norm is None:
        fixes.append("--clip-norm 1")
    if data_kind(plan.data) == "csv" and not standardized:
        fixes.append("--standardize")
    return fixes


def _diverged(console: Console, exc: DivergenceError, out: Path, tracker: Checkpoint,
              fixes: list[str], as_json: bool) -> int:
    """Divergence: nothing is saved; say where it happened, what became of ``out``
    (and of the checkpoint, which holds the last epoch it saved before) and what to try."""
    kept = f"{out} is left as it was" if out.exists() else f"no model saved to {out}"
    if tracker.saved_epochs is not None:
        kept += (f"; the checkpoint {tracker.path} holds the run after epoch "
                 f"{tracker.saved_epochs}")
    tries = f"{', '.join(fixes[:-1])} or {fixes[-1]}" if len(fixes) > 1 else fixes[0]
    console.error("train", f"{exc.summary}; {kept}. Try {tries}")
    if as_json:
        console.json({"diverged": True, "model": None, "epoch": exc.epoch, "batch": exc.batch,
                      "reason": exc.reason, "learning_rate": exc.learning_rate,
                      "checkpoint": None if tracker.saved_epochs is None
                      else str(tracker.path.resolve())})
    return EXIT_FAILED


def _say_plan(console: Console, data: Data, net: Network, plan: RunSettings,
              resumed: Resumed | None) -> None:
    if resumed is not None:
        console.print(f"resuming {resumed.path}: epoch {net.epochs_trained} of "
                      f"{plan.config.epochs} done")
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
