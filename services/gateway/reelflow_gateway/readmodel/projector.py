"""Projections: event -> view change + the command outcome it records.

`consumer.ReadModelConsumer` applies them, a batch of events per MongoDB transaction; after the
commit, each outcome wakes the write request waiting for it in this process (if any).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts import (
    CATALOG,
    CommandRejected,
    ImageApproved,
    ImageGenerated,
    ImageGenerationFailed,
    ImageRejected,
    SceneApproved,
    SceneCreated,
    SceneUpdated,
    ScriptApproved,
    ScriptCreated,
    ScriptGenerationFailed,
    ScriptSegmented,
    ScriptUpdated,
    SegmentationFailed,
    ShotPlanned,
    ShotPlanningFailed,
    VideoFailed,
    VideoRendered,
    VideoRenderProgressed,
    VideoRequested,
)
from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Message
from reelflow_gateway.readmodel import images, scenes, scripts, videos
from reelflow_gateway.readmodel.outcomes import Outcome

Apply = Callable[[AsyncDatabase, AsyncClientSession, Envelope], Awaitable["dict | None"]]
"""Writes an event's view change; returns the new view document when there is one."""


def applied(env: Envelope) -> Outcome | None:
    """The outcome of the command an event answers (events not caused by a command have none)."""
    if not env.causation_id:
        return None
    return Outcome(command_id=env.causation_id, status="applied", subject=env.subject, event_type=env.type, at=env.time)


def answers_nothing(env: Envelope) -> None:
    """For events that react to another event (SceneCreated to ScriptApproved, ...), or to a
    command whose outcome an earlier event already answered (ShotPlanned after SceneApproved):
    no request waits for them, so no outcome is written."""
    return None


def generation_failed(env: Envelope[ScriptGenerationFailed]) -> Outcome | None:
    m = env.data
    if not m.final or not env.causation_id:
        return None  # a failed attempt the service still retries answers nothing yet
    return Outcome(
        command_id=env.causation_id,
        status="failed",
        subject=env.subject,
        event_type=env.type,
        at=env.time,
        code=m.code,
        reason=m.error,
    )


_REJECTION_FIELDS = frozenset(CommandRejected.model_fields)


def rejected(env: Envelope[CommandRejected]) -> Outcome:
    """The refusal, with whatever its service's rejection type says beyond code and reason
    (VideoCommandRejected: `missing_shots`, `unplanned_scene_ids`) as `details`."""
    m = env.data
    details = m.model_dump(mode="json", exclude=set(_REJECTION_FIELDS)) or None
    return Outcome(
        command_id=m.command_id,
        status="rejected",
        subject=m.target_id,
        event_type=env.type,
        at=env.time,
        code=m.code,
        reason=m.reason,
        details=details,
    )


def rejection_types() -> list[type[CommandRejected]]:
    """Every service's CommandRejected subclass in the catalog."""
    return [cls for cls in CATALOG.values() if issubclass(cls, CommandRejected)]


OutcomeOf = Callable[[Envelope], "Outcome | None"]
ApplyMany = Callable[[AsyncDatabase, AsyncClientSession, list[Envelope]], Awaitable[None]]
"""Writes the view changes of consecutive events of one type at once (same result as one by one)."""


def batch_projections() -> dict[type[Message], ApplyMany]:
    """Event types whose events come in numbers (a script's scenes, a scene's shots), applied together."""
    return {SceneCreated: scenes.apply_scenes_created, ShotPlanned: scenes.apply_shots_planned}


def projections() -> dict[type[Message], tuple[Apply | None, OutcomeOf]]:
    """Event type -> (its view change, the command outcome it records)."""
    table: dict[type[Message], tuple[Apply | None, OutcomeOf]] = {
        ScriptCreated: (scripts.apply_created, applied),
        ScriptUpdated: (scripts.apply_updated, applied),
        ScriptApproved: (scripts.apply_approved, applied),
        ScriptGenerationFailed: (scripts.apply_generation_failed, generation_failed),
        SceneCreated: (scenes.apply_scene_created, answers_nothing),
        ScriptSegmented: (scenes.apply_script_segmented, answers_nothing),
        SegmentationFailed: (scenes.apply_segmentation_failed, answers_nothing),
        SceneUpdated: (scenes.apply_scene_updated, applied),
        SceneApproved: (scenes.apply_scene_approved, applied),
        ShotPlanned: (scenes.apply_shot_planned, answers_nothing),
        ShotPlanningFailed: (scenes.apply_shot_planning_failed, answers_nothing),
        # ImageGenerated and ImageGenerationFailed come from generation jobs, whose events carry
        # the causation of what queued them (ShotPlanned, or the RejectImage that ImageRejected
        # already answered); VideoRendered and VideoFailed likewise follow VideoRequested.
        ImageGenerated: (images.apply_image_generated, answers_nothing),
        ImageApproved: (images.apply_image_approved, applied),
        ImageRejected: (images.apply_image_rejected, applied),
        ImageGenerationFailed: (images.apply_image_generation_failed, answers_nothing),
        VideoRequested: (videos.apply_video_requested, applied),
        VideoRenderProgressed: (videos.apply_video_render_progressed, answers_nothing),
        VideoRendered: (videos.apply_video_rendered, answers_nothing),
        VideoFailed: (videos.apply_video_failed, answers_nothing),
    }
    for cls in rejection_types():
        table[cls] = (None, rejected)
    return table
