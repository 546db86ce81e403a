"""Every command and event model. Importing this package registers the whole catalog in CATALOG."""

from reelflow_contracts.messages.base import CATALOG, Command, Event, Message, Usage, message
from reelflow_contracts.messages.common import (
    MAX_ERROR_CHARS,
    MAX_FEEDBACK_CHARS,
    MAX_SCRIPT_BYTES,
    MAX_SCRIPT_JSON_BYTES,
    Aspect,
    CommandRejected,
    Origin,
    Resolution,
    Stage,
    StyleHints,
    Transition,
    VideoOptions,
    dimensions,
)
from reelflow_contracts.messages.image import (
    ApproveImage,
    ImageApproved,
    ImageCommandRejected,
    ImageGenerated,
    ImageGenerationFailed,
    ImageRejected,
    RejectImage,
    image_media_key,
)
from reelflow_contracts.messages.operation import (
    OperationCancelled,
    OperationCompleted,
    OperationFailed,
    OperationProgress,
    OperationProgressed,
    OperationStarted,
    SceneProgress,
    StageSeconds,
    UsageTotals,
)
from reelflow_contracts.messages.scene import (
    ApproveScene,
    SceneApproved,
    SceneCommandRejected,
    SceneCreated,
    SceneUpdated,
    ScriptSegmented,
    SegmentationFailed,
    ShotPlanned,
    ShotPlanningFailed,
    UpdateScene,
)
from reelflow_contracts.messages.script import (
    ApproveScript,
    CreateScript,
    GenerateScript,
    ScriptApproved,
    ScriptCommandRejected,
    ScriptCreated,
    ScriptGenerationFailed,
    ScriptUpdated,
    UpdateScript,
)
from reelflow_contracts.messages.video import (
    CreateVideo,
    MissingShot,
    VideoCommandRejected,
    VideoFailed,
    VideoRendered,
    VideoRenderProgressed,
    VideoRequested,
    video_media_key,
)

CONTRACT_TYPES: tuple[type[Message], ...] = tuple(
    cls for cls in CATALOG.values() if cls.__module__.startswith("reelflow_contracts.")
)
"""Reelflow's own catalog types, in registration order. CATALOG may also hold types that other
code (tests, tools) registers; this tuple never does."""

__all__ = [
    # base
    "CATALOG",
    "CONTRACT_TYPES",
    "Command",
    "Event",
    "Message",
    "Usage",
    "message",
    # shared types
    "MAX_ERROR_CHARS",
    "MAX_FEEDBACK_CHARS",
    "MAX_SCRIPT_BYTES",
    "MAX_SCRIPT_JSON_BYTES",
    "Aspect",
    "Origin",
    "Resolution",
    "Stage",
    "StyleHints",
    "Transition",
    "VideoOptions",
    "dimensions",
    "CommandRejected",
    # script
    "CreateScript",
    "GenerateScript",
    "UpdateScript",
    "ApproveScript",
    "ScriptCreated",
    "ScriptUpdated",
    "ScriptApproved",
    "ScriptGenerationFailed",
    "ScriptCommandRejected",
    # scene
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
    # image
    "ApproveImage",
    "RejectImage",
    "ImageGenerated",
    "ImageApproved",
    "ImageRejected",
    "ImageGenerationFailed",
    "ImageCommandRejected",
    "image_media_key",
    # video
    "CreateVideo",
    "VideoRequested",
    "VideoRenderProgressed",
    "VideoRendered",
    "VideoFailed",
    "VideoCommandRejected",
    "MissingShot",
    "video_media_key",
    # operation
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
