"""Composition root: the video service's storyboard, CreateVideo and render jobs."""

import os

from reelflow_contracts.messages.image import ImageApproved
from reelflow_contracts.messages.scene import ScriptSegmented, ShotPlanned
from reelflow_contracts.messages.video import CreateVideo
from reelflow_contracts.topics import IMAGE_EVENTS, SCENE_EVENTS, VIDEO_COMMANDS, VIDEO_EVENTS
from reelflow_kit.ai import Narrator, make_narrator
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.store.s3 import ObjectStore

from reelflow_video.adapters.storyboards import ensure_indexes
from reelflow_video.handlers import (
    RENDER, create_video_with, give_up_render, image_approved, render_with, script_segmented, shot_planned,
)
from reelflow_video.settings import Settings

CONSUMER_GROUP = "video-service"
STORYBOARD_GROUP = "video-storyboard"


def build(settings: Settings | None = None, *, narrator: Narrator | None = None) -> ServiceRuntime:
    """`narrator` overrides the provider chosen by the settings."""
    settings = settings or Settings()
    narrator = narrator or make_narrator(settings)
    runtime = ServiceRuntime(settings, topics=[SCENE_EVENTS, IMAGE_EVENTS, VIDEO_COMMANDS, VIDEO_EVENTS])
    images = ObjectStore(settings, bucket=settings.image_bucket)

    async def prepare(rt: ServiceRuntime) -> None:
        await ensure_indexes(rt.db)
        settings.workdir.mkdir(parents=True, exist_ok=True)

    runtime.on_startup(prepare)
    # Two consumers, so a CreateVideo waiting for the storyboard never holds up the storyboard itself.
    runtime.consume(STORYBOARD_GROUP, [SCENE_EVENTS, IMAGE_EVENTS], handlers={
        ScriptSegmented: script_segmented,
        ShotPlanned: shot_planned,
        ImageApproved: image_approved,
    })
    runtime.consume(CONSUMER_GROUP, [VIDEO_COMMANDS], handlers={CreateVideo: create_video_with(settings.create_video_grace_s)})
    parallel = settings.render_parallel_pieces or max(1, os.cpu_count() or 1)
    runtime.work(RENDER, render_with(images, narrator, settings.workdir, parallel,
                                         settings.render_progress_every_s),
                 concurrency=settings.render_concurrency, lease_s=settings.render_lease_s,
                 max_attempts=settings.render_max_attempts, on_give_up=give_up_render,
                 deadline_s=settings.render_deadline_s)
    return runtime
