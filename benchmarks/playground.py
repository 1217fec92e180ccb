"""The playground in a real browser: its speed, and the pictures of its docs page.

    python benchmarks/playground.py speed [--seconds 10] [--repeats 3]
    python benchmarks/playground.py pictures [--out docs/images]

``speed`` starts ``steepest playground`` (a separate process, as a user runs it),
opens it in the system's Chromium (headless, through Playwright, as the tests do)
with TensorFlow Playground's benchmark network, 6 hidden layers of 8 tanh units
on 250 training points at batch 10, presses Play, and counts for ``--seconds``:
epochs per second (the page's epoch counter) and frames the page drew per second
(each frame drawn changes the counter). Then the same in fast-forward; then both
with a client that draws nothing (it acknowledges each frame at once: the server's
own pace, the browser's rendering left out); and the library alone
(``Session.train`` in this process, no frames) for comparison; every mode
``--repeats`` times, in turn. It prints a table (each figure's median and range)
and one JSON line per measurement.

``pictures`` takes the docs page's screenshots and the GIF of the spiral being
learned, from the same page.

Needs the playground extra, Playwright for Python and Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "playground"))  # the tests' browser helper

from browser import Browser, missing  # noqa: E402

from steepest._files import atomic_file  # noqa: E402

#: TensorFlow Playground's pace is measured with this network.
BENCHMARK = ("dataset=circle&points=500&train_ratio=50&batch_size=10"
             "&layers=8,8,8,8,8,8&activations=tanh&learning_rate=0.03")
#: The spiral of the GIF: learned in about 200 epochs. The GIF shows every
#: EPOCHS_A_FRAME-th epoch, stepped, so it does not depend on the machine's speed.
SPIRAL = ("dataset=spiral&noise=10&features=x1,x2,sinx1,sinx2&layers=8,8,8"
          "&activations=tanh&learning_rate=0.01")
GIF_FRAMES, EPOCHS_A_FRAME = 31, 8
#: Counts the page's redraws: every frame drawn writes the epoch counter.
COUNT_FRAMES = """() => {
    window.framesDrawn = 0;
    new MutationObserver(() => { window.framesDrawn++; })
        .observe(document.querySelector('[data-testid=epoch]'),
                 {childList: true, characterData: true, subtree: true});
}"""
ENV = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def start_server() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "steepest", "playground", "--no-browser", "--port", "0"],
        env=ENV, stdout=subprocess.PIPE, text=True)
    url = process.stdout.readline().split(": ", 1)[1].split(" ")[0]
    return process, url


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if the server has not ended after 30 s (the script
    must end either way: a server left running keeps its output pipe open)."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def epoch(page) -> int:
    return int(page.get_by_test_id("epoch").inner_text().replace(",", ""))


def open_page(context, url: str, hash_: str):
    page = context.new_page()
    page.goto(f"{url}#{hash_}")
    page.wait_for_function("() => document.querySelector('[data-testid=test-loss]')"
                           ".textContent !== '\\u2013'")
    return page


def measure(context, url: str, seconds: float, fast: bool) -> dict:
    """Epochs and frames drawn per second while playing (after a second to settle)."""
    page = open_page(context, url, BENCHMARK)
    if fast:
        page.get_by_role("button", name="Fast-forward").click()
    page.get_by_role("button", name="Play").click()
    time.sleep(1.0)
    page.evaluate(COUNT_FRAMES)
    first, started = epoch(page), time.perf_counter()
    time.sleep(seconds)
    frames, last = page.evaluate("() => window.framesDrawn"), epoch(page)
    took = time.perf_counter() - started
    page.get_by_role("button", name="Pause").click()
    page.close()
    return {"mode": "fast-forward" if fast else "pace", "epochs_per_second": (last - first) / took,
            "frames_per_second": frames / took, "seconds": took}


def without_drawing(url: str, seconds: float, fast: bool) -> dict:
    """The server's own pace: a client that acknowledges each frame at once and
    draws nothing (what the page costs is then left out)."""
    from websockets.sync.client import connect

    from steepest.playground.views import decode

    settings = {"dataset": "circle", "layers": [8] * 6, "activations": ["tanh"],
                "batch_size": 10}
    with connect(url.replace("http", "ws") + "ws", max_size=2**24) as socket:
        socket.send(json.dumps({"type": "hello", "settings": settings}))
        socket.send(json.dumps({"type": "fast", "on": fast}))
        socket.send(json.dumps({"type": "play"}))
        epochs, frames, started = [], 0, None
        while started is None or time.perf_counter() - started < seconds:
            message = socket.recv(timeout=60)
            if not isinstance(message, bytes):
                continue
            socket.send(json.dumps({"type": "ack"}))
            epochs.append(decode(message)[0]["epoch"])
            if len(epochs) == 20:  # settled
                started, frames = time.perf_counter(), 0
            frames += 1
        took = time.perf_counter() - started
    return {"mode": f"{'fast-forward' if fast else 'pace'}, no drawing",
            "epochs_per_second": (epochs[-1] - epochs[19]) / took,
            "frames_per_second": (frames - 1) / took, "seconds": took}


def library_alone(seconds: float) -> dict:
    """The same network trained by Session.train in this process, no page, no frames."""
    from threadpoolctl import threadpool_limits

    from steepest.playground.session import Session
    from steepest.playground.settings import Limits, Settings

    changes = dict(pair.split("=") for pair in BENCHMARK.split("&"))
    settings = Settings().updated({
        "dataset": "circle", "layers": [8] * 6, "activations": ["tanh"], "batch_size": 10,
        "learning_rate": float(changes["learning_rate"])}, Limits())
    with threadpool_limits(limits=1, user_api="blas"):
        session = Session(Limits(), settings)
        started = time.perf_counter()
        session.train(seconds=seconds)
        took = time.perf_counter() - started
        frame_started = time.perf_counter()
        for _ in range(50):
            session.frame()
        frame_ms = (time.perf_counter() - frame_started) / 50 * 1000
    return {"mode": "library alone", "epochs_per_second": session.epoch / took,
            "frames_per_second": None, "seconds": took, "frame_ms": frame_ms}


def speed(seconds: float, repeats: int) -> None:
    """Every mode ``repeats`` times, the modes in turn (A B C D A B C D...), so a
    change in the machine's speed touches them all alike; the table shows each
    figure's median and range."""
    process, url = start_server()
    load_start = os.getloadavg()[0]
    results = []
    try:
        with Browser() as context:
            for _ in range(repeats):
                results += [measure(context, url, seconds, fast=False),
                            measure(context, url, seconds, fast=True),
                            without_drawing(url, seconds, fast=False),
                            without_drawing(url, seconds, fast=True)]
    finally:
        stop_server(process)
    results += [library_alone(seconds) for _ in range(repeats)]
    print(f"{'mode':<25} {'epochs/s':>17} {'frames/s':>17}   (median, min-max of {repeats})")
    for mode in dict.fromkeys(r["mode"] for r in results):
        runs = [r for r in results if r["mode"] == mode]
        print(f"{mode:<25} {_spread([r['epochs_per_second'] for r in runs]):>17} "
              f"{_spread([r['frames_per_second'] for r in runs]):>17}")
    frame_ms = statistics.median(r["frame_ms"] for r in results if "frame_ms" in r)
    print(f"one frame computed by the server: {frame_ms:.1f} ms")
    system = {"machine": platform.machine(), "cpus": os.cpu_count(),
              "python": platform.python_version(), "load_start": load_start,
              "load_end": os.getloadavg()[0]}
    for r in results:
        print(json.dumps({"record": "playground-speed", **r, **system}))


def _spread(values: list[float | None]) -> str:
    """``median (min-max)`` of ``values``; ``-`` when there are none."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def pictures(out: Path) -> None:
    """The docs page's screenshots and GIF, small."""
    process, url = start_server()
    out.mkdir(parents=True, exist_ok=True)
    try:
        with Browser(viewport={"width": 1400, "height": 900}) as context:
            page = open_page(context, url, SPIRAL)
            frames = [_network_and_output(page)]
            for k in range(1, GIF_FRAMES):
                for _ in range(EPOCHS_A_FRAME):
                    page.get_by_role("button", name="Step").click()
                page.wait_for_function(f"() => document.querySelector('[data-testid=epoch]')"
                                       f".textContent.endsWith('{k * EPOCHS_A_FRAME:03d}')")
                page.wait_for_timeout(100)  # the frame drawn
                frames.append(_network_and_output(page))
            _save_gif(frames, out / "playground-spiral.gif")
            _save_png(_shot(page, page.locator("body"), full=True), out / "playground.png",
                      width=1000, colors=64)
            page.close()
            page = open_page(context, url, "dataset=spiral&layers=8,8,8,8,8,8"
                             "&activations=sigmoid&learning_rate=0.3")
            for panel in ("Gradient flow", "The doctor"):
                page.get_by_text(panel, exact=True).click()
            page.get_by_role("button", name="Step").click()
            page.wait_for_selector("#doctor-findings li")
            page.get_by_role("button", name="Step").click()
            page.wait_for_timeout(1000)
            _save_png(_shot(page, page.locator(".panels")), out / "playground-panels.png",
                      width=1000)
            digits = context.new_page()
            digits.goto(f"{url}digits")
            digits.wait_for_selector("#label option", state="attached", timeout=120_000)
            box = digits.get_by_role("img", name="Drawing pad").bounding_box()
            x, y = box["x"] + box["width"] * 0.55, box["y"]
            digits.mouse.move(x - 40, y + 70)
            digits.mouse.down()
            for k in range(1, 31):  # a 7: across, then down to the left
                t = k / 30
                point = (x - 40 + 100 * t, y + 70) if t < 0.4 else (
                    x + 60 - 80 * (t - 0.4) / 0.6, y + 70 + 160 * (t - 0.4) / 0.6)
                digits.mouse.move(*point)
            digits.mouse.up()
            digits.wait_for_function("() => document.querySelector('[data-testid=prediction]')"
                                     ".textContent !== '\\u2013'")
            digits.wait_for_timeout(500)
            _save_png(_shot(digits, digits.locator("main")), out / "playground-digits.png",
                      width=1000)
    finally:
        stop_server(process)
    for path in sorted(out.glob("playground*")):
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def _shot(page, locator, full: bool = False):
    from PIL import Image

    data = page.screenshot(full_page=True) if full else locator.screenshot()
    return Image.open(io.BytesIO(data)).convert("RGB")


def _network_and_output(page):
    """The network and the output, side by side, as the page shows them now."""
    from PIL import Image

    network, output = (page.locator(f"section.{name}").bounding_box()
                       for name in ("network", "output"))
    plane = page.locator(".plane").bounding_box()
    left, top = network["x"], min(network["y"], output["y"])
    right, bottom = output["x"] + output["width"], plane["y"] + plane["height"] + 4
    data = page.screenshot(clip={"x": left, "y": top, "width": right - left,
                                 "height": bottom - top})
    return Image.open(io.BytesIO(data)).convert("RGB")


def _save_png(image, path: Path, width: int, colors: int = 128) -> None:
    image = image.resize((width, round(image.height * width / image.width)))
    with atomic_file(path, suffix=".png") as tmp:
        image.quantize(colors=colors).save(tmp, optimize=True)


def _save_gif(frames: list, path: Path, width: int = 560) -> None:
    small = [f.resize((width, round(f.height * width / f.width))) for f in frames]
    palette = small[-1].quantize(colors=48)
    quantised = [f.quantize(palette=palette, dither=0) for f in small]
    with atomic_file(path, suffix=".gif") as tmp:
        quantised[0].save(tmp, save_all=True, append_images=quantised[1:], duration=120,
                          loop=0, optimize=True)


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    speed_parser = sub.add_parser("speed", help="epochs and frames per second in a browser")
    speed_parser.add_argument("--seconds", type=float, default=10.0)
    speed_parser.add_argument("--repeats", type=_at_least_one, default=3,
                              help="measurements of each mode, in turn (default 3)")
    pictures_parser = sub.add_parser("pictures", help="the docs page's screenshots and GIF")
    pictures_parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    reason = missing()
    if reason:
        sys.exit(f"cannot run: {reason}")
    if args.what == "speed":
        speed(args.seconds, args.repeats)
    else:
        pictures(args.out)


if __name__ == "__main__":
    main()
