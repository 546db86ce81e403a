"""Operation messages: events on `operation.events`, emitted by the gateway's process manager.

An operation drives one script from premise or text to a rendered video by commands and
events only. It is `running`, `paused` (waiting for a human at a gate), then `completed`,
`failed` or `cancelled`; a failed one resumes (`running` again) when the failed part is retried.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from reelflow_contracts.messages.base import Event, message
from reelflow_contracts.messages.common import (
    Code,
    ErrorText,
    Id,
    MediaKey,
    Premise,
    Stage,
    Title,
    VideoOptions,
    _Part,
)
from reelflow_contracts.topics import OPERATION_EVENTS

__all__ = [
    "OperationStarted",
    "OperationProgressed",
    "OperationCompleted",
    "OperationFailed",
    "OperationCancelled",
    "OperationProgress",
    "SceneProgress",
    "StageSeconds",
    "UsageTotals",
]


class UsageTotals(_Part):
    """AI usage summed over every event of the operation's script."""

    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    images: int = Field(default=0, ge=0)
    audio_seconds: float = Field(default=0.0, ge=0)
    cost_usd: float = Field(default=0.0, ge=0, description="estimate from the configured prices; 0 for local")


class OperationProgress(_Part):
    """Counts per stage."""

    scenes_segmented: int = Field(default=0, ge=0)
    scenes_approved: int = Field(default=0, ge=0)
    shots_planned: int = Field(default=0, ge=0)
    images_generated: int = Field(default=0, ge=0)
    images_approved: int = Field(default=0, ge=0)
    images_failed: int = Field(default=0, ge=0)
    render: Literal["waiting", "running", "done", "failed"] = "waiting"


class StageSeconds(_Part):
    """How long each stage took: wall seconds from its first to its last event (stages overlap)."""

    script: float = Field(default=0.0, ge=0)
    segmentation: float = Field(default=0.0, ge=0)
    shot_planning: float = Field(default=0.0, ge=0)
    image_generation: float = Field(default=0.0, ge=0)
    render: float = Field(default=0.0, ge=0)


class SceneProgress(_Part):
    """One scene's state within an operation."""

    scene_id: Id
    order: int = Field(ge=1)
    status: Literal["pending", "approved", "failed"] = "pending"
    shots_planned: int = Field(default=0, ge=0)
    images_generated: int = Field(default=0, ge=0)
    images_approved: int = Field(default=0, ge=0)


@message("reelflow.operation.started.v1", topic=OPERATION_EVENTS, subject="operation_id")
class OperationStarted(Event):
    """Gateway, on POST /api/operations: the operation exists and its first command is being sent."""

    operation_id: Id
    owner_id: Id
    input: Literal["premise", "content"] = Field(description="AI writes the script, or the user gave it")
    title: Title = ""
    premise: Premise | None = None
    auto_approve: bool = True
    options: VideoOptions = Field(default_factory=VideoOptions)
    webhook: bool = Field(default=False, description="a webhook will be called at the end (its URL stays private)")
    started_at: AwareDatetime

    @model_validator(mode="after")
    def _premise_matches_input(self) -> OperationStarted:
        if (self.input == "premise") != (self.premise is not None):
            raise ValueError("premise is required exactly when input is 'premise'")
        return self


@message("reelflow.operation.progressed.v1", topic=OPERATION_EVENTS, subject="operation_id")
class OperationProgressed(Event):
    """Gateway, whenever one of the operation's script events changes its counts, stage or status."""

    operation_id: Id
    status: Literal["running", "paused"] = "running"
    stage: Stage
    waiting_for: Literal["script_approval", "scene_approval", "image_approval"] | None = Field(
        default=None, description="the human gate it is paused at"
    )
    progress: OperationProgress = Field(default_factory=OperationProgress)
    scenes: tuple[SceneProgress, ...] = ()
    usage: UsageTotals = Field(default_factory=UsageTotals)
    summary: str = Field(default="", max_length=500, description="a short human summary of the step")


@message("reelflow.operation.completed.v1", topic=OPERATION_EVENTS, subject="operation_id")
class OperationCompleted(Event):
    """Gateway, when the operation's VideoRendered arrives: the result is ready."""

    operation_id: Id
    video_id: Id
    media_key: MediaKey
    duration_s: float = Field(gt=0)
    stage_seconds: StageSeconds = Field(default_factory=StageSeconds)
    usage: UsageTotals = Field(default_factory=UsageTotals)
    completed_at: AwareDatetime


@message("reelflow.operation.failed.v1", topic=OPERATION_EVENTS, subject="operation_id")
class OperationFailed(Event):
    """Gateway, when a *Failed event (or a CommandRejected) of the operation's script stops it."""

    operation_id: Id
    stage: Stage
    code: Code
    error: ErrorText
    cause_type: str = Field(default="", max_length=200, description="ce_type of the event that stopped it")
    usage: UsageTotals = Field(default_factory=UsageTotals)
    failed_at: AwareDatetime


@message("reelflow.operation.cancelled.v1", topic=OPERATION_EVENTS, subject="operation_id")
class OperationCancelled(Event):
    """Gateway, on POST /api/operations/{id}/cancel: no more commands are issued for it."""

    operation_id: Id
    stage: Stage
    cancelled_by: Id | None = Field(default=None, description="the user who cancelled")
    usage: UsageTotals = Field(default_factory=UsageTotals)
    cancelled_at: AwareDatetime
