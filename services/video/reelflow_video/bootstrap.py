"""Composition root: wires the video service's handlers to the bus, the database, the object
stores (the image service's bucket, read; its own, for the render cache and the MP4s) and the
narrator. Handlers reach the stores only through what is built here."""

from reelflow_contracts.messages.image import ImageApproved
from reelflow_contracts.messages.scene import ScriptSegmented, ShotPlanned
from reelflow_contracts.messages.video import CreateVideo
from reelflow_contracts.topics import IMAGE_EVENTS, SCENE_EVENTS, VIDEO_COMMANDS, VIDEO_EVENTS
from reelflow_kit.ai import Narrator, make_narrator
from reelflow_kit.metrics.ai import observed
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.store.s3 import ObjectStore
from reelflow_kit.unit_of_work import give_up_handler, job_handler, message_handlers
from reelflow_video.adapters.render_metrics import MeasuredRendering, RenderMetrics
from reelflow_video.adapters.rendering import FFmpegRendering
from reelflow_video.adapters.storyboards import ensure_indexes
from reelflow_video.handlers import (
    DECIDE,
    RENDER,
    create_video_with,
    decide_video_with,
    give_up_decision,
    give_up_render,
    image_approved,
    render_with,
    script_segmented,
    shot_planned,
)
from reelflow_video.render.cpus import usable_cpus
from reelflow_video.settings import Settings
from reelflow_video.unit_of_work import VideoUnitOfWork

CONSUMER_GROUP = "video-service"
STORYBOARD_GROUP = "video-storyboard"


def build(settings: Settings | None = None, *, narrator: Narrator | None = None) -> ServiceRuntime:
    """The video service: consumer group `video-storyboard` on `scene.events` and `image.events`,
    `video-service` on `video.commands`, render and decision jobs; events through the outbox to
    `video.events`. `narrator` overrides the provider chosen by the settings."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, topics=[SCENE_EVENTS, IMAGE_EVENTS, VIDEO_COMMANDS, VIDEO_EVENTS])
    assert runtime.store is not None
    narrator = observed(narrator or make_narrator(settings), "narration", runtime.metrics.ai, settings.ai_provider)
    rendering = MeasuredRendering(
        FFmpegRendering(
            images=ObjectStore(settings, bucket=settings.image_bucket),
            store=runtime.store,
            narrator=narrator,
            workdir=settings.workdir,
            parallel=settings.render_parallel_pieces or usable_cpus(),
        ),
        RenderMetrics(runtime.metrics.registry),
    )

    async def prepare(rt: ServiceRuntime) -> None:
        await ensure_indexes(rt.db)
        settings.workdir.mkdir(parents=True, exist_ok=True)

    runtime.on_startup(prepare)
    # The storyboard has its own consumer group, so commands never queue behind a flood of events.
    runtime.consume(
        STORYBOARD_GROUP,
        [SCENE_EVENTS, IMAGE_EVENTS],
        handlers=message_handlers(
            VideoUnitOfWork,
            {
                ScriptSegmented: script_segmented,
                ShotPlanned: shot_planned,
                ImageApproved: image_approved,
            },
        ),
    )
    runtime.consume(
        CONSUMER_GROUP,
        [VIDEO_COMMANDS],
        handlers=message_handlers(
            VideoUnitOfWork,
            {
                CreateVideo: create_video_with(settings.create_video_grace_s),
            },
        ),
    )
    runtime.work(
        RENDER,
        job_handler(VideoUnitOfWork, render_with(rendering, settings.render_progress_every_s)),
        concurrency=settings.render_concurrency,
        lease_s=settings.render_lease_s,
        max_attempts=settings.render_max_attempts,
        on_give_up=give_up_handler(VideoUnitOfWork, give_up_render),
        deadline_s=settings.render_deadline_s,
    )
    runtime.work(
        DECIDE,
        job_handler(VideoUnitOfWork, decide_video_with()),
        concurrency=4,
        lease_s=30.0,
        max_attempts=3,
        on_give_up=give_up_handler(VideoUnitOfWork, give_up_decision),
        deadline_s=60.0,
    )
    return runtime
