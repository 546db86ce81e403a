"""The writer's whole workflow in the studio, in Chromium, against the stack with every service
as its own process: sign up, paste a screenplay, approve, edit a scene, approve the scenes,
reject an image with feedback and see the new attempt appear without reloading, approve the
rest, create the video, play it (its duration is the video's) and download it. Every page is
checked with axe-core and photographed at desktop and phone width on the way."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.pages import check_page, token_of, wait_until
from tests.e2e.helpers import HARBOR, KITCHEN, PASSWORD, bearer, new_email

EDITED_KITCHEN = KITCHEN.replace("drops it on the table", "folds it into her pocket")
IMAGE_TIMEOUT_MS = 90_000
RENDER_TIMEOUT_MS = 300_000


def sign_up(page, email: str | None = None) -> str:
    email = email or new_email()
    page.get_by_role("button", name="Create an account").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Your scripts")).to_be_visible()
    return email


SAMPLE_RENDER_PROGRESS = """
window.renderProgressSeen = [];
setInterval(() => {
  const bar = document.querySelector('progress[aria-label="Rendering"]');
  if (bar) window.renderProgressSeen.push([Number(bar.getAttribute("value")), bar.nextElementSibling.textContent.trim()]);
}, 50);
"""
"""Samples the render's progress bar (a determinate one: its value, and the words beside it) while it shows."""


@pytest.mark.timeout(900)
def test_a_writer_takes_a_pasted_screenplay_to_a_downloaded_video(studio, reelflow, artifacts: Path) -> None:
    page = studio
    check_page(page, "sign-in", artifacts)
    sign_up(page)
    check_page(page, "scripts-empty", artifacts)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="New script").click()
    page.get_by_label("Title").fill("Coffee and ferries")
    page.get_by_label("Script", exact=True).fill(KITCHEN + "\n" + HARBOR)
    check_page(page, "new-script", artifacts)
    page.get_by_role("button", name="Create the script").click()
    expect(page.get_by_role("heading", name="Coffee and ferries", level=1)).to_be_visible()
    check_page(page, "draft", artifacts)

    page.get_by_role("button", name="Approve & segment").click()
    expect(page.get_by_role("heading", name=re.compile("^Scene [12]:"))).to_have_count(2, timeout=60_000)

    scene_one = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=re.compile("^Scene 1:")))
    scene_one.get_by_label("Text of scene 1").fill(EDITED_KITCHEN)
    scene_one.get_by_label("Heading of scene 1").fill("Maya's kitchen before dawn")
    scene_one.get_by_role("button", name="Save scene").click()
    expect(scene_one.get_by_role("button", name="Saved")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Text of scene 1")).to_have_value(re.compile("folds it into her pocket"))
    expect(page.get_by_role("heading", name="Scene 1: Maya's kitchen before dawn")).to_be_visible()
    expect(page.get_by_label("Heading of scene 1")).to_have_value("Maya's kitchen before dawn")

    page.get_by_role("button", name="Approve all 2 pending scenes").click()
    expect(page.get_by_text("shots: planned")).to_have_count(2, timeout=60_000)
    expect(page.get_by_role("list", name="Shots")).to_have_count(2)
    shots = page.get_by_role("link", name=re.compile("^Review image of")).count()
    assert shots >= 2
    check_page(page, "scene-board", artifacts)

    page.get_by_role("navigation", name="Script").get_by_role("link", name="Review images").click()
    first = page.get_by_role("img", name=re.compile("attempt 1:"))
    expect(first).to_be_visible(timeout=IMAGE_TIMEOUT_MS)
    check_page(page, "review", artifacts)
    page.get_by_label("Feedback for the next attempt").fill("at night, closer on her hands")
    page.get_by_role("button", name="Reject and redraw").click()
    expect(page.get_by_role("img", name=re.compile("attempt 2:"))).to_be_visible(timeout=IMAGE_TIMEOUT_MS)
    expect(page.get_by_text("feedback: “at night, closer on her hands”")).to_be_visible()

    for shot in range(shots):
        approve = page.get_by_role("button", name="Approve", exact=True)
        expect(approve).to_be_enabled(timeout=IMAGE_TIMEOUT_MS)
        approve.click()
        expect(page.locator(".chip.status-approved")).to_have_count(shot + 1, timeout=30_000)

    page.get_by_role("navigation", name="Script").get_by_role("link", name="Video").click()
    page.get_by_label("Resolution").select_option("720p")
    page.get_by_label("Frames per second").fill("24")
    page.get_by_label("Motion (slow zoom and pan)").uncheck()
    check_page(page, "video-options", artifacts)
    page.evaluate(SAMPLE_RENDER_PROGRESS)
    page.get_by_role("button", name="Create the video").click()
    player = page.locator("video")
    expect(player).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    check_page(page, "video", artifacts)
    shown = page.evaluate("window.renderProgressSeen")
    assert shown, "the page never showed the render's progress"
    percents = [value for value, _ in shown]
    assert percents == sorted(percents) and all(0 <= value <= 100 for value in percents), shown
    assert all(re.match(r"^\d+% · ", text) for _, text in shown), shown

    script_id = page.evaluate("location.hash").split("/")[2]
    with httpx.Client(base_url=reelflow.base_url, headers=bearer(token_of(page))) as api:
        video = api.get(f"/api/scripts/{script_id}/video").json()
    wait_until(page, "document.querySelector('video').readyState >= 1")
    duration = page.evaluate("document.querySelector('video').duration")
    assert abs(duration - video["duration_s"]) < 0.1, (duration, video["duration_s"])
    page.evaluate("document.querySelector('video').muted = true; document.querySelector('video').play()")
    wait_until(page, "document.querySelector('video').currentTime > 0.2")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the MP4").click()
    saved = artifacts / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.stat().st_size == video["size_bytes"]
    assert saved.read_bytes()[4:8] == b"ftyp"
