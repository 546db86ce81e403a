"""The video service's repositories and render in memory."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import VideoOptions
from reelflow_kit.jobs import Job
from reelflow_video.adapters.rendering import RenderedVideo
from reelflow_video.domain import PlannedShot, Request, Storyboard, Video
from reelflow_video.render.progress import RenderProgress
from tests.support.fakes import FakeUnitOfWork, Recorder


class FakeVideoRepository:
    def __init__(self, *videos: Video) -> None:
        self.by_id = {v.id: v for v in videos}

    async def get(self, video_id: str) -> Video | None:
        return self.by_id.get(video_id)

    async def save(self, video: Video) -> None:
        self.by_id[video.id] = video

    async def remove(self, video_id: str) -> None:
        self.by_id.pop(video_id, None)


class FakeStoryboardRepository:
    """Storyboards as the Mongo repository keeps them: shots by id (an approved image may come
    before its shot is planned), scene ids and waiting videos by script."""

    def __init__(self) -> None:
        self.scene_ids: dict[str, tuple[str, ...]] = {}
        self.shots: dict[str, tuple[str, PlannedShot | None, dict]] = {}
        """shot id -> (script id, the shot once planned, its approved image: id, key, seen)."""
        self.waiting_by_script: dict[str, list[str]] = {}

    async def segmented(self, script_id: str, scene_ids: tuple[str, ...]) -> None:
        self.scene_ids[script_id] = scene_ids

    async def shot_planned(self, script_id: str, shot: PlannedShot) -> None:
        _, _, image = self.shots.get(shot.shot_id, (script_id, None, {"seen": set()}))
        self.shots[shot.shot_id] = (script_id, shot, image)

    async def image_approved(self, script_id: str, shot_id: str, image_id: str, image_key: str) -> None:
        _, shot, image = self.shots.get(shot_id, (script_id, None, {"seen": set()}))
        self.shots[shot_id] = (script_id, shot, {"id": image_id, "key": image_key, "seen": image["seen"] | {image_id}})

    async def wait(self, script_id: str, video_id: str) -> None:
        waiting = self.waiting_by_script.setdefault(script_id, [])
        if video_id not in waiting:
            waiting.append(video_id)

    async def stop_waiting(self, script_id: str, video_id: str) -> None:
        if video_id in self.waiting_by_script.get(script_id, []):
            self.waiting_by_script[script_id].remove(video_id)

    async def waiting(self, script_id: str) -> tuple[str, ...]:
        return tuple(self.waiting_by_script.get(script_id, ()))

    async def load(self, script_id: str) -> Storyboard:
        planned = [(shot, image) for script, shot, image in self.shots.values() if script == script_id and shot]
        return Storyboard(
            script_id=script_id,
            scene_ids=self.scene_ids.get(script_id, ()),
            shots=tuple(replace(shot, image_id=image.get("id"), image_key=image.get("key")) for shot, image in planned),
            known_image_ids=frozenset(i for _, image in planned for i in image["seen"]),
            waiting=await self.waiting(script_id),
        )


class FakeVideoUnitOfWork(FakeUnitOfWork):
    def __init__(
        self,
        cause: Envelope | None = None,
        job: Job | None = None,
        *,
        videos: tuple[Video, ...] = (),
        storyboards: FakeStoryboardRepository | None = None,
    ) -> None:
        super().__init__(cause, job)
        self.videos = FakeVideoRepository(*videos)
        self.storyboards = storyboards or FakeStoryboardRepository()

    def answering_request(self, request: Request) -> contextlib.AbstractContextManager[None]:
        return self.answering(request.command_id, request.correlation_id)

    def sharing(self, cause: Envelope | None = None, job: Job | None = None) -> FakeVideoUnitOfWork:
        """A unit of work for another message or job, over the same repositories (another
        consumer or job pool of the same service)."""
        other = FakeVideoUnitOfWork(cause, job, storyboards=self.storyboards)
        other.videos = self.videos
        return other


class FakeRendering(Recorder):
    """Renders nothing: answers `outcome` (or raises it), stepping the progress as a render does."""

    def __init__(self, outcome: RenderedVideo | Exception | None = None) -> None:
        super().__init__()
        self.outcome = outcome or RenderedVideo(
            media_key="videos/video_v.mp4",
            duration_s=5.0,
            width=1280,
            height=720,
            size_bytes=1000,
            has_audio=False,
            render_s=1.5,
            narration_s=0.0,
            reused_segments=2,
            usage=Usage(),
        )

    async def render(self, video: Video, options: VideoOptions, progress: RenderProgress) -> RenderedVideo:
        self.calls.append(("render", video.id, options.fps))
        await _yield()  # as a render awaits FFmpeg: its progress is reported meanwhile
        progress.encoding(frames_total=10)
        progress.piece_at(0, 10)
        await _yield()
        progress.moved_to("joining")
        await _yield()
        if isinstance(self.outcome, Exception):
            raise self.outcome
        progress.moved_to("storing")
        await _yield()
        return replace(self.outcome, media_key=f"videos/video_{video.id}.mp4")


async def _yield() -> None:
    for _ in range(3):
        await asyncio.sleep(0)
