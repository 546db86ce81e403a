"""The scene aggregate, its shots and the script facts the service keeps: pure code, no I/O.

A scene is `pending` (editable) until approved, then `approved` for good. Editing or approving
an approved scene raises a RuleBroken with a machine code (`not_pending`,
`already_approved`) and a human reason, which the handler turns into a SceneCommandRejected.
Approval queues the scene's shot planning; its outcome is recorded as `planned` (with the
number of shots) or `failed`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from reelflow_contracts.messages.common import Aspect
from reelflow_kit.domain import RuleBroken


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"


class ShotPlanning(StrEnum):
    NOT_STARTED = "not_started"
    QUEUED = "queued"
    PLANNED = "planned"
    FAILED = "failed"


class NotPending(RuleBroken):
    code = "not_pending"


class AlreadyApproved(RuleBroken):
    code = "already_approved"


@dataclass(frozen=True)
class Scene:
    id: str
    script_id: str
    order: int
    heading: str
    text: str
    created_at: datetime
    updated_at: datetime
    status: Status = Status.PENDING
    approved_at: datetime | None = None
    shot_planning: ShotPlanning = ShotPlanning.NOT_STARTED
    shot_count: int = 0

    @classmethod
    def found(cls, id: str, script_id: str, order: int, heading: str, text: str, at: datetime) -> Scene:
        """A scene found by segmenting an approved script: pending."""
        return cls(id=id, script_id=script_id, order=order, heading=heading, text=text, created_at=at, updated_at=at)

    def edited(self, *, text: str, heading: str, at: datetime) -> Scene:
        """This pending scene with new text (and the heading read from it)."""
        if self.status is not Status.PENDING:
            raise NotPending(f"scene {self.id} is {self.status.value}; only a pending scene can be edited")
        return replace(self, text=text, heading=heading, updated_at=at)

    def approved(self, at: datetime) -> Scene:
        """Approved for good; its shot planning is queued."""
        if self.status is Status.APPROVED:
            raise AlreadyApproved(f"scene {self.id} was already approved")
        return replace(self, status=Status.APPROVED, approved_at=at, updated_at=at, shot_planning=ShotPlanning.QUEUED)


@dataclass(frozen=True)
class Shot:
    """One planned shot of an approved scene, with what its image and narration need."""

    id: str
    script_id: str
    scene_id: str
    scene_order: int
    order: int
    shot_count: int
    description: str
    image_prompt: str
    duration_s: float
    narration: str
    aspect: Aspect
    style_suffix: str
    setting: str
    time_of_day: str
    characters: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class ScriptFacts:
    """What the scene service keeps of an approved script, to plan its scenes' shots consistently."""

    id: str
    owner_id: str
    title: str
    aspect: Aspect
    characters: tuple[str, ...]
    style_suffix: str
    approved_at: datetime
    segmented: bool
    """False when segmentation failed (SegmentationFailed was emitted)."""
    scene_count: int = 0
    method: str = ""
    fell_back: bool = False
    note: str = ""
    error: str = ""
    looks: tuple[tuple[str, str], ...] = ()
    """(name, look) of the script's main characters, carried in the prompts they appear in."""
