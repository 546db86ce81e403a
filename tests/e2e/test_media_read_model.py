"""Images and videos in the read model: image events (`image.events`) and shot events
(`scene.events`) arrive in any interleaving; every one must give the same views, images must be
listed in shot order, and a video's readiness must follow what the user sees.

Runs the gateway's projections on the session's real MongoDB, in scratch databases.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient

from reelflow_contracts import (
    ApproveImage,
    CreateVideo,
    ImageApproved,
    ImageGenerated,
    ImageGenerationFailed,
    ImageRejected,
    RejectImage,
    ShotPlanned,
    VideoFailed,
    VideoRendered,
    VideoRequested,
    new_envelope,
)
from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.common import VideoOptions
from reelflow_gateway.collections import IMAGES, SHOTS, VIDEOS
from reelflow_gateway.readmodel.images import ImagesView, ensure_image_indexes
from reelflow_gateway.readmodel.projector import projections
from reelflow_gateway.readmodel.public import image_body, video_body
from reelflow_gateway.readmodel.scenes import ScenesView
from reelflow_gateway.readmodel.videos import VideosView
from reelflow_gateway.schemas import ImageOut, VideoOut
from tests.e2e.test_scene_read_model import interleavings
from tests.support.infra import Infra

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def at(minute: int) -> datetime:
    return T0.replace(minute=minute)


def shot_events(script_id: str, scene_id: str) -> list[Envelope]:
    return [
        new_envelope(
            ShotPlanned(
                script_id=script_id,
                scene_id=scene_id,
                shot_id=f"{scene_id}-h{n}",
                scene_order=1,
                order=n,
                shot_count=2,
                description=f"shot {n}",
                image_prompt=f"prompt {n}",
                duration_s=2.5,
            ),
            source="scene",
        )
        for n in (2, 1)
    ]  # any order in the plan


def image_events(script_id: str, scene_id: str) -> list[Envelope]:
    """Shot 1: attempt 1 rejected, attempt 2 approved, then rejected, attempt 3 approved (replacing 2).
    Shot 2: attempt 1 failed to draw. In the order the image service commits them."""
    h1, h2 = f"{scene_id}-h1", f"{scene_id}-h2"

    def generated(shot: str, attempt: int, minute: int, previous: str | None = None) -> Envelope:
        return new_envelope(
            ImageGenerated(
                script_id=script_id,
                image_id=f"{shot}-i{attempt}",
                shot_id=shot,
                scene_id=scene_id,
                attempt=attempt,
                width=1920,
                height=1080,
                prompt=f"prompt {attempt}",
                media_key=f"images/scene_{scene_id}/image_{shot}-i{attempt}.png",
                size_bytes=1000 + attempt,
                previous_image_id=previous,
                generated_at=at(minute),
            ),
            source="image",
        )

    def approve(attempt: int, minute: int, replaced: str | None = None) -> Envelope:
        command = new_envelope(ApproveImage(script_id=script_id, image_id=f"{h1}-i{attempt}"), source="gateway")
        return new_envelope(
            ImageApproved(
                script_id=script_id,
                image_id=f"{h1}-i{attempt}",
                shot_id=h1,
                scene_id=scene_id,
                attempt=attempt,
                width=1920,
                height=1080,
                prompt=f"prompt {attempt}",
                media_key=f"images/scene_{scene_id}/image_{h1}-i{attempt}.png",
                replaced_image_id=replaced,
                approved_at=at(minute),
            ),
            source="image",
            causation=command,
        )

    def reject(attempt: int, minute: int, feedback: str) -> Envelope:
        command = new_envelope(
            RejectImage(script_id=script_id, image_id=f"{h1}-i{attempt}", feedback=feedback), source="gateway"
        )
        return new_envelope(
            ImageRejected(
                script_id=script_id,
                image_id=f"{h1}-i{attempt}",
                shot_id=h1,
                scene_id=scene_id,
                attempt=attempt,
                prompt=f"prompt {attempt}",
                feedback=feedback,
                rejected_at=at(minute),
            ),
            source="image",
            causation=command,
        )

    return [
        generated(h1, 1, 1),
        new_envelope(
            ImageGenerationFailed(
                script_id=script_id,
                image_id=f"{h2}-i1",
                shot_id=h2,
                scene_id=scene_id,
                attempt=1,
                code="storage_unavailable",
                error="S3 away",
            ),
            source="image",
        ),
        reject(1, 2, "brighter"),
        generated(h1, 2, 3, previous=f"{h1}-i1"),
        approve(2, 4),
        reject(2, 5, "closer"),
        generated(h1, 3, 6, previous=f"{h1}-i2"),
        approve(3, 7, replaced=f"{h1}-i2"),
    ]


@pytest.fixture
async def client(infra: Infra):
    client = AsyncMongoClient(infra.mongo_uri, tz_aware=True)
    names: list[str] = []

    def scratch():
        db = client[f"e2e_media_{uuid.uuid4().hex[:8]}"]
        names.append(db.name)
        return db

    try:
        yield scratch
    finally:
        for name in names:
            await client.drop_database(name)
        await client.close()


async def project(db, events: list[Envelope]) -> dict[str, list[dict]]:
    table = projections()
    for env in events:
        apply, _ = table[type(env.data)]
        await apply(db, None, env)
    return {name: await db[name].find().sort("_id").to_list() for name in (IMAGES, SHOTS, VIDEOS)}


async def test_any_order_across_topics_gives_the_same_images(client) -> None:
    s, c = "s-" + uuid.uuid4().hex[:8], "c-" + uuid.uuid4().hex[:8]
    shots, images = shot_events(s, c), image_events(s, c)
    results = [await project(client(), events) for events in interleavings(shots, images, limit=8)]
    assert all(result == results[0] for result in results)

    db = client()
    await ensure_image_indexes(db)
    await project(db, images + shots)  # every image before its shot
    listed, total = await ImagesView(db).of_scene(c, 10, 0)
    bodies = [image_body(doc) for doc in listed]
    for body in bodies:
        ImageOut.model_validate(body)
    assert total == 4
    assert [(b["shot_order"], b["attempt"], b["status"], b["selected"]) for b in bodies] == [
        (1, 1, "rejected", False),
        (1, 2, "rejected", False),
        (1, 3, "approved", True),
        (2, 1, "failed", False),
    ]
    first, second, third, failed = bodies
    assert first["feedback"] == "brighter" and first["content_url"] == f"/api/images/{first['id']}/content"
    assert second["replaced_by"] == third["id"] and second["approved_at"] == at(4) and second["feedback"] == "closer"
    assert third["previous_image_id"] == second["id"] and third["updated_at"] == at(7)
    assert failed["code"] == "storage_unavailable" and failed["error"] == "S3 away"
    assert failed["content_url"] is None and failed["width"] is None and failed["prompt"] is None
    assert (await ImagesView(db).of_scene(c, 2, 2))[0] == listed[2:]
    # what create-video says the user saw: the planned shots and their approved images
    assert set(await ScenesView(db).planned_shot_ids(s)) == {f"{c}-h1", f"{c}-h2"}
    assert await ImagesView(db).approved_image_ids(s) == (third["id"],)


async def test_the_attempts_cap_shows_as_failed_and_answers_nothing(client) -> None:
    s, c = "s-" + uuid.uuid4().hex[:8], "c-" + uuid.uuid4().hex[:8]
    command = new_envelope(RejectImage(script_id=s, image_id="i3", feedback="again"), source="gateway")
    rejected = new_envelope(
        ImageRejected(
            script_id=s,
            image_id="i3",
            shot_id="h",
            scene_id=c,
            attempt=3,
            prompt="p",
            feedback="again",
            rejected_at=at(1),
        ),
        source="image",
        causation=command,
    )
    capped = new_envelope(
        ImageGenerationFailed(
            script_id=s,
            image_id="i3",
            shot_id="h",
            scene_id=c,
            attempt=3,
            code="max_attempts",
            error="shot h has used all 3 attempts",
        ),
        source="image",
        causation=command,
    )
    table = projections()
    assert table[ImageRejected][1](rejected).command_id == command.id
    assert table[ImageGenerationFailed][1](capped) is None  # ImageRejected answered the command
    for events in ([rejected, capped], [capped, rejected]):
        db = client()
        await project(db, events)
        body = image_body(await ImagesView(db).get("i3"))
        assert (body["status"], body["code"], body["feedback"]) == ("failed", "max_attempts", "again")


async def test_the_same_image_facts_again_under_new_ids_change_nothing(client) -> None:
    s, c = "s-" + uuid.uuid4().hex[:8], "c-" + uuid.uuid4().hex[:8]
    db = client()
    events = shot_events(s, c) + image_events(s, c)
    first = await project(db, events)
    again = [dataclasses.replace(env, id=str(uuid.uuid4())) for env in events]
    assert await project(db, again) == first


async def test_a_videos_status_follows_its_events(client) -> None:
    s = "s-" + uuid.uuid4().hex[:8]
    db = client()
    videos = VideosView(db)
    options = VideoOptions(resolution="720p", narration=False)
    command = new_envelope(CreateVideo(script_id=s, video_id="v1", options=options), source="gateway")
    requested = new_envelope(
        VideoRequested(script_id=s, video_id="v1", options=options, image_ids=("i1", "i2"), requested_at=at(1)),
        source="video",
        causation=command,
    )
    assert projections()[VideoRequested][1](requested).command_id == command.id
    await project(db, [requested])
    pending = video_body(await videos.get("v1"))
    assert (pending["status"], pending["content_url"], pending["duration_s"]) == ("pending", None, None)
    assert pending["options"] == options.model_dump(mode="json") and pending["image_ids"] == ["i1", "i2"]
    VideoOut.model_validate(pending)

    await project(
        db,
        [
            new_envelope(
                VideoRendered(
                    script_id=s,
                    video_id="v1",
                    duration_s=4.5,
                    width=1280,
                    height=720,
                    fps=30,
                    size_bytes=12345,
                    media_key="videos/video_v1.mp4",
                    has_audio=False,
                    render_s=2.5,
                    reused_segments=3,
                    rendered_at=at(2),
                ),
                source="video",
                causation=command,
            )
        ],
    )
    done = video_body(await videos.get("v1"))
    assert (done["status"], done["duration_s"], done["width"], done["height"], done["reused_segments"]) == (
        "approved",
        4.5,
        1280,
        720,
        3,
    )
    assert done["content_url"] == "/api/videos/v1/content" and done["rendered_at"] == at(2)
    VideoOut.model_validate(done)

    later = new_envelope(
        VideoRequested(script_id=s, video_id="v2", options=options, requested_at=at(3)), source="video"
    )
    not_final = new_envelope(
        VideoFailed(script_id=s, video_id="v2", error="ffmpeg crashed", final=False), source="video"
    )
    await project(db, [later, not_final])
    assert video_body(await videos.latest_of(s))["status"] == "pending"  # still retried
    await project(
        db, [new_envelope(VideoFailed(script_id=s, video_id="v2", error="ffmpeg crashed", attempts=3), source="video")]
    )
    failed = video_body(await videos.latest_of(s))
    assert (failed["id"], failed["status"], failed["code"], failed["error"]) == (
        "v2",
        "rejected",
        "render_failed",
        "ffmpeg crashed",
    )
    assert await videos.get("nope") is None and await videos.latest_of("other") is None
