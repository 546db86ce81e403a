"""What the browser tests do on every page: check it with axe-core (no serious or critical
violation) and keep screenshots at desktop and phone width as test artifacts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.browser.conftest import DESKTOP, PHONE

BLOCKING = ("serious", "critical")


def accessibility_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING]


def check_page(page, name: str, artifacts: Path) -> None:
    """At desktop and at phone width: axe-core finds no serious or critical violation, nothing is
    wider than the screen, and a screenshot is kept."""
    violations = [{**v, "width": "desktop"} for v in accessibility_violations(page)]
    page.screenshot(path=artifacts / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    violations += [{**v, "width": "phone"} for v in accessibility_violations(page)]
    page.set_viewport_size(DESKTOP)
    (artifacts / f"{name}.axe.json").write_text(json.dumps(violations, indent=1))
    summary = [(v["width"], v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert not violations, f"{name}: accessibility violations: {summary}"
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than a phone's screen"


def token_of(page) -> str:
    return page.evaluate("JSON.parse(localStorage.getItem('reelflow.session')).token")


def signed_in_as(page, user, where: str = "") -> None:
    """The studio reloaded (at `#...` `where`), signed in with `user`'s token as if they had signed in."""
    page.evaluate(
        "(s) => localStorage.setItem('reelflow.session', JSON.stringify({...s, expiresAt: Date.now() + 3600e3}))",
        {"token": user.token, "email": user.email},
    )
    page.goto("/" + where)
    page.reload()  # the studio reads its session when it loads


def wait_until(page, expression: str, timeout_s: float = 30.0) -> object:
    """Polls `expression` in the page until it is truthy (page.wait_for_function would eval a
    string inside the page, which the studio's Content-Security-Policy forbids)."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s}s: {expression}")
        page.wait_for_timeout(100)
