"""The render job: fetch the approved images, speak the narration, render, upload, and only then
mark the video done (a crash anywhere before that leaves it pending and the job runs again)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from pathlib import Path

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import VideoOptions
from reelflow_contracts.messages.video import VideoFailed, VideoRendered
from reelflow_kit.ai import Narrator
from reelflow_kit.failures import Failure
from reelflow_kit.jobs import JobContext, JobHandler
from reelflow_kit.store.s3 import ObjectStore
from reelflow_video.adapters.media import ImageFetcher, upload_video
from reelflow_video.adapters.videos import Videos
from reelflow_video.domain import PlannedShot
from reelflow_video.handlers.create_video import RENDER
from reelflow_video.handlers.render_progress import reported
from reelflow_video.render.cache import ObjectStoreCache
from reelflow_video.render.renderer import Look, Renderer, Shot
from reelflow_video.render.soundtrack import Cue
from reelflow_video.render.timeline import ShotSpec
from reelflow_kit.clock import now

log = logging.getLogger(__name__)

GAVE_UP_CODE = "render_failed"

__all__ = ["RENDER", "give_up_render", "render_with"]


def render_with(images: ObjectStore, narrator: Narrator | None, workdir: Path, parallel: int,
                progress_every_s: float = 1.0) -> JobHandler:
    fetcher = ImageFetcher(images, workdir / "images")

    async def render(ctx: JobContext) -> None:
        video = await Videos(ctx.db).get(ctx.job.payload["video_id"])
        if video is None or video.status != "pending":
            async with ctx.transaction():
                return
        options = VideoOptions.model_validate(video.options)
        scratch = Path(tempfile.mkdtemp(prefix=f"render-{video.id}-", dir=workdir))
        try:
            async with reported(ctx, video.script_id, video.id, progress_every_s) as progress:
                shots, usage, narration_s = await _prepare(video.plan, options, fetcher, narrator)
                renderer = Renderer(ObjectStoreCache(ctx.runtime.store), scratch / "pieces", parallel=parallel)
                report = await renderer.render(shots, _look(options), scratch / "video.mp4", progress)
                progress.moved_to("storing")
                key = await upload_video(ctx.runtime.store, video.id, report.path)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        async with ctx.transaction() as tx:
            videos = Videos(tx.db, tx.session)
            current = await videos.get(video.id)
            rendered = current.rendered(key=key, duration_s=report.duration_s, width=report.width,
                                        height=report.height, size_bytes=report.size_bytes, fps=options.fps,
                                        render_s=round(report.seconds, 3))
            await videos.save(rendered)
            tx.emit(VideoRendered(
                script_id=video.script_id, video_id=video.id, duration_s=report.duration_s, width=report.width,
                height=report.height, fps=options.fps, size_bytes=report.size_bytes, media_key=key,
                has_audio=options.narration and any(s.narration_wav for s in shots),
                render_s=round(report.seconds, 3), narration_s=round(narration_s, 3), reused_segments=report.pieces - report.pieces_encoded,
                rendered_at=now(), usage=usage))
        log.info("video rendered", extra={"video": video.id, "seconds": round(report.seconds, 2),
                                          "pieces": report.pieces, "encoded": report.pieces_encoded})

    return render


async def give_up_render(ctx: JobContext, failure: Failure) -> None:
    video_id = ctx.job.payload["video_id"]
    failure = failure.named(GAVE_UP_CODE)
    async with ctx.transaction(status="failed", failure=failure) as tx:
        videos = Videos(tx.db, tx.session)
        video = await videos.get(video_id)
        if video is None or video.status != "pending":
            return
        await videos.save(video.failed(failure.message))
        tx.emit(VideoFailed(script_id=video.script_id, video_id=video.id, code=failure.code, error=failure.message,
                            attempts=max(1, ctx.job.attempt)))


def _look(options: VideoOptions) -> Look:
    width, height = options.size
    return Look(width=width, height=height, fps=options.fps, transition=options.transition,
                transition_s=options.transition_s, motion=options.motion, narration=options.narration,
                subtitles=options.subtitles)


async def _prepare(plan: tuple[PlannedShot, ...], options: VideoOptions, fetcher: ImageFetcher,
                   narrator: Narrator | None) -> tuple[list[Shot], Usage, float]:
    """The shots' images fetched and narration spoken; also the seconds narration took."""
    images = await asyncio.gather(*(fetcher.fetch(shot.image_key) for shot in plan))
    speak = options.narration and narrator is not None
    began = time.perf_counter()
    speeches = await asyncio.gather(*(narrator.speak(shot.narration) if speak and shot.narration.strip()
                                      else _silent() for shot in plan))
    narration_s = time.perf_counter() - began
    shots = []
    for shot, (path, digest), speech in zip(plan, images, speeches):
        cues = tuple(Cue(s.start_s, s.end_s, s.text) for s in speech.sentences) if speech else ()
        shots.append(Shot(
            spec=ShotSpec(shot.shot_id, digest, shot.duration_s, speech.duration_s if speech else 0.0),
            image=path, narration_wav=speech.wav if speech else None, cues=cues))
    return shots, _sum_usage([s.usage for s in speeches if s]), narration_s


async def _silent():
    return None


def _sum_usage(usages: list[Usage]) -> Usage:
    if not usages:
        return Usage()
    return Usage(provider=usages[0].provider, model=usages[0].model,
                 input_tokens=sum(u.input_tokens for u in usages), output_tokens=sum(u.output_tokens for u in usages),
                 audio_seconds=round(sum(u.audio_seconds for u in usages), 3))
