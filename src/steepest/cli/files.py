"""The files commands write: checked before any long work starts, and the
pictures of a model."""

from __future__ import annotations

import os
from pathlib import Path

from ..callbacks import GradientMonitor, Snapshots
from ..errors import ConfigError
from ..network import Network
from .data import Data


def check_writable(out: Path, option: str = "--out") -> None:
    """Refuse, before any training, a file path that cannot be written."""
    if out.is_dir():
        raise ConfigError(f"{option} {out} is a folder; give a file name such as model.npz")
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: folder {out.parent} does not exist")
    if not os.access(out.parent, os.W_OK):
        raise ConfigError(f"cannot write {out}: folder {out.parent} is not writable")


def check_plot_folder(folder: str, option: str = "--plots") -> None:
    """Refuse, before any training, a plots folder that cannot be made or written,
    and a missing matplotlib."""
    from ..plots import check_available

    check_available()
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path} is a file; give a folder for the images")
    path.mkdir(parents=True, exist_ok=True)
    if not os.access(path, os.W_OK):
        raise ConfigError(f"cannot write plots into {path}: the folder is not writable")


def write_plots(net: Network, data: Data, folder: str, monitor: GradientMonitor | None = None,
                snapshots: Snapshots | None = None) -> list[Path]:
    """The model's pictures for its test rows (see plots.write_model_plots)."""
    from ..plots import write_model_plots

    image = net.metadata.get("image") or data.info.get("image")
    return write_model_plots(net, data.X_test, data.y_test, folder, classes=data.classes,
                             image_shape=image["shape"] if image else None, monitor=monitor,
                             snapshots=snapshots)
