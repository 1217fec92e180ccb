"""A page's conversation with its session, over one WebSocket.

The page says ``hello`` with its settings (from its URL) and then sends the
messages of :mod:`.messages`; the server answers with JSON (``welcome``,
``layout``, ``notice``, ``error``, and the panels' reports) and with binary
frames (:mod:`.views`). While playing, a task trains and sends frames: at
:data:`PACE` epochs per second (TensorFlow Playground's one epoch per frame at
60 frames per second), or in fast-forward for :data:`FAST_SECONDS` between
frames, as fast as the library goes. At most :data:`IN_FLIGHT` frames are on
their way: the page acknowledges each one it has drawn, so a slow page gets
fewer frames, never a backlog. The work runs in worker threads, off the event
loop, so the server answers every page while a network trains.

In fast-forward, a frame costs at most a tenth of the time: the training between
two frames lasts :data:`FAST_SECONDS`, or nine times as long as the last frame
took to compute, whichever is longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import __version__
from ..activations import ACTIVATIONS
from ..errors import SteepestError
from ..initializers import INITIALIZERS
from ..losses import LOSSES
from ..optimizers import OPTIMIZERS, SCHEDULES
from .data import DATASETS, FEATURES, read_upload
from .messages import MESSAGES, parse
from .session import Session
from .settings import PANELS, REGULARIZATIONS, Limits, Settings

PACE = 60.0
#: The most epochs one frame trains at pace, catching up after a stall, as long as
#: they take at most FRAME_SECONDS.
CATCH_UP = 8
FRAME_SECONDS = 0.1
FAST_SECONDS = 0.05
#: In fast-forward, training lasts this many times as long as a frame takes.
FAST_SHARE = 9
IN_FLIGHT = 2

log = logging.getLogger("steepest.playground")


class Conversation:
    """What every page's connection does: read messages until the page goes,
    check each against ``table`` (see :mod:`.messages`) and hand it to the
    method ``_on_<type>``; bytes go to :meth:`_on_bytes`. A bad message is an
    ``error`` message to the page, and so is a bug (logged with its traceback):
    the connection stays open."""

    table: dict[str, dict[str, Any]] = MESSAGES

    def __init__(self, websocket: WebSocket, limits: Limits) -> None:
        self.websocket, self.limits = websocket, limits
        self.greeted = False
        self._sending = asyncio.Lock()

    async def run(self, token: str) -> None:
        """Serve the page until it goes; ``token`` names its session (for links)."""
        self.token = token
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("bytes") is not None:
                    await self._guarded(self._on_bytes, message["bytes"])
                elif message.get("text") is not None:
                    await self._guarded(self._handle, message["text"])
        finally:
            await self.closed()

    async def _guarded(self, handler: Callable[[Any], Awaitable[None]], payload: Any) -> None:
        try:
            await handler(payload)
        except WebSocketDisconnect:
            raise  # the page went while an answer was on its way: nothing to tell it
        except SteepestError as exc:
            await self.send({"type": "error", "message": " ".join(str(exc).split())})
        except Exception as exc:
            log.exception("playground: a message failed")
            await self.send({"type": "error", "message": f"internal error: {exc!r}"[:300]})

    async def _handle(self, text: str) -> None:
        message = parse(text, self.limits.message_chars, self.table)
        if message.type == "hello":
            if self.greeted:
                raise SteepestError("hello again: this page has its session already")
            self.greeted = True
        elif not self.greeted:
            raise SteepestError(f"a {message.type} message before hello: the page says hello "
                                "first")
        await getattr(self, f"_on_{message.type}")(**message.fields)

    async def _on_bytes(self, data: bytes) -> None:
        raise SteepestError("this page sends no bytes")

    async def closed(self) -> None:
        """The page went: stop what runs for it."""

    async def send(self, message: dict[str, Any]) -> None:
        async with self._sending:
            await self.websocket.send_json(message)

    async def send_bytes(self, data: bytes) -> None:
        async with self._sending:
            await self.websocket.send_bytes(data)


class Channel(Conversation):
    """The playground page's connection: its session (made at ``hello``),
    whether it plays, and the frames on their way."""

    def __init__(self, websocket: WebSocket, limits: Limits) -> None:
        super().__init__(websocket, limits)
        self.session: Session | None = None
        self.playing = self.fast = False
        self._credits = IN_FLIGHT
        self._credit = asyncio.Event()
        self._player: asyncio.Task | None = None
        self._tools: dict[str, asyncio.Task] = {}
        self._frame_seconds = 0.0
        self._epoch_seconds = 0.0

    async def closed(self) -> None:
        await self._stop_playing()
        for task in self._tools.values():
            task.cancel()
        await asyncio.gather(*self._tools.values(), return_exceptions=True)

    async def _send_frame(self) -> None:
        started = time.perf_counter()
        frame = await run_in_threadpool(self.session.frame, {"playing": self.playing,
                                                             "fast": self.fast})
        self._frame_seconds = time.perf_counter() - started
        await self.send_bytes(frame)

    async def _send_layout(self, notice: str = "") -> None:
        await self.send(await run_in_threadpool(self.session.layout))
        if notice:
            await self.send({"type": "notice", "message": notice})
        await self._send_frame()

    # ------------------------------------------------------------------ the messages
    async def _on_hello(self, settings: dict[str, Any]) -> None:
        notice = ""
        try:
            chosen = Settings().updated(settings, self.limits)
            self.session = await run_in_threadpool(Session, self.limits, chosen)
        except SteepestError as exc:
            notice = f"the link's settings could not be used ({exc}); showing the defaults"
            self.session = await run_in_threadpool(Session, self.limits)
        await self.send(welcome(self.token, self.limits))
        await self._send_layout(notice)
        if notice:
            await self.send({"type": "error", "message": notice})

    async def _on_settings(self, settings: dict[str, Any]) -> None:
        change = await run_in_threadpool(self.session.update, settings)
        if change.reset:
            await self._send_layout(change.message)
            return
        if change.message:
            await self.send({"type": "notice", "message": change.message})
        await self.send({"type": "settings", "settings": self.session.settings.as_dict()})
        if not self.playing:
            await self._send_frame()

    async def _on_play(self) -> None:
        self.playing = True
        if self._player is None or self._player.done():
            self._player = asyncio.create_task(self._play())

    async def _on_pause(self) -> None:
        await self._stop_playing()
        await self._send_frame()

    async def _on_step(self) -> None:
        await self._stop_playing()
        await run_in_threadpool(self.session.train, 1)
        await self._send_frame()

    async def _on_reset(self) -> None:
        await self._stop_playing()
        await run_in_threadpool(self.session.reset)
        await self._send_layout()

    async def _on_regenerate(self) -> None:
        await self._stop_playing()
        change = await run_in_threadpool(self.session.regenerate)
        await self._send_layout(change.message)

    async def _on_fast(self, on: bool) -> None:
        self.fast = on

    async def _on_ack(self) -> None:
        self._credits = min(self._credits + 1, IN_FLIGHT)
        self._credit.set()

    async def _on_panels(self, shown: frozenset[str]) -> None:
        self.session.panels = shown
        if not self.playing:
            await self._send_frame()

    async def _on_explain(self) -> None:
        self._in_background("explain", self.session.explain)

    async def _on_doctor(self) -> None:
        self._in_background("doctor", self.session.doctor)

    async def _on_surface(self, first: tuple[int, int, int],
                          second: tuple[int, int, int]) -> None:
        self._in_background("surface", self.session.surface, first, second)

    def _in_background(self, tool: str, work: Callable[..., dict[str, Any]], *args: Any) -> None:
        """Run a tool (seconds, for a large network) beside the conversation, so
        acknowledgements and Pause are read meanwhile; one run of each tool at a
        time (the page asks again)."""
        running = self._tools.get(tool)
        if running is not None and not running.done():
            return

        async def answer(_: Any) -> None:
            await self.send(await run_in_threadpool(work, *args))

        self._tools[tool] = asyncio.create_task(self._guarded(answer, None))

    async def _on_set_weight(self, layer: int, row: int, col: int, value: float) -> None:
        await run_in_threadpool(self.session.set_weight, layer, row, col, value)
        if not self.playing:
            await self._send_frame()

    async def _on_bytes(self, data: bytes) -> None:
        """An uploaded CSV file."""
        if self.session is None:
            raise SteepestError("an upload before hello: the page says hello first")
        await self._stop_playing()
        upload = await run_in_threadpool(read_upload, data, self.limits)
        change = await run_in_threadpool(self.session.use_upload, upload)
        await self._send_layout(change.message)

    # ------------------------------------------------------------------ playing
    async def _play(self) -> None:
        """Train and send frames while playing (see the module's docstring)."""
        loop = asyncio.get_running_loop()
        due, last = 1.0, loop.time()
        while self.playing:
            if not await self._take_credit():
                break
            now = loop.time()
            due = min(due + (now - last) * PACE, CATCH_UP)
            last = now
            if not self.playing:
                break
            if self.fast:
                seconds = max(FAST_SECONDS, FAST_SHARE * self._frame_seconds)
                await run_in_threadpool(self.session.train, seconds=seconds)
            elif due < 1:  # the page draws faster than PACE: wait for the next epoch
                self._credits += 1
                await asyncio.sleep((1 - due) / PACE)
                continue
            else:
                # No more epochs a frame than fit in FRAME_SECONDS (one at least), so a
                # large network on many points still answers Pause soon.
                most = max(1, min(CATCH_UP, int(FRAME_SECONDS / max(self._epoch_seconds, 1e-6))))
                epochs = min(int(due), most)
                due -= epochs
                started = time.perf_counter()
                await run_in_threadpool(self.session.train, epochs)
                self._epoch_seconds = (time.perf_counter() - started) / epochs
            if self.session.stopped:
                self.playing = False
            await self._send_frame()

    async def _take_credit(self) -> bool:
        """Wait until the page has room for a frame and take it; False, taking
        nothing, when playing stops meanwhile (Pause, or the page gone before it
        acknowledged its frames: waiting on would keep Pause, and the tab's
        end, waiting for ever)."""
        while self._credits <= 0:
            if not self.playing:
                return False
            self._credit.clear()
            await self._credit.wait()
        self._credits -= 1
        return True

    async def _stop_playing(self) -> None:
        self.playing = False
        player, self._player = self._player, None
        if player is not None:
            self._credit.set()  # a player waiting for the page's ack sees it should stop
            with contextlib.suppress(asyncio.CancelledError):
                await player


def welcome(token: str, limits: Limits) -> dict[str, Any]:
    """The first message: the session's token (for the export links), the limits,
    and what each choice on the page may be (the registries' names, so a part
    registered with :func:`steepest.register` is offered too)."""
    hidden = sorted(name for name, cls in ACTIVATIONS.items() if cls.hidden)
    return {
        "type": "welcome", "session": token, "version": __version__,
        "limits": {"layers": limits.layers, "neurons": limits.neurons,
                   "points": limits.points, "upload_bytes": limits.upload_bytes},
        "choices": {
            "dataset": {name: {"label": d.label, "kind": d.kind,
                               "classes": d.takes_classes} for name, d in DATASETS.items()},
            "features": {name: label for name, (label, _, _) in FEATURES.items()},
            "activation": hidden, "output": sorted(ACTIVATIONS), "loss": sorted(LOSSES),
            "init": sorted(INITIALIZERS), "optimizer": sorted(OPTIMIZERS),
            "schedule": sorted(SCHEDULES), "regularization": list(REGULARIZATIONS),
            "panels": list(PANELS),
        },
    }
