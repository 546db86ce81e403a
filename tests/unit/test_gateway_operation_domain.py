"""The operation process manager's decisions, pure."""

from __future__ import annotations

from datetime import UTC, datetime

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import VideoOptions
from reelflow_contracts.messages.image import ApproveImage, ImageApproved, ImageGenerated, ImageGenerationFailed
from reelflow_contracts.messages.scene import ApproveScene, SceneApproved, ScriptSegmented, ShotPlanned
from reelflow_contracts.messages.script import ApproveScript, ScriptApproved, ScriptCreated
from reelflow_contracts.messages.video import CreateVideo, VideoFailed, VideoRendered, VideoRequested
from reelflow_gateway.operations.domain import Operation, from_document, to_document

AT = datetime(2026, 1, 1, tzinfo=UTC)
S = "script-1"


def operation(auto: bool = True) -> Operation:
    return Operation(
        id="op-1",
        owner_id="u",
        script_id=S,
        input="content",
        auto_approve=auto,
        options=VideoOptions().model_dump(),
        created_at=AT,
    )


def created():
    return ScriptCreated(
        script_id=S, owner_id="u", title="T", content="INT. A - DAY\n\nx", origin="user", created_at=AT
    )


def planned(scene: str, order: int, count: int):
    return ShotPlanned(
        script_id=S,
        scene_id=scene,
        shot_id=f"{scene}-{order}",
        scene_order=1,
        order=order,
        shot_count=count,
        description="d",
        image_prompt="p",
        duration_s=2.0,
    )


def generated(scene: str, order: int, attempt: int = 1):
    return ImageGenerated(
        script_id=S,
        image_id=f"{scene}-{order}-i{attempt}",
        shot_id=f"{scene}-{order}",
        scene_id=scene,
        attempt=attempt,
        width=1920,
        height=1080,
        prompt="p",
        media_key=f"images/scene_{scene}/image_{scene}-{order}-i{attempt}.png",
        generated_at=AT,
    )


def approved(scene: str, order: int, attempt: int = 1):
    return ImageApproved(
        script_id=S,
        image_id=f"{scene}-{order}-i{attempt}",
        shot_id=f"{scene}-{order}",
        scene_id=scene,
        attempt=attempt,
        width=1920,
        height=1080,
        prompt="p",
        media_key=f"images/scene_{scene}/image_{scene}-{order}-i{attempt}.png",
        approved_at=AT,
    )


def test_auto_approve_drives_the_chain_to_a_video():
    op = operation()
    assert [type(c) for c in op.apply(created(), AT)] == [ApproveScript]
    assert op.apply(ScriptApproved(script_id=S, owner_id="u", title="T", content="x", approved_at=AT), AT) == []
    commands = op.apply(ScriptSegmented(script_id=S, scene_ids=("a", "b"), method="sluglines"), AT)
    assert [(type(c), c.scene_id) for c in commands] == [(ApproveScene, "a"), (ApproveScene, "b")]
    for scene in ("a", "b"):
        op.apply(SceneApproved(script_id=S, scene_id=scene, order=1, approved_at=AT), AT)
        op.apply(planned(scene, 1, 1), AT)
        [approve] = op.apply(generated(scene, 1), AT)
        assert isinstance(approve, ApproveImage) and approve.image_id == f"{scene}-1-i1"
    assert op.apply(approved("a", 1), AT) == []
    [video] = op.apply(approved("b", 1), AT)
    assert isinstance(video, CreateVideo) and op.stage == "render" and op.progress()["images_approved"] == 2
    assert video.image_ids == ("a-1-i1", "b-1-i1")  # so the video service waits for the newest approvals
    op.apply(
        VideoRendered(
            script_id=S,
            video_id=video.video_id,
            duration_s=4.0,
            width=1920,
            height=1080,
            size_bytes=10,
            media_key="videos/v.mp4",
            rendered_at=AT,
        ),
        AT,
    )
    assert op.status == "completed" and op.result["video_id"] == video.video_id


def test_without_auto_approve_it_pauses_at_each_gate_and_resumes():
    op = operation(auto=False)
    assert op.apply(created(), AT) == [] and (op.status, op.waiting_for) == ("paused", "script_approval")
    op.apply(ScriptApproved(script_id=S, owner_id="u", title="T", content="x", approved_at=AT), AT)
    assert op.status == "running"
    assert op.apply(ScriptSegmented(script_id=S, scene_ids=("a",), method="sluglines"), AT) == []
    assert op.waiting_for == "scene_approval"
    op.apply(SceneApproved(script_id=S, scene_id="a", order=1, approved_at=AT), AT)
    op.apply(planned("a", 1, 1), AT)
    assert op.apply(generated("a", 1), AT) == [] and op.waiting_for == "image_approval"
    [video] = op.apply(approved("a", 1), AT)
    assert isinstance(video, CreateVideo) and op.status == "running"


def test_a_final_failure_fails_it_and_a_retry_resumes_it():
    op = operation()
    op.apply(ScriptSegmented(script_id=S, scene_ids=("a",), method="sluglines"), AT)
    op.apply(
        ImageGenerationFailed(
            script_id=S, image_id="a-1-i1", shot_id="a-1", scene_id="a", attempt=1, error="provider down", final=True
        ),
        AT,
    )
    assert op.status == "failed" and op.errors[-1]["message"] == "provider down"
    op.apply(generated("a", 1, attempt=2), AT)
    assert op.status == "running"


def rendered_video(video_id: str) -> VideoRendered:
    return VideoRendered(
        script_id=S,
        video_id=video_id,
        duration_s=4.0,
        width=1920,
        height=1080,
        size_bytes=10,
        media_key=f"videos/{video_id}.mp4",
        rendered_at=AT,
    )


def test_a_failed_render_resumes_when_the_user_asks_for_the_video_again():
    op = operation()
    op.apply(ScriptSegmented(script_id=S, scene_ids=("a",), method="sluglines"), AT)
    op.apply(SceneApproved(script_id=S, scene_id="a", order=1, approved_at=AT), AT)
    op.apply(planned("a", 1, 1), AT)
    op.apply(generated("a", 1), AT)
    [video] = op.apply(approved("a", 1), AT)
    op.apply(VideoRequested(script_id=S, video_id="someone-elses-try", requested_at=AT), AT)
    assert op.video_id == video.video_id  # running fine: another video of the script is not its own
    op.apply(VideoFailed(script_id=S, video_id=video.video_id, error="ffmpeg died", code="render_failed"), AT)
    assert (op.status, op.stage, op.render) == ("failed", "render", "failed")

    op.apply(VideoRequested(script_id=S, video_id="retry-1", requested_at=AT), AT)
    assert (op.status, op.render, op.video_id) == ("running", "running", "retry-1")
    op.apply(rendered_video("retry-1"), AT)
    assert op.status == "completed" and op.result["video_id"] == "retry-1"


def test_usage_is_totalled_per_provider_and_model_for_the_cost():
    op = operation()
    op.apply(
        ScriptCreated(
            script_id=S,
            owner_id="u",
            title="T",
            content="INT. A - DAY\n\nx",
            origin="ai",
            created_at=AT,
            usage=Usage(provider="openai", model="writer", input_tokens=400, output_tokens=1200),
        ),
        AT,
    )
    op.apply(
        ScriptSegmented(
            script_id=S, scene_ids=("a",), method="sluglines", usage=Usage(provider="local", model="local-segmenter-v1")
        ),
        AT,
    )  # nothing used
    for attempt in (1, 2):
        op.apply(
            generated("a", 1, attempt).model_copy(
                update={"usage": Usage(provider="openai", model="painter", images=1)}
            ),
            AT,
        )
    assert op.usage_by_model == [
        {
            "provider": "openai",
            "model": "writer",
            "input_tokens": 400,
            "output_tokens": 1200,
            "images": 0,
            "audio_seconds": 0.0,
        },
        {
            "provider": "openai",
            "model": "painter",
            "input_tokens": 0,
            "output_tokens": 0,
            "images": 2,
            "audio_seconds": 0.0,
        },
    ]
    assert op.usage["images"] == 2 and from_document(to_document(op)).usage_by_model == op.usage_by_model


def test_cancelled_operations_issue_nothing_and_documents_round_trip():
    op = operation()
    op.cancel(AT)
    assert op.apply(created(), AT) == [] and op.status == "cancelled"
    assert from_document(to_document(op)) == op


def test_a_dead_lettered_command_fails_the_operation_at_its_stage_with_the_reason():
    from reelflow_contracts.messages.scene import SceneCommandRejected

    op = operation()
    op.apply(created(), AT)
    op.apply(ScriptApproved(script_id=S, owner_id="u", title="T", content="x", approved_at=AT), AT)
    op.apply(ScriptSegmented(script_id=S, scene_ids=("a",), method="sluglines"), AT)
    refusal = SceneCommandRejected(
        script_id=S, target_id="a", command_id="c-1", command_type="t", code="not_pending", reason="already approved"
    )
    assert op.apply(refusal, AT) == [] and op.status == "running"  # a refusal in the current state: it goes on
    died = refusal.model_copy(update={"code": "dead_lettered", "reason": "could not be applied: boom"})
    op.apply(died, AT)
    assert op.status == "failed" and op.errors[-1]["stage"] == op.stage == "segmentation"
    assert op.errors[-1]["code"] == "dead_lettered" and "boom" in op.errors[-1]["message"]
