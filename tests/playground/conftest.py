"""Fixtures of the playground's tests: a small digits model file, drawings, and
the server and the browser (see browser.py)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from steepest import Network
from steepest.datasets import load_digits


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """One BLAS thread: the playground's matrices are small (its server does the same)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def digits_model_file(tmp_path_factory) -> Path:
    """A small 8x8-digits model, saved as `steepest train` saves one (its image and
    classes in its record): about 95 % on the test set in a second."""
    (X, y), _ = load_digits()
    net = Network([64, 32, 10], activation="relu", loss="cross_entropy", seed=0)
    net.fit(X, y, epochs=15, batch_size=32, optimizer="adam", learning_rate=3e-3)
    net.record = {"classes": [str(k) for k in range(10)],
                    "image": {"shape": [8, 8], "style": "digits"}}
    return net.save(tmp_path_factory.mktemp("digits") / "digits.npz")


def drawing(digit: str = "1", size: int = 280) -> bytes:
    """A drawing as the digits page sends it: width, height, one byte of ink a pixel
    (a '1' is a vertical stroke, a '0' a ring)."""
    ink = np.zeros((size, size), dtype=np.uint8)
    rows, cols = np.indices(ink.shape)
    if digit == "1":
        ink[int(size * 0.15):int(size * 0.85), int(size * 0.46):int(size * 0.54)] = 255
    else:
        radius = np.hypot((rows - size / 2) / 1.3, cols - size / 2)
        ink[(radius > size * 0.22) & (radius < size * 0.3)] = 255
    return struct.pack("<HH", size, size) + ink.tobytes()


@pytest.fixture
def draw():
    """``draw(digit="1", size=280) -> bytes``: a drawing for the digits page."""
    return drawing


# ---------------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def playground(digits_model_file):
    """A playground server in this process, on a free port of 127.0.0.1."""
    pytest.importorskip("starlette", reason="the playground needs its extra")
    from steepest.playground.server import Options, Server

    server = Server(Options(model=str(digits_model_file)), 0).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser_context():
    """The system's Chromium, headless, in a fresh profile (skipped without it)."""
    from browser import Browser, missing

    reason = missing()
    if reason:
        pytest.skip(reason)
    with Browser(accept_downloads=True) as context:
        yield context


@pytest.fixture
def page(browser_context, playground):
    """A new tab; after the test, no console errors, no page errors and no request
    to another host may have happened in it."""
    tab = browser_context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
           if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    here = playground.url.rstrip("/")
    tab.on("request", lambda r: None if r.url.startswith((here, "data:", "blob:"))
           else problems.append(f"request to another host: {r.url}"))
    tab.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    yield tab
    tab.close()
    assert problems == []
