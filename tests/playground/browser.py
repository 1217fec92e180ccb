"""Chromium driven by Playwright, for the playground's browser tests, its
benchmark and its pictures: the system's Chromium (Debian's ``chromium``, which
``.ci/run`` installs), headless, in a fresh profile, never a downloaded browser."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    return None


class Browser:
    """A headless Chromium with its own throw-away profile: ``with Browser() as
    context:`` gives a Playwright browser context, closed and deleted after."""

    def __init__(self, **context: Any) -> None:
        self.options = {"viewport": {"width": 1400, "height": 1000}, **context}

    def __enter__(self):
        from playwright.sync_api import sync_playwright

        self._profile = tempfile.mkdtemp(prefix="steepest-chromium-")
        self._playwright = sync_playwright().start()
        self.context = self._playwright.chromium.launch_persistent_context(
            self._profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            **self.options)
        return self.context

    def __exit__(self, *exc: object) -> None:
        self.context.close()
        self._playwright.stop()
        shutil.rmtree(self._profile, ignore_errors=True)
