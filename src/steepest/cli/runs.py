"""Long runs of ``steepest train``: checkpoints, ``--resume``, and the files a run
writes.

A run notes in its model files (``net.record["run"]``) the settings it resolved,
its data options, its files and an id of its own; with ``--checkpoint`` it saves
itself after every ``--checkpoint-every`` epochs. ``--resume FILE`` goes on from
such a file (a checkpoint, or the model a run saved, from its best epoch): the
same settings, the same files, the same data (checked), and flags that would
change the run are refused, naming the difference.
"""

from __future__ import annotations

import argparse
import contextlib
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._files import exclusive
from .._parsing import names_list, positive_int
from ..config import TrainingConfig
from ..errors import ConfigError, WriteError
from ..io import TrainingState, load_checkpoint, read_metadata
from ..network import Network
from ..optimizers import get_schedule
from .data import data_kind, data_name, default_model_path
from .files import check_model_output
from .options import argument_type, non_empty
from .settings import RunSettings, resolve_run, shown

#: The data options: what they were when the run started, they stay.
DATA_OPTIONS = ("data_dir", "target", "one_hot", "standardize")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """``--checkpoint``, ``--checkpoint-every`` and ``--resume``."""
    group = parser.add_argument_group("long runs")
    group.add_argument("--checkpoint", type=non_empty, metavar="FILE",
                       help="save the run to FILE after every --checkpoint-every epochs, so "
                       "that --resume FILE goes on after a crash or a kill (default: none; "
                       "with --resume, the run's own)")
    group.add_argument("--checkpoint-every", type=argument_type(positive_int), metavar="N",
                       help="epochs between checkpoints (default: 1, or the run's)")
    group.add_argument("--resume", type=non_empty, metavar="FILE",
                       help="go on with the run saved in FILE (a checkpoint, or a model "
                       "steepest train saved) to its --epochs, with its settings, data and "
                       "files; flags that change the run are refused (default: a new run)")


@dataclass
class Resumed:
    """The file ``--resume`` goes on from: its network, how its run goes on, and
    the run's own record (``net.record["run"]``)."""

    path: Path
    net: Network
    state: TrainingState
    run: dict[str, Any]


def open_resumed(path: str) -> Resumed:
    """The run saved in ``path``; a ModelFileError for a corrupt file, a
    ConfigError for a file no ``steepest train`` run saved with its state."""
    net, state = load_checkpoint(path)
    run = net.record.get("run")
    if state is None or not isinstance(run, dict) or not _is_run(run):
        raise ConfigError(f"--resume {path}: this model file holds no run of steepest train "
                          "to go on with (it was saved without its training state); train "
                          "it further in Python: steepest.load, then fit")
    net.record.pop("test", None)  # of the earlier end; this run measures its own
    return Resumed(Path(path), net, state, run)


def _is_run(run: dict[str, Any]) -> bool:
    return (isinstance(run.get("id"), str) and isinstance(run.get("settings"), dict)
            and isinstance(run.get("data"), dict) and isinstance(run.get("out"), str))


@dataclass(frozen=True)
class DataOptions:
    """How the data was asked for: ``--data-dir``, ``--target``, ``--one-hot``,
    ``--standardize``."""

    data_dir: str | None = None
    target: str | None = None
    one_hot: list[str] = field(default_factory=list)
    standardize: bool = False


def data_options(args: argparse.Namespace) -> DataOptions:
    """The data options given on the command line, a folder as its full path."""
    folder = str(Path(args.data_dir).resolve()) if args.data_dir else None
    return DataOptions(folder, args.target, names_list(args.one_hot), args.standardize)


def resolved(flags: Mapping[str, Any], args: argparse.Namespace, resumed: Resumed | None
             ) -> tuple[RunSettings, DataOptions]:
    """The run's settings and data options: from the flags, or for ``--resume``
    the run's own, after checking that the flags given change nothing."""
    given = data_options(args)
    if resumed is None:
        return resolve_run(flags, args.preset), given
    run = resumed.run
    saved = DataOptions(**{name: run["data"].get(name) for name in DATA_OPTIONS})
    for name in DATA_OPTIONS:
        mine = getattr(given, name)
        if mine and mine != getattr(saved, name):
            raise _changed(resumed, name, mine, getattr(saved, name))
    if args.preset and args.preset != run.get("preset"):
        raise _changed(resumed, "preset", args.preset, run.get("preset"))
    settings = dict(run["settings"])
    before = resolve_run(settings, run.get("preset"))
    after = resolve_run(settings | {k: v for k, v in flags.items() if v is not None},
                        run.get("preset"))
    _check_unchanged(resumed, before, after)
    return after, saved


def _check_unchanged(resumed: Resumed, before: RunSettings, after: RunSettings) -> None:
    """Refuse flags that make ``after`` another run than ``before``, naming the first
    difference; only ``--epochs`` may differ (a run goes on further), unless the
    schedule's length came from it."""
    if data_name(after.data) != data_name(before.data):
        raise _changed(resumed, "data", after.data, before.data)
    for name in ("augment", "select"):
        if getattr(after, name) != getattr(before, name):
            raise _changed(resumed, name, getattr(after, name), getattr(before, name))
    old, new = before.config, after.config
    for name in TrainingConfig.__dataclass_fields__:
        if name != "epochs" and getattr(new, name) != getattr(old, name):
            raise _changed(resumed, name, getattr(new, name), getattr(old, name))
    if new.epochs != old.epochs and _spans_the_run(old.schedule):
        raise ConfigError(f"--resume {resumed.path}: --epochs {new.epochs}: the run's "
                          f"{old.schedule} schedule spans its {old.epochs} epochs and cannot "
                          "be stretched; resume to its end, or start a new run")


def _spans_the_run(schedule: Any) -> bool:
    """Whether the schedule's length is the run's (a cosine left open)."""
    made = get_schedule(schedule)
    return made.over(1) is not made


#: The command line's name of a setting, where it is not the setting's own.
FLAG_NAMES = {"learning_rate": "lr", "validation_split": "val_split"}


def _changed(resumed: Resumed, name: str, given: Any, saved: Any) -> ConfigError:
    option = FLAG_NAMES.get(name, name).replace("_", "-")
    return ConfigError(f"--resume {resumed.path}: --{option} {shown(given)} differs from the "
                       f"run's {shown(saved)}; a resumed run keeps its settings (start a new "
                       "run, with another --out, to change them)")


def settings_flags(plan: RunSettings, config: TrainingConfig) -> dict[str, Any]:
    """The run's resolved settings as the flags that give them (saved, so that a
    resume resolves exactly this run whatever the defaults become); ``config`` is
    the configuration the run trains with, its loss chosen by the targets."""
    return {"data": data_name(plan.data) if data_kind(plan.data) == "csv" else plan.data,
            "layers": list(config.layers), "activation": config.activation,
            "dropout": config.dropout, "loss": config.loss, "seed": config.seed,
            "optimizer": config.optimizer, "lr": config.learning_rate, "epochs": config.epochs,
            "batch_size": config.batch_size or 0, "val_split": config.validation_split,
            "schedule": config.schedule, "l2": config.l2, "augment": plan.augment,
            "select": plan.select}


@dataclass(frozen=True)
class RunFiles:
    """What a run writes: the model (``--out``), its checkpoints (or None), every
    how many epochs, and the run's id (which lets it replace its own files)."""

    out: Path
    checkpoint: Path | None
    every: int
    id: str

    def record(self, plan: RunSettings, config: TrainingConfig, data: DataOptions
               ) -> dict[str, Any]:
        """The run's record, saved with its model files (``net.record["run"]``)."""
        return {"id": self.id, "settings": settings_flags(plan, config), "preset": plan.preset,
                "data": {name: getattr(data, name) for name in DATA_OPTIONS},
                "out": str(self.out.resolve()),
                "checkpoint": None if self.checkpoint is None else str(self.checkpoint.resolve()),
                "every": self.every}


def run_files(args: argparse.Namespace, plan: RunSettings, resumed: Resumed | None
              ) -> RunFiles:
    """The run's files, checked before any training: for ``--resume``, the run's own
    unless given; none may be the data or the file resumed, a model there needs
    ``--force`` unless this run wrote it."""
    run = resumed.run if resumed is not None else {}
    out = Path(args.out or run.get("out") or default_model_path(plan.data))
    checkpoint = args.checkpoint or run.get("checkpoint")
    every = args.checkpoint_every or run.get("every") or 1
    if args.checkpoint_every and checkpoint is None:
        raise ConfigError("--checkpoint-every needs --checkpoint FILE")
    files = RunFiles(out, None if checkpoint is None else Path(checkpoint), every,
                     run.get("id") or uuid.uuid4().hex)
    # The file resumed is the run's own (its checkpoint or model): the run goes on
    # writing it. The data is never written over.
    inputs = [plan.data] if data_kind(plan.data) == "csv" else []
    out_file = check_model_output(files.out, "--out", force=args.force, run=run.get("id"),
                                  inputs=inputs)
    if files.checkpoint is not None and check_model_output(
            files.checkpoint, "--checkpoint", force=args.force, run=run.get("id"),
            inputs=inputs) == out_file:
        raise ConfigError(f"--checkpoint {files.checkpoint} and --out {files.out} are the "
                              "same file; give the checkpoint another name")
    return files


@contextlib.contextmanager
def locked(files: RunFiles) -> Iterator[None]:
    """Hold the locks of the run's files, so that no other run writes them meanwhile."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(exclusive(files.out, "--out"))
        if files.checkpoint is not None:
            stack.enter_context(exclusive(files.checkpoint, "--checkpoint"))
        yield


def holds_the_run(files: RunFiles) -> bool:
    """Whether the run's checkpoint file exists and is this run's."""
    if files.checkpoint is None:
        return False
    metadata = read_metadata(files.checkpoint) or {}
    run = (metadata.get("record") or {}).get("run") or {}
    return isinstance(run, dict) and run.get("id") == files.id


def resume_hint(files: RunFiles, saved: Path | None) -> str:
    """How to go on with this run: ``"; steepest train --resume ..."`` from its
    checkpoint, else from ``saved``; "" when nothing holds it."""
    if holds_the_run(files):
        return f"; steepest train --resume {files.checkpoint} goes on from the last checkpoint"
    if saved is not None:
        return f"; steepest train --resume {saved} goes on from its epoch"
    return ""


def describe_monitor(monitor: str) -> str:
    """``"val_loss"`` -> ``"validation loss"``, ``"accuracy"`` -> ``"training accuracy"``."""
    split, _, metric = monitor.rpartition("_")
    return f"{'validation' if split else 'training'} {metric}"


def save_failed(exc: WriteError, files: RunFiles) -> WriteError:
    """``exc`` (the model could not be written), saying where the work still is."""
    if holds_the_run(files):
        where = (f"the trained run is in the checkpoint {files.checkpoint}: steepest train "
                 f"--resume {files.checkpoint} --out OTHER.npz writes the model without "
                 "training again")
    else:
        where = ("no other file holds the trained model: give a --out where it can be written "
                 "(and --checkpoint on long runs, which keeps their work)")
    return WriteError(f"{exc}; {where}")
