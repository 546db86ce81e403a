"""An operation's state machine, pure: given one event of its script, the new state and the
commands to send next. No I/O; the handlers load, apply, save and emit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, TypedDict

from reelflow_contracts.messages.base import Command, Message, Usage
from reelflow_contracts.messages.common import FATAL_REJECTION_CODES, CommandRejected, Stage, VideoOptions
from reelflow_contracts.messages.image import (
    ApproveImage,
    ImageApproved,
    ImageGenerated,
    ImageGenerationFailed,
    ImageRejected,
)
from reelflow_contracts.messages.scene import (
    ApproveScene,
    SceneApproved,
    ScriptSegmented,
    SegmentationFailed,
    ShotPlanned,
    ShotPlanningFailed,
)
from reelflow_contracts.messages.script import ApproveScript, ScriptApproved, ScriptCreated, ScriptGenerationFailed
from reelflow_contracts.messages.video import (
    CreateVideo,
    VideoCommandRejected,
    VideoFailed,
    VideoRendered,
    VideoRequested,
)
from reelflow_gateway.costs import add_usage_line, summed_lines, used_something

OperationStatus = Literal["running", "paused", "completed", "cancelled", "failed"]
WaitingFor = Literal["script_approval", "scene_approval", "image_approval"]
"""The human gate a paused operation waits at."""
OperationInput = Literal["premise", "content"]
"""The AI writes the script from a premise, or the user gave its content."""
RenderState = Literal["waiting", "running", "done", "failed"]
StageFailed = ScriptGenerationFailed | SegmentationFailed | ShotPlanningFailed | ImageGenerationFailed
"""The events that stop the operation at their stage."""


class OperationResult(TypedDict):
    """A completed operation's video."""

    script_id: str
    video_id: str
    media_key: str
    duration_s: float
    width: int
    height: int


TERMINAL: tuple[OperationStatus, ...] = ("completed", "cancelled")
NOT_RUNNING: tuple[OperationStatus, ...] = (*TERMINAL, "failed")
"""A failed operation may be resumed, but holds nothing until then: it does not count as running."""
STAGES: tuple[Stage, ...] = ("script", "segmentation", "shot_planning", "image_generation", "render")
OPERATION_NAMESPACE = uuid.UUID("2d7f0c35-7a51-4f4f-8d8e-3c0f1b6a9e42")


@dataclass
class SceneState:
    scene_id: str
    order: int
    status: str = "pending"
    shot_count: int | None = None
    shots: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)
    approved: dict[str, str] = field(default_factory=dict)
    """shot id -> its approved image id"""


@dataclass
class Operation:
    id: str
    owner_id: str
    script_id: str
    input: OperationInput
    auto_approve: bool
    options: dict
    created_at: datetime
    title: str = ""
    status: OperationStatus = "running"
    stage: Stage = "script"
    waiting_for: WaitingFor | None = None
    scenes: list[SceneState] = field(default_factory=list)
    failed_images: list[str] = field(default_factory=list)
    video_id: str | None = None
    render: RenderState = "waiting"
    result: OperationResult | None = None
    errors: list[dict] = field(default_factory=list)
    usage_by_model: list[dict] = field(default_factory=list)
    """Per provider and model: input_tokens, output_tokens, images, audio_seconds (for costs)."""
    stage_times: dict = field(default_factory=dict)
    """stage -> [first event time, last event time] (ISO strings)"""
    updated_at: datetime | None = None
    version: int = 0

    # -- reading ---------------------------------------------------------------------------

    @property
    def requester(self) -> str:
        return f"operation:{self.id}"

    def scene(self, scene_id: str) -> SceneState | None:
        return next((s for s in self.scenes if s.scene_id == scene_id), None)

    def progress(self) -> dict:
        return {
            "scenes_segmented": len(self.scenes),
            "scenes_approved": sum(s.status == "approved" for s in self.scenes),
            "shots_planned": sum(len(s.shots) for s in self.scenes),
            "shots_total": sum(s.shot_count or 0 for s in self.scenes),
            "images_generated": sum(len(s.generated) for s in self.scenes),
            "images_approved": sum(len(s.approved) for s in self.scenes),
            "images_failed": len(self.failed_images),
            "render": self.render,
        }

    def all_images_approved(self) -> bool:
        return bool(self.scenes) and all(
            s.status == "approved"
            and s.shot_count is not None
            and len(s.shots) >= s.shot_count
            and all(shot in s.approved for shot in s.shots)
            for s in self.scenes
        )

    # -- changing --------------------------------------------------------------------------

    def apply(self, event: Message, at: datetime) -> list[Command]:
        """React to one event of the operation's script; returns the commands to send."""
        if self.status in TERMINAL:
            return []
        self._add_usage(getattr(event, "usage", None))
        handler = _REACTIONS.get(type(event))
        if handler is None and isinstance(event, CommandRejected):
            handler = Operation._rejected
        commands = handler(self, event, at) if handler else []
        self.updated_at = at
        return commands if self.status not in TERMINAL else []

    def cancel(self, at: datetime) -> None:
        self.status, self.waiting_for, self.updated_at = "cancelled", None, at

    def _enter(self, stage: Stage, at: datetime) -> None:
        times = self.stage_times.setdefault(stage, [at.isoformat(), at.isoformat()])
        times[1] = at.isoformat()
        if STAGES.index(stage) >= STAGES.index(self.stage):
            self.stage = stage

    def _fail(self, stage: Stage, code: str, message: str, at: datetime) -> None:
        self.status, self.waiting_for = "failed", None
        self.stage = stage
        self.errors.append({"stage": stage, "code": code, "message": message, "at": at.isoformat()})

    def _resume(self) -> None:
        if self.status == "failed":
            self.status = "running"

    def _gate(self, waiting_for: WaitingFor | None) -> None:
        if self.status in ("running", "paused"):
            self.status = "paused" if waiting_for else "running"
            self.waiting_for = waiting_for

    @property
    def usage(self) -> dict:
        """Every model's usage added up."""
        return summed_lines(self.usage_by_model)

    def _add_usage(self, usage: Usage | None) -> None:
        if usage is not None and used_something(usage):
            add_usage_line(self.usage_by_model, usage)

    # -- reactions ---------------------------------------------------------------------------

    def _script_created(self, e: ScriptCreated, at: datetime) -> list[Command]:
        self._enter("script", at)
        self.title = e.title
        if self.auto_approve:
            return [ApproveScript(script_id=self.script_id, requested_by=self.requester)]
        self._gate("script_approval")
        return []

    def _script_approved(self, e: ScriptApproved, at: datetime) -> list[Command]:
        self._enter("segmentation", at)
        self._gate(None)
        return []

    def _segmented(self, e: ScriptSegmented, at: datetime) -> list[Command]:
        self._enter("segmentation", at)
        if not self.scenes:
            self.scenes = [SceneState(scene_id, order) for order, scene_id in enumerate(e.scene_ids, start=1)]
        if self.auto_approve:
            return [
                ApproveScene(script_id=self.script_id, scene_id=s.scene_id, requested_by=self.requester)
                for s in self.scenes
                if s.status == "pending"
            ]
        self._gate("scene_approval")
        return []

    def _scene_approved(self, e: SceneApproved, at: datetime) -> list[Command]:
        self._enter("shot_planning", at)
        if scene := self.scene(e.scene_id):
            scene.status = "approved"
        if not self.auto_approve:
            self._gate("scene_approval" if any(s.status == "pending" for s in self.scenes) else None)
        return []

    def _shot_planned(self, e: ShotPlanned, at: datetime) -> list[Command]:
        self._enter("shot_planning", at)
        scene = self.scene(e.scene_id)
        if scene is not None:
            scene.shot_count = e.shot_count
            if e.shot_id not in scene.shots:
                scene.shots.append(e.shot_id)
        return []

    def _image_generated(self, e: ImageGenerated, at: datetime) -> list[Command]:
        self._enter("image_generation", at)
        self._resume()
        scene = self.scene(e.scene_id)
        if scene is None:
            return []
        if e.image_id not in scene.generated:
            scene.generated.append(e.image_id)
        if e.shot_id in scene.approved:
            return []
        if self.auto_approve:
            return [ApproveImage(script_id=self.script_id, image_id=e.image_id, requested_by=self.requester)]
        self._gate("image_approval")
        return []

    def _image_rejected(self, e: ImageRejected, at: datetime) -> list[Command]:
        if (scene := self.scene(e.scene_id)) and scene.approved.get(e.shot_id) == e.image_id:
            del scene.approved[e.shot_id]
        return []

    def _image_approved(self, e: ImageApproved, at: datetime) -> list[Command]:
        self._enter("image_generation", at)
        if scene := self.scene(e.scene_id):
            scene.approved[e.shot_id] = e.image_id
        if not self.all_images_approved():
            if not self.auto_approve:
                self._gate("image_approval")
            return []
        self._gate(None)
        self._resume()
        self._enter("render", at)
        self.render = "running"
        self.video_id = str(uuid.uuid5(OPERATION_NAMESPACE, f"{self.id}/video/{self.version}"))
        self.version += 1
        return [
            CreateVideo(
                script_id=self.script_id,
                video_id=self.video_id,
                options=VideoOptions.model_validate(self.options),
                requested_by=self.requester,
                image_ids=tuple(image for s in self.scenes for image in s.approved.values()),
            )
        ]

    def _video_requested(self, e: VideoRequested, at: datetime) -> list[Command]:
        if e.video_id != self.video_id and self.status == "failed" and self.render == "failed":
            # The user asked for the script's video again after this operation's render failed:
            # that is the retry of the failed part, and its outcome is the operation's.
            self.video_id = e.video_id
            self.render = "running"
            self._resume()
            self._enter("render", at)
        return []

    def _video_rendered(self, e: VideoRendered, at: datetime) -> list[Command]:
        if e.video_id != self.video_id:
            return []
        self._enter("render", at)
        self.render, self.status, self.waiting_for = "done", "completed", None
        self.result = {
            "script_id": self.script_id,
            "video_id": e.video_id,
            "media_key": e.media_key,
            "duration_s": e.duration_s,
            "width": e.width,
            "height": e.height,
        }
        return []

    def _video_failed(self, e: VideoFailed, at: datetime) -> list[Command]:
        if e.video_id == self.video_id:
            self.render = "failed"
            self._fail("render", e.code, e.error, at)
        return []

    def _failed(self, e: StageFailed, at: datetime) -> list[Command]:
        if isinstance(e, ImageGenerationFailed):
            if not e.final:
                return []
            self.failed_images.append(e.image_id)
        self._fail(e.stage, e.code, e.error, at)
        return []

    def _rejected(self, e: CommandRejected, at: datetime) -> list[Command]:
        if e.code in FATAL_REJECTION_CODES:  # the command died (dead-lettered, its event refused): nothing follows
            self._fail(self.stage, e.code, e.reason, at)
            return []
        self.errors.append({"stage": self.stage, "code": e.code, "message": e.reason, "at": at.isoformat()})
        if isinstance(e, VideoCommandRejected) and e.target_id == self.video_id:
            self.render = "failed"
            self._fail("render", e.code, e.reason, at)
        return []


Reaction = Callable[[Operation, Any, datetime], list[Command]]
"""An Operation method taking one event type: `_REACTIONS` gives each the events of its key's type."""

_REACTIONS: dict[type[Message], Reaction] = {
    ScriptCreated: Operation._script_created,
    ScriptApproved: Operation._script_approved,
    ScriptSegmented: Operation._segmented,
    SceneApproved: Operation._scene_approved,
    ShotPlanned: Operation._shot_planned,
    ImageGenerated: Operation._image_generated,
    ImageRejected: Operation._image_rejected,
    ImageApproved: Operation._image_approved,
    VideoRequested: Operation._video_requested,
    VideoRendered: Operation._video_rendered,
    VideoFailed: Operation._video_failed,
    ScriptGenerationFailed: Operation._failed,
    SegmentationFailed: Operation._failed,
    ShotPlanningFailed: Operation._failed,
    ImageGenerationFailed: Operation._failed,
}

HANDLED_EVENTS: tuple[type[Message], ...] = tuple(_REACTIONS) + tuple(CommandRejected.__subclasses__())


def to_document(op: Operation) -> dict:
    doc = asdict(op)
    doc["_id"] = doc.pop("id")
    return doc


def from_document(doc: dict) -> Operation:
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    doc["scenes"] = [SceneState(**s) for s in doc.get("scenes", [])]
    return Operation(**{k: v for k, v in doc.items() if k in Operation.__dataclass_fields__})
