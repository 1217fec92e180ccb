"""Draw a digit: the page's drawing, prepared like the training images
(:func:`steepest.images.image_input`), read by a model, and taught one step.

The model is a model file (``steepest playground --model FILE``), or one trained
once when the page is first opened: on MNIST when its files are in the data
folder (nothing is downloaded), else on scikit-learn's 8x8 digits. Each tab
reads and teaches its own copy, so tabs never see each other's steps.

A drawing comes as bytes: ``uint16`` width and height (little-endian), then one
byte of ink (0..255) per pixel, row by row.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.concurrency import run_in_threadpool

from ..datasets import load_digits, load_mnist
from ..errors import ConfigError, DataError, DatasetError
from ..images import image_input
from ..io import load
from ..network import Network
from ..optimizers import SGD
from . import views
from .channel import Conversation
from .messages import DIGITS_MESSAGES
from .settings import Limits

#: The sides a drawing may have, in pixels.
SMALLEST, LARGEST = 8, 512
#: Steps one tab can undo.
UNDO_STEPS = 50
#: How each built-in model is made: its data, hidden layers and training.
RECIPES: dict[str, dict[str, Any]] = {
    "digits": {"hidden": [128], "fit": {"epochs": 40, "batch_size": 32, "optimizer": "adam",
                                        "learning_rate": 1e-3}},
    "mnist": {"hidden": [128], "fit": {"epochs": 2, "batch_size": 128, "optimizer": "adam",
                                       "learning_rate": 1e-3}},
}
#: What a model's input is, by its size, when its file does not say.
IMAGES = {64: {"shape": [8, 8], "style": "digits"}, 784: {"shape": [28, 28], "style": "mnist"}}


@dataclass
class Reader:
    """A model that reads pictures: the network, the picture its input is
    (``shape`` and ``style``, as :func:`~steepest.images.image_input` takes
    them), its class names, and where it came from."""

    net: Network
    shape: tuple[int, int]
    style: str
    classes: list[str]
    source: str


class DigitsModel:
    """The digits page's model, made once (on first use) and shared read-only.

    ``path`` is a model file; else ``data`` says what to train on: ``"mnist"``,
    ``"digits"`` or ``"auto"`` (MNIST when its files are in ``data_dir``, else the
    digits).
    """

    def __init__(self, path: str | None = None, data: str = "auto",
                 data_dir: str | None = None) -> None:
        if data not in ("auto", "digits", "mnist"):
            raise ConfigError(f"the digits model's data must be auto, digits or mnist, got "
                              f"{data!r}")
        self.path, self.data, self.data_dir = path, data, data_dir
        self._lock = threading.Lock()
        self._reader: Reader | None = None

    def reader(self) -> Reader:
        """The model, loaded or trained on the first call (which may take seconds)."""
        with self._lock:
            if self._reader is None:
                self._reader = self._from_file() if self.path else self._trained()
            return self._reader

    def _from_file(self) -> Reader:
        net = load(self.path)
        image = net.record.get("image") or IMAGES.get(net.sizes[0])
        if image is None:
            raise DataError(f"{self.path}: the model takes {net.sizes[0]} inputs, not a picture "
                            "(64 for 8x8 digits, 784 for 28x28 MNIST)")
        classes = net.record.get("classes") or [str(k) for k in range(net.sizes[-1])]
        return Reader(net, tuple(image["shape"]), image["style"], list(classes), str(self.path))

    def _trained(self) -> Reader:
        data = self.data
        if data in ("auto", "mnist"):
            try:
                (X, y), (X_test, y_test) = load_mnist(self.data_dir, download=False,
                                                      progress=False)
                data = "mnist"
            except DatasetError:
                if data == "mnist":
                    raise
                data = "digits"
        if data == "digits":
            (X, y), (X_test, y_test) = load_digits()
        recipe = RECIPES[data]
        net = Network([X.shape[1], *recipe["hidden"], 10], activation="relu",
                      loss="cross_entropy", seed=0)
        net.fit(X, y, **recipe["fit"])
        accuracy = net.evaluate(X_test, y_test)["accuracy"]
        image = IMAGES[X.shape[1]]
        return Reader(net, tuple(image["shape"]), image["style"], [str(k) for k in range(10)],
                      f"trained here on {data} ({accuracy:.1%} on its test set)")


class DigitsSession:
    """One tab's copy of the model: it reads drawings and takes the steps the
    user asks for, which :meth:`undo` takes back."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.net = reader.net.copy()
        self.x: np.ndarray | None = None
        self.undo_steps: list[np.ndarray] = []

    def read(self, drawing: bytes) -> bytes:
        """Prepare the drawing like the training images, then read it: a frame."""
        if len(drawing) < 4:
            raise DataError("a drawing starts with its width and height")
        width, height = struct.unpack_from("<HH", drawing)
        if not (SMALLEST <= width <= LARGEST and SMALLEST <= height <= LARGEST
                and len(drawing) == 4 + width * height):
            raise DataError(f"a drawing is {SMALLEST} to {LARGEST} pixels a side, one byte "
                            f"each; got {width} x {height} and {len(drawing) - 4:,} bytes")
        ink = np.frombuffer(drawing, np.uint8, offset=4).reshape(height, width)
        self.x = image_input(ink / np.float32(255), self.reader.shape, self.reader.style,
                             where="the drawing")
        return self._reading()

    def learn(self, label: int, rate: float) -> bytes:
        """One step of gradient descent (SGD at ``rate``, no dropout) towards
        ``label`` on the last drawing; the frame shows the gradient applied."""
        if self.x is None:
            raise DataError("draw a digit first, then tell the network what it is")
        if not 0 <= label < len(self.reader.classes):
            raise DataError(f"the label must be one of 0..{len(self.reader.classes) - 1}, got "
                            f"{label}")
        if not 0 < rate <= 10:
            raise DataError(f"the learning rate must be above 0 and at most 10, got {rate:g}")
        step = self.net.train_step(self.x[None], [label], SGD(rate), dropout=False)
        self.undo_steps = [*self.undo_steps[-(UNDO_STEPS - 1):], step.params_before]
        first = np.abs(step.gradients.weights[0]).sum(axis=1).reshape(self.reader.shape)
        learned = {"label": label, "rate": rate, "loss_before": step.loss,
                   "loss_after": self.net.evaluate(self.x[None], [label])["loss"],
                   "grad_norms": [float(np.linalg.norm(dW)) for dW in step.gradients.weights]}
        return self._reading(learned, [("gradient", first.astype(np.float32))])

    def undo(self) -> bytes:
        """Take back the last step."""
        if not self.undo_steps:
            raise DataError("there is no step to undo")
        self.net.params[...] = self.undo_steps.pop()
        return self._reading() if self.x is not None else self._empty()

    def _reading(self, learned: dict[str, Any] | None = None,
                 extra: list[tuple[str, np.ndarray]] = ()) -> bytes:
        trace = self.net.forward(self.x[None])
        p = trace.output[0].astype(np.float64)
        order = np.argsort(p)[::-1]
        header = {"type": "reading", "classes": self.reader.classes,
                  "probabilities": p.tolist(), "top": [int(k) for k in order[:3]],
                  "learned": learned, "undo": len(self.undo_steps),
                  "sizes": self.net.sizes}
        arrays = [("input", self.x.reshape(self.reader.shape)),
                  *((f"hidden{i}", A[0].astype(np.float32))
                    for i, A in enumerate(trace.outputs[:-1])), *extra]
        return views.encode(header, arrays)

    def _empty(self) -> bytes:
        return views.encode({"type": "reading", "undo": len(self.undo_steps)}, [])


class DigitsChannel(Conversation):
    """The digits page's connection: drawings in (bytes), readings out."""

    table = DIGITS_MESSAGES

    def __init__(self, websocket: Any, limits: Limits, model: DigitsModel) -> None:
        super().__init__(websocket, limits)
        self.model = model
        self.session: DigitsSession | None = None

    async def _on_hello(self) -> None:
        await self.send({"type": "notice", "message": "getting the model ready..."})
        reader = await run_in_threadpool(self.model.reader)
        self.session = DigitsSession(reader)
        await self.send({"type": "model", "source": reader.source, "classes": reader.classes,
                         "shape": list(reader.shape), "sizes": reader.net.sizes})

    async def _on_bytes(self, data: bytes) -> None:
        await self._answer(lambda: self._ready().read(data))

    async def _on_learn(self, label: int, rate: float) -> None:
        await self._answer(lambda: self._ready().learn(label, rate))

    async def _on_undo(self) -> None:
        await self._answer(lambda: self._ready().undo())

    def _ready(self) -> DigitsSession:
        if self.session is None:
            raise DataError("the model is not ready yet: the page says hello first")
        return self.session

    async def _answer(self, work: Any) -> None:
        await self.send_bytes(await run_in_threadpool(work))
