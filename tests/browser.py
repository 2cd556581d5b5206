"""Headless Chromium for the browser tests: Debian's `chromium` driven by Playwright.

`.ci/run` installs both and sets TRACKER_REQUIRE_BROWSER=1, so in CI a missing browser
fails instead of skipping. `chromium()` launches one; the `browser` fixture is one for a
whole test module (import it into the module that uses it).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
REQUIRED = bool(os.environ.get("TRACKER_REQUIRE_BROWSER"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


def browser_or_skip() -> Any:
    """Playwright's `sync_playwright`, or a skip (a failure in CI) naming what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRED:
            raise
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return sync_playwright


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium, closed on exit."""
    sync_playwright = browser_or_skip()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched
