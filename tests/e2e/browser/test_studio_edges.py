"""The studio at the edges of the API, in Chromium on the e2e stack: a 429 says when to try again,
a write answered 202 is followed through `GET /api/commands/{id}` to its outcome (applied, or
refused by its service), long lists page, and a shot out of attempts says what that means.

The 429 and the 202s come from a gateway of its own on the same stack (same databases and
signing key), with a low limit on failed sign-ins and a command timeout of a millisecond, so
that every write answers 202 before its service could apply it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import CHROMIUM_ARGS, DESKTOP  # noqa: F401 - one browser setup
from tests.e2e.browser.pages import check_page, signed_in_as, token_of
from tests.e2e.browser.test_studio_workflow import sign_up
from tests.e2e.conftest import IMAGE_MAX_ATTEMPTS, Reelflow
from tests.e2e.helpers import (
    HARBOR,
    KITCHEN,
    PASSWORD,
    User,
    approve_scene,
    approve_script,
    bearer,
    first_images,
    wait_for,
)
from tests.support.processes import ServiceProcess, free_port

EDGE_LIMITS = {
    "REELFLOW_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT": "2/300s",
    "REELFLOW_COMMAND_TIMEOUT_S": "0.001",
}


def own_gateway(reelflow: Reelflow, name: str, settings: dict[str, str]) -> Iterator[str]:
    """A gateway of its own on the e2e stack (same databases and signing key) with `settings` on
    top; its address while it runs."""
    port = free_port()
    env = {**reelflow.gateway_env(), "REELFLOW_HTTP_PORT": str(port), **settings}
    gateway = ServiceProcess(
        ["-m", "reelflow_gateway"], env, reelflow.log_dir / f"gateway-{name}.log", f"http://127.0.0.1:{port}/healthz"
    ).start()
    try:
        gateway.wait_healthy(60)
        yield f"http://127.0.0.1:{port}"
    finally:
        gateway.stop()


@pytest.fixture(scope="module")
def edge_url(reelflow: Reelflow) -> Iterator[str]:
    yield from own_gateway(reelflow, "edge", EDGE_LIMITS)


@pytest.fixture
def edge(browser, edge_url: str) -> Iterator:
    """A page of the studio served by the edge gateway, with every API answer it got."""
    context = browser.new_context(base_url=edge_url, viewport=DESKTOP)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.answers = []
    page.on("response", lambda r: page.answers.append((r.request.method, r.url.removeprefix(edge_url), r.status)))
    page.goto("/")
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def sign_in(page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_too_many_failed_sign_ins_say_when_to_try_again(edge, artifacts: Path) -> None:
    page = edge
    email = sign_up(page)
    page.get_by_role("button", name="Sign out").click()
    for _ in range(2):
        sign_in(page, email, "not the password")
        expect(page.get_by_role("alert")).to_contain_text("incorrect email or password")
    sign_in(page, email, "not the password")
    alert = page.get_by_role("alert").filter(has_text=re.compile(r"try again in \d+ s"))
    expect(alert).to_be_visible()
    assert ("POST", "/api/auth/token", 429) in page.answers
    check_page(page, "rate-limited", artifacts)
    sign_in(page, email, PASSWORD)  # the account is still held back, even with the right password
    expect(page.get_by_role("alert").filter(has_text=re.compile(r"try again in \d+ s"))).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in to Reelflow")).to_be_visible()


def test_a_write_answered_202_is_followed_to_its_outcome(edge, reelflow: Reelflow) -> None:
    page = edge
    sign_up(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New script").click()
    page.get_by_label("Title").fill("Accepted, then applied")
    page.get_by_label("Script", exact=True).fill(KITCHEN)
    page.get_by_role("button", name="Create the script").click()
    expect(page.get_by_role("heading", name="Accepted, then applied", level=1)).to_be_visible()
    assert ("POST", "/api/scripts", 202) in page.answers, page.answers
    followed = [a for a in page.answers if a[0] == "GET" and a[1].startswith("/api/commands/")]
    assert followed and followed[-1][2] == 200, page.answers

    # Approved elsewhere meanwhile: the draft's next edit is refused by the script service, and
    # the refusal (which only the command's outcome tells) is shown where the writer saved.
    script_id = page.evaluate("location.hash").split("/")[2]
    with httpx.Client(base_url=reelflow.base_url, headers=bearer(token_of(page))) as api:
        assert api.post(f"/api/scripts/{script_id}/approve").status_code == 200
    page.get_by_label("Title").fill("Too late to rename")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").filter(has_text="Could not save")).to_contain_text("approved")


def test_long_lists_of_scripts_and_scenes_page(studio, alice: User) -> None:
    for n in range(1, 22):
        alice.create(HARBOR, f"Script number {n}")
    scenes = "".join(f"EXT. PIER {n} - DAWN\n\nNora waits on pier {n}.\n\n" for n in range(1, 106))
    long_one = alice.create(scenes, "One hundred and five scenes")
    assert alice.post(f"/api/scripts/{long_one['id']}/approve").status_code == 200
    wait_for(
        lambda: alice.get(f"/api/scripts/{long_one['id']}/scenes?limit=1").json()["total"] == 105,
        timeout=120,
        interval=1,
        what="105 scenes",
    )

    page = studio
    signed_in_as(page, alice)
    pages = page.get_by_role("navigation", name="Pages of scripts")
    expect(pages).to_contain_text("1–20 of 22")
    expect(page.get_by_role("link", name="One hundred and five scenes")).to_be_visible()
    pages.get_by_role("button", name="Older").click()
    expect(pages).to_contain_text("21–22 of 22")
    expect(page.get_by_role("list", name="Scripts").get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_role("link", name="Script number 1", exact=True)).to_be_visible()
    pages.get_by_role("button", name="Newer").click()
    expect(pages).to_contain_text("1–20 of 22")

    page.get_by_role("link", name="One hundred and five scenes").click()
    scene_pages = page.get_by_role("navigation", name="Pages of scenes")
    expect(scene_pages).to_contain_text("1–100 of 105", timeout=30_000)
    expect(page.get_by_role("heading", name=re.compile("^Scene 100: EXT. PIER 100"))).to_be_visible()
    scene_pages.get_by_role("button", name="Next scenes").click()
    expect(page.get_by_role("heading", name=re.compile("^Scene 105: EXT. PIER 105"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Scene 1: "))).to_have_count(0)
    scene_pages.get_by_role("button", name="Previous scenes").click()
    expect(page.get_by_role("heading", name=re.compile("^Scene 1: EXT. PIER 1 - DAWN$"))).to_be_visible()


def test_a_shot_out_of_attempts_says_so_and_offers_no_reject(studio, alice: User) -> None:
    script = alice.create(HARBOR, "Out of attempts")
    scene = approve_script(alice, script["id"])[0]
    shots = approve_scene(alice, scene["id"])
    first_images(alice, scene["id"], shots)

    page = studio
    signed_in_as(page, alice, f"#/scripts/{script['id']}/review/{shots[0]['id']}")
    for attempt in range(1, IMAGE_MAX_ATTEMPTS + 1):
        expect(page.get_by_role("img", name=re.compile(f"attempt {attempt}:"))).to_be_visible(timeout=60_000)
        page.get_by_label("Feedback for the next attempt").fill(f"not yet ({attempt})")
        page.get_by_role("button", name="Reject and redraw").click()
    failure = page.get_by_role("alert").filter(has_text=f"Attempt {IMAGE_MAX_ATTEMPTS} failed")
    expect(failure).to_contain_text("max_attempts", timeout=60_000)
    expect(failure).to_contain_text("no new image can be drawn")
    expect(page.get_by_role("button", name="Reject and redraw")).to_be_disabled()
    expect(page.get_by_role("button", name="Approve", exact=True)).to_be_disabled()


@pytest.fixture(scope="module")
def unreachable_ai_url(reelflow: Reelflow) -> Iterator[str]:
    """A gateway of its own whose AI provider is an OpenAI-compatible server that is not there
    (a loopback port nothing listens on)."""
    nothing_there = free_port()
    no_ai = {
        "REELFLOW_AI_PROVIDER": "openai",
        "REELFLOW_OPENAI_BASE_URL": f"http://127.0.0.1:{nothing_there}/v1",
        "REELFLOW_OPENAI_MAX_RETRIES": "0",
    }
    yield from own_gateway(reelflow, "no-ai", no_ai)


def test_the_studio_says_when_the_ai_provider_does_not_answer(browser, unreachable_ai_url: str, artifacts) -> None:
    context = browser.new_context(base_url=unreachable_ai_url, viewport=DESKTOP)
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto("/")
        sign_up(page)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="New script").click()
        warning = page.get_by_role("alert").filter(has_text="The AI provider (openai")
        expect(warning).to_contain_text("is not answering")
        expect(warning).to_contain_text("Fix:")
        for capability in ("chat", "image", "speech"):
            expect(warning.get_by_role("listitem").filter(has_text=f"({capability})")).to_contain_text(
                "Fix: cannot reach"
            )
        check_page(page, "provider-not-answering", artifacts)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
        expect(page.get_by_role("alert").filter(has_text="The AI provider (openai")).to_be_visible()
    finally:
        context.close()


def test_no_provider_warning_while_the_provider_answers(studio) -> None:
    page = studio
    sign_up(page)
    with page.expect_response(lambda r: r.url.endswith("/api/health/providers")) as answered:
        page.get_by_role("navigation", name="Main").get_by_role("link", name="New script").click()
    assert answered.value.status == 200
    expect(page.get_by_role("heading", name="New script")).to_be_visible()
    expect(page.locator(".provider-warning")).to_have_count(0)
