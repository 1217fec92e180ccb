"""``steepest playground``: it says where it listens, warns when more than this
machine can reach it, refuses a busy port in one line, says which extra it
needs, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

import pytest
from cli_helpers import ENV, assert_user_error, run

pytest.importorskip("starlette", reason="the playground needs its extra")

from steepest.playground import server as playground_server


@pytest.fixture
def not_serving(monkeypatch):
    """The command runs up to serving, then returns (the server is tested elsewhere)."""
    served = []

    def run_no_further(self):
        served.append(self.url)
        self.socket.close()

    monkeypatch.setattr(playground_server.Server, "run", run_no_further)
    return served


def test_it_prints_its_address(tmp_path, not_serving):
    result = run("playground", "--no-browser", "--port", "0", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    url = not_serving[0]
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
    assert result.stdout.splitlines() == [
        f"steepest playground: {url} (the digits page: {url}digits); Ctrl-C stops it",
        "steepest playground: stopped"]


def test_another_host_than_this_machine_is_warned_about(tmp_path, not_serving, monkeypatch):
    # The address stays 127.0.0.1 (a test opens nothing to the network); only the
    # check says otherwise.
    monkeypatch.setattr(playground_server, "is_loopback", lambda host: False)
    result = run("playground", "--no-browser", "--port", "0", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ("steepest playground: warning: listening on 127.0.0.1: anyone who "
                             "can reach this machine can use the playground, and its "
                             "processor\n")


def test_a_busy_port_is_one_line(tmp_path):
    busy = playground_server.Server(playground_server.Options(), 0)
    try:
        port = busy.socket.getsockname()[1]
        assert_user_error(run("playground", "--no-browser", "--port", port, cwd=tmp_path),
                          f"cannot listen on 127.0.0.1 port {port}", "--port")
    finally:
        busy.socket.close()
    assert_user_error(run("playground", "--port", "70000", cwd=tmp_path),
                      "--port must lie in 0..65535, got 70000")


def test_without_its_extra_it_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "steepest.playground.server", None)
    assert_user_error(run("playground", "--no-browser", cwd=tmp_path),
                      "pip install 'steepest[playground]'")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="Ctrl-C is SIGINT")
def test_it_serves_until_ctrl_c(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "steepest", "playground", "--no-browser", "--port", "0"],
        cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        url = first.split(": ", 1)[1].split(" ")[0]
        with urllib.request.urlopen(url, timeout=30) as reply:
            assert reply.status == 200 and b"steepest playground" in reply.read()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.strip() == "steepest playground: stopped"
    assert "Traceback" not in err
