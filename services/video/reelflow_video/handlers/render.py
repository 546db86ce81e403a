"""The render job: render and store the MP4 (`Rendering`: fetch the approved images, speak the
narration, encode, upload), and only then mark the video done; a crash anywhere before that
leaves it pending and the job runs again. Progress goes out while it renders (`uow.report`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from reelflow_contracts.messages.common import VideoOptions
from reelflow_contracts.messages.video import VideoFailed, VideoRendered
from reelflow_kit.clock import now
from reelflow_kit.failures import Failure
from reelflow_kit.jobs import Job
from reelflow_video.adapters.rendering import Rendering
from reelflow_video.domain import Status
from reelflow_video.handlers.render_progress import reported
from reelflow_video.unit_of_work import VideoUnitOfWork

log = logging.getLogger(__name__)

GAVE_UP_CODE = "render_failed"


def render_with(
    rendering: Rendering, progress_every_s: float = 1.0
) -> Callable[[Job, VideoUnitOfWork], Awaitable[None]]:
    async def render(job: Job, uow: VideoUnitOfWork) -> None:
        video = await uow.videos.get(job.payload["video_id"])
        if video is None or video.status is not Status.PENDING:
            async with uow:
                return
        options = VideoOptions.model_validate(video.options)
        async with reported(uow.report, video.script_id, video.id, max(1, job.attempt), progress_every_s) as progress:
            mp4 = await rendering.render(video, options, progress)
        async with uow:
            current = await uow.videos.get(video.id)
            if current is None or current.status is not Status.PENDING:
                return  # given up meanwhile: its VideoFailed is out
            await uow.videos.save(
                current.rendered(
                    key=mp4.media_key,
                    duration_s=mp4.duration_s,
                    width=mp4.width,
                    height=mp4.height,
                    size_bytes=mp4.size_bytes,
                    fps=options.fps,
                    render_s=mp4.render_s,
                )
            )
            uow.emit(
                VideoRendered(
                    script_id=video.script_id,
                    video_id=video.id,
                    duration_s=mp4.duration_s,
                    width=mp4.width,
                    height=mp4.height,
                    fps=options.fps,
                    size_bytes=mp4.size_bytes,
                    media_key=mp4.media_key,
                    has_audio=mp4.has_audio,
                    render_s=mp4.render_s,
                    narration_s=mp4.narration_s,
                    reused_segments=mp4.reused_segments,
                    rendered_at=now(),
                    usage=mp4.usage,
                )
            )
        log.info("video rendered", extra={"video": video.id, "seconds": mp4.render_s, "reused": mp4.reused_segments})

    return render


async def give_up_render(job: Job, failure: Failure, uow: VideoUnitOfWork) -> None:
    failure = failure.named(GAVE_UP_CODE)
    async with uow.failing(failure):
        video = await uow.videos.get(job.payload["video_id"])
        if video is None or video.status is not Status.PENDING:
            return
        await uow.videos.save(video.failed(failure.message))
        uow.emit(
            VideoFailed(
                script_id=video.script_id,
                video_id=video.id,
                code=failure.code,
                error=failure.message,
                attempts=max(1, job.attempt),
            )
        )
