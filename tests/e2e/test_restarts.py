"""Restarts: the read model outlives the gateway; commands outlive the script service; the read
model (scripts, scenes, shots, outcomes) is rebuilt exactly by replaying the events.

Each test starts again what it stopped, so the session's services are up for the next test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from pymongo import MongoClient

from tests.e2e.conftest import Reelflow
from tests.e2e.helpers import (
    COMMAND_TIMEOUT_S,
    User,
    assert_error,
    bearer,
    scenes_of,
    wait_for,
    wait_segmented,
    wait_shots,
)
from tests.support.infra import ROOT

SCRIPT = "EXT. HARBOUR - DAWN\n\nGulls. A ferry horn.\n"


def test_gateway_restart_keeps_the_read_model_and_tokens(reelflow: Reelflow, alice: User) -> None:
    script = alice.create(SCRIPT, "before restart")
    edited = alice.put(f"/api/scripts/{script['id']}", json={"title": "edited before restart"}).json()

    reelflow.kill_gateway()  # SIGKILL: nothing is flushed or handed over
    try:
        assert_unreachable(reelflow.base_url)
    finally:
        reelflow.start_gateway()

    with httpx.Client(base_url=reelflow.base_url, timeout=30) as client:
        again = User(alice.email, alice.token, client)  # the token from before the restart
        assert again.get(f"/api/scripts/{script['id']}").json() == edited
        listed = again.get("/api/scripts").json()
        assert [s["id"] for s in listed["items"]] == [script["id"]]
        reelflow.wait_writes_flow()
        assert again.post(f"/api/scripts/{script['id']}/approve").json()["status"] == "approved"


def test_a_stopping_gateway_does_not_wait_for_requests_held_open(reelflow: Reelflow, alice: User) -> None:
    """SIGTERM with a GET held for two minutes (Prefer: wait) and the event stream of a paused
    operation (which never ends by itself) still open: the gateway cuts both off after its
    shutdown grace and exits by itself."""
    script = alice.create(SCRIPT, "held at the stop")
    path = f"/api/scripts/{script['id']}/scenes"
    tag = alice.get(path).headers["etag"]
    started = alice.post("/api/operations", json={"content": SCRIPT, "auto_approve": False})
    assert started.status_code == 202, started.text
    operation_id = started.json()["id"]
    wait_for(
        lambda: alice.get(f"/api/operations/{operation_id}").json()["status"] == "paused",
        timeout=60,
        what="the operation paused at its first gate",
    )
    outcome: list = []

    def hold() -> None:
        try:
            with httpx.Client(base_url=reelflow.base_url, timeout=180) as client:
                outcome.append(
                    client.get(path, headers={**alice.headers, "If-None-Match": tag, "Prefer": "wait=120"}).status_code
                )
        except httpx.TransportError as exc:
            outcome.append(exc)

    def stream() -> None:
        try:
            with httpx.Client(base_url=reelflow.base_url, timeout=180) as client:
                with client.stream("GET", f"/api/operations/{operation_id}/events", headers=alice.headers) as events:
                    for _ in events.iter_lines():
                        pass
            outcome.append("stream ended")
        except httpx.TransportError as exc:
            outcome.append(exc)

    holders = [threading.Thread(target=hold), threading.Thread(target=stream)]
    for holder in holders:
        holder.start()
    try:
        time.sleep(1)
        assert not outcome  # both held
        assert reelflow.gateway and reelflow.gateway.proc
        process = reelflow.gateway.proc
        log = reelflow.log_dir / "gateway.log"
        logged_before = log.stat().st_size
        os.killpg(process.pid, signal.SIGTERM)
        # uvicorn ends by re-raising the signal once it has shut down cleanly; without the grace
        # it would wait on the event stream for good
        assert process.wait(60) in (0, -signal.SIGTERM)
        with log.open("rb") as logged:
            logged.seek(logged_before)
            assert b"Application shutdown complete" in logged.read()
        for holder in holders:
            holder.join(30)
        assert len(outcome) == 2 and not any(h.is_alive() for h in holders)  # both ended with the process
    finally:
        reelflow.kill_gateway()
        reelflow.start_gateway()
    reelflow.wait_writes_flow()
    assert alice.post(f"/api/operations/{operation_id}/cancel").status_code == 200


def assert_unreachable(base_url: str) -> None:
    try:
        httpx.get(f"{base_url}/healthz", timeout=2)
    except httpx.TransportError:
        return
    raise AssertionError("the gateway still answers after being killed")


# A service killed inside a MongoDB transaction leaves it open until the server expires it
# (60 s on MongoDB and SecantusDB); the restarted service retries its write conflicts until then.
RECOVERY_S = 120


def test_script_service_restart_loses_no_command(reelflow: Reelflow, alice: User) -> None:
    to_edit = alice.create(SCRIPT, "to edit")
    to_approve = alice.create(SCRIPT, "to approve")

    # A stream of creations runs while the script service is killed and started again.
    accepted: list[tuple[str, str]] = []  # (script id, content) of every create answered 201 or 202
    unexpected: list[str] = []
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(base_url=reelflow.base_url, timeout=30) as client:
            n = 0
            while not stop.is_set():
                n += 1
                content = f"{SCRIPT}\nStream take {n}.\n"
                response = client.post("/api/scripts", headers=bearer(alice.token), json={"content": content})
                if response.status_code in (201, 202):
                    accepted.append((response.json()["id"], content))
                else:
                    unexpected.append(f"{response.status_code} {response.text}")

    streamer = threading.Thread(target=stream, daemon=True)
    streamer.start()
    wait_for(lambda: len(accepted) >= 3, what="a few writes before the kill")
    reelflow.kill_script()  # SIGKILL, mid-stream
    try:
        # Commands sent while it is down are accepted and stay pending.
        with ThreadPoolExecutor(4) as pool:
            created = pool.submit(alice.post, "/api/scripts", json={"title": "while down", "content": SCRIPT})
            edited = pool.submit(alice.put, f"/api/scripts/{to_edit['id']}", json={"content": SCRIPT + "\nEdited.\n"})
            approved = pool.submit(alice.post, f"/api/scripts/{to_approve['id']}/approve")
            responses = [created.result(), edited.result(), approved.result()]
        for response in responses:
            assert response.status_code == 202, response.text
            pending = response.json()
            assert pending["status"] == "pending" and pending["command_id"]
            assert response.headers["location"] == f"/api/scripts/{pending['id']}"
        new_id = responses[0].json()["id"]
        body = assert_error(alice.get(f"/api/scripts/{new_id}"), 404)
        assert body["code"] == "pending"
        assert alice.get(f"/api/scripts/{to_edit['id']}").json()["content"] == SCRIPT  # not applied yet
    finally:
        reelflow.start_script()
    wait_for(lambda: len(accepted) >= 3 + 3, timeout=RECOVERY_S, what="writes after the restart")
    stop.set()
    streamer.join(60)
    assert not unexpected, unexpected

    def applied(path: str, check) -> bool:
        response = alice.get(path)
        return response.status_code == 200 and check(response.json())

    wait_for(
        lambda: applied(f"/api/scripts/{new_id}", lambda s: s["title"] == "while down" and s["content"] == SCRIPT),
        timeout=RECOVERY_S,
        what="the script created while the service was down",
    )
    wait_for(
        lambda: applied(f"/api/scripts/{to_edit['id']}", lambda s: s["content"].endswith("Edited.\n")),
        timeout=RECOVERY_S,
        what="the edit sent while the service was down",
    )
    wait_for(
        lambda: applied(f"/api/scripts/{to_approve['id']}", lambda s: s["status"] == "approved"),
        timeout=RECOVERY_S,
        what="the approval sent while the service was down",
    )
    for script_id, content in accepted:
        wait_for(
            lambda script_id=script_id, content=content: applied(
                f"/api/scripts/{script_id}", lambda s: s["content"] == content
            ),
            timeout=RECOVERY_S,
            what=f"streamed script {script_id}",
        )
    listed = alice.get("/api/scripts", params={"limit": 100}).json()
    assert listed["total"] == 2 + 1 + len(accepted)


def test_timeout_answers_202_and_the_write_lands_later(reelflow: Reelflow, alice: User) -> None:
    reelflow.kill_script()
    try:
        response = alice.post("/api/scripts", json={"content": SCRIPT})
        assert response.status_code == 202
        assert response.headers["retry-after"] == "1"
        assert f"{COMMAND_TIMEOUT_S:g}s" in response.json()["detail"]
        location = response.headers["location"]
    finally:
        reelflow.start_script()
    script = wait_for(
        lambda: alice.get(location).status_code == 200 and alice.get(location).json(),
        timeout=RECOVERY_S,
        what="the script behind the 202",
    )
    assert script["content"] == SCRIPT and script["status"] == "draft"


def _views(reelflow: Reelflow) -> dict[str, dict[str, dict]]:
    with MongoClient(reelflow.infra.mongo_uri) as mongo:
        db = mongo[reelflow.gateway_db]
        return {
            name: {doc["_id"]: doc for doc in db[name].find()}
            for name in sorted(db.list_collection_names())
            if name.startswith("views.")
        }


def _settled_views(reelflow: Reelflow) -> dict[str, dict[str, dict]]:
    """The views once no event has changed them for a second (earlier tests' reactions included)."""
    last = _views(reelflow)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _views(reelflow)
        if now == last:
            return now
        last = now
    raise AssertionError("the read model kept changing for 60 s")


TWO_SCENES = "INT. BAKERY - NIGHT\n\nFlour in the air.\n\nEXT. STREET - DAWN\n\nThe first customer knocks.\n"


def test_read_model_rebuilds_exactly_from_the_events(reelflow: Reelflow, alice: User) -> None:
    approved = alice.create(TWO_SCENES, "to approve")
    alice.put(f"/api/scripts/{approved['id']}", json={"content": TWO_SCENES + "\nRevised.\n"})
    approved = alice.post(f"/api/scripts/{approved['id']}/approve").json()
    assert_error(alice.post(f"/api/scripts/{approved['id']}/approve"), 409)  # a rejection outcome too
    generated = alice.post("/api/scripts", json={"premise": "Two rival bakers share one oven."}).json()
    wait_segmented(alice, approved["id"])
    first, second = scenes_of(alice, approved["id"])
    assert alice.put(f"/api/scenes/{second['id']}", json={"text": "EXT. STREET - DAY\n\nNoon.\n"}).status_code == 200
    assert alice.post(f"/api/scenes/{first['id']}/approve").status_code == 200
    assert_error(alice.post(f"/api/scenes/{first['id']}/approve"), 409)
    shots = wait_shots(alice, first["id"])
    approved = alice.get(f"/api/scripts/{approved['id']}").json()
    assert (approved["scene_count"], approved["approved_scene_count"]) == (2, 1)
    scenes = scenes_of(alice, approved["id"])
    before = _settled_views(reelflow)
    assert approved["id"] in before["views.scripts"] and generated["id"] in before["views.scripts"]
    assert first["id"] in before["views.scenes"] and shots[0]["id"] in before["views.shots"]
    assert before["views.command_outcomes"]

    reelflow.kill_gateway()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "reelflow_gateway.readmodel.rebuild"],
            cwd=ROOT,
            env={**os.environ, **reelflow.gateway_env()},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "rewound to offset 0" in done.stdout
        assert _views(reelflow) == {}
    finally:
        reelflow.start_gateway()

    def rebuilt() -> bool:
        after = _views(reelflow)
        return all(after.get(name, {}).get(key) == doc for name, docs in before.items() for key, doc in docs.items())

    wait_for(rebuilt, timeout=90, interval=0.5, what="the replay to rebuild every view document")
    assert alice.get(f"/api/scripts/{approved['id']}").json() == approved
    assert alice.get(f"/api/scripts/{generated['id']}").json() == generated
    assert scenes_of(alice, approved["id"]) == scenes
    assert alice.get(f"/api/scenes/{first['id']}/shots").json()["items"] == shots
    reelflow.wait_writes_flow()
