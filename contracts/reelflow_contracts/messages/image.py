"""Image service messages: commands on `image.commands`, events on `image.events`.

One shot gets images in attempts (1, 2, ...): each is `pending` until approved or rejected;
a rejection makes the service draw the next attempt for that shot only. Image bytes live in
object storage under `images/scene_{scene_id}/image_{image_id}.png` (see `image_media_key`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from reelflow_contracts.messages.base import Command, Event, Usage, message
from reelflow_contracts.messages.common import (
    Code,
    CommandRejected,
    ErrorText,
    Feedback,
    Id,
    MediaKey,
    Prompt,
    Stage,
)
from reelflow_contracts.topics import IMAGE_COMMANDS, IMAGE_EVENTS

__all__ = [
    "ApproveImage",
    "RejectImage",
    "ImageGenerated",
    "ImageApproved",
    "ImageRejected",
    "ImageGenerationFailed",
    "ImageCommandRejected",
    "image_media_key",
]

Attempt = Annotated[int, Field(ge=1, le=1000, description="1 for a shot's first image, +1 after each rejection")]
Pixels = Annotated[int, Field(ge=1, le=8192)]


def image_media_key(scene_id: str, image_id: str) -> str:
    """The object-storage key of an image's PNG."""
    return f"images/scene_{scene_id}/image_{image_id}.png"


# -- commands ---------------------------------------------------------------------------------


@message("reelflow.image.approve_image.v1", topic=IMAGE_COMMANDS, subject="image_id")
class ApproveImage(Command):
    """Gateway (user or operation) -> image service: approve a pending image for its shot."""

    image_id: Id


@message("reelflow.image.reject_image.v1", topic=IMAGE_COMMANDS, subject="image_id")
class RejectImage(Command):
    """Gateway -> image service: reject a pending, failed or approved image; its shot gets a new
    attempt (an approved image stays the shot's image until the new attempt is approved)."""

    image_id: Id
    feedback: Feedback = Field(default="", description="what to change; the next prompt takes it into account")


# -- events -----------------------------------------------------------------------------------


@message("reelflow.image.generated.v1", topic=IMAGE_EVENTS, subject="image_id")
class ImageGenerated(Event):
    """Image service, when an image for a shot is drawn and stored (status `pending`)."""

    image_id: Id
    shot_id: Id
    scene_id: Id
    attempt: Attempt
    width: Pixels
    height: Pixels
    prompt: Prompt
    media_key: MediaKey
    size_bytes: int = Field(default=0, ge=0)
    previous_image_id: Id | None = Field(default=None, description="the rejected image this attempt replaces")
    generated_at: AwareDatetime
    generation_s: float = Field(default=0.0, ge=0, description="wall time the AI provider took to draw it")
    usage: Usage = Field(default_factory=Usage)


@message("reelflow.image.approved.v1", topic=IMAGE_EVENTS, subject="image_id")
class ImageApproved(Event):
    """Image service, after ApproveImage: this is now the shot's image in the video."""

    image_id: Id
    shot_id: Id
    scene_id: Id
    attempt: Attempt
    width: Pixels
    height: Pixels
    prompt: Prompt
    media_key: MediaKey
    replaced_image_id: Id | None = Field(
        default=None, description="the shot's previously approved image, which this one replaces"
    )
    approved_at: AwareDatetime


@message("reelflow.image.rejected.v1", topic=IMAGE_EVENTS, subject="image_id")
class ImageRejected(Event):
    """Image service, after RejectImage. The image service itself reacts by drawing the next attempt."""

    image_id: Id
    shot_id: Id
    scene_id: Id
    attempt: Attempt
    prompt: Prompt = Field(description="the rejected image's prompt, the base of the next one")
    feedback: Feedback = ""
    rejected_at: AwareDatetime


@message("reelflow.image.generation_failed.v1", topic=IMAGE_EVENTS, subject="image_id")
class ImageGenerationFailed(Event):
    """Image service, when an attempt could not be drawn or stored within its retries (the image is
    `failed`; a RejectImage of it retries the shot), or when the shot has used its maximum number
    of attempts (`code` `max_attempts`; no further attempt is made)."""

    image_id: Id
    shot_id: Id
    scene_id: Id
    attempt: Attempt
    stage: Stage = "image_generation"
    code: Code = "generation_failed"
    error: ErrorText
    final: bool = True
    usage: Usage = Field(default_factory=Usage)


@message("reelflow.image.command_rejected.v1", topic=IMAGE_EVENTS, subject="target_id")
class ImageCommandRejected(CommandRejected):
    """Image service, when an image command is refused (e.g. `not_pending`, `not_found`)."""
