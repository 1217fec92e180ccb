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
from cli_helpers import ENV, MNIST_DIR, assert_user_error, needs_mnist, run

pytest.importorskip("starlette", reason="the playground needs its extra")

import steepest
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


@pytest.fixture
def digits_page_files(tmp_path):
    """A model file the digits page reads (8x8 inputs), one it cannot (2 inputs), a
    file that is no model, a FIFO and a folder."""
    for name, sizes in (("image.npz", [64, 4, 10]), ("xor.npz", [2, 4, 2])):
        steepest.Network(sizes, activation="relu", loss="cross_entropy", seed=0).save(
            tmp_path / name)
    (tmp_path / "notmodel.npz").write_text("a,b\n1,2\n")
    os.mkfifo(tmp_path / "fifo.npz")
    (tmp_path / "folder").mkdir()
    return tmp_path


@pytest.mark.parametrize(("args", "line"), [
    (("--model", "notmodel.npz"), "notmodel.npz: not a readable model file"),
    (("--model", "fifo.npz"), "fifo.npz: a FIFO (named pipe), not a model file"),
    (("--model", "folder"), "folder: a folder, not a model file"),
    (("--model", "none.npz"), "none.npz: no such model file"),
    (("--model", "xor.npz"), "xor.npz: the model takes 2 inputs, not a picture (64 for 8x8 "
                             "digits, 784 for 28x28 MNIST)"),
    (("--data-dir", "/nonexistent"), "--data-dir /nonexistent: no such folder"),
    (("--data-dir", "xor.npz"), "--data-dir xor.npz: not a folder"),
    (("--digits-data", "mnist", "--data-dir", "folder"),
     "--digits-data mnist: missing train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
     "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] in folder (the playground "
     "downloads nothing); put the files there, or use --digits-data digits"),
])
def test_the_digits_page_s_model_is_checked_before_serving(digits_page_files, not_serving, args,
                                                           line):
    result = run("playground", "--no-browser", "--port", "0", *args, cwd=digits_page_files)
    assert assert_user_error(result).startswith(f"steepest playground: error: {line}")
    assert not_serving == []


@pytest.mark.parametrize("option", ["--model", "--data-dir"])
def test_an_empty_string_is_not_an_option_left_out(tmp_path, not_serving, option):
    assert_user_error(run("playground", "--no-browser", "--port", "0", option, "", cwd=tmp_path),
                      f"argument {option}: needs a value, got an empty string")
    assert not_serving == []


def test_a_model_that_reads_pictures_is_served(digits_page_files, not_serving):
    result = run("playground", "--no-browser", "--port", "0", "--model", "image.npz",
                 cwd=digits_page_files)
    assert result.returncode == 0 and result.stderr == "" and len(not_serving) == 1


@needs_mnist
def test_mnist_files_in_the_data_dir_are_served(tmp_path, not_serving):
    result = run("playground", "--no-browser", "--port", "0", "--digits-data", "mnist",
                 "--data-dir", MNIST_DIR, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "" and len(not_serving) == 1


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
