"""Headless Debian Chromium driven by Playwright (no browser download: executable_path)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
#: The scripts the gateway serves are built from bot/js/ by `make setup` (not committed).
BUILT_SCRIPTS = [ROOT / "bot/static/widget.js", ROOT / "bot/static/console.js"]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def built_scripts() -> None:
    """Fails at once, saying what to run, when the widget or console script is missing or older than its sources."""
    sources = [path for path in (ROOT / "bot/js").rglob("*.*js") if "test" not in path.relative_to(ROOT).parts]
    newest_source = max(path.stat().st_mtime for path in sources)
    stale = [p.name for p in BUILT_SCRIPTS if not p.exists() or p.stat().st_mtime < newest_source]
    if stale:
        pytest.fail(f"{', '.join(stale)} not built from bot/js/ (or out of date): run `make setup`", pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    context.set_default_timeout(30_000)
    yield context
    context.close()
