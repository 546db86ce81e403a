"""Browser fixtures: Debian's Chromium driven by Playwright against the e2e stack (every
service its own process). Without Chromium (or Playwright) these tests are skipped, saying how to
enable them. Screenshots and axe-core reports of each page go to var/test-artifacts/studio/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Reelflow

CHROMIUM = os.environ.get("REELFLOW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "var" / "test-artifacts" / "studio"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
HOW_TO_ENABLE = (
    "browser tests skipped: Chromium not found at {path}; install it with "
    "`apt-get install chromium` (Debian/Ubuntu) or set REELFLOW_CHROMIUM to a Chromium binary"
)


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests skipped: the `playwright` package is missing (make install installs it)")
    if not Path(CHROMIUM).exists():
        pytest.skip(HOW_TO_ENABLE.format(path=CHROMIUM))
    return sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium per module, stopped at its end: while Playwright's sync API runs, no other
    event loop can (the async tests that follow run on pytest-asyncio's)."""
    sync_playwright = _playwright()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def studio(browser, reelflow: Reelflow, request: pytest.FixtureRequest) -> Iterator:
    """A fresh browser context (no session) on the studio's page, at desktop size."""
    context = browser.new_context(base_url=reelflow.base_url, viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    try:
        yield page
    finally:
        outcome = getattr(request.node, "outcome_of_call", None)
        if outcome is not None and outcome.failed:
            folder = ARTIFACTS / request.node.name
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=folder / "at-failure.png", full_page=True)
            (folder / "at-failure.html").write_text(page.content())
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Keeps the test's outcome on its item, so `studio` can photograph a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.outcome_of_call = report
