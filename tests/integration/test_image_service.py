"""The image service in process against the real broker, MongoDB and S3, observed from outside
(reading `image.events` like any other consumer would, and the stored objects). ShotPlanned is
published as the scene service would publish it; image commands as the gateway would."""

from __future__ import annotations

import asyncio
import io
import shutil
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from reelflow_contracts.envelope import Envelope, decode, new_envelope
from reelflow_contracts.messages.base import Command, Event
from reelflow_contracts.messages.common import StyleHints
from reelflow_contracts.messages.image import (
    ApproveImage,
    ImageApproved,
    ImageCommandRejected,
    ImageGenerated,
    ImageGenerationFailed,
    ImageRejected,
    RejectImage,
    image_media_key,
)
from reelflow_contracts.messages.scene import ShotPlanned
from reelflow_contracts.topics import IMAGE_EVENTS
from reelflow_image.bootstrap import build
from reelflow_image.handlers import image_id_of
from reelflow_image.settings import Settings
from reelflow_kit.ai.image_generation import REVISION_LEAD
from reelflow_kit.jobs import JOBS
from reelflow_kit.runtime import ServiceRuntime
from tests.support.fake_openai import IMAGES, FakeOpenAI, error, image_result, png
from tests.support.in_process import service_starter
from tests.support.kafka import read_topic

ROOT = Path(__file__).resolve().parents[2]
PROMPT = (
    "Medium close-up on Nora. Nora coils a rope on the empty pier. Setting: harbor (exterior). "
    "Time of day: dawn, soft pale first light. Characters: Nora. Mood: quiet and melancholic. "
    "Widescreen 16:9 composition, no text or lettering. watercolor illustration, soft pastel washes"
)


@pytest.fixture
async def start_service(infra, unique):
    """Starts image service instances (consumer group `image-service`) on a database of this test's own."""
    async with service_starter(infra, Settings, build, f"image_{unique}") as start:
        yield start


@pytest.fixture
def script_id(unique) -> str:
    return f"script-{unique}"


def shot_planned(
    script_id: str,
    shot: int,
    *,
    scene: int = 1,
    shot_count: int = 1,
    aspect: str = "16:9",
    prompt: str = PROMPT,
    characters: tuple[str, ...] = ("Nora",),
) -> Envelope[ShotPlanned]:
    event = ShotPlanned(
        script_id=script_id,
        scene_id=f"{script_id}-scene-{scene}",
        shot_id=f"{script_id}-scene-{scene}-shot-{shot}",
        scene_order=scene,
        order=shot,
        shot_count=shot_count,
        description=f"Nora coils a rope (shot {shot})",
        image_prompt=prompt,
        duration_s=3.5,
        narration="Nora coils a rope.",
        style=StyleHints(
            aspect=aspect,
            style_suffix="watercolor illustration",
            setting="harbor",
            time_of_day="dawn",
            characters=characters,
        ),
    )
    return new_envelope(event, source="scene")


async def send(service: ServiceRuntime, command: Command) -> Envelope:
    envelope = new_envelope(command, source="gateway")
    await service.publish(envelope)
    return envelope


async def events_of(infra, script_id: str, count: int, timeout: float = 60) -> list[Envelope[Event]]:
    """The first `count` events about `script_id` on image.events (other tests' events are skipped)."""

    def about(records) -> list[Envelope]:
        return [decode(r.headers, r.value) for r in records if r.key == script_id.encode()]

    records = await read_topic(
        infra.kafka_bootstrap, IMAGE_EVENTS, until=lambda rs: len(about(rs)) >= count, timeout=timeout
    )
    found = about(records)
    assert len(found) >= count, f"expected {count} events for {script_id}, got {[e.type for e in found]}"
    return found[:count]


async def all_events_of(infra, script_id: str) -> list[Envelope[Event]]:
    """Every event about `script_id` on image.events, read until the topic has been quiet for a while."""
    records = await read_topic(infra.kafka_bootstrap, IMAGE_EVENTS, timeout=20, idle=2.0)
    return [decode(r.headers, r.value) for r in records if r.key == script_id.encode()]


async def applied(service: ServiceRuntime, envelope: Envelope, timeout: float = 30) -> None:
    """Waits until the service's consumer group has recorded `envelope` as applied."""
    key = f"{service.consumers[0].group}/{envelope.id}"
    for _ in range(int(timeout / 0.1)):
        if await service.db.inbox.find_one({"_id": key}):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{envelope.type} {envelope.id} was not applied within {timeout}s")


async def stored_picture(service: ServiceRuntime, key: str) -> tuple[Image.Image, int]:
    data = await service.store.get(key)
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture, len(data)


async def generated(
    infra, service: ServiceRuntime, script_id: str, *shots: Envelope[ShotPlanned], already: int = 0
) -> list[ImageGenerated]:
    """Publishes the shots and waits for their images (after `already` earlier events of the script)."""
    for shot in shots:
        await service.publish(shot)
    events = (await events_of(infra, script_id, already + len(shots)))[already:]
    assert all(isinstance(e.data, ImageGenerated) for e in events), [e.type for e in events]
    return sorted((e.data for e in events), key=lambda g: g.shot_id)


async def test_each_planned_shot_gets_a_pending_png_of_its_frame_size_in_s3(infra, start_service, script_id):
    service = await start_service()
    wide = [shot_planned(script_id, n, shot_count=2) for n in (1, 2)]
    vertical = shot_planned(f"{script_id}-v", 1, aspect="9:16")
    square = shot_planned(f"{script_id}-s", 1, aspect="1:1", characters=())
    for envelope in (*wide, vertical, square):
        await service.publish(envelope)

    events = await events_of(infra, script_id, 2)
    others = [e for sid in (f"{script_id}-v", f"{script_id}-s") for e in await events_of(infra, sid, 1)]
    sizes = {}
    for envelope in events + others:
        image = envelope.data
        assert isinstance(image, ImageGenerated) and envelope.source == "image"
        assert image.image_id == image_id_of(image.shot_id, 1) and image.attempt == 1
        assert image.media_key == image_media_key(image.scene_id, image.image_id)
        assert image.prompt == PROMPT and image.previous_image_id is None
        assert (image.usage.provider, image.usage.images) == ("local", 1)
        picture, size = await stored_picture(service, image.media_key)
        assert (picture.format, picture.size) == ("PNG", (image.width, image.height))
        assert image.size_bytes == size and len(picture.convert("RGB").getcolors(1_000_000)) > 500
        sizes[image.script_id] = (image.width, image.height)
        doc = await service.db.images.find_one({"_id": image.image_id})
        assert (doc["status"], doc["attempt"], doc["media_key"], doc["prompt"]) == (
            "pending",
            1,
            image.media_key,
            PROMPT,
        )
        assert doc["timings"]["draw_s"] > 0 and doc["timings"]["instance"] == service.instance_id
    assert sizes == {script_id: (1920, 1080), f"{script_id}-v": (1080, 1920), f"{script_id}-s": (1080, 1080)}
    assert {e.causation_id for e in events} == {w.id for w in wide}
    assert {e.correlation_id for e in events} == {w.correlation_id for w in wide}
    shot = await service.db.shots.find_one({"_id": wide[0].data.shot_id})
    assert (shot["attempts"], shot["generating"], shot["width"], shot["characters"]) == (1, False, 1920, ["Nora"])


async def test_the_same_shot_planned_again_generates_nothing_new(infra, start_service, script_id):
    service = await start_service()
    planned = shot_planned(script_id, 1)
    await generated(infra, service, script_id, planned)
    await service.publish(planned)  # a redelivery: the same ce_id
    replay = shot_planned(script_id, 1)  # the same fact under a new id, as a replay into an empty inbox would be
    await service.publish(replay)
    await applied(service, replay)

    events = await all_events_of(infra, script_id)
    assert [type(e.data) for e in events] == [ImageGenerated]
    assert await service.db.images.count_documents({}) == 1
    assert await service.db[JOBS].count_documents({}) == 1


async def test_reject_draws_a_new_attempt_of_that_shot_only_and_the_old_image_stays_rejected(
    infra, start_service, script_id
):
    service = await start_service()
    first, other = await generated(
        infra, service, script_id, shot_planned(script_id, 1, shot_count=2), shot_planned(script_id, 2, shot_count=2)
    )
    feedback = "Make it night, with rain."
    command = await send(service, RejectImage(script_id=script_id, image_id=first.image_id, feedback=feedback))

    rejected, second = (await events_of(infra, script_id, 4))[2:]
    assert isinstance(rejected.data, ImageRejected) and rejected.causation_id == command.id
    assert (rejected.data.image_id, rejected.data.attempt, rejected.data.feedback, rejected.data.prompt) == (
        first.image_id,
        1,
        feedback,
        PROMPT,
    )
    image = second.data
    assert isinstance(image, ImageGenerated) and second.correlation_id == command.correlation_id
    assert (image.shot_id, image.attempt, image.previous_image_id) == (first.shot_id, 2, first.image_id)
    assert image.image_id == image_id_of(first.shot_id, 2)
    assert image.prompt == f"{PROMPT}\n\n{REVISION_LEAD}{feedback}"
    before, _ = await stored_picture(service, first.media_key)
    after, _ = await stored_picture(service, image.media_key)
    sky = (0, 0, after.width, after.height // 5)
    assert ImageStat.Stat(after.convert("L").crop(sky)).mean[0] < ImageStat.Stat(before.convert("L").crop(sky)).mean[0]

    statuses = {d["_id"]: (d["status"], d["attempt"]) async for d in service.db.images.find()}
    assert statuses == {first.image_id: ("rejected", 1), image.image_id: ("pending", 2), other.image_id: ("pending", 1)}
    assert (await service.db.images.find_one({"_id": first.image_id}))["feedback"] == feedback
    events = await all_events_of(infra, script_id)
    assert [type(e.data) for e in events] == [ImageGenerated, ImageGenerated, ImageRejected, ImageGenerated]


async def test_approve_then_a_better_image_replaces_the_approved_one(infra, start_service, script_id):
    service = await start_service()
    [first] = await generated(infra, service, script_id, shot_planned(script_id, 1))
    approve = await send(service, ApproveImage(script_id=script_id, image_id=first.image_id))
    again = await send(service, ApproveImage(script_id=script_id, image_id=first.image_id))
    unknown = await send(service, ApproveImage(script_id=script_id, image_id="no-such-image"))
    elsewhere = await send(service, RejectImage(script_id=f"{script_id}-other", image_id=first.image_id))

    approved, refused, missing, foreign = (await events_of(infra, script_id, 4))[1:] + await events_of(
        infra, f"{script_id}-other", 1
    )
    assert isinstance(approved.data, ImageApproved) and approved.causation_id == approve.id
    assert (
        approved.data.image_id,
        approved.data.attempt,
        approved.data.media_key,
        approved.data.replaced_image_id,
        approved.data.width,
        approved.data.height,
    ) == (first.image_id, 1, first.media_key, None, 1920, 1080)
    assert isinstance(refused.data, ImageCommandRejected)
    assert (refused.data.code, refused.data.command_id, refused.data.target_id) == (
        "not_pending",
        again.id,
        first.image_id,
    )
    assert (missing.data.code, missing.data.command_id) == ("not_found", unknown.id)
    assert (foreign.data.code, foreign.data.command_id) == ("not_found", elsewhere.id)

    # the writer asks for a better picture: the approved one stays the shot's image until another is approved
    await send(service, RejectImage(script_id=script_id, image_id=first.image_id, feedback="Closer on her hands."))
    rejected, second = (await events_of(infra, script_id, 6))[4:]
    assert isinstance(rejected.data, ImageRejected) and isinstance(second.data, ImageGenerated)
    assert (await service.db.shots.find_one({"_id": first.shot_id}))["approved_image_id"] == first.image_id
    twice = await send(service, RejectImage(script_id=script_id, image_id=first.image_id))
    await send(service, ApproveImage(script_id=script_id, image_id=second.data.image_id))

    refused_again, replaced = (await events_of(infra, script_id, 8))[6:]
    assert (refused_again.data.code, refused_again.data.command_id) == ("already_rejected", twice.id)
    assert isinstance(replaced.data, ImageApproved)
    assert (replaced.data.image_id, replaced.data.attempt, replaced.data.replaced_image_id) == (
        second.data.image_id,
        2,
        first.image_id,
    )
    shot = await service.db.shots.find_one({"_id": first.shot_id})
    assert shot["approved_image_id"] == second.data.image_id


async def test_a_rejection_past_the_last_attempt_ends_in_a_final_image_generation_failed(
    infra, start_service, script_id
):
    service = await start_service(image_max_attempts=2)
    [first] = await generated(infra, service, script_id, shot_planned(script_id, 1))
    await send(service, RejectImage(script_id=script_id, image_id=first.image_id, feedback="Wider."))
    second = (await events_of(infra, script_id, 3))[2].data
    assert isinstance(second, ImageGenerated) and second.attempt == 2
    await send(service, RejectImage(script_id=script_id, image_id=second.image_id, feedback="Still wrong."))

    events = await all_events_of(infra, script_id)
    assert [type(e.data) for e in events] == [
        ImageGenerated,
        ImageRejected,
        ImageGenerated,
        ImageRejected,
        ImageGenerationFailed,
    ]
    failed = events[-1].data
    assert (failed.image_id, failed.attempt, failed.code, failed.final, failed.stage) == (
        second.image_id,
        2,
        "max_attempts",
        True,
        "image_generation",
    )
    assert "used all 2 attempts" in failed.error
    assert await service.db.images.count_documents({}) == 2
    assert await service.db[JOBS].count_documents({}) == 2
    shot = await service.db.shots.find_one({"_id": first.shot_id})
    assert (shot["attempts"], shot["generating"], shot["notes"]) == (2, False, ["Wider.", "Still wrong."])


async def test_two_instances_share_the_generation_jobs(infra, start_service, script_id, unique):
    first = await start_service(instance_id=f"one-{unique}", image_concurrency=2)
    second = await start_service(instance_id=f"two-{unique}", image_concurrency=2)
    shots = [shot_planned(script_id, n, shot_count=10) for n in range(1, 11)]
    images = await generated(infra, first, script_id, *shots)

    assert [i.shot_id for i in images] == sorted(s.data.shot_id for s in shots)
    instances = [d["timings"]["instance"] async for d in first.db.images.find()]
    assert sorted(set(instances)) == [first.instance_id, second.instance_id]
    assert len(instances) == 10 and await first.db[JOBS].count_documents({"status": "done"}) == 10


async def test_a_provider_answering_429_is_retried_after_its_retry_after_and_usage_is_reported(
    infra, start_service, script_id
):
    with FakeOpenAI() as fake:
        fake.images.reply(
            error(429, "slow down", retry_after="0.5"),
            image_result(png(1536, 1024), input_tokens=30, output_tokens=4000),
        )
        service = await start_service(ai_provider="openai", openai_base_url=fake.url, openai_max_retries=0)
        [image] = await generated(infra, service, script_id, shot_planned(script_id, 1))
        first, second = fake.requests_to(IMAGES)
    assert second.received_at - first.received_at >= 0.5  # the job came back after the server's Retry-After
    assert (image.usage.provider, image.usage.model, image.usage.images, image.usage.output_tokens) == (
        "openai",
        "gpt-image-1.5",
        1,
        4000,
    )
    picture, _ = await stored_picture(service, image.media_key)
    assert picture.size == (1920, 1080)
    doc = await service.db.images.find_one({"_id": image.image_id})
    assert doc["timings"]["try"] == 2


async def test_a_refused_prompt_fails_at_once_and_a_reject_of_the_failed_image_tries_again(
    infra, start_service, script_id
):
    with FakeOpenAI() as fake:
        fake.images.reply(
            error(400, "Your request was rejected by the safety system", error_type="invalid_request_error"),
            image_result(png(1536, 1024)),
        )
        service = await start_service(ai_provider="openai", openai_base_url=fake.url, openai_max_retries=0)
        await service.publish(shot_planned(script_id, 1))
        [failed] = await events_of(infra, script_id, 1)
        assert isinstance(failed.data, ImageGenerationFailed)
        assert (failed.data.code, failed.data.final, failed.data.attempt) == ("bad_request", True, 1)
        assert "rejected by the safety system" in failed.data.error
        assert (await service.db.images.find_one({"_id": failed.data.image_id}))["status"] == "failed"

        await send(service, RejectImage(script_id=script_id, image_id=failed.data.image_id, feedback="A calmer scene."))
        rejected, retried = (await events_of(infra, script_id, 3))[1:]
        assert len(fake.requests_to(IMAGES)) == 2
    assert isinstance(rejected.data, ImageRejected) and rejected.data.image_id == failed.data.image_id
    assert isinstance(retried.data, ImageGenerated)
    assert (retried.data.attempt, retried.data.previous_image_id) == (2, failed.data.image_id)


@pytest.fixture
def own_s3(infra, unique):
    """A SeaweedFS of this test's own (the session's shared one is never stopped), on free ports."""
    sys.path.insert(0, str(ROOT / "deploy"))
    from embedded import stack

    cfg = stack.StackConfig.with_free_ports(
        ROOT / "var" / f"test-s3-{unique}", s3_access_key=infra.s3_access_key, s3_secret_key=infra.s3_secret_key
    )
    stack.start_s3(cfg)
    yield stack, cfg
    stack.stop_s3(cfg)
    shutil.rmtree(cfg.var_dir, ignore_errors=True)


async def job_of(service: ServiceRuntime, image_id: str) -> dict | None:
    return await service.db[JOBS].find_one({"payload.image_id": image_id})


async def until(condition, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := await condition():
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout}s")


async def test_storage_down_mid_run_is_retried_then_recovers_or_ends_in_a_clear_failure(
    infra, start_service, script_id, own_s3
):
    stack, cfg = own_s3
    service = await start_service(s3_endpoint=cfg.s3_endpoint, image_generation_tries=5)
    [before] = await generated(infra, service, script_id, shot_planned(script_id, 1, shot_count=3))

    # S3 goes away; the next shot's upload fails, is retried (not counted), and succeeds once S3 is back
    stack.stop_s3(cfg)
    await service.publish(shot_planned(script_id, 2, shot_count=3))
    second_id = image_id_of(f"{script_id}-scene-1-shot-2", 1)

    async def retried_twice():  # two tries met the store away; the job waits for its third
        job = await job_of(service, second_id)
        return (
            job
            if job
            and job.get("outages", 0) >= 2
            and job["attempts"] == 0
            and job["status"] == "queued"
            and "storage_unavailable" in (job.get("last_error") or "")
            else None
        )

    await until(retried_twice, what="two failed uploads")
    assert await service.db.drafts.count_documents({"_id": second_id}) == 1  # drawn once, kept for the next try
    stack.start_s3(cfg)
    [recovered] = (await events_of(infra, script_id, 2))[1:]
    assert isinstance(recovered.data, ImageGenerated) and recovered.data.image_id == second_id
    picture, _ = await stored_picture(service, recovered.data.media_key)
    assert picture.size == (1920, 1080)
    doc = await service.db.images.find_one({"_id": second_id})
    assert doc["status"] == "pending" and doc["timings"]["try"] == 1 and doc["timings"]["redrawn"] is False
    assert await service.db.drafts.count_documents({}) == 0

    # S3 stays away past the bound (the service restarted with fewer retries, to be quick): a clear,
    # final ImageGenerationFailed, nothing left pending
    await service.stop()
    service = await start_service(s3_endpoint=cfg.s3_endpoint, image_generation_max_outages=2)
    stack.stop_s3(cfg)
    await service.publish(shot_planned(script_id, 3, shot_count=3))
    [failed] = (await events_of(infra, script_id, 3, timeout=120))[2:]
    assert isinstance(failed.data, ImageGenerationFailed)
    assert (failed.data.code, failed.data.final, failed.data.attempt) == ("storage_unavailable", True, 1)
    assert "S3 PutObject" in failed.data.error and failed.data.usage.images == 1
    third = await service.db.images.find_one({"_id": failed.data.image_id})
    assert third["status"] == "failed" and third["error_code"] == "storage_unavailable"
    assert (await job_of(service, failed.data.image_id))["status"] == "failed"
    assert await service.db.images.count_documents({"status": "pending"}) == 2
    assert await service.db.drafts.count_documents({}) == 0
    assert not (await service.db.shots.find_one({"_id": failed.data.shot_id}))["generating"]

    # once S3 is back, rejecting the failed image draws the shot again
    stack.start_s3(cfg)
    await send(service, RejectImage(script_id=script_id, image_id=failed.data.image_id))
    rejected, again = (await events_of(infra, script_id, 5))[3:]
    assert isinstance(rejected.data, ImageRejected) and isinstance(again.data, ImageGenerated)
    assert (again.data.shot_id, again.data.attempt) == (failed.data.shot_id, 2)
    assert (await stored_picture(service, again.data.media_key))[0].size == (1920, 1080)
    assert before.image_id != again.data.image_id
