"""Operations over HTTP with every service as a real process: one call from a script or a premise
to a finished video, live progress, human gates, cancel, signed webhooks, owner scoping."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from tests.e2e.conftest import IMAGE_MAX_ATTEMPTS, PRICES, Reelflow, s3_client
from tests.e2e.helpers import HARBOR, KITCHEN, User, assert_error, wait_attempt, wait_for
from tests.support.fake_openai import CHAT, FakeOpenAI, completion
from tests.support.processes import free_port
from tests.support.video_probe import probe

FAST = {"resolution": "720p", "fps": 24, "motion": False, "narration": False, "subtitles": False}
SCRIPT = KITCHEN + "\n" + HARBOR


def operation(user: User, operation_id: str) -> dict:
    response = user.get(f"/api/operations/{operation_id}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_status(user: User, operation_id: str, *statuses: str, timeout: float = 240) -> dict:
    def reached():
        op = operation(user, operation_id)
        return op if op["status"] in statuses else None

    return wait_for(reached, timeout=timeout, interval=0.5, what=f"operation {operation_id} {statuses}")


def start(user: User, **body) -> str:
    return accepted(user, **body)["id"]


def accepted(user: User, **body) -> dict:
    """The 202 answer to starting an operation (with `webhook_secret` for a user's first webhook)."""
    response = user.post("/api/operations", json={"options": FAST, **body})
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "running"
    assert response.headers["location"] == f"/api/operations/{response.json()['id']}"
    return response.json()


def test_a_script_becomes_a_video_in_one_call(reelflow: Reelflow, alice: User, bob: User, tmp_path: Path):
    operation_id = start(alice, content=SCRIPT, title="Two mornings")
    done = wait_status(alice, operation_id, "completed", "failed")
    assert done["status"] == "completed", done["errors"]
    progress = done["progress"]
    assert progress["scenes_segmented"] == progress["scenes_approved"] == 2
    assert progress["images_approved"] == progress["shots_planned"] > 0 and progress["render"] == "done"
    assert done["stage_seconds"]["render"] >= 0 and done["result"]["script_id"] == done["script_id"]
    [drawn] = [u for u in done["usage_by_model"] if u["model"] == "storyboard"]  # the local image model
    assert drawn["provider"] == "local" and drawn["images"] == progress["images_generated"]
    assert done["cost"] == {
        "currency": "USD",
        "total": 0.0,
        "unpriced_models": [],
        "by_model": [{"provider": "local", "model": "storyboard", "amount": 0.0}],
    }
    spent = alice.get(f"/api/scripts/{done['script_id']}/usage").json()  # the same, kept by the read model
    assert [(u["provider"], u["model"], u["images"]) for u in spent["usage"]] == [
        ("local", "storyboard", progress["images_generated"])
    ]
    assert spent["cost"] == done["cost"] and done["usage"]["cost_usd"] == 0.0
    assert bob.get(f"/api/scripts/{done['script_id']}/usage").status_code == 404

    assert_video_shows_every_shot(alice, done, tmp_path)
    scenes = alice.get(f"/api/scripts/{done['script_id']}/scenes").json()
    assert scenes["total"] == 2  # no duplicate scenes
    assert bob.get(f"/api/operations/{operation_id}").status_code == 404


def assert_video_shows_every_shot(user: User, done: dict, tmp_path: Path) -> None:
    """The operation's MP4 decodes and lasts exactly its shots, less the crossfades between them."""
    video = user.get(done["result"]["content_url"])
    assert video.status_code == 200
    path = tmp_path / "op.mp4"
    path.write_bytes(video.content)
    seen = probe(path)
    shots = [
        shot
        for scene in user.get(f"/api/scripts/{done['script_id']}/scenes").json()["items"]
        for shot in user.get(f"/api/scenes/{scene['id']}/shots").json()["items"]
    ]
    assert len(shots) == done["progress"]["shots_planned"] > 0
    expected = sum(round(s["duration_s"] * 24) for s in shots) - (len(shots) - 1) * round(0.5 * 24)
    assert abs(seen.frames - expected) <= 1 and (seen.width, seen.height) == (1280, 720)
    assert abs(seen.duration_s - done["result"]["duration_s"]) <= 1 / 24


def test_a_premise_becomes_a_video_and_the_events_stream_shows_progress(
    reelflow: Reelflow, alice: User, tmp_path: Path
):
    operation_id = start(alice, premise="Two friends race paper boats down a rainy street", target_scenes=3)
    stages, end = [], None
    with httpx.Client(base_url=reelflow.base_url, timeout=300) as client:
        with client.stream("GET", f"/api/operations/{operation_id}/events", headers=alice.headers) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            event = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "progress":
                    stages.append(json.loads(line[6:])["stage"])
                elif line.startswith("data: ") and event == "end":
                    end = json.loads(line[6:])
                    break
    assert end == {"status": "completed"}
    # The stream opens with the state at that moment (under load the first stages may be over by
    # then), then shows every change: the stages it shows only move forward, to the render.
    order = ["script", "segmentation", "shot_planning", "image_generation", "render"]
    assert [order.index(s) for s in stages] == sorted(order.index(s) for s in stages), stages
    assert stages[-1] == "render" and len(set(stages)) >= 2, stages
    done = operation(alice, operation_id)
    script = alice.get(f"/api/scripts/{done['script_id']}").json()
    assert script["origin"] == "ai" and script["content"].strip()
    assert done["progress"]["scenes_segmented"] == 3  # as asked
    assert_video_shows_every_shot(alice, done, tmp_path)


def one_scene_approved_by_hand(user: User, **extra) -> tuple[str, dict]:
    """An operation without auto_approve for the one-scene HARBOR, its script and scene approved
    over HTTP; its id and the scene."""
    operation_id = start(user, content=HARBOR, auto_approve=False, **extra)
    op = wait_status(user, operation_id, "paused")
    assert user.post(f"/api/scripts/{op['script_id']}/approve").status_code in (200, 202)
    wait_for(lambda: operation(user, operation_id)["progress"]["scenes_segmented"] > 0, timeout=60, what="segmentation")
    [scene] = user.get(f"/api/scripts/{op['script_id']}/scenes").json()["items"]
    assert user.post(f"/api/scenes/{scene['id']}/approve").status_code in (200, 202)
    return operation_id, scene


def test_a_final_failure_fails_the_operation_visibly(reelflow: Reelflow, alice: User):
    """Rejecting one shot's image past the attempts cap ends in ImageGenerationFailed: the operation
    says `failed`, in which stage and why, instead of waiting for an image that will never come;
    its webhook says so, and cancelling it afterwards keeps the record of that delivery."""
    port, handler = free_port(), receiver()
    server = HTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        operation_id, scene = one_scene_approved_by_hand(alice, webhook_url=f"http://127.0.0.1:{port}/hook")
        shot = wait_for(
            lambda: (alice.get(f"/api/scenes/{scene['id']}/shots").json()["items"] or [None])[0],
            timeout=60,
            what="shots",
        )
        image = wait_attempt(alice, scene["id"], shot["id"], 1)
        for attempt in range(2, IMAGE_MAX_ATTEMPTS + 1):
            assert alice.post(f"/api/images/{image['id']}/reject", json={"feedback": "again"}).status_code == 200
            image = wait_attempt(alice, scene["id"], shot["id"], attempt)
        assert alice.post(f"/api/images/{image['id']}/reject", json={"feedback": "again"}).status_code == 200

        failed = wait_status(alice, operation_id, "failed", timeout=60)
        delivered = wait_for(lambda: operation(alice, operation_id)["webhook"], timeout=30, what="the webhook")
    finally:
        server.shutdown()
    assert failed["stage"] == "image_generation" and failed["progress"]["images_failed"] == 1
    error = failed["errors"][-1]
    assert error["stage"] == "image_generation" and error["code"] == "max_attempts"
    assert str(IMAGE_MAX_ATTEMPTS) in error["message"] and error["at"]
    assert json.loads(handler.received[-1][1])["event"] == "operation.failed" and delivered["status"] == "delivered"

    cancelled = alice.post(f"/api/operations/{operation_id}/cancel")  # a failed operation may still be resumed
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert operation(alice, operation_id)["webhook"] == delivered


def test_a_failed_render_resumes_when_the_video_is_asked_for_again(reelflow: Reelflow, alice: User):
    """One approved image's PNG is taken out of the image bucket, so the operation's render fails
    after its tries; once it is back, asking for the script's video again is the retry: the
    operation takes that video as its own and completes."""
    operation_id, scene = one_scene_approved_by_hand(alice)
    wait_for(
        lambda: (
            (o := operation(alice, operation_id))["progress"]["images_generated"] == o["progress"]["shots_planned"] > 0
        ),
        timeout=120,
        what="every first image",
    )
    images = alice.get(f"/api/scenes/{scene['id']}/images").json()["items"]
    s3 = s3_client(reelflow.infra)
    [key] = [
        item["Key"]
        for item in s3.list_objects_v2(Bucket=reelflow.image_bucket)["Contents"]
        if images[0]["id"] in item["Key"]
    ]
    png = s3.get_object(Bucket=reelflow.image_bucket, Key=key)["Body"].read()
    s3.delete_object(Bucket=reelflow.image_bucket, Key=key)
    try:
        for image in images:
            assert alice.post(f"/api/images/{image['id']}/approve").status_code in (200, 202)
        failed = wait_status(alice, operation_id, "failed", timeout=120)
    finally:
        s3.put_object(Bucket=reelflow.image_bucket, Key=key, Body=png, ContentType="image/png")
    assert failed["stage"] == "render" and failed["progress"]["render"] == "failed"
    assert failed["errors"][-1]["stage"] == "render"

    retry = alice.post(f"/api/scripts/{failed['script_id']}/create-video", json=FAST)
    assert retry.status_code == 202, retry.text
    wait_for(
        lambda: operation(alice, operation_id)["video_id"] == retry.json()["id"],
        timeout=60,
        what="the operation taking the new video",
    )
    done = wait_status(alice, operation_id, "completed", "failed", timeout=240)
    assert done["status"] == "completed", done["errors"]
    assert done["result"]["video_id"] == retry.json()["id"] != failed["video_id"]


def test_without_auto_approve_it_pauses_and_approving_over_http_resumes_it(reelflow: Reelflow, alice: User):
    operation_id = start(alice, content=HARBOR, auto_approve=False)
    op = wait_status(alice, operation_id, "paused")
    assert op["waiting_for"] == "script_approval"
    assert alice.post(f"/api/scripts/{op['script_id']}/approve").status_code in (200, 202)
    op = wait_for(
        lambda: (o := operation(alice, operation_id))["waiting_for"] == "scene_approval" and o,
        timeout=60,
        what="the scene gate",
    )
    for scene in alice.get(f"/api/scripts/{op['script_id']}/scenes").json()["items"]:
        assert alice.post(f"/api/scenes/{scene['id']}/approve").status_code in (200, 202)
    op = wait_for(
        lambda: (
            (o := operation(alice, operation_id))["waiting_for"] == "image_approval"
            and o["progress"]["images_generated"] == o["progress"]["shots_planned"] > 0
            and o
        ),
        timeout=120,
        what="the image gate",
    )
    for scene in alice.get(f"/api/scripts/{op['script_id']}/scenes").json()["items"]:
        for image in alice.get(f"/api/scenes/{scene['id']}/images").json()["items"]:
            assert alice.post(f"/api/images/{image['id']}/approve").status_code in (200, 202)
    assert wait_status(alice, operation_id, "completed", "failed")["status"] == "completed"


def test_cancel_stops_issuing_commands(reelflow: Reelflow, alice: User):
    operation_id = start(alice, content=HARBOR, auto_approve=False)
    op = wait_status(alice, operation_id, "paused")
    cancelled = alice.post(f"/api/operations/{operation_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_error(alice.post(f"/api/operations/{operation_id}/cancel"), 409)
    alice.post(f"/api/scripts/{op['script_id']}/approve")
    wait_for(
        lambda: alice.get(f"/api/scripts/{op['script_id']}/scenes").json()["total"] > 0,
        timeout=60,
        what="segmentation after the manual approval",
    )
    scenes = alice.get(f"/api/scripts/{op['script_id']}/scenes").json()["items"]
    assert all(s["status"] == "pending" for s in scenes)  # the cancelled operation approved nothing
    assert operation(alice, operation_id)["status"] == "cancelled"


def receiver(refusals: int = 0) -> type[BaseHTTPRequestHandler]:
    """A webhook receiver that answers 503 (Retry-After: 1) to its first `refusals` tries, then
    204; every try lands in its `received` as (headers, body)."""

    class Receiver(BaseHTTPRequestHandler):
        received: list = []

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["content-length"]))
            Receiver.received.append((dict(self.headers), body))
            if len(Receiver.received) <= refusals:
                self.send_response(503)
                self.send_header("Retry-After", "1")
            else:
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    return Receiver


def assert_signed(secret: str, headers: dict, body: bytes) -> None:
    """Verified as any receiver would, with a Standard Webhooks library and the owner's secret."""
    Webhook(secret).verify(body, headers)


def test_the_webhook_is_called_with_a_valid_signature(reelflow: Reelflow, alice: User):
    port, handler = free_port(), receiver()
    server = HTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        started = accepted(alice, content=HARBOR, webhook_url=f"http://127.0.0.1:{port}/hook")
        operation_id = started["id"]
        assert wait_status(alice, operation_id, "completed", "failed")["status"] == "completed"
        wait_for(lambda: handler.received, timeout=30, what="the webhook call")
    finally:
        server.shutdown()
    headers, body = handler.received[-1]
    assert_signed(started["webhook_secret"], headers, body)
    payload = json.loads(body)
    assert payload["event"] == "operation.completed" and payload["operation"]["id"] == operation_id
    assert wait_for(lambda: operation(alice, operation_id)["webhook"], timeout=10)["status"] == "delivered"


def test_a_webhook_refused_at_first_is_retried_until_delivered(reelflow: Reelflow, alice: User):
    port, handler = free_port(), receiver(refusals=2)
    server = HTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        started = accepted(alice, content=HARBOR, webhook_url=f"http://127.0.0.1:{port}/hook")
        operation_id = started["id"]
        assert wait_status(alice, operation_id, "completed", "failed")["status"] == "completed"
        webhook = wait_for(lambda: operation(alice, operation_id)["webhook"], timeout=60, what="the delivery")
    finally:
        server.shutdown()
    assert webhook["status"] == "delivered" and webhook["attempts"] == 3
    tries = handler.received
    assert len(tries) == 3
    assert len({headers["webhook-id"] for headers, _ in tries}) == 1  # one delivery, tried three times
    for headers, body in tries:
        assert_signed(started["webhook_secret"], headers, body)
        assert json.loads(body)["operation"]["id"] == operation_id


def test_bad_operation_requests_get_clear_errors(reelflow: Reelflow, alice: User):
    assert (
        "exactly one"
        in assert_error(alice.post("/api/operations", json={"content": "x", "premise": "y"}), 422)["detail"]
    )
    assert (
        "premise"
        in assert_error(alice.post("/api/operations", json={"content": "x", "target_scenes": 2}), 422)["detail"]
    )
    assert_error(alice.post("/api/operations", json={"content": "x", "webhook_url": "ftp://example.com/x"}), 422)
    gateway_itself = f"{reelflow.base_url}/api/scripts"  # refused though loopback is allowed here
    assert (
        assert_error(alice.post("/api/operations", json={"content": "x", "webhook_url": gateway_itself}), 422)["code"]
        == "webhook_url_refused"
    )
    metadata = "http://169.254.169.254/latest/meta-data/"
    assert (
        assert_error(alice.post("/api/operations", json={"content": "x", "webhook_url": metadata}), 422)["code"]
        == "webhook_url_refused"
    )
    assert_error(alice.get("/api/operations/not-there"), 404)


SCREENPLAY = {
    "title": "Paper Boats",
    "scenes": [
        {
            "slugline": "EXT. RAINY STREET - DAY",
            "beats": [
                {
                    "kind": "action",
                    "character": "",
                    "parenthetical": "",
                    "text": "TWO FRIENDS race paper boats down the gutter.",
                },
                {"kind": "dialogue", "character": "ANA", "parenthetical": "", "text": "Mine is winning!"},
            ],
        }
    ],
}


def test_a_priced_model_gives_the_operation_and_its_script_a_cost(reelflow: Reelflow, alice: User):
    """The script service writes through the openai provider (a fake OpenAI server here, with
    token counts), the gateway prices that model (`PRICES`): the cost shows on the operation, on
    the script's usage and in the webhook-ready `usage.cost_usd`, local work still free."""
    with FakeOpenAI() as fake:
        fake.chat.always(completion(SCREENPLAY, prompt_tokens=1000, completion_tokens=3000))
        reelflow.restart_script(
            REELFLOW_AI_PROVIDER="openai",
            REELFLOW_OPENAI_BASE_URL=fake.url,
            REELFLOW_OPENAI_API_KEY="sk-fake",
            REELFLOW_OPENAI_MODEL="writer-large",
        )
        try:
            operation_id = start(alice, premise="Two friends race paper boats down a rainy street", target_scenes=1)
            done = wait_status(alice, operation_id, "completed", "failed")
        finally:
            reelflow.restart_script()  # the local provider again, for the tests after this one
    assert done["status"] == "completed", done["errors"]
    assert len(fake.requests_to(CHAT)) == 1
    price = PRICES["writer-large"]
    written = pytest.approx(1000 * price["input_per_mtok"] / 1e6 + 3000 * price["output_per_mtok"] / 1e6)  # 0.0325
    cost = done["cost"]
    assert cost["currency"] == "USD" and cost["unpriced_models"] == []
    assert {(line["provider"], line["model"]): line["amount"] for line in cost["by_model"]} == {
        ("openai", "writer-large"): written,
        ("local", "storyboard"): 0.0,
    }
    assert cost["total"] == written and done["usage"]["cost_usd"] == written
    [writer] = [u for u in done["usage_by_model"] if u["model"] == "writer-large"]
    assert (writer["provider"], writer["input_tokens"], writer["output_tokens"]) == ("openai", 1000, 3000)

    spent = alice.get(f"/api/scripts/{done['script_id']}/usage").json()  # kept by the read model, same total
    assert spent["cost"]["total"] == written
    assert [
        (u["model"], u["input_tokens"], u["output_tokens"]) for u in spent["usage"] if u["provider"] == "openai"
    ] == [("writer-large", 1000, 3000)]


def test_a_users_operations_are_listed_newest_first_and_only_to_them(alice: User, bob: User) -> None:
    first = start(alice, content=KITCHEN, title="First", auto_approve=False)
    second = start(alice, content=HARBOR, title="Second", auto_approve=False)
    listed = alice.get("/api/operations", params={"limit": 1}).json()
    assert listed["total"] == 2 and [op["id"] for op in listed["items"]] == [second]
    rest = alice.get("/api/operations", params={"limit": 1, "offset": 1}).json()["items"]
    assert [(op["id"], op["title"], op["input"]) for op in rest] == [(first, "First", "content")]
    assert rest[0]["status"] in ("running", "paused") and "images_approved" in rest[0]["progress"]
    assert bob.get("/api/operations").json() == {"items": [], "total": 0, "limit": 20, "offset": 0}
    assert_error(alice.get("/api/operations", params={"limit": 0}), 422)
