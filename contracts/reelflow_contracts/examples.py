"""One valid, realistic instance of every catalog type, for tests and documentation.

All examples describe the same story: one user's two-scene script, approved, segmented,
its first scene planned into two shots, images drawn, approved, and rendered, driven by one
operation. Ids are fixed (uuid5), so the output is the same on every run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages import (
    CONTRACT_TYPES,
    ApproveImage,
    ApproveScene,
    ApproveScript,
    CreateScript,
    CreateVideo,
    GenerateScript,
    ImageApproved,
    ImageCommandRejected,
    ImageGenerated,
    ImageGenerationFailed,
    ImageRejected,
    Message,
    MissingShot,
    OperationCancelled,
    OperationCompleted,
    OperationFailed,
    OperationProgress,
    OperationProgressed,
    OperationStarted,
    RejectImage,
    SceneApproved,
    SceneCommandRejected,
    SceneCreated,
    SceneProgress,
    SceneUpdated,
    ScriptApproved,
    ScriptCommandRejected,
    ScriptCreated,
    ScriptGenerationFailed,
    ScriptSegmented,
    ScriptUpdated,
    SegmentationFailed,
    ShotPlanned,
    ShotPlanningFailed,
    StageSeconds,
    StyleHints,
    UpdateScene,
    UpdateScript,
    Usage,
    UsageTotals,
    VideoCommandRejected,
    VideoFailed,
    VideoOptions,
    VideoRendered,
    VideoRenderProgressed,
    VideoRequested,
    image_media_key,
    video_media_key,
)

__all__ = ["example", "example_envelope", "all_examples", "IDS"]

M = TypeVar("M", bound=Message)

_NS = uuid.UUID("6f1d3c2a-8a4e-4c55-9a51-5e3f0f6f7a10")


def _id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


IDS = {
    name: _id(name)
    for name in (
        "user",
        "script",
        "scene_1",
        "scene_2",
        "shot_1",
        "shot_2",
        "image_1",
        "image_2",
        "image_3",
        "video",
        "operation",
    )
}
"""The fixed ids every example uses, by role."""

T0 = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)

TITLE = "The Lighthouse Keeper"
SCENE_1 = (
    "EXT. LIGHTHOUSE - DUSK\n\n"
    "Waves hammer the rocks. MARA (60s, oilskin coat) climbs the iron stairs, lantern in hand.\n\n"
    "MARA\nOne more night, old friend."
)
SCENE_2 = (
    "INT. LAMP ROOM - NIGHT\n\n"
    "The great lens turns. Far out, a small boat's light blinks back.\n\n"
    "MARA\n(smiling)\nThere you are."
)
CONTENT = SCENE_1 + "\n\n" + SCENE_2
STYLE = StyleHints(
    aspect="16:9",
    style_suffix="painterly storyboard frame, muted teal and amber palette, soft rim light",
    setting="lighthouse exterior, rocky coast",
    time_of_day="dusk",
    characters=("Mara",),
)
PROMPT_1 = (
    "Wide shot of a lone lighthouse on black rocks at dusk, waves crashing, an old woman in an "
    "oilskin coat climbing the outside iron stairs with a lantern; " + STYLE.style_suffix
)
PROMPT_2 = (
    "Close-up of an old woman's weathered face lit by a lantern, wind in her grey hair, the "
    "lighthouse wall behind her; " + STYLE.style_suffix
)
OPENAI_USAGE = Usage(provider="openai", model="gpt-4o-mini", input_tokens=1830, output_tokens=412)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _base(**fields: Any) -> dict[str, Any]:
    return {"script_id": IDS["script"], **fields}


def _cmd(**fields: Any) -> dict[str, Any]:
    return _base(requested_by=IDS["user"], **fields)


def _rejection(command_type: str, target: str, code: str, reason: str) -> dict[str, Any]:
    return _base(
        target_id=target,
        command_id=_id(f"command:{command_type}"),
        command_type=command_type,
        code=code,
        reason=reason,
    )


_FACTORIES: dict[type[Message], Callable[[], Message]] = {
    # script
    CreateScript: lambda: CreateScript(**_cmd(owner_id=IDS["user"], title=TITLE, content=CONTENT)),
    GenerateScript: lambda: GenerateScript(
        **_cmd(
            owner_id=IDS["user"], premise="An old lighthouse keeper's last night before automation.", target_scenes=2
        )
    ),
    UpdateScript: lambda: UpdateScript(**_cmd(title=TITLE + " (draft 2)")),
    ApproveScript: lambda: ApproveScript(**_cmd()),
    ScriptCreated: lambda: ScriptCreated(
        **_base(owner_id=IDS["user"], title=TITLE, content=CONTENT, origin="user", created_at=_at(0))
    ),
    ScriptUpdated: lambda: ScriptUpdated(**_base(title=TITLE + " (draft 2)", content=CONTENT, updated_at=_at(60))),
    ScriptApproved: lambda: ScriptApproved(
        **_base(owner_id=IDS["user"], title=TITLE, content=CONTENT, approved_at=_at(120))
    ),
    ScriptGenerationFailed: lambda: ScriptGenerationFailed(
        **_base(
            owner_id=IDS["user"],
            premise="An old lighthouse keeper's last night before automation.",
            code="provider_unavailable",
            error="openai: HTTP 503 Service Unavailable (after 4 attempts)",
            attempts=4,
            usage=OPENAI_USAGE,
        )
    ),
    ScriptCommandRejected: lambda: ScriptCommandRejected(
        **_rejection(
            "reelflow.script.update_script.v1",
            IDS["script"],
            "not_draft",
            "The script is approved and can no longer be edited.",
        )
    ),
    # scene
    UpdateScene: lambda: UpdateScene(**_cmd(scene_id=IDS["scene_1"], text=SCENE_1 + "\n\nShe pauses at the top.")),
    ApproveScene: lambda: ApproveScene(**_cmd(scene_id=IDS["scene_1"])),
    SceneCreated: lambda: SceneCreated(
        **_base(scene_id=IDS["scene_1"], order=1, heading="EXT. LIGHTHOUSE - DUSK", text=SCENE_1, created_at=_at(121))
    ),
    ScriptSegmented: lambda: ScriptSegmented(**_base(scene_ids=(IDS["scene_1"], IDS["scene_2"]), method="sluglines")),
    SegmentationFailed: lambda: SegmentationFailed(
        **_base(
            code="invalid_output",
            error="the model's scenes did not cover the script, even after a repair",
            final=False,
            attempts=2,
            usage=OPENAI_USAGE,
        )
    ),
    SceneUpdated: lambda: SceneUpdated(
        **_base(
            scene_id=IDS["scene_1"],
            order=1,
            heading="EXT. LIGHTHOUSE - DUSK",
            text=SCENE_1 + "\n\nShe pauses at the top.",
            updated_at=_at(180),
        )
    ),
    SceneApproved: lambda: SceneApproved(**_base(scene_id=IDS["scene_1"], order=1, approved_at=_at(200))),
    ShotPlanned: lambda: ShotPlanned(
        **_base(
            scene_id=IDS["scene_1"],
            shot_id=IDS["shot_1"],
            scene_order=1,
            order=1,
            shot_count=2,
            description="Mara climbs the lighthouse stairs as waves crash below.",
            image_prompt=PROMPT_1,
            duration_s=4.5,
            narration="Waves hammer the rocks. Mara climbs the iron stairs, lantern in hand.",
            style=STYLE,
        )
    ),
    ShotPlanningFailed: lambda: ShotPlanningFailed(
        **_base(
            scene_id=IDS["scene_2"],
            code="rate_limited",
            error="openai: HTTP 429 Too Many Requests (Retry-After 20 s) after 5 attempts",
            attempts=5,
        )
    ),
    SceneCommandRejected: lambda: SceneCommandRejected(
        **_rejection("reelflow.scene.approve_scene.v1", IDS["scene_1"], "not_pending", "The scene is already approved.")
    ),
    # image
    ApproveImage: lambda: ApproveImage(**_cmd(image_id=IDS["image_1"])),
    RejectImage: lambda: RejectImage(**_cmd(image_id=IDS["image_2"], feedback="Make it stormier; show her face.")),
    ImageGenerated: lambda: ImageGenerated(
        **_base(
            image_id=IDS["image_1"],
            shot_id=IDS["shot_1"],
            scene_id=IDS["scene_1"],
            attempt=1,
            width=1920,
            height=1080,
            prompt=PROMPT_1,
            media_key=image_media_key(IDS["scene_1"], IDS["image_1"]),
            size_bytes=412_338,
            generated_at=_at(230),
            usage=Usage(provider="local", images=1),
        )
    ),
    ImageApproved: lambda: ImageApproved(
        **_base(
            image_id=IDS["image_3"],
            shot_id=IDS["shot_2"],
            scene_id=IDS["scene_1"],
            attempt=2,
            width=1920,
            height=1080,
            prompt=PROMPT_2,
            media_key=image_media_key(IDS["scene_1"], IDS["image_3"]),
            replaced_image_id=IDS["image_2"],
            approved_at=_at(300),
        )
    ),
    ImageRejected: lambda: ImageRejected(
        **_base(
            image_id=IDS["image_2"],
            shot_id=IDS["shot_2"],
            scene_id=IDS["scene_1"],
            attempt=1,
            prompt=PROMPT_2,
            feedback="Make it stormier; show her face.",
            rejected_at=_at(260),
        )
    ),
    ImageGenerationFailed: lambda: ImageGenerationFailed(
        **_base(
            image_id=IDS["image_3"],
            shot_id=IDS["shot_2"],
            scene_id=IDS["scene_1"],
            attempt=2,
            code="storage_unavailable",
            error="S3 PutObject timed out after 3 attempts",
            final=True,
        )
    ),
    ImageCommandRejected: lambda: ImageCommandRejected(
        **_rejection(
            "reelflow.image.reject_image.v1",
            IDS["image_1"],
            "not_pending",
            "Only a pending or failed image can be rejected; this one is approved.",
        )
    ),
    # video
    CreateVideo: lambda: CreateVideo(
        **_cmd(video_id=IDS["video"], options=VideoOptions(transition="fadeblack", transition_s=0.75))
    ),
    VideoRequested: lambda: VideoRequested(
        **_base(
            video_id=IDS["video"],
            options=VideoOptions(transition="fadeblack", transition_s=0.75),
            image_ids=(IDS["image_1"], IDS["image_3"]),
            requested_at=_at(310),
        )
    ),
    VideoRenderProgressed: lambda: VideoRenderProgressed(
        **_base(video_id=IDS["video"], step="encoding", fraction=0.42, frames_done=96, frames_total=248, at=_at(314))
    ),
    VideoRendered: lambda: VideoRendered(
        **_base(
            video_id=IDS["video"],
            duration_s=8.25,
            width=1920,
            height=1080,
            fps=30,
            size_bytes=3_145_728,
            media_key=video_media_key(IDS["video"]),
            has_audio=True,
            render_s=6.4,
            rendered_at=_at(320),
            usage=Usage(provider="local", model="espeak-ng", audio_seconds=7.9),
        )
    ),
    VideoFailed: lambda: VideoFailed(
        **_base(
            video_id=IDS["video"],
            code="ffmpeg_failed",
            error="ffmpeg exited with status 1: Error while filtering: Cannot allocate memory",
        )
    ),
    VideoCommandRejected: lambda: VideoCommandRejected(
        **_rejection(
            "reelflow.video.create_video.v1",
            IDS["video"],
            "images_missing",
            "1 shot has no approved image and 1 scene has no planned shots.",
        ),
        missing_shots=(MissingShot(shot_id=IDS["shot_2"], scene_id=IDS["scene_1"], scene_order=1, order=2),),
        unplanned_scene_ids=(IDS["scene_2"],),
    ),
    # operation
    OperationStarted: lambda: OperationStarted(
        **_base(operation_id=IDS["operation"], owner_id=IDS["user"], input="content", title=TITLE, started_at=_at(-1))
    ),
    OperationProgressed: lambda: OperationProgressed(
        **_base(
            operation_id=IDS["operation"],
            stage="image_generation",
            progress=OperationProgress(
                scenes_segmented=2, scenes_approved=2, shots_planned=4, images_generated=3, images_approved=2
            ),
            scenes=(
                SceneProgress(
                    scene_id=IDS["scene_1"],
                    order=1,
                    status="approved",
                    shots_planned=2,
                    images_generated=2,
                    images_approved=2,
                ),
                SceneProgress(scene_id=IDS["scene_2"], order=2, status="approved", shots_planned=2, images_generated=1),
            ),
            summary="3 of 4 images drawn",
        )
    ),
    OperationCompleted: lambda: OperationCompleted(
        **_base(
            operation_id=IDS["operation"],
            video_id=IDS["video"],
            media_key=video_media_key(IDS["video"]),
            duration_s=8.25,
            stage_seconds=StageSeconds(
                script=0.2, segmentation=0.4, shot_planning=0.6, image_generation=9.8, render=6.4
            ),
            usage=UsageTotals(images=4, audio_seconds=7.9),
            completed_at=_at(321),
        )
    ),
    OperationFailed: lambda: OperationFailed(
        **_base(
            operation_id=IDS["operation"],
            stage="image_generation",
            code="storage_unavailable",
            error="S3 PutObject timed out after 3 attempts",
            cause_type="reelflow.image.generation_failed.v1",
            failed_at=_at(250),
        )
    ),
    OperationCancelled: lambda: OperationCancelled(
        **_base(operation_id=IDS["operation"], stage="shot_planning", cancelled_by=IDS["user"], cancelled_at=_at(205))
    ),
}


def example(cls: type[M]) -> M:
    """A valid, realistic instance of the catalog type `cls`."""
    try:
        factory = _FACTORIES[cls]
    except KeyError:
        raise KeyError(f"no example for {cls.__name__}") from None
    return cast(M, factory())  # each type's factory makes that type (the mapping cannot say so)


def _emitter(cls: type[Message]) -> str:
    service = cls.topic.split(".", 1)[0]
    return "gateway" if cls.kind == "command" or service == "operation" else service


def example_envelope(cls: type[M]) -> Envelope[M]:
    """`example(cls)` in an envelope with fixed id, time, correlation and causation ids."""
    data = example(cls)
    return Envelope(
        data=data,
        source=_emitter(cls),
        correlation_id=_id("request"),
        causation_id=_id(f"cause:{cls.ce_type}"),
        id=_id(f"envelope:{cls.ce_type}"),
        time=_at(400),
    )


def all_examples() -> list[Message]:
    """One example of every catalog type, in catalog order."""
    return [example(cls) for cls in CONTRACT_TYPES]
