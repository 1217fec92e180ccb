"""The playground's web server: the pages, their WebSockets, the export links.

Routes:

- ``/`` the playground and ``/digits`` the digits page (plain HTML, CSS and
  JavaScript from ``static/``, nothing fetched from elsewhere);
- ``/ws`` and ``/ws/digits``: one WebSocket per tab (see :mod:`.channel` and
  :mod:`.digits`), each tab its own session, freed when the tab closes; at most
  ``Limits.sessions`` at a time, the next one refused with a message;
- ``/export/model?session=...`` and ``/export/code?session=...``: a session's
  network as a model file and as Python code;
- ``/status``: the number of open sessions, as JSON.

Every response says, through its headers, that the page may load nothing from
other sites (a Content-Security-Policy), and requests for another host name
(DNS rebinding) or WebSockets opened by another site's page are refused.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..errors import ConfigError
from .channel import Channel, Conversation
from .digits import DigitsChannel, DigitsModel
from .export import model_file, python_code
from .settings import Limits

STATIC = Path(__file__).parent / "static"
#: What a page may load: its own files only; and it may not be framed.
HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data: blob:; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
#: How long a stopping server waits for its tabs' work to end before cancelling it.
SHUTDOWN_SECONDS = 5
#: WebSocket close codes: a page of another site; the server is full.
POLICY, TRY_LATER = 1008, 1013

log = logging.getLogger("steepest.playground")


@dataclass(frozen=True)
class Options:
    """A server's settings: the ``host`` it listens on, its :class:`Limits`, and
    the digits page's model (a ``model`` file, else trained on ``digits_data``
    from ``data_dir``)."""

    host: str = "127.0.0.1"
    limits: Limits = field(default_factory=Limits)
    model: str | None = None
    digits_data: str = "auto"
    data_dir: str | None = None


class Tabs:
    """The open tabs' conversations, each under a random token, at most ``most``."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._open: dict[str, Conversation] = {}

    def open(self, conversation: Conversation) -> str:
        if len(self._open) >= self.most:
            raise ConfigError(f"the playground has {self.most} tabs open, as many as it "
                              "allows (steepest playground --max-sessions); close one, then "
                              "reload this page")
        token = secrets.token_urlsafe(16)
        self._open[token] = conversation
        return token

    def close(self, token: str) -> None:
        self._open.pop(token, None)

    def find(self, token: str | None) -> Conversation | None:
        return self._open.get(token) if isinstance(token, str) else None

    def __len__(self) -> int:
        return len(self._open)


def create_app(options: Options) -> Starlette:
    """The playground's ASGI application."""
    tabs = Tabs(options.limits.sessions)
    digits_model = DigitsModel(options.model, options.digits_data, options.data_dir)

    async def playground_socket(websocket: WebSocket) -> None:
        await _converse(websocket, tabs, lambda ws: Channel(ws, options.limits))

    async def digits_socket(websocket: WebSocket) -> None:
        await _converse(websocket, tabs, lambda ws: DigitsChannel(ws, options.limits,
                                                                  digits_model))

    async def export(request: Request) -> Response:
        conversation = tabs.find(request.query_params.get("session"))
        session = getattr(conversation, "session", None)
        if not isinstance(conversation, Channel) or session is None:
            return JSONResponse({"error": "no such session: it ended when its tab closed; "
                                 "reload the page"}, status_code=404)
        if request.path_params["what"] == "model":
            data = await run_in_threadpool(model_file, session)
            return Response(data, media_type="application/octet-stream", headers={
                "content-disposition": 'attachment; filename="playground-model.npz"'})
        code = await run_in_threadpool(python_code, session)
        return Response(code, media_type="text/x-python; charset=utf-8", headers={
            "content-disposition": 'attachment; filename="playground.py"'})

    async def status(request: Request) -> Response:
        return JSONResponse({"sessions": len(tabs), "limit": tabs.most})

    routes = [
        Route("/", _page("index.html")),
        Route("/digits", _page("digits.html")),
        Route("/status", status),
        Route("/export/{what:str}", export),
        WebSocketRoute("/ws", playground_socket),
        WebSocketRoute("/ws/digits", digits_socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=_trusted_hosts(options.host)),
                  Middleware(_SecurityHeaders)]
    return Starlette(routes=routes, middleware=middleware)


def _page(name: str) -> Callable[[Request], Any]:
    async def page(request: Request) -> Response:
        return FileResponse(STATIC / name, media_type="text/html")
    return page


async def _converse(websocket: WebSocket, tabs: Tabs,
                    make: Callable[[WebSocket], Conversation]) -> None:
    """Accept a page's WebSocket (from this site only), give it a session while
    there is room, and free the session when the page goes."""
    origin, host = websocket.headers.get("origin"), websocket.headers.get("host", "")
    if origin is not None and origin.split("://", 1)[-1] != host:
        await websocket.close(code=POLICY)  # another site's page: cross-site hijacking
        return
    await websocket.accept()
    conversation = make(websocket)
    try:
        token = tabs.open(conversation)
    except ConfigError as exc:
        await websocket.send_json({"type": "refused", "message": str(exc)})
        await websocket.close(code=TRY_LATER)
        return
    try:
        await conversation.run(token)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the page went while an answer was on its way
    finally:
        tabs.close(token)


def _trusted_hosts(host: str) -> list[str]:
    """The host names a request may ask for: this machine's loopback names, and
    the host listened on; any when listening on every address."""
    if host in ("0.0.0.0", "::", ""):
        return ["*"]
    return ["127.0.0.1", "localhost", "::1", "[::1]", host]


class _SecurityHeaders:
    """Adds :data:`HEADERS` to every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
            await send(message)

        await self.app(scope, receive, with_headers)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine alone (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Server:
    """A playground server listening on ``options.host`` at ``port`` (0: a free
    one, see :attr:`url`); :meth:`run` serves until Ctrl-C, :meth:`start` in a
    thread of this process (tests, benchmarks) until :meth:`stop`."""

    def __init__(self, options: Options, port: int) -> None:
        self.options = options
        family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((options.host, port))
            # Listening now: a browser opened at once waits in the queue, not refused.
            self.socket.listen(128)
        except OSError as exc:
            self.socket.close()
            raise ConfigError(f"cannot listen on {options.host} port {port}: {exc.strerror} "
                              "(choose another with --port; 0 picks a free one)") from None
        # No per-message deflate: a frame is mostly bytes that do not compress, and
        # compressing it cost the server (and the browser) a twentieth of a core.
        config = uvicorn.Config(create_app(options), log_level="warning", access_log=False,
                                lifespan="off", ws_max_size=options.limits.upload_bytes + 2**16,
                                ws_per_message_deflate=False,
                                # SIGTERM: the open tabs get this long to finish.
                                timeout_graceful_shutdown=SHUTDOWN_SECONDS)
        self.uvicorn = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        port = self.socket.getsockname()[1]
        host = self.options.host
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C); the socket is closed after."""
        with self.socket, _one_blas_thread():
            self.uvicorn.run(sockets=[self.socket])

    def start(self, timeout: float = 30) -> Server:
        """Serve from a thread of this process; returns when the server answers."""
        self._thread = threading.Thread(target=self.run, name="steepest-playground",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.uvicorn.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the playground server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)


@contextlib.contextmanager
def _one_blas_thread() -> Any:
    """One BLAS thread while serving: the playground's matrices are small, and
    several sessions train at once, each in its own thread."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
