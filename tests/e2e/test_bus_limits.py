"""One caller's input cannot halt anyone's writes: what the events could not carry is refused at
the API, naming the field, and everything after it is still applied (issue 13, defect 1)."""

from __future__ import annotations

from tests.e2e.helpers import User, assert_error

CONTROL = "\x01"  # six bytes once JSON-escaped, one in UTF-8


def test_an_edit_whose_event_would_not_fit_the_bus_is_refused_and_writes_go_on(alice: User, bob: User) -> None:
    script = alice.create("INT. LAB - DAY\n\nA test.\n", title=CONTROL * 200)
    response = alice.put(f"/api/scripts/{script['id']}", json={"content": CONTROL * 174_500})
    body = assert_error(response, 422)
    assert "content" in body["detail"] and "JSON-encoded" in body["detail"]

    renamed = alice.put(f"/api/scripts/{script['id']}", json={"title": "Lab"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Lab" and renamed.json()["content"] == "INT. LAB - DAY\n\nA test.\n"
    other = bob.create("EXT. PIER - NIGHT\n\nFog.\n")
    edited = bob.put(f"/api/scripts/{other['id']}", json={"content": "EXT. PIER - DAWN\n\nFog lifts.\n"})
    assert edited.status_code == 200, edited.text


def test_an_operation_whose_script_would_not_fit_the_bus_is_refused(alice: User) -> None:
    body = assert_error(alice.post("/api/operations", json={"content": CONTROL * 100_000}), 422)
    assert "content" in body["detail"] and "JSON-encoded" in body["detail"]


def test_an_offset_past_any_database_int_is_a_422_naming_it(alice: User) -> None:
    script = alice.create("INT. A - DAY\n\nB.\n")
    for path in ("/api/scripts", f"/api/scripts/{script['id']}/scenes"):
        body = assert_error(alice.get(path, params={"offset": "10075080467813109458854324731904"}), 422)
        assert "offset" in body["detail"]


def test_every_write_names_its_command_whose_outcome_its_sender_alone_can_read(alice: User, bob: User) -> None:
    script = alice.create("INT. LAB - DAY\n\nA test.\n")
    approved = alice.post(f"/api/scripts/{script['id']}/approve")
    assert approved.status_code == 200, approved.text
    applied = alice.get(f"/api/commands/{approved.headers['X-Command-ID']}").json()
    assert (applied["status"], applied["subject"], applied["type"]) == (
        "applied",
        script["id"],
        "reelflow.script.approve_script.v1",
    )

    again = alice.post(f"/api/scripts/{script['id']}/approve")
    refused = assert_error(again, 409)
    outcome = alice.get(f"/api/commands/{again.headers['X-Command-ID']}").json()
    assert (outcome["status"], outcome["code"], outcome["reason"]) == ("rejected", refused["code"], refused["detail"])

    assert_error(bob.get(f"/api/commands/{approved.headers['X-Command-ID']}"), 404)
    assert_error(alice.get("/api/commands/no-such-command"), 404)
