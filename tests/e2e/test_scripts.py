"""Scripts through HTTP -> command -> script service -> event -> read model -> HTTP."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.e2e.helpers import User, assert_error

SCRIPT = "INT. KITCHEN - NIGHT\n\nMARA pours coffee.\n\nMARA\nWe start at dawn.\n"
MISSING_ID = "00000000-0000-4000-8000-000000000000"


def test_create_get_edit_approve(alice: User) -> None:
    response = alice.post("/api/scripts", json={"title": "Dawn", "content": SCRIPT})
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/scripts/{created['id']}"
    assert created["title"] == "Dawn" and created["content"] == SCRIPT
    assert created["status"] == "draft" and created["origin"] == "user"
    assert datetime.fromisoformat(created["created_at"]) == datetime.fromisoformat(created["updated_at"])

    fetched = alice.get(f"/api/scripts/{created['id']}")
    assert fetched.status_code == 200 and fetched.json() == created  # read-your-writes

    response = alice.put(f"/api/scripts/{created['id']}", json={"content": SCRIPT + "\nFADE OUT.\n"})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["content"].endswith("FADE OUT.\n") and edited["title"] == "Dawn" and edited["status"] == "draft"
    assert datetime.fromisoformat(edited["updated_at"]) >= datetime.fromisoformat(created["updated_at"])
    assert edited["version"] == created["version"] + 1
    assert alice.get(f"/api/scripts/{created['id']}").json() == edited

    response = alice.put(f"/api/scripts/{created['id']}", json={"title": "Dawn, revised"})
    assert response.status_code == 200 and response.json()["title"] == "Dawn, revised"
    assert response.json()["content"] == edited["content"]

    response = alice.post(f"/api/scripts/{created['id']}/approve")
    assert response.status_code == 200, response.text
    approved = response.json()
    assert approved["status"] == "approved" and approved["approved_at"]
    assert alice.get(f"/api/scripts/{created['id']}").json()["status"] == "approved"


def test_approved_script_cannot_be_edited_or_approved_again(alice: User) -> None:
    script = alice.create(SCRIPT, "Final")
    assert alice.post(f"/api/scripts/{script['id']}/approve").status_code == 200

    body = assert_error(alice.put(f"/api/scripts/{script['id']}", json={"content": "changed"}), 409)
    assert body["code"] == "not_draft" and "draft" in body["detail"]
    body = assert_error(alice.post(f"/api/scripts/{script['id']}/approve"), 409)
    assert body["code"] == "already_approved" and "approved" in body["detail"]

    unchanged = alice.get(f"/api/scripts/{script['id']}").json()
    assert unchanged["content"] == SCRIPT and unchanged["status"] == "approved"


def test_list_is_own_scripts_newest_first_and_paginated(alice: User, bob: User) -> None:
    ids = [alice.create(f"{SCRIPT}\nTake {n}.\n", f"take {n}")["id"] for n in range(5)]
    bob.create(SCRIPT, "bob's")

    page = alice.get("/api/scripts").json()
    assert page["total"] == 5 and page["limit"] == 20 and page["offset"] == 0
    assert [s["id"] for s in page["items"]] == ids[::-1]
    assert {s["title"] for s in page["items"]} == {f"take {n}" for n in range(5)}

    first = alice.get("/api/scripts", params={"limit": 2}).json()
    second = alice.get("/api/scripts", params={"limit": 2, "offset": 2}).json()
    last = alice.get("/api/scripts", params={"limit": 2, "offset": 4}).json()
    beyond = alice.get("/api/scripts", params={"limit": 2, "offset": 10}).json()
    assert [s["id"] for s in first["items"] + second["items"] + last["items"]] == ids[::-1]
    assert (first["limit"], second["offset"], last["total"]) == (2, 2, 5)
    assert beyond["items"] == [] and beyond["total"] == 5


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "ten"}])
def test_bad_paging_is_422(alice: User, params: dict) -> None:
    body = assert_error(alice.get("/api/scripts", params=params), 422)
    assert next(iter(params)) in body["detail"]


def test_another_users_script_is_invisible(alice: User, bob: User) -> None:
    script = alice.create(SCRIPT, "private")
    path = f"/api/scripts/{script['id']}"

    assert_error(bob.get(path), 404)
    assert_error(bob.put(path, json={"content": "mine now"}), 404)
    assert_error(bob.post(f"{path}/approve"), 404)
    assert bob.get("/api/scripts").json() == {"items": [], "total": 0, "limit": 20, "offset": 0}

    still = alice.get(path).json()
    assert still["content"] == SCRIPT and still["status"] == "draft"


def test_unknown_ids_are_404(alice: User) -> None:
    for script_id in (MISSING_ID, "nope", "x" * 300, "%00", "..", "a b"):
        assert_error(alice.get(f"/api/scripts/{script_id}"), 404)
    assert_error(alice.put(f"/api/scripts/{MISSING_ID}", json={"title": "t"}), 404)
    assert_error(alice.post(f"/api/scripts/{MISSING_ID}/approve"), 404)


def test_generate_from_a_premise_with_the_local_provider(alice: User) -> None:
    premise = "A lighthouse keeper finds a message in a bottle addressed to her late father."
    response = alice.post("/api/scripts", json={"premise": premise, "target_scenes": 3})
    assert response.status_code == 201, response.text
    script = response.json()
    assert script["origin"] == "ai" and script["status"] == "draft" and script["premise"] == premise
    assert script["title"] and len(script["content"]) > 200
    assert "INT." in script["content"] or "EXT." in script["content"]
    assert alice.get(f"/api/scripts/{script['id']}").json() == script

    titled = alice.post("/api/scripts", json={"premise": premise, "title": "The Bottle"}).json()
    assert titled["title"] == "The Bottle" and titled["origin"] == "ai"


def test_content_size_is_checked_in_utf8_bytes(alice: User) -> None:
    largest = "é" * 100_000  # 200 000 bytes of UTF-8: the limit
    response = alice.post("/api/scripts", json={"content": largest})
    assert response.status_code == 201, response.text[:300]
    assert alice.get(f"/api/scripts/{response.json()['id']}").json()["content"] == largest

    body = assert_error(alice.post("/api/scripts", json={"content": largest + "é"}), 422)
    assert "content" in body["detail"] and "bytes" in body["detail"]
    body = assert_error(alice.post("/api/scripts", json={"content": "a" * 200_001}), 422)
    assert "content" in body["detail"]


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({}, ["content", "premise"]),
        ({"title": "only a title"}, ["content", "premise"]),
        ({"content": SCRIPT, "premise": "both"}, ["exactly one"]),
        ({"content": ""}, ["content"]),
        ({"content": "   \n  "}, ["blank"]),
        ({"content": SCRIPT, "title": "t" * 201}, ["title"]),
        ({"content": SCRIPT, "aspect": "4:3"}, ["aspect"]),
        ({"content": SCRIPT, "colour": "red"}, ["colour"]),
        ({"premise": "p", "target_scenes": 0}, ["target_scenes"]),
        ({"content": SCRIPT, "target_scenes": 3}, ["target_scenes"]),
        ({"premise": "p" * 4001}, ["premise"]),
    ],
)
def test_invalid_create_is_422_naming_the_problem(alice: User, payload: dict, words: list[str]) -> None:
    body = assert_error(alice.post("/api/scripts", json=payload), 422)
    for word in words:
        assert word in body["detail"], body


@pytest.mark.parametrize(
    ("payload", "word"),
    [
        ({}, "nothing to update"),
        ({"title": None}, "nothing to update"),
        ({"content": 42}, "content"),
        ({"status": "approved"}, "status"),
        ({"content": ""}, "content"),
    ],
)
def test_invalid_edit_is_422(alice: User, payload: dict, word: str) -> None:
    script = alice.create(SCRIPT)
    body = assert_error(alice.put(f"/api/scripts/{script['id']}", json=payload), 422)
    assert word in body["detail"]
