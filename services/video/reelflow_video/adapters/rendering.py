"""What the render job asks of the outside world, and its FFmpeg implementation: fetch the
approved images (from the image service's bucket), speak the narration, render the pieces
(cached in this service's bucket), join them, and upload the MP4.

The job handler sees only `Rendering`; `bootstrap.py` builds `FFmpegRendering` with its stores."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import VideoOptions
from reelflow_kit.ai import Narrator, Speech
from reelflow_kit.store.s3 import ObjectStore
from reelflow_video.adapters.media import ImageFetcher, upload_video
from reelflow_video.domain import PlannedShot, Video
from reelflow_video.render.cache import ObjectStoreCache
from reelflow_video.render.progress import RenderProgress
from reelflow_video.render.renderer import Look, Renderer, Shot
from reelflow_video.render.soundtrack import Cue
from reelflow_video.render.timeline import ShotSpec


@dataclass(frozen=True)
class RenderedVideo:
    """A video's MP4, stored, and what it took."""

    media_key: str
    duration_s: float
    width: int
    height: int
    size_bytes: int
    has_audio: bool
    render_s: float
    """Wall time spent rendering (FFmpeg)."""
    narration_s: float
    """Wall time spent speaking the narration, before rendering."""
    reused_segments: int
    """Pieces taken from the render cache."""
    usage: Usage


class Rendering(Protocol):
    async def render(self, video: Video, options: VideoOptions, progress: RenderProgress) -> RenderedVideo:
        """The video's MP4 rendered and stored; `progress` follows the steps."""
        ...


class FFmpegRendering:
    def __init__(
        self, *, images: ObjectStore, store: ObjectStore, narrator: Narrator | None, workdir: Path, parallel: int
    ) -> None:
        """`images`: the image service's bucket (read by the keys in ImageApproved); `store`: this
        service's bucket (render cache and MP4s)."""
        self._fetcher = ImageFetcher(images, workdir / "images")
        self._store = store
        self._narrator = narrator
        self._workdir = workdir
        self._parallel = parallel

    async def render(self, video: Video, options: VideoOptions, progress: RenderProgress) -> RenderedVideo:
        scratch = Path(tempfile.mkdtemp(prefix=f"render-{video.id}-", dir=self._workdir))
        try:
            shots, usage, narration_s = await self._prepare(video.plan, options)
            renderer = Renderer(ObjectStoreCache(self._store), scratch / "pieces", parallel=self._parallel)
            report = await renderer.render(shots, look_of(options), scratch / "video.mp4", progress)
            progress.moved_to("storing")
            key = await upload_video(self._store, video.id, report.path)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return RenderedVideo(
            media_key=key,
            duration_s=report.duration_s,
            width=report.width,
            height=report.height,
            size_bytes=report.size_bytes,
            has_audio=options.narration and any(s.narration_wav for s in shots),
            render_s=round(report.seconds, 3),
            narration_s=round(narration_s, 3),
            reused_segments=report.pieces - report.pieces_encoded,
            usage=usage,
        )

    async def _prepare(self, plan: tuple[PlannedShot, ...], options: VideoOptions) -> tuple[list[Shot], Usage, float]:
        """The shots' images fetched and narration spoken; also the seconds narration took."""
        images = await asyncio.gather(*(self._fetcher.fetch(_key(shot)) for shot in plan))
        narrator = self._narrator if options.narration else None
        began = time.perf_counter()
        speeches = await asyncio.gather(*(_speak(narrator, shot.narration) for shot in plan))
        narration_s = time.perf_counter() - began
        shots = []
        for shot, (path, digest), speech in zip(plan, images, speeches, strict=False):
            cues = tuple(Cue(s.start_s, s.end_s, s.text) for s in speech.sentences) if speech else ()
            shots.append(
                Shot(
                    spec=ShotSpec(shot.shot_id, digest, shot.duration_s, speech.duration_s if speech else 0.0),
                    image=path,
                    narration_wav=speech.wav if speech else None,
                    cues=cues,
                )
            )
        return shots, sum_usage([s.usage for s in speeches if s]), narration_s


def _key(shot: PlannedShot) -> str:
    assert shot.image_key is not None, "an accepted video's every shot has an approved image"
    return shot.image_key


async def _speak(narrator: Narrator | None, text: str) -> Speech | None:
    if narrator is None or not text.strip():
        return None
    return await narrator.speak(text)


def look_of(options: VideoOptions) -> Look:
    width, height = options.size
    return Look(
        width=width,
        height=height,
        fps=options.fps,
        transition=options.transition,
        transition_s=options.transition_s,
        motion=options.motion,
        narration=options.narration,
        subtitles=options.subtitles,
    )


def sum_usage(usages: list[Usage]) -> Usage:
    if not usages:
        return Usage()
    return Usage(
        provider=usages[0].provider,
        model=usages[0].model,
        input_tokens=sum(u.input_tokens for u in usages),
        output_tokens=sum(u.output_tokens for u in usages),
        audio_seconds=round(sum(u.audio_seconds for u in usages), 3),
    )
