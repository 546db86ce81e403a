"""Scene service messages: commands on `scene.commands`, events on `scene.events`.

Scenes and shots are numbered from 1 (`order`). A scene is `pending` (editable) until approved;
its approval makes the scene service plan its shots, one ShotPlanned each.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, model_validator

from reelflow_contracts.messages.base import Command, Event, Usage, message
from reelflow_contracts.messages.common import (
    MAX_SCRIPT_BYTES,
    Code,
    CommandRejected,
    ErrorText,
    Id,
    Prompt,
    ScriptText,
    Stage,
    StyleHints,
)
from reelflow_contracts.topics import SCENE_COMMANDS, SCENE_EVENTS

__all__ = [
    "UpdateScene",
    "ApproveScene",
    "SceneCreated",
    "ScriptSegmented",
    "SegmentationFailed",
    "SceneUpdated",
    "SceneApproved",
    "ShotPlanned",
    "ShotPlanningFailed",
    "SceneCommandRejected",
]

Order = Annotated[int, Field(ge=1, le=10_000, description="position, counted from 1")]
SegmentationMethod = Literal["sluglines", "headings", "paragraphs", "ai"]
Heading = Annotated[str, Field(max_length=300, description="the scene's slugline or heading, if it has one")]


# -- commands ---------------------------------------------------------------------------------


@message("reelflow.scene.update_scene.v1", topic=SCENE_COMMANDS, subject="scene_id")
class UpdateScene(Command):
    """Gateway -> scene service: replace a pending scene's text (rejected once approved)."""

    scene_id: Id
    text: ScriptText
    heading: Heading | None = Field(
        default=None, description="the scene's heading as the writer set it; absent: read again from the text"
    )


@message("reelflow.scene.approve_scene.v1", topic=SCENE_COMMANDS, subject="scene_id")
class ApproveScene(Command):
    """Gateway (user or operation) -> scene service: approve a pending scene, which starts shot planning."""

    scene_id: Id


# -- events -----------------------------------------------------------------------------------


@message("reelflow.scene.created.v1", topic=SCENE_EVENTS, subject="scene_id")
class SceneCreated(Event):
    """Scene service, for each scene found while segmenting an approved script (status `pending`)."""

    scene_id: Id
    order: Order
    heading: Heading = ""
    text: ScriptText
    created_at: AwareDatetime


@message("reelflow.scene.script_segmented.v1", topic=SCENE_EVENTS)
class ScriptSegmented(Event):
    """Scene service, after all SceneCreated of a script: the complete, ordered list of its scenes."""

    scene_ids: tuple[Id, ...] = Field(min_length=1, description="every scene of the script, in order")
    method: SegmentationMethod = Field(description="how the text was cut: by the local rules named, or by the AI model")
    fell_back: bool = Field(
        default=False, description="the AI's scenes did not cover the script, so local rules were used"
    )
    note: str = Field(default="", max_length=2000, description="why it fell back, if it did")
    usage: Usage = Field(default_factory=Usage)


@message("reelflow.scene.segmentation_failed.v1", topic=SCENE_EVENTS)
class SegmentationFailed(Event):
    """Scene service, when an approved script could not be segmented (provider errors past the retry bound)."""

    stage: Stage = "segmentation"
    code: Code = "segmentation_failed"
    error: ErrorText
    final: bool = True
    attempts: int = Field(default=1, ge=1)
    usage: Usage = Field(default_factory=Usage)


@message("reelflow.scene.updated.v1", topic=SCENE_EVENTS, subject="scene_id")
class SceneUpdated(Event):
    """Scene service, after UpdateScene: the scene's full new state."""

    scene_id: Id
    order: Order
    heading: Heading = ""
    text: ScriptText
    updated_at: AwareDatetime


@message("reelflow.scene.approved.v1", topic=SCENE_EVENTS, subject="scene_id")
class SceneApproved(Event):
    """Scene service, after ApproveScene: the scene is final; its shots are planned next."""

    scene_id: Id
    order: Order
    approved_at: AwareDatetime


@message("reelflow.scene.shot_planned.v1", topic=SCENE_EVENTS, subject="shot_id")
class ShotPlanned(Event):
    """Scene service, for each shot planned for an approved scene.

    Self-sufficient for its consumers: the image service draws from `image_prompt` and `style`;
    the video service orders shots by (`scene_order`, `order`), knows a scene is complete when it
    has `shot_count` shots, and speaks `narration`. The planning call's AI usage is carried once,
    by the shot with `order` 1 (the others carry zero), so usage sums without double counting.
    """

    scene_id: Id
    shot_id: Id
    scene_order: Order
    order: Order
    shot_count: int = Field(ge=1, le=100, description="how many shots the scene has (at most 100)")
    description: str = Field(min_length=1, max_length=500, description="one line saying what the shot shows")
    image_prompt: Prompt
    duration_s: float = Field(
        gt=0,
        le=120,
        description="how long the shot is on screen, from the text it covers; within the scene service's "
        "REELFLOW_MIN_SHOT_S and REELFLOW_MAX_SHOT_S (3 and 8 s by default, never over 120)",
    )
    narration: str = Field(
        default="", max_length=MAX_SCRIPT_BYTES, description="the scene text this shot covers, to be spoken"
    )
    style: StyleHints = Field(default_factory=StyleHints)
    usage: Usage = Field(default_factory=Usage)

    @model_validator(mode="after")
    def _order_within_count(self) -> ShotPlanned:
        if self.order > self.shot_count:
            raise ValueError(f"order {self.order} is past shot_count {self.shot_count}")
        return self


@message("reelflow.scene.shot_planning_failed.v1", topic=SCENE_EVENTS, subject="scene_id")
class ShotPlanningFailed(Event):
    """Scene service, when an approved scene's shots could not be planned (provider errors past the retry bound)."""

    scene_id: Id
    stage: Stage = "shot_planning"
    code: Code = "shot_planning_failed"
    error: ErrorText
    final: bool = True
    attempts: int = Field(default=1, ge=1)
    usage: Usage = Field(default_factory=Usage)


@message("reelflow.scene.command_rejected.v1", topic=SCENE_EVENTS, subject="target_id")
class SceneCommandRejected(CommandRejected):
    """Scene service, when a scene command is refused (e.g. `not_pending`, `not_found`)."""
