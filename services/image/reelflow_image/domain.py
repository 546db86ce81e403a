"""Shots and their images: pure code, no I/O.

A shot (known from ShotPlanned) gets images in attempts 1, 2, ... Each image is `pending` until
a person approves or rejects it; a rejection asks for the next attempt of that shot only, whose
prompt carries the reviewer's notes. An attempt that could not be drawn or stored within its
retries is an image `failed` (no picture); rejecting it asks for the next attempt the same way.

    pending --approve--> approved --reject--> rejected (stays the shot's image until another is approved)
       \\--reject--> rejected        failed --reject--> rejected

- Approve only a pending image (`not_pending`). Approving one while the shot has another
  approved image replaces it: the outcome names the replaced image.
- Reject a pending, failed or approved image (a rejected one: `already_rejected`). Rejecting
  the approved image asks for a better one; the shot keeps it as its image (the video still uses
  it) until a new attempt is approved.
- One attempt at a time per shot (`generation_in_progress`), at most `max_attempts` per shot: a
  rejection past the last one is applied, but no attempt follows (the handler reports
  ImageGenerationFailed with code `max_attempts`). A failed attempt counts as an attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from reelflow_contracts.messages.base import Usage
from reelflow_kit.domain import RuleBroken

MAX_NOTES_CHARS = 2000
"""The reviewer's notes sent with an attempt: the most recent ones, up to this many characters."""


class ImageStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    FAILED = "failed"


class NotPending(RuleBroken):
    code = "not_pending"


class AlreadyRejected(RuleBroken):
    code = "already_rejected"


class GenerationInProgress(RuleBroken):
    code = "generation_in_progress"


@dataclass(frozen=True)
class Shot:
    """What the image service keeps of a planned shot, and where its images stand."""

    id: str
    script_id: str
    scene_id: str
    scene_order: int
    order: int
    description: str
    prompt: str
    width: int
    height: int
    characters: tuple[str, ...]
    planned_at: datetime
    attempts: int = 0
    """The number of the latest attempt started (0: none yet)."""
    generating: bool = False
    """The latest attempt is queued or being drawn."""
    notes: tuple[str, ...] = ()
    """The reviewer's feedback on earlier attempts, oldest first (blank feedback is not kept)."""
    approved_image_id: str | None = None

    @classmethod
    def planned(
        cls,
        *,
        id: str,
        script_id: str,
        scene_id: str,
        scene_order: int,
        order: int,
        description: str,
        prompt: str,
        width: int,
        height: int,
        characters: tuple[str, ...],
        at: datetime,
    ) -> Shot:
        return cls(
            id=id,
            script_id=script_id,
            scene_id=scene_id,
            scene_order=scene_order,
            order=order,
            description=description,
            prompt=prompt,
            width=width,
            height=height,
            characters=characters,
            planned_at=at,
        )

    def first_attempt(self) -> Shot:
        """The shot with attempt 1 started (only once: a known shot starts nothing again)."""
        if self.attempts:
            raise GenerationInProgress(f"shot {self.id} already has attempt {self.attempts}")
        return replace(self, attempts=1, generating=True)

    def next_attempt(self, feedback: str, max_attempts: int) -> Shot | None:
        """The shot with its next attempt started and the feedback kept for it; None when the shot
        has used all `max_attempts` (the feedback is kept all the same)."""
        if self.generating:
            raise GenerationInProgress(f"attempt {self.attempts} of shot {self.id} is still being drawn")
        if self.attempts >= max_attempts:
            return None
        return replace(self.with_notes_of(feedback), attempts=self.attempts + 1, generating=True)

    def with_notes_of(self, feedback: str) -> Shot:
        return replace(self, notes=(*self.notes, " ".join(feedback.split()))) if feedback.strip() else self

    def attempt_ended(self) -> Shot:
        """The latest attempt is drawn (an image pending) or has failed."""
        return replace(self, generating=False)

    def approving(self, image_id: str) -> tuple[Shot, str | None]:
        """The shot with `image_id` as its image, and the image this replaces (None for the first)."""
        replaced = self.approved_image_id if self.approved_image_id not in (None, image_id) else None
        return replace(self, approved_image_id=image_id), replaced

    @property
    def revision_notes(self) -> str:
        """The feedback the next attempt follows: the latest notes, oldest first, within MAX_NOTES_CHARS."""
        kept: list[str] = []
        size = 0
        for note in reversed(self.notes):
            if size + len(note) + 1 > MAX_NOTES_CHARS:
                if not kept:
                    kept.append(note[: MAX_NOTES_CHARS - 1] + "…")
                break
            kept.append(note)
            size += len(note) + 1
        return " ".join(reversed(kept))


@dataclass(frozen=True)
class Image:
    """One attempt of a shot: a picture (pending, approved, rejected), or a failed attempt."""

    id: str
    script_id: str
    shot_id: str
    scene_id: str
    attempt: int
    status: ImageStatus
    prompt: str
    width: int
    height: int
    created_at: datetime
    media_key: str = ""
    size_bytes: int = 0
    previous_image_id: str | None = None
    usage: Usage = field(default_factory=Usage)
    feedback: str = ""
    """What the reviewer said when rejecting it."""
    decided_at: datetime | None = None
    error_code: str = ""
    error: str = ""

    @classmethod
    def generated(
        cls,
        *,
        id: str,
        shot: Shot,
        attempt: int,
        prompt: str,
        media_key: str,
        size_bytes: int,
        previous_image_id: str | None,
        usage: Usage,
        at: datetime,
    ) -> Image:
        return cls(
            id=id,
            script_id=shot.script_id,
            shot_id=shot.id,
            scene_id=shot.scene_id,
            attempt=attempt,
            status=ImageStatus.PENDING,
            prompt=prompt,
            width=shot.width,
            height=shot.height,
            created_at=at,
            media_key=media_key,
            size_bytes=size_bytes,
            previous_image_id=previous_image_id,
            usage=usage,
        )

    @classmethod
    def failed(
        cls,
        *,
        id: str,
        shot: Shot,
        attempt: int,
        prompt: str,
        previous_image_id: str | None,
        usage: Usage,
        code: str,
        error: str,
        at: datetime,
    ) -> Image:
        return cls(
            id=id,
            script_id=shot.script_id,
            shot_id=shot.id,
            scene_id=shot.scene_id,
            attempt=attempt,
            status=ImageStatus.FAILED,
            prompt=prompt,
            width=shot.width,
            height=shot.height,
            created_at=at,
            previous_image_id=previous_image_id,
            usage=usage,
            error_code=code,
            error=error,
        )

    def approved(self, at: datetime) -> Image:
        if self.status is not ImageStatus.PENDING:
            raise NotPending(f"image {self.id} is {self.status.value}; only a pending image can be approved")
        return replace(self, status=ImageStatus.APPROVED, decided_at=at)

    def rejected(self, feedback: str, at: datetime) -> Image:
        if self.status is ImageStatus.REJECTED:
            raise AlreadyRejected(f"image {self.id} was already rejected")
        return replace(self, status=ImageStatus.REJECTED, feedback=feedback, decided_at=at)


@dataclass(frozen=True)
class Rejection:
    image: Image
    shot: Shot
    next_attempt: int | None
    """The attempt that follows, or None when the shot has used all its attempts."""


def reject(image: Image, shot: Shot, feedback: str, max_attempts: int, at: datetime) -> Rejection:
    """Reject `image` of `shot` and start the shot's next attempt, if it has one left.
    Raises a RuleBroken (nothing changes) when the image or the shot does not allow it."""
    rejected = image.rejected(feedback, at)
    following = shot.next_attempt(feedback, max_attempts)
    if following is None:
        return Rejection(rejected, shot.with_notes_of(feedback), None)
    return Rejection(rejected, following, following.attempts)


@dataclass(frozen=True)
class Approval:
    image: Image
    shot: Shot
    replaced_image_id: str | None


def approve(image: Image, shot: Shot, at: datetime) -> Approval:
    approved = image.approved(at)
    shot, replaced = shot.approving(image.id)
    return Approval(approved, shot, replaced)
