"""Video service messages: commands on `video.commands`, events on `video.events`.

A video is `pending` once accepted (VideoRenderProgressed tells how far its render is), then `approved`
(the MP4 exists, VideoRendered) or `rejected` (rendering failed, VideoFailed).
The MP4 lives under `videos/video_{video_id}.mp4`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from reelflow_contracts.messages.base import Command, Event, Usage, message
from reelflow_contracts.messages.common import (
    Code,
    CommandRejected,
    ErrorText,
    Id,
    MediaKey,
    Stage,
    VideoOptions,
    _Part,
)
from reelflow_contracts.topics import VIDEO_COMMANDS, VIDEO_EVENTS

__all__ = [
    "CreateVideo",
    "VideoRequested",
    "VideoRenderProgressed",
    "VideoRendered",
    "VideoFailed",
    "VideoCommandRejected",
    "MissingShot",
    "video_media_key",
]

Pixels = Annotated[int, Field(ge=1, le=8192)]


def video_media_key(video_id: str) -> str:
    """The object-storage key of a video's MP4."""
    return f"videos/video_{video_id}.mp4"


class MissingShot(_Part):
    """A planned shot that has no approved image yet."""

    shot_id: Id
    scene_id: Id
    scene_order: int = Field(ge=1)
    order: int = Field(ge=1)


# -- commands ---------------------------------------------------------------------------------


@message("reelflow.video.create_video.v1", topic=VIDEO_COMMANDS, subject="video_id")
class CreateVideo(Command):
    """Gateway (user or operation) -> video service: render the script's approved images into an MP4."""

    video_id: Id = Field(description="chosen by the gateway, so it can answer 202 with it at once")
    options: VideoOptions = Field(default_factory=VideoOptions)
    image_ids: tuple[Id, ...] = Field(
        default=(),
        max_length=10_000,
        description="the approved image of every shot as the sender saw it; the video service decides at once "
        "when its own copy of the storyboard holds them all (and `shot_ids`), and otherwise when it "
        "does (or after a grace period), so an image approved just before this command is the one "
        "rendered",
    )
    shot_ids: tuple[Id, ...] = Field(
        default=(),
        max_length=10_000,
        description="the planned shots of the script as the sender saw them (with or without an image): what the "
        "video service's refusal lists is then at least what the sender saw",
    )


# -- events -----------------------------------------------------------------------------------


@message("reelflow.video.requested.v1", topic=VIDEO_EVENTS, subject="video_id")
class VideoRequested(Event):
    """Video service, when it accepts CreateVideo: the video is `pending` and rendering starts."""

    video_id: Id
    options: VideoOptions = Field(default_factory=VideoOptions)
    image_ids: tuple[Id, ...] = Field(default=(), description="the approved images it renders, in order")
    requested_at: AwareDatetime


RenderStep = Literal["preparing", "encoding", "joining", "storing"]


@message("reelflow.video.render_progressed.v1", topic=VIDEO_EVENTS, subject="video_id")
class VideoRenderProgressed(Event):
    """Video service, while rendering: how far it is. Sent at most every few seconds and at each
    step; a retried render starts again from zero. Informational: nothing waits for it."""

    video_id: Id
    step: RenderStep = Field(
        description="preparing (images and narration), encoding (the shots), joining (the final MP4), storing (upload)"
    )
    fraction: float = Field(ge=0, le=1, description="of the whole render, 0 to 1")
    frames_done: int = Field(default=0, ge=0)
    frames_total: int = Field(default=0, ge=0)
    attempt: int = Field(default=1, ge=1)
    at: AwareDatetime


@message("reelflow.video.rendered.v1", topic=VIDEO_EVENTS, subject="video_id")
class VideoRendered(Event):
    """Video service, when the MP4 is encoded and stored: the video is `approved`."""

    video_id: Id
    duration_s: float = Field(gt=0)
    width: Pixels
    height: Pixels
    fps: int = Field(default=30, ge=1, le=120)
    size_bytes: int = Field(ge=1)
    media_key: MediaKey
    has_audio: bool = False
    render_s: float = Field(default=0.0, ge=0, description="wall time spent rendering (FFmpeg)")
    narration_s: float = Field(
        default=0.0, ge=0, description="wall time spent synthesizing narration, before rendering"
    )
    reused_segments: int = Field(default=0, ge=0, description="segments taken from the render cache")
    rendered_at: AwareDatetime
    usage: Usage = Field(default_factory=Usage, description="narration (speech) usage")


@message("reelflow.video.failed.v1", topic=VIDEO_EVENTS, subject="video_id")
class VideoFailed(Event):
    """Video service, when rendering or storing the MP4 failed for good: the video is `rejected`."""

    video_id: Id
    stage: Stage = "render"
    code: Code = "render_failed"
    error: ErrorText
    final: bool = True
    attempts: int = Field(default=1, ge=1)
    usage: Usage = Field(default_factory=Usage)


@message("reelflow.video.command_rejected.v1", topic=VIDEO_EVENTS, subject="target_id")
class VideoCommandRejected(CommandRejected):
    """Video service, when a video command is refused. With `code` `images_missing` it lists what is
    missing: shots without an approved image, and scenes whose shots are not planned yet."""

    missing_shots: tuple[MissingShot, ...] = ()
    unplanned_scene_ids: tuple[Id, ...] = ()
