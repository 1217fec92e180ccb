"""The playground's server: its pages fetch nothing from elsewhere, each tab has
its own session freed when it closes, a limit refuses one more with a message,
garbage over HTTP and the WebSocket gets an answer and never stops the server,
and training runs off the event loop."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the playground needs its extra")
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

import steepest
from steepest.playground import views
from steepest.playground.server import STATIC, Options, Server, is_loopback
from steepest.playground.session import Session
from steepest.playground.settings import Limits


@pytest.fixture
def server(digits_model_file):
    running = Server(Options(limits=Limits(sessions=3), model=str(digits_model_file)), 0).start()
    yield running
    running.stop()


def get(url: str, **headers: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def socket_url(server: Server, path: str = "ws") -> str:
    return server.url.replace("http://", "ws://") + path


class Tab:
    """A page's WebSocket, as a test drives it: JSON messages and frames
    (``with Tab(server) as tab:``)."""

    def __init__(self, server: Server, path: str = "ws", **options) -> None:
        self._connecting = connect(socket_url(server, path), max_size=2**24, **options)

    def __enter__(self) -> Tab:
        self.ws = self._connecting.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._connecting.__exit__(*exc)

    def send(self, message: dict | str | bytes) -> None:
        self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    def receive(self, timeout: float = 60):
        message = self.ws.recv(timeout=timeout)
        return views.decode(message) if isinstance(message, bytes) else json.loads(message)

    def until(self, kind: str, timeout: float = 60):
        """The next message of ``kind`` ("frame" for a binary one), acknowledging frames."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(0.1, deadline - time.monotonic()))
            if isinstance(message, tuple):
                self.send({"type": "ack"})
                if kind == "frame":
                    return message
            elif message["type"] == kind:
                return message

    def hello(self, **settings) -> dict:
        self.send({"type": "hello", "settings": settings})
        welcome = self.until("welcome")
        self.layout = self.until("layout")
        self.until("frame")
        return welcome

    def close(self) -> None:
        self.ws.close()


def test_the_pages_and_their_safety_headers(server):
    for path, kind in (("", "text/html"), ("digits", "text/html"),
                       ("static/playground.js", "javascript"), ("static/common.js", "javascript"),
                       ("static/playground.css", "text/css")):
        status, headers, body = get(server.url + path)
        assert status == 200 and kind in headers["content-type"], path
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
    assert get(server.url + "nowhere")[0] == 404
    assert get(server.url + "static/../server.py")[0] == 404
    status, _, body = get(server.url + "status")
    assert status == 200 and json.loads(body) == {"sessions": 0, "limit": 3}


def test_the_pages_fetch_nothing_from_elsewhere():
    for page in STATIC.glob("*"):
        text = page.read_text()
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), page.name
        for url in re.findall(r'(?:src|href)="([^"]+)"', text):
            assert url.startswith(("/", "#", "data:")), (page.name, url)


def test_pause_while_frames_wait_for_their_acknowledgement(server):
    # Two frames on their way, none acknowledged: the player waits for the page.
    # Pause (or the page going) must end that wait, not wait for acks it will not
    # read while it waits (which kept the tab, and a stopping server, for ever).
    with Tab(server) as tab:
        tab.hello(layers=[4, 4])
        tab.send({"type": "play"})
        frames = []
        while len(frames) < 2:
            message = tab.receive(timeout=20)
            if isinstance(message, tuple):
                frames.append(message)
        assert all(f[0]["playing"] for f in frames)
        time.sleep(0.3)
        tab.send({"type": "pause"})
        paused = tab.until("frame", timeout=20)
        assert paused[0]["playing"] is False
        tab.send({"type": "play"})  # the credits came back with the acks: it plays on
        assert tab.until("frame", timeout=20)[0]["playing"] is True


def test_frames_go_uncompressed(server):
    # A frame is bytes that hardly compress: the server declines the compression a
    # browser offers (it cost the server a twentieth of a core while playing).
    with Tab(server) as tab:  # the client offers permessage-deflate, as browsers do
        assert "permessage-deflate" in tab.ws.request.headers["Sec-WebSocket-Extensions"]
        assert "Sec-WebSocket-Extensions" not in tab.ws.response.headers
        tab.hello()


def test_garbage_over_http_never_stops_the_server(server):
    host, port = "127.0.0.1", int(server.url.rsplit(":", 1)[1].strip("/"))
    for junk in (b"\x00\xff\xfe GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\n" +
                 b"X-Long: " + b"a" * 100_000 + b"\r\n\r\n", b"BREW /pot HTCPCP/1.0\r\n\r\n"):
        with closing(socket.create_connection((host, port), timeout=10)) as s:
            s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            reply = s.recv(200)
            assert reply == b"" or reply.startswith(b"HTTP/1.1 4"), reply
    # another site's name for this machine (DNS rebinding) is refused
    assert get(server.url, Host="evil.example")[0] == 400
    assert get(server.url + "export/model?session=../../etc")[0] == 404
    status, _, body = get(server.url + "export/code")
    assert status == 404 and "no such session" in json.loads(body)["error"]
    assert get(server.url)[0] == 200  # still serving


def test_a_tab_trains_and_changing_the_rate_keeps_counting(server):
    with Tab(server) as tab:
        welcome = tab.hello(dataset="xor", layers=[6])
        assert welcome["limits"]["layers"] == 10 and "adam" in welcome["choices"]["optimizer"]
        assert tab.layout["sizes"] == [2, 6, 2] and len(tab.layout["points"]["train"]) == 250
        tab.send({"type": "play"})
        header, _ = tab.until("frame")
        while header["epoch"] < 5:
            header, _ = tab.until("frame")
        tab.send({"type": "settings", "settings": {"learning_rate": 0.3}})
        assert tab.until("settings")["settings"]["learning_rate"] == 0.3
        epoch = header["epoch"]
        header, _ = tab.until("frame")
        while header["epoch"] < epoch + 5:
            header, _ = tab.until("frame")
        tab.send({"type": "pause"})
        header, _ = tab.until("frame")
        while header["playing"]:
            header, _ = tab.until("frame")
        assert header["epoch"] >= epoch + 5  # no reset: the count went on
        tab.send({"type": "settings", "settings": {"layers": [6, 6]}})
        assert tab.until("layout")["sizes"] == [2, 6, 6, 2]
        assert "starts afresh" in tab.until("notice")["message"]
        assert tab.until("frame")[0]["epoch"] == 0


def test_garbage_over_the_websocket_is_answered_and_the_tab_goes_on(server):
    with Tab(server) as tab:
        tab.send({"type": "play"})
        assert "before hello" in tab.until("error")["message"]
        tab.hello()
        for junk, message in [
            ("not json at all", "a message must be a JSON object"),
            ("x" * 70_000, "a message of 70,000 characters is too long (at most 65,536)"),
            ({"type": "launch"}, "unknown message type 'launch'"),
            ({"type": "settings", "settings": {"layers": [1000]}}, "each of layers must be a whole "
                                                                   "number from 1 to 64"),
            ({"type": "settings", "settings": {"learning_rate": -1}}, "learning_rate must be a "
                                                                      "number above 0"),
            ({"type": "set_weight", "layer": 9, "row": 0, "col": 0, "value": 1},
             "layer must lie in 0..2"),
            ({"type": "hello", "settings": {}}, "hello again"),
            (b"\x00\x01\x02\xff", "the uploaded file: not a UTF-8 text file"),
            (b"a,b\n1,2\n", "the uploaded file has 2 columns (a, b)"),
        ]:
            tab.send(junk)
            assert message in tab.until("error")["message"], junk
        tab.send({"type": "step"})
        assert tab.until("frame")[0]["epoch"] == 1  # the tab still works
        with pytest.raises(ConnectionClosed) as closed:  # beyond what the server reads at all
            tab.send(b"x" * (Limits().upload_bytes + 2**17))
            tab.until("frame", timeout=30)
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
    with Tab(server) as other:
        other.hello()  # the server goes on


def test_each_tab_has_its_own_session_freed_when_it_closes(server):
    with contextlib.ExitStack() as open_tabs:
        tabs = [open_tabs.enter_context(Tab(server)) for _ in range(3)]
        tokens = {tab.hello()["session"] for tab in tabs}
        assert len(tokens) == 3
        tabs[0].send({"type": "settings", "settings": {"noise": 30}})
        assert tabs[0].until("layout")["settings"]["noise"] == 30
        tabs[1].send({"type": "step"})
        assert tabs[1].until("frame")[0]["epoch"] == 1
        tabs[2].send({"type": "reset"})
        assert tabs[2].until("layout")["settings"]["noise"] == 0  # not the first tab's
        with Tab(server) as refused:  # one more than the limit
            assert "has 3 tabs open, as many as it allows" in refused.receive()["message"]
            with pytest.raises(ConnectionClosed) as closed:
                refused.receive()
            assert closed.value.rcvd.code == 1013
    deadline = time.monotonic() + 30
    while json.loads(get(server.url + "status")[2])["sessions"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert json.loads(get(server.url + "status")[2])["sessions"] == 0
    with Tab(server) as again:
        again.hello()  # room again


def test_another_sites_page_cannot_open_a_websocket(server):
    with pytest.raises(InvalidStatus) as info, Tab(server, origin="http://evil.example"):
        pass
    assert info.value.response.status_code == 403
    with Tab(server, origin=server.url.rstrip("/")) as tab:  # this site's page may
        tab.hello()


def test_training_runs_off_the_event_loop(server, monkeypatch):
    threads = []
    train = Session.train

    def recording(self, *args, **kwargs):
        threads.append(threading.current_thread())
        return train(self, *args, **kwargs)

    monkeypatch.setattr(Session, "train", recording)
    with Tab(server) as tab:
        tab.hello()
        tab.send({"type": "fast", "on": True})
        tab.send({"type": "play"})
        for _ in range(3):
            tab.until("frame")
        status, _, _ = get(server.url + "status")  # answered while it trains
        assert status == 200
        loop_thread = server._thread
        assert threads and all(t is not loop_thread for t in threads)


def test_the_export_links(server, tmp_path):
    with Tab(server) as tab:
        token = tab.hello(dataset="gauss", classes=3)["session"]
        tab.send({"type": "step"})
        tab.until("frame")
        status, headers, body = get(f"{server.url}export/model?session={token}")
        assert status == 200 and "playground-model.npz" in headers["content-disposition"]
        (tmp_path / "m.npz").write_bytes(body)
        net = steepest.load(tmp_path / "m.npz")
        assert net.sizes == [2, 4, 2, 3] and net.epochs_trained == 1
        status, _, body = get(f"{server.url}export/code?session={token}")
        assert status == 200 and b"gaussians(n_samples=500" in body


def test_an_upload_over_the_websocket(server):
    with Tab(server) as tab:
        tab.hello()
        rows = ["x,y,label"] + [f"{k % 7},{k % 5},{int(k % 7 > 3)}" for k in range(100)]
        tab.send("\n".join(rows).encode())
        layout = tab.until("layout")
        assert layout["settings"]["dataset"] == "upload"
        assert layout["upload"] == {"header": ["x", "y", "label"], "numeric": ["x", "y", "label"]}
        assert layout["axes"] == ["x", "y"] and layout["classes"] == ["0", "1"]
        tab.send({"type": "settings", "settings": {"columns": ["y", "x", "label"]}})
        assert tab.until("layout")["axes"] == ["y", "x"]


def test_the_digits_socket(server, draw):
    with Tab(server, "ws/digits") as tab:
        tab.send({"type": "hello"})
        model = tab.until("model")
        assert model["shape"] == [8, 8] and model["sizes"] == [64, 32, 10]
        tab.send(draw("1"))
        header, _ = tab.receive()
        assert header["type"] == "reading" and header["top"][0] == 1
        tab.send({"type": "learn", "label": 4, "rate": 0.2})
        header, _ = tab.receive()
        assert header["learned"]["label"] == 4 and header["undo"] == 1
        tab.send(b"\x01\x02")
        assert "a drawing starts with its width and height" in tab.until("error")["message"]
        tab.send({"type": "undo"})
        assert tab.receive()[0]["undo"] == 0


def test_loopback_hosts():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")
    assert not is_loopback("example.org")


def test_a_busy_port_is_a_one_line_error(server):
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(steepest.errors.ConfigError, match=f"cannot listen on 127.0.0.1 port "
                                                          f"{port}: .*choose another"):
        Server(Options(), port)


def test_frames_are_compact(server):
    with Tab(server) as tab:
        tab.hello(layers=[8] * 6, activations=["tanh"])
        tab.send({"type": "step"})
        frame = tab.ws.recv(timeout=60)
        while not isinstance(frame, bytes):
            frame = tab.ws.recv(timeout=60)
        _, arrays = views.decode(frame)
        assert arrays["units"].dtype == np.uint8 and arrays["output"].dtype == np.uint8
        # 52 pictures of 32 x 32 and one of 64 x 64, one byte a pixel; little besides
        assert len(frame) < 52 * 1024 + 2 * 4096 + 6000


def test_a_slow_tool_does_not_hold_up_the_tab(server, monkeypatch):
    # The doctor of a large network takes seconds: meanwhile the tab's other
    # messages (a step here; acknowledgements and Pause while playing) are answered.
    started, release = threading.Event(), threading.Event()

    def slow_doctor(self):
        started.set()
        release.wait(timeout=60)
        return {"type": "doctor", "findings": []}

    monkeypatch.setattr(Session, "doctor", slow_doctor)
    with Tab(server) as tab:
        tab.hello()
        tab.send({"type": "doctor"})
        assert started.wait(timeout=30)
        tab.send({"type": "doctor"})  # one run at a time: this one is dropped
        tab.send({"type": "step"})
        assert tab.until("frame")[0]["epoch"] == 1  # while the doctor still works
        release.set()
        assert tab.until("doctor") == {"type": "doctor", "findings": []}
        tab.send({"type": "step"})
        assert tab.until("frame")[0]["epoch"] == 2
