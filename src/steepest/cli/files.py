"""The files commands write: checked before any long work starts, so that a file
is never destroyed by accident, and the pictures of a model.

A command writes over nothing but what steepest wrote itself: ``--out`` replaces
a steepest model only with ``--force`` (or when the same run wrote it), an export
only an earlier export and only with ``--force``, a picture (PNG or GIF, which
steepest marks as its own) only a picture steepest drew, and no output may be one
of the command's own inputs. Symbolic links are written through; folders, FIFOs
and devices are refused (see :mod:`steepest._files`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .._files import file_target, is_steepest_picture, read_problem
from ..callbacks import GradientMonitor, Snapshots
from ..errors import ConfigError
from ..io import read_metadata
from ..network import Network
from .data import Data

#: The pictures a command may write: those steepest marks as drawn by itself (see
#: steepest._files.is_steepest_picture), so that the next run may replace them.
PICTURE_SUFFIXES = (".png", ".gif")

def check_writable(out: Path, option: str = "--out", example: str = "model.npz") -> Path:
    """Refuse, before any training, a path that cannot be written: a folder, a
    FIFO or a device, a missing or read-only folder. Returns the file a write
    replaces (a symbolic link's target). ``example`` is the file name a folder's
    message suggests."""
    if out.is_dir():
        raise ConfigError(f"{option} {out} is a folder; give a file name such as {example}")
    target = file_target(out)
    folder = target.parent if out.is_symlink() else out.parent  # as the user wrote it
    if not target.parent.is_dir():
        raise ConfigError(f"cannot write {out}: folder {folder} does not exist")
    if not os.access(target.parent, os.W_OK):
        raise ConfigError(f"cannot write {out}: folder {folder} is not writable")
    return target


def check_model_output(out: Path, option: str = "--out", *, force: bool = False,
                       inputs: Sequence[str | Path | None] = (), run: str | None = None) -> Path:
    """Refuse, before any training, a model file path that must not be written:
    one of the command's ``inputs``, a file steepest did not write, or a steepest
    model without ``force`` (unless run ``run`` wrote it: a resumed run replaces
    its own files). Returns the file a write replaces."""
    target = check_writable(out, option)
    _not_an_input(out, target, option, inputs)
    if not target.exists():
        return target
    metadata = read_metadata(target)
    if metadata is None:
        raise ConfigError(f"{option} {out} exists and is not a steepest model file; steepest "
                          "replaces only files it wrote: give another name")
    if not force and (run is None or _run_of(metadata) != run):
        raise ConfigError(f"{option} {out} already holds a steepest model; add --force to "
                          "replace it, or give another name")
    return target


def check_picture_output(out: Path, option: str, *, inputs: Sequence[str | Path | None] = ()
                         ) -> Path:
    """Refuse, before any long work, a picture path that must not be written: one of
    the command's ``inputs``, a name not ending in one of :data:`PICTURE_SUFFIXES`,
    or a file that is not a picture steepest drew."""
    target = check_writable(out, option, example="plot.png")
    _not_an_input(out, target, option, inputs)
    if target.exists() and not is_steepest_picture(target):
        what = ("a steepest model file" if read_metadata(target) is not None
                else "a file steepest did not draw")
        raise ConfigError(f"{option} {out} exists and is {what}; steepest replaces only "
                          "pictures it drew: give another name")
    if out.suffix.lower() not in PICTURE_SUFFIXES:
        raise ConfigError(f"{option} {out}: a picture's name must end in "
                          f"{' or '.join(PICTURE_SUFFIXES)} (pictures steepest marks as its "
                          "own, so that it may replace them later)")
    return target


def check_export_output(out: Path, option: str = "--out", *, force: bool = False) -> Path:
    """Refuse, before writing, a path ``steepest export`` must not write: a file
    that is not an earlier export (see :func:`steepest.export.is_export`), or one that is
    without ``force``. Returns the file a write replaces."""
    from ..export import is_export  # only the export command needs the formats

    target = check_writable(out, option, example=f"model{out.suffix}")
    if not target.exists():
        return target
    if not is_export(target):
        what = ("a steepest model file" if read_metadata(target) is not None
                else "not a file steepest exported")
        raise ConfigError(f"{option} {out} exists and is {what}; export replaces only its own "
                          "earlier exports, and those only with --force: give another name")
    if not force:
        raise ConfigError(f"{option} {out} already holds a steepest export; add --force to "
                          "replace it, or give another name")
    return target


def check_plot_folder(folder: str, option: str = "--plots",
                      names: Sequence[str] | None = None) -> None:
    """Refuse, before any training, a plots folder that cannot be made or written,
    holds a file named as one of the pictures ``names`` (default: a model's, see
    ``plots.report.PICTURES``) that steepest did not draw, and a missing matplotlib."""
    from ..plots import check_available
    from ..plots.report import PICTURES

    check_available()
    path = Path(folder)
    if path.exists() and not path.is_dir():
        what = read_problem(path, "folder") or "a file, not a folder"
        raise ConfigError(f"{option} {path} is {what}; give a folder for the images")
    path.mkdir(parents=True, exist_ok=True)
    if not os.access(path, os.W_OK):
        raise ConfigError(f"cannot write plots into {path}: the folder is not writable")
    for name in PICTURES if names is None else names:
        if os.path.lexists(path / name):
            check_picture_output(path / name, f"{option} {path}:")


def _not_an_input(out: Path, target: Path, option: str,
                  inputs: Sequence[str | Path | None]) -> None:
    for given in inputs:
        if (given is not None and target.exists() and Path(given).exists()
                and os.path.samefile(target, given)):
            raise ConfigError(f"{option} {out} is {given}, which this command reads; give "
                              "another name")


def _run_of(metadata: dict) -> str | None:
    """The id of the ``steepest train`` run that wrote a model file, if one did."""
    record = metadata.get("record")
    run = record.get("run") if isinstance(record, dict) else None
    return run.get("id") if isinstance(run, dict) else None


def write_plots(net: Network, data: Data, folder: str, monitor: GradientMonitor | None = None,
                snapshots: Snapshots | None = None) -> list[Path]:
    """The model's pictures for its test rows (see plots.write_model_plots)."""
    from ..plots import write_model_plots

    image = net.record.get("image") or data.info.get("image")
    return write_model_plots(net, data.X_test, data.y_test, folder, classes=data.classes,
                             image_shape=image["shape"] if image else None, monitor=monitor,
                             snapshots=snapshots)
