"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright, offline.

- The browser is Debian's ``/usr/bin/chromium`` (or ``$PLANNING_CHROMIUM``), launched with
  Playwright's ``executable_path``; nothing is downloaded.
- Every request that is not ``file:``, ``data:``, ``blob:`` or ``about:`` is aborted and
  recorded (:attr:`Browser.blocked`), so a test can assert that a map made no request.
- Each page gets a fresh browser context; the browser itself runs on a fresh, temporary
  user-data directory (Playwright's ``launch`` creates one per launch and deletes it after).

Outside CI a test that needs the browser is skipped when chromium or Playwright is missing;
in CI (``CI=true``) it fails instead, so the browser tests always run there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
_LOCAL = ("file:", "data:", "blob:", "about:")


def chromium_path() -> str | None:
    """The chromium binary to use, or None."""
    for candidate in (os.environ.get("PLANNING_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_browser() -> str:
    """Return the chromium path; skip (outside CI) or fail (in CI) when it is missing."""
    path = chromium_path()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        message = ("headless Chromium is needed: apt-get install chromium (Debian) and "
                   "pip install playwright; bash scripts/test.sh installs both")
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass
class Browser:
    """A launched browser plus the requests it was not allowed to make."""

    browser: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @contextmanager
    def page(self, *, width: int = 1280, height: int = 800) -> Iterator[Any]:
        """A fresh page whose network is blocked; dialogs and page errors are recorded."""
        context = self.browser.new_context(viewport={"width": width, "height": height},
                                           device_scale_factor=1)
        context.route("**/*", self._route)
        page = context.new_page()
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        page.on("dialog", self._dialog)
        try:
            yield page
        finally:
            context.close()

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(_LOCAL):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def reset(self) -> None:
        self.blocked.clear()
        self.errors.clear()
        self.dialogs.clear()


@contextmanager
def launch() -> Iterator[Browser]:
    """Launch headless chromium (fresh temporary user-data directory, network blocked)."""
    path = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=ARGS)
        try:
            yield Browser(browser)
        finally:
            browser.close()
