"""Take the playground's work away: the trained network as a model file, and the
Python code that recreates the configuration with the library."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..io import save
from .data import DATASETS, FEATURES, UPLOAD

if TYPE_CHECKING:
    from .session import Session


def model_file(session: Session) -> bytes:
    """The session's network, its history and optimiser, as a steepest model file
    (what :func:`steepest.io.save` writes; :func:`steepest.load` reads it)."""
    with session.lock, tempfile.TemporaryDirectory(prefix="steepest-playground-") as folder:
        path = save(session.net, Path(folder) / "playground-model.npz")
        return path.read_bytes()


def python_code(session: Session) -> str:
    """A script that builds the session's data and network with the library and
    trains it as the page does, for as many epochs as the page has: the same
    network, weight for weight, when the training settings did not change along
    the way and no weight was set by hand."""
    with session.lock:
        s, config = session.settings, session.config
        epochs, sizes = session.epoch, session.net.sizes
        schedule = session.optimizer.schedule.config()
        data = _data_code(session)
    lines = [f'"""A steepest playground configuration, as code (steepest {__version__})."""',
             "import numpy as np", "", "from steepest import Network", *data]
    names = ", ".join(FEATURES[f][0] for f in s.features)
    columns = ", ".join(FEATURES[f][2] for f in s.features)
    lines += ["", "", "def features(points):",
              f'    """The network\'s inputs: {names}."""',
              "    x1, x2 = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)",
              f"    return np.column_stack([{columns}]).astype(np.float32)", ""]
    network = {"activation": list(s.activations), "output_activation": config.output_activation,
               "loss": config.loss, "init": config.init, "dropout": config.dropout or None,
               "seed": config.seed}
    arguments = ", ".join(f"{k}={v!r}" for k, v in network.items() if v is not None)
    lines += ["", f"net = Network({sizes}, {arguments})"]
    training = {"epochs": epochs, "batch_size": config.batch_size, "optimizer": s.optimizer,
                "learning_rate": s.learning_rate,
                "schedule": None if schedule == {"name": "constant"} else schedule,
                "l1": config.l1 or None, "l2": config.l2 or None}
    arguments = ", ".join(f"{k}={v!r}" for k, v in training.items() if v is not None)
    lines += [f"history = net.fit(features(X_train), y_train, {arguments},",
              "                  validation_data=(features(X_test), y_test))",
              "print(net.evaluate(features(X_test), y_test))", ""]
    return "\n".join(lines)


def _data_code(session: Session) -> list[str]:
    """The lines that make ``X_train, X_test, y_train, y_test``."""
    s = session.settings
    if s.dataset == UPLOAD:
        return ["from steepest.playground.data import read_upload",
                "from steepest.playground.settings import Limits, Settings", "",
                f"# {session.data.source}: put the path of the file you uploaded here",
                'contents = open("data.csv", "rb").read()',
                f"settings = Settings(dataset='upload', columns={s.columns!r}, "
                f"train_ratio={s.train_ratio}, seed={s.seed})",
                "data = read_upload(contents, Limits()).data(settings)",
                "X_train, X_test, y_train, y_test = data.X_train, data.X_test, data.y_train, "
                "data.y_test"]
    spec = DATASETS[s.dataset]
    arguments = ", ".join(f"{k}={v!r}" for k, v in spec.arguments(s).items())
    return [f"from steepest.datasets import {spec.function.__name__}, train_test_split", "",
            f"# {session.data.source}, on the plane [-6, 6]²",
            f"X, y = {spec.function.__name__}({arguments})",
            f"X = (X - np.float32({spec.centre})) * np.float32({spec.scale})",
            "X_train, X_test, y_train, y_test = train_test_split(",
            f"    X, y, test_size={1 - s.train_ratio / 100!r}, "
            f"stratify={spec.kind == 'classes'}, seed={s.seed})"]
