"""Scenes and shots through HTTP -> script service -> scene service -> events -> read model -> HTTP."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from datetime import datetime

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from tests.e2e.conftest import E2E_NAMESPACE, Reelflow
from tests.e2e.helpers import (
    User,
    approved_with_scenes,
    assert_error,
    scenes_of,
    squeezed,
    wait_segmented,
    wait_shots,
)
from tests.samples import SAMPLES, load
from tests.support.kafka import headers_of, read_topic

SCREENPLAY = load("screenplay.txt")
HEADINGS = ["EXT. HARBOR - DAWN", "INT. FERRY CABIN - CONTINUOUS", "EXT. OPEN SEA - DAY", "INT. HARBOR CAFE - NIGHT"]
MISSING_ID = "00000000-0000-4000-8000-000000000000"
NAMESPACE = E2E_NAMESPACE["REELFLOW_KAFKA_NAMESPACE"]


def test_approving_a_script_makes_its_scenes_in_order(alice: User) -> None:
    script = alice.create(SCREENPLAY, "The Last Ferry")
    assert script["scene_count"] == 0 and script["approved_scene_count"] == 0
    assert script["segmentation"]["state"] == "none"
    assert scenes_of(alice, script["id"]) == []  # a draft has no scenes

    response = alice.post(f"/api/scripts/{script['id']}/approve")
    assert response.status_code == 200, response.text
    assert response.json()["segmentation"]["state"] in ("pending", "done")

    script = wait_segmented(alice, script["id"])
    assert script["segmentation"] == {
        "state": "done",
        "method": "sluglines",
        "fell_back": False,
        "note": "",
        "code": None,
        "error": None,
    }
    assert script["scene_count"] == 4 and script["approved_scene_count"] == 0
    page = alice.get(f"/api/scripts/{script['id']}/scenes").json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 100, 0)
    scenes = page["items"]
    assert [s["order"] for s in scenes] == [1, 2, 3, 4]
    assert [s["heading"] for s in scenes] == HEADINGS
    assert squeezed("".join(s["text"] for s in scenes)) == squeezed(SCREENPLAY)  # nothing lost, nothing twice
    for scene in scenes:
        assert scene["script_id"] == script["id"] and scene["status"] == "pending"
        assert scene["approved_at"] is None and scene["version"] == 1
        assert scene["shot_planning"] == {"state": "none", "shot_count": 0, "code": None, "error": None}
        assert alice.get(f"/api/scenes/{scene['id']}").json() == scene
        assert alice.get(f"/api/scenes/{scene['id']}/shots").json() == {
            "items": [],
            "total": 0,
            "limit": 100,
            "offset": 0,
        }
    assert len({s["id"] for s in scenes}) == 4

    second = alice.get(f"/api/scripts/{script['id']}/scenes", params={"limit": 2, "offset": 2}).json()
    assert [s["order"] for s in second["items"]] == [3, 4] and second["total"] == 4
    assert alice.get(f"/api/scripts/{script['id']}/scenes", params={"offset": 9}).json()["items"] == []


def test_a_pending_scene_can_be_edited(alice: User) -> None:
    script, scenes = approved_with_scenes(alice, SCREENPLAY)
    scene = scenes[1]
    new_text = "INT. FERRY CABIN - NIGHT\n\nThe lights flicker. ELI wakes with a start.\n"

    response = alice.put(f"/api/scenes/{scene['id']}", json={"text": new_text})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["text"] == new_text and edited["heading"] == "INT. FERRY CABIN - NIGHT"
    assert edited["status"] == "pending" and edited["order"] == 2 and edited["version"] == 2
    assert datetime.fromisoformat(edited["updated_at"]) >= datetime.fromisoformat(scene["updated_at"])
    assert alice.get(f"/api/scenes/{scene['id']}").json() == edited  # read-your-writes
    assert scenes_of(alice, script["id"])[1] == edited
    others = [s for s in scenes_of(alice, script["id"]) if s["id"] != scene["id"]]
    assert others == [s for s in scenes if s["id"] != scene["id"]]


def test_a_pending_scenes_heading_can_be_set_and_then_follows_the_text_again(alice: User) -> None:
    _, scenes = approved_with_scenes(alice, SCREENPLAY)
    scene = scenes[0]
    text = "The lights flicker. ELI wakes with a start.\n"

    named = alice.put(f"/api/scenes/{scene['id']}", json={"text": text, "heading": "  Eli   wakes "})
    assert named.status_code == 200, named.text
    assert (named.json()["heading"], named.json()["text"]) == ("Eli wakes", text)
    cleared = alice.put(f"/api/scenes/{scene['id']}", json={"text": "INT. CABIN - NIGHT\n\n" + text, "heading": ""})
    assert cleared.status_code == 200 and cleared.json()["heading"] == "", cleared.text
    derived = alice.put(f"/api/scenes/{scene['id']}", json={"text": "INT. CABIN - NIGHT\n\n" + text})
    assert derived.status_code == 200 and derived.json()["heading"] == "INT. CABIN - NIGHT", derived.text
    assert alice.get(f"/api/scenes/{scene['id']}").json() == derived.json()


@pytest.mark.parametrize(
    ("payload", "word"),
    [
        ({}, "text"),
        ({"text": "ok", "heading": "two\nlines"}, "heading"),
        ({"text": "ok", "heading": "h" * 301}, "heading"),
        ({"text": "ok", "heading": 3}, "heading"),
        ({"text": ""}, "text"),
        ({"text": "  \n "}, "blank"),
        ({"text": 7}, "text"),
        ({"text": "ok", "status": "approved"}, "status"),
        ({"text": "é" * 100_001}, "bytes"),
    ],
)
def test_invalid_scene_edit_is_422(alice: User, payload: dict, word: str) -> None:
    _, scenes = approved_with_scenes(alice, "INT. ROOM - DAY\n\nA clock ticks.\n")
    body = assert_error(alice.put(f"/api/scenes/{scenes[0]['id']}", json=payload), 422)
    assert word in body["detail"], body


def test_approving_each_scene_plans_its_shots(alice: User) -> None:
    script, scenes = approved_with_scenes(alice, SCREENPLAY, "Shots")
    for n, scene in enumerate(scenes, start=1):
        response = alice.post(f"/api/scenes/{scene['id']}/approve")
        assert response.status_code == 200, response.text
        approved = response.json()
        assert approved["status"] == "approved" and approved["approved_at"]
        assert approved["version"] == scene["version"] + 1 and approved["text"] == scene["text"]
        assert approved["shot_planning"]["state"] in ("planning", "planned")

        shots = wait_shots(alice, scene["id"])
        assert [s["order"] for s in shots] == list(range(1, len(shots) + 1)) and 1 <= len(shots) <= 6
        for shot in shots:
            assert shot["scene_id"] == scene["id"] and shot["script_id"] == script["id"]
            assert shot["scene_order"] == scene["order"] and shot["shot_count"] == len(shots)
            assert shot["description"].strip() and shot["duration_s"] > 0
            assert len(shot["image_prompt"]) > 20
            assert shot["style"]["aspect"] == "16:9" and shot["style"]["style_suffix"] in shot["image_prompt"]
        assert len({s["id"] for s in shots}) == len(shots)

        now = alice.get(f"/api/scenes/{scene['id']}").json()
        assert now["status"] == "approved"
        assert now["shot_planning"] == {"state": "planned", "shot_count": len(shots), "code": None, "error": None}
        assert alice.get(f"/api/scripts/{script['id']}").json()["approved_scene_count"] == n

    final = alice.get(f"/api/scripts/{script['id']}").json()
    assert (final["scene_count"], final["approved_scene_count"]) == (4, 4)
    assert all(s["status"] == "approved" for s in scenes_of(alice, script["id"]))


def test_an_approved_scene_cannot_be_edited_or_approved_again(alice: User) -> None:
    script, scenes = approved_with_scenes(alice, SCREENPLAY)
    scene = scenes[0]
    assert alice.post(f"/api/scenes/{scene['id']}/approve").status_code == 200

    body = assert_error(alice.put(f"/api/scenes/{scene['id']}", json={"text": "INT. ELSEWHERE - DAY\n\nNo."}), 409)
    assert body["code"] == "not_pending" and "pending" in body["detail"]
    body = assert_error(alice.post(f"/api/scenes/{scene['id']}/approve"), 409)
    assert body["code"] == "already_approved" and "approved" in body["detail"]

    unchanged = alice.get(f"/api/scenes/{scene['id']}").json()
    assert unchanged["text"] == scene["text"] and unchanged["status"] == "approved"
    assert unchanged["version"] == scene["version"] + 1
    assert alice.get(f"/api/scripts/{script['id']}").json()["approved_scene_count"] == 1


def test_another_users_scenes_and_shots_are_invisible(alice: User, bob: User) -> None:
    script, scenes = approved_with_scenes(alice, SCREENPLAY, "private")
    approved, pending = scenes[0], scenes[1]
    assert alice.post(f"/api/scenes/{approved['id']}/approve").status_code == 200
    shots = wait_shots(alice, approved["id"])

    assert_error(bob.get(f"/api/scripts/{script['id']}/scenes"), 404)
    for scene in (approved, pending):
        assert_error(bob.get(f"/api/scenes/{scene['id']}"), 404)
        assert_error(bob.get(f"/api/scenes/{scene['id']}/shots"), 404)
        assert_error(bob.put(f"/api/scenes/{scene['id']}", json={"text": "INT. MINE - DAY\n\nMine now."}), 404)
        assert_error(bob.post(f"/api/scenes/{scene['id']}/approve"), 404)

    assert alice.get(f"/api/scenes/{pending['id']}").json() == pending  # neither edited nor approved
    assert alice.get(f"/api/scenes/{approved['id']}/shots").json()["items"] == shots


def test_unknown_scene_ids_are_404(alice: User) -> None:
    for scene_id in (MISSING_ID, "nope", "x" * 300, "..", "a b"):
        assert_error(alice.get(f"/api/scenes/{scene_id}"), 404)
        assert_error(alice.get(f"/api/scenes/{scene_id}/shots"), 404)
    assert_error(alice.put(f"/api/scenes/{MISSING_ID}", json={"text": "INT. X - DAY\n\nY."}), 404)
    assert_error(alice.post(f"/api/scenes/{MISSING_ID}/approve"), 404)
    assert_error(alice.get(f"/api/scripts/{MISSING_ID}/scenes"), 404)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}])
def test_bad_scene_paging_is_422(alice: User, params: dict) -> None:
    script = alice.create(SCREENPLAY)
    body = assert_error(alice.get(f"/api/scripts/{script['id']}/scenes", params=params), 422)
    assert next(iter(params)) in body["detail"]


def test_a_60_scene_script_segments_fully(alice: User) -> None:
    name = "long_screenplay (60 scenes)"
    content = load(name)
    assert SAMPLES[name].min_scenes == 60
    script, scenes = approved_with_scenes(alice, content, "Sixty")
    assert script["scene_count"] == 60 and len(scenes) == 60
    assert [s["order"] for s in scenes] == list(range(1, 61))
    assert all(s["heading"].startswith(("INT.", "EXT.")) for s in scenes)
    assert squeezed("".join(s["text"] for s in scenes)) == squeezed(content)
    middle = alice.get(f"/api/scripts/{script['id']}/scenes", params={"limit": 25, "offset": 50}).json()
    assert [s["order"] for s in middle["items"]] == list(range(51, 61)) and middle["total"] == 60


def test_a_failed_segmentation_is_visible(alice: User) -> None:
    content = "INT. ROOM - DAY\n\nA door.\n\n" * 1001  # more scenes than the scene service accepts
    script = alice.create(content, "too many")
    assert alice.post(f"/api/scripts/{script['id']}/approve").status_code == 200
    script = wait_segmented(alice, script["id"])
    segmentation = script["segmentation"]
    assert segmentation["state"] == "failed" and segmentation["code"] == "too_many_scenes"
    assert "1001" in segmentation["error"]
    assert script["scene_count"] == 0 and scenes_of(alice, script["id"]) == []


# -- replaying ScriptApproved ---------------------------------------------------------------------


def test_replaying_script_approved_creates_no_duplicate_scenes(reelflow: Reelflow, alice: User) -> None:
    script, scenes = approved_with_scenes(alice, SCREENPLAY, "replayed")
    bootstrap = reelflow.infra.kafka_bootstrap
    script_events = f"{NAMESPACE}.script.events"

    def is_its_approval(record) -> bool:
        headers = headers_of(record)
        return headers.get("ce_type") == "reelflow.script.approved.v1" and headers.get("ce_subject") == script["id"]

    records = asyncio.run(
        read_topic(bootstrap, script_events, until=lambda rs: any(map(is_its_approval, rs)), timeout=30)
    )
    original = next(r for r in records if is_its_approval(r))

    # The same envelope again (a redelivery), and the same fact under a new ce_id (a replay
    # into an empty inbox): both on the original's partition, since the key is the script id.
    again = list(original.headers)
    fresh = [(k, str(uuid.uuid4()).encode() if k == "ce_id" else v) for k, v in original.headers]
    partitions = asyncio.run(_produce(bootstrap, script_events, original.key, original.value, [again, fresh]))

    # A barrier: a script whose approval lands on the same partition after the replays. The scene
    # service handles a partition in order, so once its scenes exist, the replays were handled.
    barrier = _script_on_partition(alice, original.partition, partitions)
    assert alice.post(f"/api/scripts/{barrier['id']}/approve").status_code == 200
    assert wait_segmented(alice, barrier["id"])["scene_count"] == 1

    assert scenes_of(alice, script["id"], limit=1000) == scenes
    assert alice.get(f"/api/scripts/{script['id']}").json() == script
    segmented = asyncio.run(read_topic(bootstrap, f"{NAMESPACE}.scene.events", timeout=30, idle=2.0))
    of_script = [headers_of(r)["ce_type"] for r in segmented if r.key == original.key]
    assert of_script.count("reelflow.scene.script_segmented.v1") == 1
    assert of_script.count("reelflow.scene.created.v1") == 4


async def _produce(bootstrap: str, topic: str, key: bytes, value: bytes, header_sets: list[list]) -> list[int]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        for headers in header_sets:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
        return sorted(await producer.partitions_for(topic))
    finally:
        await producer.stop()


def _script_on_partition(user: User, partition: int, partitions: list[int]) -> dict:
    partitioner = DefaultPartitioner()
    for _ in range(200):
        script = user.create("INT. BARRIER - DAY\n\nLast in line.\n", "barrier")
        if partitioner(script["id"].encode(), partitions, partitions) == partition:
            return script
    raise AssertionError(f"no script id landed on partition {partition}")


def test_a_held_get_answers_as_soon_as_the_scenes_appear(reelflow: Reelflow, alice: User) -> None:
    """`If-None-Match` + `Prefer: wait=N`: 304 while nothing changes; held open, it answers 200
    with the new list once the approved script's scenes are projected, well before N seconds."""
    script = alice.create(SCREENPLAY, "Held")
    path = f"/api/scripts/{script['id']}/scenes"
    empty = alice.get(path)
    tag = empty.headers["etag"]
    assert empty.json()["total"] == 0 and tag.startswith('"')
    assert alice.get(path, headers={"If-None-Match": tag}).status_code == 304

    started = time.monotonic()
    timed_out = alice.get(path, headers={"If-None-Match": tag, "Prefer": "wait=1"})
    assert timed_out.status_code == 304 and timed_out.headers["preference-applied"] == "wait=1"
    assert 1 <= time.monotonic() - started < 5

    answer: dict = {}

    def held_get() -> None:
        with httpx.Client(base_url=reelflow.base_url, timeout=60) as client:
            t0 = time.monotonic()
            answer["response"] = client.get(path, headers={**alice.headers, "If-None-Match": tag, "Prefer": "wait=20"})
            answer["seconds"] = time.monotonic() - t0

    holder = threading.Thread(target=held_get)
    holder.start()
    time.sleep(0.3)  # the GET is being held
    assert "response" not in answer
    assert alice.post(f"/api/scripts/{script['id']}/approve").status_code in (200, 202)
    holder.join(30)
    response = answer["response"]
    assert response.status_code == 200 and response.json()["total"] > 0, response.text
    assert response.headers["etag"] != tag and answer["seconds"] < 15
    later = alice.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert later.status_code in (200, 304)  # 200 only if more scenes landed meanwhile


def test_a_held_get_of_shots_sees_them_planned(alice: User) -> None:
    script, scenes = approved_with_scenes(alice, SCREENPLAY, "Held shots")
    path = f"/api/scenes/{scenes[0]['id']}/shots"
    tag = alice.get(path).headers["etag"]
    assert alice.post(f"/api/scenes/{scenes[0]['id']}/approve").status_code in (200, 202)
    seen = alice.get(path, headers={"If-None-Match": tag, "Prefer": "wait=20"})
    assert seen.status_code == 200 and seen.json()["total"] > 0
    assert_error(alice.get(f"/api/scenes/{MISSING_ID}/shots", headers={"If-None-Match": tag, "Prefer": "wait=5"}), 404)
