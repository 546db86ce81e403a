"""The studio's other promises, in Chromium on the e2e stack: an operation from a premise reaches
`completed` on screen, a refused video lists its missing shots as links, users see only their
own scripts, the main path works by keyboard alone, errors name their field, an ended session
leads back to sign-in with a message, and a lost connection is noticed and recovered from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.pages import check_page, token_of
from tests.e2e.browser.test_studio_workflow import sign_up
from tests.e2e.helpers import HARBOR, KITCHEN, PASSWORD, User, new_email


@pytest.mark.timeout(600)
def test_an_operation_from_a_premise_reaches_completed_on_screen(studio, artifacts: Path) -> None:
    page = studio
    sign_up(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
    page.get_by_label("Premise", exact=True).fill("A night-shift baker teaches a stray cat to knead dough")
    page.get_by_label("Number of scenes (optional)").fill("2")
    page.get_by_label("Resolution").select_option("720p")
    page.get_by_label("Motion (slow zoom and pan)").uncheck()
    check_page(page, "operations", artifacts)
    page.get_by_role("button", name="Start the operation").click()
    expect(page.get_by_role("heading", name=re.compile("^Operation "))).to_be_visible()
    expect(page.locator(".op-status")).to_have_text("completed", timeout=300_000)
    expect(page.get_by_role("link", name="Watch and download it")).to_be_visible()
    check_page(page, "operation", artifacts)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
    expect(page.get_by_role("list").get_by_text("completed")).to_be_visible()


def test_a_refused_video_links_each_shot_without_an_approved_image(studio, reelflow, http, artifacts: Path) -> None:
    page = studio
    sign_up(page)
    user = User(page.evaluate("JSON.parse(localStorage.getItem('reelflow.session')).email"), token_of(page), http)
    script = user.create(KITCHEN, "Not ready yet")
    assert user.post(f"/api/scripts/{script['id']}/approve").status_code == 200
    page.goto(f"/#/scripts/{script['id']}")
    page.get_by_role("button", name="Approve the pending scene").click()
    expect(page.get_by_role("list", name="Shots")).to_have_count(1, timeout=60_000)
    page.get_by_role("navigation", name="Script").get_by_role("link", name="Video").click()
    page.get_by_role("button", name="Create the video").click()
    refusal = page.get_by_role("alert").filter(has_text="The video cannot be made yet")
    expect(refusal).to_be_visible()
    links = refusal.get_by_role("link", name=re.compile(r"^Scene 1, shot \d$"))
    expect(links.first).to_be_visible()
    check_page(page, "video-refused", artifacts)
    links.first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Scene 1, shot 1"))).to_be_visible()


def test_a_second_user_sees_none_of_the_first_users_scripts(studio, alice: User) -> None:
    alice.create(KITCHEN, "Alice's secret script")
    page = studio
    sign_up(page)
    expect(page.get_by_text("No scripts yet")).to_be_visible()
    expect(page.get_by_text("Alice's secret script")).to_have_count(0)


def test_the_main_path_works_with_the_keyboard_alone(studio) -> None:
    page = studio
    keys = page.keyboard

    def tab_to(name: str, role: str = "button", limit: int = 40) -> None:
        target = page.get_by_role(role, name=name, exact=True).first
        for _ in range(limit):
            if target.evaluate("element => element === document.activeElement"):
                return
            keys.press("Tab")
        raise AssertionError(f"Tab never reached the {role} {name!r}")

    tab_to("Create an account")
    keys.press("Enter")
    tab_to("Email", "textbox")
    keys.type(new_email())
    keys.press("Tab")
    keys.type(PASSWORD)
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Your scripts")).to_be_visible()
    tab_to("New script", "link")
    keys.press("Enter")
    tab_to("Script", "textbox")
    keys.type(HARBOR)
    tab_to("Create the script")
    keys.press("Enter")
    tab_to("Approve & segment")
    keys.press("Enter")
    tab_to("Approve the pending scene")
    keys.press("Enter")
    expect(page.get_by_role("list", name="Shots")).to_be_visible(timeout=60_000)
    tab_to("Review images", "link")
    keys.press("Enter")
    expect(page.get_by_role("img", name=re.compile("attempt 1:"))).to_be_visible(timeout=90_000)
    chips = page.get_by_role("navigation", name="Shots").get_by_role("link")
    for approved in range(1, chips.count() + 1):
        expect(page.get_by_role("button", name="Approve", exact=True)).to_be_enabled(timeout=90_000)
        keys.press("a")
        expect(page.locator(".chip.status-approved")).to_have_count(approved)
    keys.press("k")
    expect(page.get_by_role("heading", name=re.compile(r"^Scene 1, shot 1"))).to_be_visible()


def test_field_errors_name_their_field(studio) -> None:
    page = studio
    page.get_by_role("button", name="Create an account").click()
    page.get_by_label("Email").fill(new_email())
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#password-error")).to_contain_text("Password: ")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")


def test_an_ended_session_leads_back_to_sign_in_with_a_message(studio) -> None:
    page = studio
    sign_up(page)
    page.evaluate("""() => { const s = JSON.parse(localStorage.getItem('reelflow.session'));
                           s.token = 'not-a-valid-token'; localStorage.setItem('reelflow.session', JSON.stringify(s)); }""")
    page.reload()
    expect(page.get_by_role("heading", name="Sign in to Reelflow")).to_be_visible()
    expect(page.get_by_text("Your session has ended")).to_be_visible()


def test_a_lost_connection_is_noticed_and_the_page_recovers(studio, alice: User) -> None:
    page = studio
    email = new_email()
    sign_up(page, email)
    page.context.set_offline(True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Scripts").click()
    expect(page.get_by_role("alert").filter(has_text="connection to the gateway is lost")).to_be_visible(timeout=15_000)
    user = User(email, token_of(page), alice.client)
    user.create(HARBOR, "Written while the browser was away")
    page.context.set_offline(False)
    expect(page.get_by_text("Connected to the gateway again")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Written while the browser was away")).to_be_visible(timeout=15_000)


def test_operations_started_elsewhere_are_listed_with_what_they_wait_for(studio, http) -> None:
    page = studio
    sign_up(page)
    user = User(page.evaluate("JSON.parse(localStorage.getItem('reelflow.session')).email"), token_of(page), http)
    started = user.post("/api/operations", json={"content": KITCHEN, "title": "Started by curl", "auto_approve": False})
    assert started.status_code == 202, started.text
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
    row = page.get_by_role("listitem").filter(has_text="Started by curl")
    expect(row).to_contain_text("waiting for", timeout=60_000)  # paused at its first gate, listed by the API
    row.get_by_role("link", name="Started by curl").click()
    expect(page.get_by_role("heading", name=re.compile("^Operation "))).to_be_visible()


def test_a_fountain_file_opens_as_a_new_script_and_an_operation_is_cancelled(studio, tmp_path: Path) -> None:
    page = studio
    sign_up(page)
    screenplay = tmp_path / "night-shift.fountain"
    text = "Title: **The Night Shift**\nAuthor: Clara Winter and Jonas Berg\nDraft date: 7 December 2026\n\n"
    screenplay.write_text(text + KITCHEN + "\n" + HARBOR)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New script").click()
    page.get_by_label("Open a file (.fountain, .txt or .md)").set_input_files(str(screenplay))
    expect(page.get_by_role("status").filter(has_text="night-shift.fountain opened")).to_be_visible()
    expect(page.get_by_label("Script", exact=True)).to_have_value(text + KITCHEN + "\n" + HARBOR)
    expect(page.get_by_label("Title")).to_have_value("The Night Shift")  # from the title page
    page.get_by_role("button", name="Create the script").click()
    expect(page.get_by_text("by Clara Winter, Jonas Berg")).to_be_visible()
    page.get_by_role("button", name="Approve & segment").click()
    expect(page.get_by_role("heading", name=re.compile("^Scene [12]:"))).to_have_count(2, timeout=60_000)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
    page.get_by_label("My script").check()
    page.get_by_label("Script", exact=True).fill(KITCHEN)
    page.get_by_label("Approve automatically (off: pause at every gate for me)").uncheck()
    page.get_by_role("button", name="Start the operation").click()
    expect(page.get_by_role("heading", name=re.compile("^Operation "))).to_be_visible()
    page.get_by_role("button", name="Cancel the operation").click()
    expect(page.locator(".op-status")).to_have_text("cancelled", timeout=30_000)
    expect(page.get_by_role("button", name="Cancel the operation")).to_have_count(0)
