"""The video service against real Kafka, MongoDB and S3; the MP4 checked with a real decoder."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from pymongo import AsyncMongoClient

from reelflow_contracts.envelope import decode, new_envelope
from reelflow_contracts.messages.common import StyleHints, VideoOptions
from reelflow_contracts.messages.image import ImageApproved
from reelflow_contracts.messages.scene import ScriptSegmented, ShotPlanned
from reelflow_contracts.messages.video import (
    CreateVideo,
    VideoCommandRejected,
    VideoRendered,
    VideoRenderProgressed,
    VideoRequested,
)
from reelflow_contracts.topics import VIDEO_EVENTS
from reelflow_kit.ai.image_generation import ImageRequest
from reelflow_kit.ai.local.storyboard import paint
from reelflow_kit.store.s3 import ObjectStore
from reelflow_video.bootstrap import build
from reelflow_video.settings import Settings
from tests.support.kafka import read_topic
from tests.support.video_probe import closest, frame_at, probe

PROMPTS = [
    "EXT. HARBOR - DAWN. Nora on the pier",
    "INT. KITCHEN - NIGHT. Maya pours coffee",
    "EXT. CITY STREET - DUSK. Tom runs",
    "EXT. FOREST ROAD - DAY. A car drives",
]
OPTIONS = VideoOptions(resolution="720p", fps=24, transition="fade", transition_s=0.5, narration=False)


@pytest.fixture
async def video_service(infra, unique, tmp_path):
    settings = Settings(
        mongo_database=f"video_{unique}",
        s3_bucket=f"video-{unique}",
        image_bucket=f"images-{unique}",
        workdir=tmp_path / "work",
        ai_provider="local",
        render_progress_every_s=0.2,
        **infra.settings_kwargs(),
    )
    images = ObjectStore(settings, bucket=settings.image_bucket)
    await images.ensure_bucket()
    runtime = build(settings)
    await runtime.start()
    yield runtime, images
    await runtime.stop()
    async with AsyncMongoClient(infra.mongo_uri) as client:
        await client.drop_database(settings.database_name)


def picture(prompt: str, attempt: int = 1) -> bytes:
    return paint(ImageRequest(prompt=prompt, width=1280, height=720, attempt=attempt))


async def storyboard(runtime, images, script_id: str, shots: int, approve: int) -> list[str]:
    """Publish what the scene and image services would: one scene of `shots` shots, `approve` images approved."""
    scene_id = f"{script_id}-scene"
    await runtime.publish(
        new_envelope(ScriptSegmented(script_id=script_id, scene_ids=(scene_id,), method="sluglines"), source="scene")
    )
    shot_ids = [f"{script_id}-shot-{n}" for n in range(1, shots + 1)]
    for order, shot_id in enumerate(shot_ids, start=1):
        await runtime.publish(
            new_envelope(
                ShotPlanned(
                    script_id=script_id,
                    scene_id=scene_id,
                    shot_id=shot_id,
                    scene_order=1,
                    order=order,
                    shot_count=shots,
                    description=PROMPTS[order - 1],
                    image_prompt=PROMPTS[order - 1],
                    duration_s=2.0,
                    narration=f"Line {order}.",
                    style=StyleHints(),
                ),
                source="scene",
            )
        )
    for order, shot_id in enumerate(shot_ids[:approve], start=1):
        await approve_image(runtime, images, script_id, scene_id, shot_id, PROMPTS[order - 1], attempt=1)
    return shot_ids


async def approve_image(runtime, images, script_id, scene_id, shot_id, prompt, attempt):
    image_id = f"{shot_id}-img-{attempt}"
    key = f"images/scene_{scene_id}/image_{image_id}.png"
    await images.put(key, picture(prompt, attempt), "image/png")
    await runtime.publish(
        new_envelope(
            ImageApproved(
                script_id=script_id,
                image_id=image_id,
                shot_id=shot_id,
                scene_id=scene_id,
                attempt=attempt,
                width=1280,
                height=720,
                prompt=prompt,
                media_key=key,
                approved_at=datetime.now(UTC),
            ),
            source="image",
        )
    )
    return key


async def outcome(infra, script_id: str, video_id: str, types: tuple):
    def found(records):
        return [
            e
            for e in (decode(r.headers, r.value) for r in records if r.key == script_id.encode())
            if isinstance(e.data, types) and getattr(e.data, "video_id", e.data.__dict__.get("target_id")) == video_id
        ]

    records = await read_topic(infra.kafka_bootstrap, VIDEO_EVENTS, until=lambda rs: bool(found(rs)), timeout=120)
    return found(records)[0].data


def approved_ids(shot_ids: list[str], attempt: int = 1) -> tuple[str, ...]:
    """The ids of the images `approve_image` approved for these shots: what a sender saw approved."""
    return tuple(f"{shot_id}-img-{attempt}" for shot_id in shot_ids)


async def create(runtime, script_id, video_id, options=OPTIONS, image_ids=(), shot_ids=()):
    """CreateVideo naming the planned shots and approved images its sender saw, as the gateway does:
    the video service decides at once when its storyboard holds them, else when it catches up."""
    await runtime.publish(
        new_envelope(
            CreateVideo(
                script_id=script_id, video_id=video_id, options=options, image_ids=image_ids, shot_ids=shot_ids
            ),
            source="gateway",
        )
    )


async def test_a_video_is_refused_while_images_are_missing_and_rendered_once_all_are_approved(
    infra, unique, video_service, tmp_path
):
    runtime, images = video_service
    script_id = f"s-{unique}"
    shot_ids = await storyboard(runtime, images, script_id, shots=3, approve=2)

    await create(runtime, script_id, f"v1-{unique}", image_ids=approved_ids(shot_ids[:2]), shot_ids=shot_ids)
    refused = await outcome(infra, script_id, f"v1-{unique}", (VideoCommandRejected,))
    assert refused.code == "images_missing"
    assert [m.shot_id for m in refused.missing_shots] == [shot_ids[2]]

    await approve_image(runtime, images, script_id, f"{script_id}-scene", shot_ids[2], PROMPTS[2], attempt=1)
    await create(runtime, script_id, f"v2-{unique}", image_ids=approved_ids(shot_ids))
    rendered = await outcome(infra, script_id, f"v2-{unique}", (VideoRendered,))

    path = tmp_path / "video.mp4"
    path.write_bytes(await runtime.store.get(rendered.media_key))
    seen = probe(path)
    fps = OPTIONS.fps
    expected_frames = 3 * 2 * fps - 2 * round(0.5 * fps)  # three 2 s shots, two 0.5 s crossfades
    assert seen.frames == expected_frames
    assert abs(seen.duration_s - expected_frames / fps) <= 1 / fps
    assert abs(rendered.duration_s - expected_frames / fps) <= 1 / fps
    assert (
        (seen.width, seen.height, seen.video_codec) == (1280, 720, "h264") == (rendered.width, rendered.height, "h264")
    )
    assert seen.audio_codec is None  # narration off
    sources = [Image.open(io.BytesIO(picture(p))) for p in PROMPTS]
    for shot, middle in enumerate((1.0, 2.75, 4.5)):  # the middle of each shot on the timeline
        assert closest(frame_at(path, middle), sources) == shot
    assert rendered.media_key == f"videos/video_v2-{unique}.mp4"


async def test_a_render_reports_its_progress_step_by_step_before_the_video_is_rendered(infra, unique, video_service):
    runtime, images = video_service
    script_id = f"s-{unique}"
    shot_ids = await storyboard(runtime, images, script_id, shots=4, approve=4)
    video_id = f"v-{unique}"
    await create(
        runtime,
        script_id,
        video_id,
        options=OPTIONS.model_copy(update={"motion": True}),
        image_ids=approved_ids(shot_ids),
    )
    await outcome(infra, script_id, video_id, (VideoRendered,))

    def of_video(records):
        return [
            e.data
            for e in (decode(r.headers, r.value) for r in records if r.key == script_id.encode())
            if getattr(e.data, "video_id", None) == video_id
        ]

    records = await read_topic(
        infra.kafka_bootstrap,
        VIDEO_EVENTS,
        timeout=30,
        until=lambda rs: any(isinstance(e, VideoRendered) for e in of_video(rs)),
    )
    events = of_video(records)
    kinds = [type(e) for e in events]
    assert kinds[-1] is VideoRendered
    progress = [e for e in events if isinstance(e, VideoRenderProgressed)]
    assert kinds.index(VideoRendered) > max(i for i, k in enumerate(kinds) if k is VideoRenderProgressed)
    assert progress[0].step == "preparing" and progress[0].fraction == 0
    order = ["preparing", "encoding", "joining", "storing"]
    steps = [order.index(p.step) for p in progress]
    assert steps == sorted(steps)
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions) and 0.1 < fractions[-1] <= 1
    encoding = [p for p in progress if p.step == "encoding"]
    assert encoding and encoding[-1].frames_total == 4 * 2 * OPTIONS.fps - 3 * round(0.5 * OPTIONS.fps)
    assert all(0 <= p.frames_done <= p.frames_total for p in encoding)


async def test_replacing_one_image_re_encodes_only_what_it_touches(infra, unique, video_service, tmp_path):
    runtime, images = video_service
    script_id = f"s-{unique}"
    shot_ids = await storyboard(runtime, images, script_id, shots=4, approve=4)
    await create(runtime, script_id, f"v1-{unique}", image_ids=approved_ids(shot_ids))
    first = await outcome(infra, script_id, f"v1-{unique}", (VideoRendered,))
    assert first.reused_segments == 0

    # The command names the images its sender saw approved (as the gateway does) and arrives
    # before the video service's storyboard has seen the newest one: it waits for it.
    await create(
        runtime, script_id, f"v2-{unique}", image_ids=approved_ids(shot_ids[:3]) + approved_ids(shot_ids[3:], attempt=2)
    )
    await asyncio.sleep(0.3)
    await approve_image(runtime, images, script_id, f"{script_id}-scene", shot_ids[3], PROMPTS[0], attempt=2)
    second = await outcome(infra, script_id, f"v2-{unique}", (VideoRendered,))
    # 4 bodies + 3 crossfades; the last shot's body and the crossfade before it are new
    assert second.reused_segments == 7 - 2
    path = tmp_path / "v2.mp4"
    path.write_bytes(await runtime.store.get(second.media_key))
    sources = [Image.open(io.BytesIO(picture(p))) for p in PROMPTS]
    assert closest(frame_at(path, second.duration_s - 0.8), sources) == 0


async def test_narration_lengthens_shots_to_fit_and_brings_audio_and_subtitles(infra, unique, video_service, tmp_path):
    runtime, images = video_service
    script_id = f"s-{unique}"
    shot_ids = await storyboard(runtime, images, script_id, shots=2, approve=2)
    spoken = VideoOptions(
        resolution="720p", fps=24, transition="fade", transition_s=0.5, narration=True, subtitles=True, aspect="9:16"
    )
    await create(runtime, script_id, f"v-{unique}", spoken, image_ids=approved_ids(shot_ids))
    rendered = await outcome(infra, script_id, f"v-{unique}", (VideoRendered,))

    path = tmp_path / "spoken.mp4"
    path.write_bytes(await runtime.store.get(rendered.media_key))
    seen = probe(path)
    assert (seen.width, seen.height) == (720, 1280)
    assert seen.audio_codec == "aac" and rendered.has_audio
    assert seen.has_subtitles
    assert rendered.usage.provider == "local" and rendered.usage.audio_seconds > 0
    assert abs(seen.frames / 24 - rendered.duration_s) <= 1 / 24
    assert rendered.duration_s >= 2 * 2.0 - 0.5


async def test_a_request_ahead_of_the_storyboard_is_answered_when_it_catches_up_or_at_its_deadline(
    infra, unique, video_service
):
    """Answered without waiting in the consumer, and as the answer to the CreateVideo (its causation),
    whether the storyboard's consumer or the deadline job decided."""
    runtime, images = video_service
    script_id = f"s-{unique}"
    shot_ids = await storyboard(runtime, images, script_id, shots=2, approve=1)

    async def send(video_id: str, image_ids: tuple[str, ...]):
        envelope = new_envelope(
            CreateVideo(script_id=script_id, video_id=video_id, options=OPTIONS, image_ids=image_ids), source="gateway"
        )
        await runtime.publish(envelope)
        return envelope

    async def answer(video_id: str, types: tuple):
        def found(records):
            return [
                e
                for e in (decode(r.headers, r.value) for r in records if r.key == script_id.encode())
                if isinstance(e.data, types)
                and getattr(e.data, "video_id", getattr(e.data, "target_id", None)) == video_id
            ]

        records = await read_topic(infra.kafka_bootstrap, VIDEO_EVENTS, until=lambda rs: bool(found(rs)), timeout=60)
        return found(records)[0]

    caught_up = await send(f"v1-{unique}", approved_ids(shot_ids))  # the second image is approved a moment later
    deadline = await send(f"v2-{unique}", approved_ids(shot_ids[:1]) + ("never-approved",))
    await asyncio.sleep(0.3)
    await approve_image(runtime, images, script_id, f"{script_id}-scene", shot_ids[1], PROMPTS[1], attempt=1)

    requested = await answer(f"v1-{unique}", (VideoRequested,))
    assert requested.data.image_ids == approved_ids(shot_ids)
    assert (requested.causation_id, requested.correlation_id) == (caught_up.id, caught_up.correlation_id)

    late = await answer(f"v2-{unique}", (VideoRequested, VideoCommandRejected))
    assert isinstance(late.data, VideoRequested)  # decided at the deadline with what the storyboard holds
    assert (late.causation_id, late.correlation_id) == (deadline.id, deadline.correlation_id)
    assert late.time - deadline.time >= timedelta(seconds=Settings().create_video_grace_s - 0.5)
