"""The scene service in process against the real broker and MongoDB, observed from outside
(reading `scene.events` like any other consumer would). ScriptApproved is published as the
script service would publish it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from reelflow_contracts.envelope import Envelope, decode, new_envelope
from reelflow_contracts.messages.base import Command, Event
from reelflow_contracts.messages.scene import (
    ApproveScene,
    SceneApproved,
    SceneCommandRejected,
    SceneCreated,
    SceneUpdated,
    ScriptSegmented,
    SegmentationFailed,
    ShotPlanned,
    ShotPlanningFailed,
    UpdateScene,
)
from reelflow_contracts.messages.script import ScriptApproved
from reelflow_contracts.topics import SCENE_EVENTS, dead_letter_topic
from reelflow_kit.ai.scene_reading import spoken_text
from reelflow_kit.ai.segmentation import covers
from reelflow_kit.ai.timing import MAX_SHOT_S, MIN_SHOT_S, reading_seconds
from reelflow_kit.handling import derived_id
from reelflow_kit.runtime import ServiceRuntime
from reelflow_scene.bootstrap import build
from reelflow_scene.settings import Settings
from tests.samples import load
from tests.support.fake_openai import CHAT, FakeOpenAI, completion, error
from tests.support.in_process import service_starter
from tests.support.kafka import read_topic

SCREENPLAY = load("screenplay.txt")
HEADINGS = ["EXT. HARBOR - DAWN", "INT. FERRY CABIN - CONTINUOUS", "EXT. OPEN SEA - DAY", "INT. HARBOR CAFE - NIGHT"]


@pytest.fixture
async def start_service(infra, unique):
    """Starts the scene service (consumer group `scene-service`) on a database of this test's own."""
    async with service_starter(infra, Settings, build, f"scene_{unique}") as start:
        yield start


@pytest.fixture
def script_id(unique) -> str:
    return f"script-{unique}"


def script_approved(script_id: str, content: str = SCREENPLAY, **fields) -> Envelope[ScriptApproved]:
    event = ScriptApproved(
        **{
            "script_id": script_id,
            "owner_id": "user-1",
            "title": "The Last Ferry",
            "content": content,
            "aspect": "9:16",
            "approved_at": datetime.now(UTC),
            **fields,
        }
    )
    return new_envelope(event, source="script")


async def send(service: ServiceRuntime, command: Command) -> Envelope:
    envelope = new_envelope(command, source="gateway")
    await service.publish(envelope)
    return envelope


async def events_of(
    infra, script_id: str, count: int, timeout: float = 30, ignoring: tuple[type, ...] = ()
) -> list[Envelope[Event]]:
    """The first `count` events about `script_id` on scene.events, leaving out those of the `ignoring`
    types (other tests' events are skipped)."""

    def about(records) -> list[Envelope]:
        mine = [decode(r.headers, r.value) for r in records if r.key == script_id.encode()]
        return [e for e in mine if not isinstance(e.data, ignoring)]

    records = await read_topic(
        infra.kafka_bootstrap, SCENE_EVENTS, until=lambda rs: len(about(rs)) >= count, timeout=timeout
    )
    found = about(records)
    assert len(found) >= count, f"expected {count} events for {script_id}, got {[e.type for e in found]}"
    return found[:count]


async def all_events_of(infra, script_id: str) -> list[Envelope[Event]]:
    """Every event about `script_id` on scene.events, read until the topic has been quiet for a while."""
    records = await read_topic(infra.kafka_bootstrap, SCENE_EVENTS, timeout=15, idle=1.5)
    return [decode(r.headers, r.value) for r in records if r.key == script_id.encode()]


async def segmented(infra, service: ServiceRuntime, script_id: str, content: str = SCREENPLAY) -> list[SceneCreated]:
    """Publishes ScriptApproved and waits for its scenes; returns their SceneCreated events."""
    await service.publish(script_approved(script_id, content))
    scene_count = len(load_scenes(content))
    events = await events_of(infra, script_id, scene_count + 1)
    assert isinstance(events[-1].data, ScriptSegmented)
    return [e.data for e in events[:-1]]


def load_scenes(content: str):
    from reelflow_kit.ai.local.segmenter import segment_text

    return segment_text(content).scenes


async def applied(service: ServiceRuntime, envelope: Envelope, timeout: float = 20) -> None:
    """Waits until the service's consumer group has recorded `envelope` as applied."""
    key = f"{service.consumers[0].group}/{envelope.id}"
    for _ in range(int(timeout / 0.1)):
        if await service.db.inbox.find_one({"_id": key}):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{envelope.type} {envelope.id} was not applied within {timeout}s")


async def test_an_approved_script_becomes_pending_scenes_and_one_script_segmented(infra, start_service, script_id):
    service = await start_service()
    approved = script_approved(script_id)
    await service.publish(approved)

    *created, done = await events_of(infra, script_id, 5)
    assert [type(e.data) for e in created] == [SceneCreated] * 4
    scenes = [e.data for e in created]
    assert [s.order for s in scenes] == [1, 2, 3, 4]
    assert [s.heading for s in scenes] == HEADINGS
    assert [s.scene_id for s in scenes] == [derived_id(approved.id, "scene", n) for n in range(1, 5)]
    assert covers(SCREENPLAY, scenes)
    assert all(
        e.source == "scene" and e.causation_id == approved.id and e.correlation_id == approved.correlation_id
        for e in [*created, done]
    )
    event = done.data
    assert isinstance(event, ScriptSegmented)
    assert event.scene_ids == tuple(s.scene_id for s in scenes)
    assert (event.method, event.fell_back, event.note, event.usage.provider) == ("sluglines", False, "", "local")

    stored = await service.db.scenes.find({"script_id": script_id}, sort=[("order", 1)]).to_list()
    assert [(d["_id"], d["status"], d["text"]) for d in stored] == [(s.scene_id, "pending", s.text) for s in scenes]
    facts = await service.db.scripts.find_one({"_id": script_id})
    assert (facts["owner_id"], facts["title"], facts["aspect"], facts["characters"]) == (
        "user-1",
        "The Last Ferry",
        "9:16",
        ["Nora", "Eli"],
    )
    assert facts["style_suffix"] and facts["segmentation"]["scene_count"] == 4
    assert [name for name, _ in facts["looks"]] == ["Nora", "Eli"] and facts["looks"][0][1].startswith("40s")


async def test_the_same_script_approved_again_creates_nothing_new(infra, start_service, script_id):
    service = await start_service()
    approved = script_approved(script_id)
    await service.publish(approved)
    await events_of(infra, script_id, 5)
    await service.publish(approved)  # a redelivery: the same ce_id
    replay = script_approved(script_id)  # the same fact under a new id, as a replay into an empty inbox would be
    await service.publish(replay)
    await applied(service, replay)

    events = await all_events_of(infra, script_id)
    assert [type(e.data) for e in events] == [SceneCreated] * 4 + [ScriptSegmented]
    assert await service.db.scenes.count_documents({"script_id": script_id}) == 4


async def test_update_scene_replaces_a_pending_scenes_text_and_reads_its_heading(infra, start_service, script_id):
    service = await start_service()
    scenes = await segmented(infra, service, script_id)
    new_text = "INT. LIGHTHOUSE - NIGHT\n\nEli climbs the stairs with the paper bag."
    command = await send(service, UpdateScene(script_id=script_id, scene_id=scenes[1].scene_id, text=new_text))

    [updated] = (await events_of(infra, script_id, 6))[5:]
    assert isinstance(updated.data, SceneUpdated) and updated.causation_id == command.id
    assert (updated.data.scene_id, updated.data.order, updated.data.heading, updated.data.text) == (
        scenes[1].scene_id,
        2,
        "INT. LIGHTHOUSE - NIGHT",
        new_text,
    )
    stored = await service.db.scenes.find_one({"_id": scenes[1].scene_id})
    assert (stored["text"], stored["heading"], stored["status"]) == (new_text, "INT. LIGHTHOUSE - NIGHT", "pending")


async def test_update_scene_with_a_heading_keeps_the_writers_heading(infra, start_service, script_id):
    service = await start_service()
    scenes = await segmented(infra, service, script_id)
    text = "INT. LIGHTHOUSE - NIGHT\n\nEli climbs the stairs."
    await send(service, UpdateScene(script_id=script_id, scene_id=scenes[0].scene_id, text=text, heading="The climb"))

    [updated] = (await events_of(infra, script_id, 6))[5:]
    assert (updated.data.heading, updated.data.text) == ("The climb", text)
    stored = await service.db.scenes.find_one({"_id": scenes[0].scene_id})
    assert stored["heading"] == "The climb"


async def test_editing_or_approving_an_approved_scene_is_rejected(infra, start_service, script_id):
    service = await start_service()
    scenes = await segmented(infra, service, script_id)
    scene_id = scenes[0].scene_id
    await send(service, ApproveScene(script_id=script_id, scene_id=scene_id))
    edit = await send(service, UpdateScene(script_id=script_id, scene_id=scene_id, text="Too late."))
    again = await send(service, ApproveScene(script_id=script_id, scene_id=scene_id))

    approved, edit_refused, again_refused = (await events_of(infra, script_id, 8, ignoring=(ShotPlanned,)))[5:]
    assert isinstance(approved.data, SceneApproved)
    assert isinstance(edit_refused.data, SceneCommandRejected)
    assert (edit_refused.data.code, edit_refused.data.command_id, edit_refused.data.target_id) == (
        "not_pending",
        edit.id,
        scene_id,
    )
    assert edit_refused.data.command_type == UpdateScene.ce_type and edit_refused.subject == scene_id
    assert (again_refused.data.code, again_refused.data.command_id) == ("already_approved", again.id)
    stored = await service.db.scenes.find_one({"_id": scene_id})
    assert stored["text"] == scenes[0].text and stored["status"] == "approved"


async def test_commands_for_an_unknown_scene_are_rejected_with_not_found(infra, start_service, script_id):
    service = await start_service()
    edit = await send(service, UpdateScene(script_id=script_id, scene_id="no-such-scene", text="Hello."))
    approve = await send(service, ApproveScene(script_id=script_id, scene_id="no-such-scene"))

    first, second = await events_of(infra, script_id, 2)
    assert [(e.data.code, e.data.command_id) for e in (first, second)] == [
        ("not_found", edit.id),
        ("not_found", approve.id),
    ]
    assert "no-such-scene" in first.data.reason


async def test_approving_a_scene_emits_scene_approved_then_its_planned_shots(infra, start_service, script_id):
    service = await start_service()
    scenes = await segmented(infra, service, script_id)
    cafe = scenes[3]
    command = await send(service, ApproveScene(script_id=script_id, scene_id=cafe.scene_id))

    approved, first_shot = (await events_of(infra, script_id, 7))[5:]
    assert isinstance(approved.data, SceneApproved) and approved.causation_id == command.id
    assert (approved.data.scene_id, approved.data.order) == (cafe.scene_id, 4)
    count = first_shot.data.shot_count
    shots = [e.data for e in (await events_of(infra, script_id, 6 + count))[6:]]
    assert all(isinstance(s, ShotPlanned) for s in shots)
    assert [s.order for s in shots] == list(range(1, count + 1)) and 1 <= count <= 6
    assert [s.shot_id for s in shots] == [derived_id(cafe.scene_id, "shot", n) for n in range(1, count + 1)]
    assert {(s.scene_id, s.scene_order, s.shot_count) for s in shots} == {(cafe.scene_id, 4, count)}
    assert round(sum(s.duration_s for s in shots), 1) == reading_seconds(spoken_text(cafe.text))
    assert " ".join(s.narration for s in shots) == spoken_text(cafe.text)
    style_suffix = (await service.db.scripts.find_one({"_id": script_id}))["style_suffix"]
    for shot in shots:
        assert shot.image_prompt.endswith(style_suffix)
        assert "harbor cafe (interior)" in shot.image_prompt and "night" in shot.image_prompt
        assert (shot.style.aspect, shot.style.style_suffix, shot.style.setting, shot.style.time_of_day) == (
            "9:16",
            style_suffix,
            "harbor cafe (interior)",
            "night",
        )
    assert shots[0].style.characters == ("Nora", "Eli") and "Characters: Nora, Eli." in shots[0].image_prompt
    assert "Nora: 40s, oilskin coat" in shots[0].image_prompt  # her look, in every prompt she is in
    assert all(MIN_SHOT_S <= s.duration_s <= MAX_SHOT_S for s in shots)
    assert [s.usage.provider for s in shots] == ["local"] * count

    stored = await service.db.shots.find({"scene_id": cafe.scene_id}, sort=[("order", 1)]).to_list()
    assert [(d["_id"], d["image_prompt"], d["duration_s"]) for d in stored] == [
        (s.shot_id, s.image_prompt, s.duration_s) for s in shots
    ]
    scene = await service.db.scenes.find_one({"_id": cafe.scene_id})
    assert (scene["status"], scene["shot_planning"], scene["shot_count"]) == ("approved", "planned", count)


async def test_a_sixty_scene_script_is_segmented_in_order(infra, start_service, script_id):
    service = await start_service()
    content = load("long_screenplay (60 scenes)")
    approved = script_approved(script_id, content)
    await service.publish(approved)

    *created, done = await events_of(infra, script_id, 61, timeout=60)
    assert [e.data.order for e in created] == list(range(1, 61))
    assert done.data.scene_ids == tuple(e.data.scene_id for e in created)
    assert [e.data.heading for e in created] == [scene.heading for scene in load_scenes(content)]
    assert created[59].data.heading == "INT. SUBWAY CAR - DUSK"
    assert await service.db.scenes.count_documents({"script_id": script_id, "status": "pending"}) == 60


async def test_a_200_kb_script_is_segmented_in_one_transaction(infra, start_service, script_id):
    service = await start_service()
    content = load("max_size_200KB")
    expected = load_scenes(content)
    await service.publish(script_approved(script_id, content))

    *created, done = await events_of(infra, script_id, len(expected) + 1, timeout=60)
    assert len(content.encode()) > 199_000 and len(expected) > 100
    assert [e.data.text for e in created] == [scene.text for scene in expected]
    assert isinstance(done.data, ScriptSegmented) and len(done.data.scene_ids) == len(expected)
    assert covers(content, [e.data for e in created])


async def test_openai_segments_and_plans_with_token_usage_on_the_events(infra, start_service, script_id):
    starts = {"scenes": [{"order": n, "starts_with": h} for n, h in enumerate(HEADINGS, start=1)]}
    storyboard = {
        "shots": [
            {
                "order": 1,
                "description": "Gulls over grey swell",
                "image_prompt": "Wide shot of a ferry cutting through grey swell, gulls following",
                "narration": "The ferry cuts through grey swell. Gulls follow it.",
            }
        ]
    }
    with FakeOpenAI() as fake:
        fake.chat.reply(
            completion(starts, prompt_tokens=800, completion_tokens=60),
            completion(storyboard, prompt_tokens=300, completion_tokens=90),
        )
        service = await start_service(ai_provider="openai", openai_base_url=fake.url, openai_model="m-large")
        await service.publish(script_approved(script_id))
        *created, done = await events_of(infra, script_id, 5)
        await send(service, ApproveScene(script_id=script_id, scene_id=created[2].data.scene_id))
        shot = (await events_of(infra, script_id, 7))[6].data
        assert len(fake.requests_to(CHAT)) == 2
    assert (done.data.method, done.data.fell_back) == ("ai", False)
    assert (done.data.usage.provider, done.data.usage.input_tokens, done.data.usage.output_tokens) == (
        "openai",
        800,
        60,
    )
    assert isinstance(shot, ShotPlanned) and (shot.order, shot.shot_count) == (1, 1)
    assert shot.image_prompt.startswith("Wide shot of a ferry cutting through grey swell, gulls following. ")
    assert (shot.usage.model, shot.usage.input_tokens, shot.usage.output_tokens) == ("m-large", 300, 90)
    assert shot.duration_s == reading_seconds("The ferry cuts through grey swell. Gulls follow it.")


async def test_a_failing_openai_provider_makes_segmentation_failed(infra, start_service, script_id):
    with FakeOpenAI() as fake:
        fake.chat.always(error(500, "the upstream model is on fire"))
        service = await start_service(
            ai_provider="openai", openai_base_url=fake.url, openai_max_retries=2, openai_backoff_s=0.01
        )
        approved = script_approved(script_id)
        await service.publish(approved)

        [failed] = await events_of(infra, script_id, 1)
        assert len(fake.requests_to(CHAT)) == 3
    event = failed.data
    assert isinstance(event, SegmentationFailed) and failed.causation_id == approved.id
    assert (event.stage, event.code, event.final, event.attempts) == ("segmentation", "provider_unavailable", True, 3)
    assert "HTTP 500: the upstream model is on fire" in event.error
    assert await service.db.scenes.count_documents({}) == 0
    facts = await service.db.scripts.find_one({"_id": script_id})
    assert facts["segmentation"]["segmented"] is False and "on fire" in facts["segmentation"]["error"]


async def test_shot_planning_that_keeps_failing_ends_in_shot_planning_failed(infra, start_service, script_id):
    starts = {"scenes": [{"order": 1, "starts_with": HEADINGS[0]}, {"order": 2, "starts_with": HEADINGS[1]}]}
    with FakeOpenAI() as fake:
        fake.chat.reply(completion(starts))
        fake.chat.always(error(503, "planner overloaded"))
        service = await start_service(
            ai_provider="openai", openai_base_url=fake.url, openai_max_retries=0, shot_planning_max_attempts=2
        )
        await service.publish(script_approved(script_id))
        created = (await events_of(infra, script_id, 3))[:2]
        await send(service, ApproveScene(script_id=script_id, scene_id=created[0].data.scene_id))

        approved, failed = (await events_of(infra, script_id, 5))[3:]
        assert len(fake.requests_to(CHAT)) == 1 + 2
    assert isinstance(approved.data, SceneApproved)
    event = failed.data
    assert isinstance(event, ShotPlanningFailed)
    assert (event.scene_id, event.stage, event.code, event.final, event.attempts) == (
        created[0].data.scene_id,
        "shot_planning",
        "provider_unavailable",
        True,
        2,
    )
    assert "HTTP 503: planner overloaded" in event.error
    scene = await service.db.scenes.find_one({"_id": created[0].data.scene_id})
    assert (scene["status"], scene["shot_planning"]) == ("approved", "failed")
    assert await service.db.shots.count_documents({}) == 0


class BrokenSegmenter:
    """A segmenter with a bug: it fails every time, whatever the script."""

    async def segment(self, script: str):
        raise RuntimeError("segmenter bug (test)")


async def test_an_approved_script_that_is_dead_lettered_fails_its_segmentation_visibly(infra, unique, script_id):
    async with service_starter(
        infra, Settings, lambda settings: build(settings, segmenter=BrokenSegmenter()), f"scene_{unique}"
    ) as start:
        service = await start(handler_max_attempts=2, retry_backoff_s=0.01, retry_backoff_max_s=0.02)
        approved = script_approved(script_id)
        await service.publish(approved)
        [failed] = await events_of(infra, script_id, 1)
    assert isinstance(failed.data, SegmentationFailed) and failed.causation_id == approved.id
    assert failed.data.code == "dead_lettered" and failed.data.final
    assert "segmenter bug (test)" in failed.data.error
    dead = await read_topic(
        infra.kafka_bootstrap,
        dead_letter_topic("scene-service"),
        until=lambda rs: any(r.key == script_id.encode() for r in rs),
        timeout=30,
    )
    assert any(r.key == script_id.encode() for r in dead)
