"""`Idempotency-Key` on the creating POSTs: a retried request gets its first answer, never a second
script, operation or video; per user; a key reused for another request is refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.e2e.helpers import User, assert_error

SCRIPT = {"title": "Retry", "content": "INT. LAB - DAY\n\nA retried request.\n"}


def scripts_titled(user: User, title: str) -> list[dict]:
    return [s for s in user.get("/api/scripts", params={"limit": 100}).json()["items"] if s["title"] == title]


def test_a_repeated_create_gets_the_first_answer_and_makes_one_script(alice: User) -> None:
    key = {"Idempotency-Key": "create-script-1"}
    body = {**SCRIPT, "title": "Retry once"}
    first = alice.post("/api/scripts", json=body, headers=key)
    again = alice.post("/api/scripts", json=body, headers=key)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert [s["id"] for s in scripts_titled(alice, "Retry once")] == [first.json()["id"]]


def test_racing_requests_with_one_key_make_one_script(alice: User) -> None:
    key = {"Idempotency-Key": "create-script-race"}
    body = {**SCRIPT, "title": "Raced"}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: alice.post("/api/scripts", json=body, headers=key), range(4)))
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
    for busy in (a for a in answers if a.status_code == 409):
        assert busy.json()["code"] == "idempotency_key_in_use" and busy.headers["Retry-After"]
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert len(scripts_titled(alice, "Raced")) == 1


def test_a_key_is_per_user_and_bound_to_its_request(alice: User, bob: User) -> None:
    key = {"Idempotency-Key": "shared-key"}
    mine = alice.post("/api/scripts", json={**SCRIPT, "title": "Alice's"}, headers=key)
    theirs = bob.post("/api/scripts", json={**SCRIPT, "title": "Bob's"}, headers=key)
    assert mine.status_code == theirs.status_code == 201 and mine.json()["id"] != theirs.json()["id"]
    other = alice.post("/api/scripts", json={**SCRIPT, "title": "Something else"}, headers=key)
    assert assert_error(other, 422)["code"] == "idempotency_key_reused"
    assert_error(alice.post("/api/scripts", json=SCRIPT, headers={"Idempotency-Key": "bad key with spaces"}), 422)


def test_operations_and_create_video_answer_a_repeated_key_with_the_first_answer(alice: User) -> None:
    key = {"Idempotency-Key": "operation-1"}
    body = {"content": "INT. LAB - NIGHT\n\nOne operation only.\n", "auto_approve": False}
    first = alice.post("/api/operations", json=body, headers=key)
    again = alice.post("/api/operations", json=body, headers=key)
    assert first.status_code == again.status_code == 202 and again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"

    script = alice.create("INT. LAB - DAY\n\nNot segmented yet.\n")
    key = {"Idempotency-Key": "video-1"}
    refused = alice.post(f"/api/scripts/{script['id']}/create-video", json={}, headers=key)
    replayed = alice.post(f"/api/scripts/{script['id']}/create-video", json={}, headers=key)
    assert refused.status_code == replayed.status_code == 409 and replayed.json() == refused.json()
    assert replayed.headers["Idempotent-Replayed"] == "true"
