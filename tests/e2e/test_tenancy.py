"""Another user's ids get 404 on every route that takes an id, and change nothing.

The routes are read from the gateway's own OpenAPI document, so a route added later without an
entry here fails the test instead of going unchecked.
"""

from __future__ import annotations

from tests.e2e.helpers import HARBOR, User, assert_error, wait_for

FAST = {"resolution": "720p", "fps": 24, "motion": False, "narration": False, "subtitles": False}

BODIES = {
    ("put", "/api/scripts/{script_id}"): {"title": "taken over"},
    ("put", "/api/scenes/{scene_id}"): {"text": "EXT. ELSEWHERE - DAY\n\nSomeone else's words.\n"},
    ("post", "/api/images/{image_id}/reject"): {"feedback": "not yours"},
    ("post", "/api/scripts/{script_id}/create-video"): {},
}
"""A valid body where a route needs one, so the answer is about the id, not the body."""

NO_ID = {"/api/webhooks/secret"}
"""Routes whose only subject is the caller (nothing of another user's can be named)."""


def finished_operation(user: User, **body) -> dict:
    response = user.post("/api/operations", json={"options": FAST, **body})
    assert response.status_code == 202, response.text
    operation_id = response.json()["id"]

    def settled():
        op = user.get(f"/api/operations/{operation_id}").json()
        return op if op["status"] in ("completed", "paused", "failed") else None

    return wait_for(settled, timeout=240, interval=0.5, what="the operation to settle")


def snapshot(user: User, ids: dict[str, str]) -> dict:
    """Everything of the user's that another user's calls could have changed."""
    return {
        "script": user.get(f"/api/scripts/{ids['script_id']}").json(),
        "scenes": user.get(f"/api/scripts/{ids['script_id']}/scenes").json()["items"],
        "images": user.get(f"/api/scenes/{ids['scene_id']}/images").json()["items"],
        "video": user.get(f"/api/videos/{ids['video_id']}").json(),
        "paused": {
            k: v
            for k, v in user.get(f"/api/operations/{ids['paused_id']}").json().items()
            if k not in ("updated_at", "stage_seconds")
        },
    }


def test_another_users_ids_are_404_on_every_route_and_change_nothing(http, alice: User, bob: User) -> None:
    done = finished_operation(alice, content=HARBOR)
    assert done["status"] == "completed", done
    paused = finished_operation(alice, content=HARBOR, auto_approve=False)
    assert paused["status"] == "paused", paused
    scene_id = done["scenes"][0]["scene_id"]
    image_id = alice.get(f"/api/scenes/{scene_id}/images").json()["items"][0]["id"]
    command = alice.put(f"/api/scripts/{paused['script_id']}", json={"title": "mine"})
    ids = {
        "script_id": done["script_id"],
        "scene_id": scene_id,
        "image_id": image_id,
        "video_id": done["video_id"],
        "operation_id": paused["id"],
        "command_id": command.headers["X-Command-ID"],
        "paused_id": paused["id"],
    }
    before = snapshot(alice, ids)

    routes = [
        (method, path)
        for path, operations in http.get("/openapi.json").json()["paths"].items()
        for method in operations
        if "{" in path or path in NO_ID
    ]
    checked = []
    for method, path in routes:
        if path in NO_ID:
            continue
        url = path.format(**ids)
        response = bob.client.request(method.upper(), url, headers=bob.headers, json=BODIES.get((method, path)))
        body = assert_error(response, 404)
        assert any(value in body["detail"] for value in ids.values()) or "not found" in body["detail"], body
        checked.append(f"{method.upper()} {path}")
    assert len(checked) >= 22, checked

    assert bob.get("/api/scripts").json()["total"] == 0
    assert snapshot(alice, ids) == before

    ticket = alice.get(f"/api/images/{image_id}/content-ticket").json()["url"]
    assert http.get(ticket).status_code == 200  # a ticket is good for its own resource only
    stolen = ticket.replace(f"/api/images/{image_id}/", f"/api/videos/{done['video_id']}/")
    assert_error(http.get(stolen), 401)
