#!/usr/bin/env python3
"""The README's two pictures of the web studio: a scene board at desktop width and an image
review at phone width, taken in Chromium (headless, as the browser tests run it).

    .venv/bin/python deploy/demo/studio_shots.py [--url http://127.0.0.1:8080] [--out docs]

Without `--url` it starts a throwaway embedded stack under var/bench-<pid>/ with the script,
scene, image and gateway services as processes (local AI: offline), removed at the end; with
`--url` it uses a running gateway (`make up`). Either way it registers a new user, creates the
bundled sample script through the API, approves it, approves all its scenes but the first (so
the board opens on a scene still editable, then approved ones with their planned shots), rejects
the first planned shot's image with feedback and waits for the second attempt, then saves `<out>/studio-scenes.png` (1280 px wide)
and `<out>/studio-review-phone.png` (390 px wide at 2x), both reduced to a 256-colour palette.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from _support import api, embedded_stack, local_services, running  # noqa: E402

CHROMIUM = os.environ.get("REELFLOW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "studio-shots-password"
FEEDBACK = "at dawn, wider, the ferry in the fog"


@contextlib.contextmanager
def throwaway_gateway():
    """An embedded stack with the services a scene board and an image review need; yields its URL."""
    with embedded_stack() as cfg:
        services, base = local_services(cfg, ("script", "scene", "image", "gateway"), database_prefix="shots")
        with running(services):
            yield base


def wait_for(what: str, probe, timeout: float = 180.0, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def prepare(base: str) -> tuple[dict, str, str, str]:
    """A user with the sample script approved, its scenes but the first approved and planned, and
    the first planned shot's image rejected once and redrawn. Returns (session, script, shot)."""
    email = f"writer-{uuid.uuid4().hex[:6]}@example.com"
    status, body = api(base, "POST", "/api/auth/register", json_body={"email": email, "password": PASSWORD})
    assert status == 201, (status, body)
    status, body = api(base, "POST", "/api/auth/token", form={"username": email, "password": PASSWORD})
    assert status == 200, (status, body)
    token = body["access_token"]
    session = {"email": email, "token": token, "expiresAt": int(time.time() * 1000) + body["expires_in"] * 1000}

    def call(method: str, path: str, body: dict | None = None, expect: tuple[int, ...] = (200, 201)) -> dict:
        status, answer = api(base, method, path, token=token, json_body=body)
        if status not in expect:
            raise RuntimeError(f"{method} {path}: {status} {answer}")
        return answer

    sample = (ROOT / "deploy/demo/sample_script.txt").read_text()
    script = wait_for(
        "the script is created (services joining)",
        lambda: (lambda answer: answer[1] if answer[0] == 201 else None)(
            api(base, "POST", "/api/scripts", token=token, json_body={"title": "The Last Ferry", "content": sample})
        ),
        timeout=120,
        every=1,
    )
    script_id = script["id"]
    print(f"[shots] script {script_id} created; approving it")
    call("POST", f"/api/scripts/{script_id}/approve")
    scenes = wait_for(
        "the scenes are made",
        lambda: (
            lambda page: (
                page["items"]
                if page.get("total", 0) >= 4
                and call("GET", f"/api/scripts/{script_id}")["segmentation"]["state"] != "pending"
                else None
            )
        )(call("GET", f"/api/scripts/{script_id}/scenes?limit=100")),
    )
    scenes.sort(key=lambda scene: scene["order"])
    for scene in scenes[1:]:
        call("POST", f"/api/scenes/{scene['id']}/approve")
    print(f"[shots] {len(scenes) - 1} of {len(scenes)} scenes approved; waiting for their shots")
    for scene in scenes[1:]:
        wait_for(
            f"scene {scene['order']}'s shots",
            lambda scene=scene: call("GET", f"/api/scenes/{scene['id']}")["shot_planning"]["state"] == "planned",
        )
    first_scene = scenes[1]["id"]
    shot = call("GET", f"/api/scenes/{first_scene}/shots?limit=100")["items"][0]

    def latest_image() -> dict | None:
        images = [
            image
            for image in call("GET", f"/api/scenes/{first_scene}/images?limit=100")["items"]
            if image["shot_id"] == shot["id"]
        ]
        return max(images, key=lambda image: image["attempt"]) if images else None

    first = wait_for(
        "the first shot's image is drawn",
        lambda: (lambda image: image if image and image["status"] == "pending" and image["content_url"] else None)(
            latest_image()
        ),
    )
    call("POST", f"/api/images/{first['id']}/reject", {"feedback": FEEDBACK}, expect=(200, 202))
    print("[shots] first image rejected with feedback; waiting for the second attempt")
    wait_for(
        "the second attempt is drawn",
        lambda: (
            lambda image: (
                image
                if image and image["attempt"] == 2 and image["status"] == "pending" and image["content_url"]
                else None
            )
        )(latest_image()),
    )
    return session, script_id, shot["id"]


def poll(page, expression: str, timeout_s: float = 60.0):
    """The studio's CSP forbids page.wait_for_function (it evals a string in the page): poll."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not true within {timeout_s:g} s: {expression}")
        page.wait_for_timeout(100)


def palette(path: Path) -> int:
    """Reduced to 256 colours (a UI on flat colours loses nothing visible); the new size."""
    from PIL import Image

    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)
    return path.stat().st_size


def shoot(base: str, session: dict, script_id: str, shot_id: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    storage = {
        "cookies": [],
        "origins": [{"origin": base, "localStorage": [{"name": "reelflow.session", "value": json.dumps(session)}]}],
    }
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=DESKTOP, storage_state=storage)
            page = context.new_page()
            page.goto(f"{base}/#/scripts/{script_id}")
            poll(
                page,
                "document.querySelectorAll('ol.shots').length >= 1 && document.querySelectorAll('li.scene').length >= 4",
            )
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.wait_for_timeout(300)
            board = out / "studio-scenes.png"
            page.screenshot(path=board)
            print(
                f"[shots] {board.relative_to(ROOT) if board.is_relative_to(ROOT) else board}: {palette(board) // 1024} KB"
            )
            context.close()

            context = browser.new_context(
                viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, storage_state=storage
            )
            page = context.new_page()
            page.goto(f"{base}/#/scripts/{script_id}/review/{shot_id}")
            poll(
                page, "(img => img && img.complete && img.naturalWidth > 0)(document.querySelector('.shot-review img'))"
            )
            poll(page, "document.querySelectorAll('ol.attempts li').length >= 2")
            page.evaluate("document.activeElement && document.activeElement.blur()")
            # from the page's title down to the attempts' history
            top = page.evaluate("document.querySelector('main h1').getBoundingClientRect().top + scrollY - 12")
            page.evaluate(f"scrollTo(0, {top})")
            page.wait_for_timeout(300)
            review = out / "studio-review-phone.png"
            page.screenshot(path=review)
            print(
                f"[shots] {review.relative_to(ROOT) if review.is_relative_to(ROOT) else review}: {palette(review) // 1024} KB"
            )
            context.close()
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", help="a running gateway (e.g. http://127.0.0.1:8080 after `make up`); default: a throwaway stack"
    )
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNGs")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM}: apt-get install chromium, or set REELFLOW_CHROMIUM")
    with contextlib.nullcontext(args.url.rstrip("/")) if args.url else throwaway_gateway() as base:
        session, script_id, shot_id = prepare(base)
        shoot(base, session, script_id, shot_id, Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
