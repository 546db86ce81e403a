"""The video service's handler decisions, with an in-memory unit of work (the integration and
end-to-end tests prove the same handlers on Kafka, MongoDB and S3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reelflow_contracts.messages.common import StyleHints, VideoOptions
from reelflow_contracts.messages.image import ImageApproved
from reelflow_contracts.messages.scene import ScriptSegmented, ShotPlanned
from reelflow_contracts.messages.video import (
    CreateVideo,
    VideoCommandRejected,
    VideoFailed,
    VideoRendered,
    VideoRenderProgressed,
    VideoRequested,
)
from reelflow_kit.failures import Failure, RetryLater
from reelflow_kit.jobs import Deferred
from reelflow_video.domain import Status, Video
from reelflow_video.handlers import (
    DECIDE,
    RENDER,
    create_video_with,
    decide_video_with,
    give_up_decision,
    give_up_render,
    image_approved,
    render_with,
    script_segmented,
    shot_planned,
)
from tests.support.fakes import delivered, job
from tests.support.fakes.video import FakeRendering, FakeStoryboardRepository, FakeVideoUnitOfWork

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
GRACE_S = 3.0
SCRIPT = "s1"
SCENES = ("c1", "c2")


class Clock:
    def __init__(self) -> None:
        self.at = AT

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def segmented() -> ScriptSegmented:
    return ScriptSegmented(script_id=SCRIPT, scene_ids=SCENES, method="sluglines")


def planned(scene: str, order: int, count: int, scene_order: int) -> ShotPlanned:
    return ShotPlanned(
        script_id=SCRIPT,
        scene_id=scene,
        shot_id=f"{scene}-h{order}",
        scene_order=scene_order,
        order=order,
        shot_count=count,
        description="A shot.",
        image_prompt="A shot.",
        duration_s=2.0,
        narration=f"Line {order}.",
        style=StyleHints(),
    )


def approved(shot_id: str, attempt: int = 1) -> ImageApproved:
    image_id = f"{shot_id}-i{attempt}"
    return ImageApproved(
        script_id=SCRIPT,
        image_id=image_id,
        shot_id=shot_id,
        scene_id=shot_id.split("-")[0],
        attempt=attempt,
        width=1280,
        height=720,
        prompt="A shot.",
        media_key=f"images/{image_id}.png",
        approved_at=AT,
    )


ALL_PLANNED = (planned("c1", 1, 2, 1), planned("c1", 2, 2, 1), planned("c2", 1, 1, 2))
ALL_SHOTS = ("c1-h1", "c1-h2", "c2-h1")


async def storyboard(*events, boards: FakeStoryboardRepository | None = None) -> FakeStoryboardRepository:
    """The storyboard after the storyboard consumer applied `events`."""
    boards = boards or FakeStoryboardRepository()
    for event in events:
        await apply(event, FakeVideoUnitOfWork(delivered(event, "scene"), storyboards=boards))
    return boards


async def apply(event, uow: FakeVideoUnitOfWork) -> None:
    handler = {ScriptSegmented: script_segmented, ShotPlanned: shot_planned, ImageApproved: image_approved}[type(event)]
    await handler(event, uow)


async def complete_storyboard() -> FakeStoryboardRepository:
    return await storyboard(segmented(), *ALL_PLANNED, *(approved(s) for s in ALL_SHOTS))


def create(video_id: str = "v1", image_ids: tuple[str, ...] = (), shot_ids: tuple[str, ...] = ()) -> CreateVideo:
    return CreateVideo(
        script_id=SCRIPT,
        video_id=video_id,
        image_ids=image_ids,
        shot_ids=shot_ids,
        options=VideoOptions(resolution="720p", fps=24),
    )


async def send(
    cmd: CreateVideo, boards: FakeStoryboardRepository, clock: Clock | None = None, videos: tuple[Video, ...] = ()
) -> FakeVideoUnitOfWork:
    uow = FakeVideoUnitOfWork(delivered(cmd), videos=videos, storyboards=boards)
    await create_video_with(GRACE_S, clock or Clock())(cmd, uow)
    return uow


# -- the storyboard --------------------------------------------------------------------------------


async def test_the_storyboard_is_built_from_events_in_any_order():
    boards = await storyboard(approved("c1-h1"), segmented(), *ALL_PLANNED)  # an image before its shot
    board = await boards.load(SCRIPT)
    assert board.scene_ids == SCENES and [s.shot_id for s in board.ordered()] == list(ALL_SHOTS)
    assert board.ordered()[0].image_key == "images/c1-h1-i1.png" and board.known_image_ids == {"c1-h1-i1"}
    assert [s.shot_id for s in board.missing().shots] == ["c1-h2", "c2-h1"]

    await storyboard(approved("c1-h1", attempt=2), boards=boards)  # a replacement keeps what was seen
    board = await boards.load(SCRIPT)
    assert board.ordered()[0].image_id == "c1-h1-i2" and board.known_image_ids == {"c1-h1-i1", "c1-h1-i2"}


# -- CreateVideo decided at once ---------------------------------------------------------------------


async def test_a_video_of_a_complete_storyboard_is_accepted_at_once_and_its_render_queued():
    cmd = create(image_ids=tuple(f"{s}-i1" for s in ALL_SHOTS))
    uow = await send(cmd, await complete_storyboard())
    [requested] = uow.emitted
    assert isinstance(requested, VideoRequested) and requested.image_ids == ("c1-h1-i1", "c1-h2-i1", "c2-h1-i1")
    assert requested.options == cmd.options and requested.requested_at == AT
    [render] = uow.enqueued
    assert (render.kind, render.payload, render.fair_key) == (RENDER, {"video_id": "v1"}, SCRIPT)
    video = uow.videos.by_id["v1"]
    assert video.status is Status.PENDING and [s.shot_id for s in video.plan] == list(ALL_SHOTS)
    assert uow.answered == [(uow.cause.id, requested)] and uow.commits == 1


async def test_a_video_is_refused_at_once_with_what_is_missing_when_the_storyboard_holds_what_the_sender_saw():
    boards = await storyboard(segmented(), planned("c1", 1, 2, 1), planned("c1", 2, 2, 1), approved("c1-h1"))
    uow = await send(create(image_ids=("c1-h1-i1",)), boards)
    [refused] = uow.emitted
    assert isinstance(refused, VideoCommandRejected) and refused.code == "images_missing"
    assert [(m.shot_id, m.scene_id, m.scene_order, m.order) for m in refused.missing_shots] == [("c1-h2", "c1", 1, 2)]
    assert refused.unplanned_scene_ids == ("c2",)
    assert refused.reason == "cannot render yet: 1 scene(s) have no planned shots yet; 1 shot(s) have no approved image"
    assert (refused.target_id, refused.command_id) == ("v1", uow.cause.id)
    assert uow.videos.by_id == {} and uow.enqueued == []  # nothing kept: the id stays free


async def test_a_taken_video_id_is_refused():
    boards = await complete_storyboard()
    first = await send(create(), boards)
    again = await send(create(), boards, videos=tuple(first.videos.by_id.values()))
    assert again.refusals == [("already_exists", "a video with id v1 already exists")]
    assert again.enqueued == []


# -- CreateVideo waiting, decided later ----------------------------------------------------------------


async def test_a_storyboard_behind_the_sender_makes_the_request_wait_unannounced():
    boards = await storyboard(segmented(), *ALL_PLANNED, approved("c1-h1"), approved("c1-h2"))
    clock = Clock()
    uow = await send(create(image_ids=tuple(f"{s}-i1" for s in ALL_SHOTS)), boards, clock)
    assert uow.emitted == [] and uow.commits == 1
    video = uow.videos.by_id["v1"]
    assert video.status is Status.WAITING and video.request.decide_by == AT + timedelta(seconds=GRACE_S)
    assert await boards.waiting(SCRIPT) == ("v1",)
    [deadline] = uow.enqueued
    assert (deadline.kind, deadline.payload, deadline.delay_s) == (DECIDE, {"video_id": "v1"}, GRACE_S)


async def test_the_event_that_completes_the_storyboard_decides_the_waiting_request_as_its_answer():
    boards = await storyboard(segmented(), *ALL_PLANNED, approved("c1-h1"), approved("c1-h2"))
    asked = await send(create(image_ids=tuple(f"{s}-i1" for s in ALL_SHOTS)), boards)

    event = approved("c2-h1")
    uow = asked.sharing(delivered(event, "image"))
    await apply(event, uow)
    [requested] = uow.emitted
    assert isinstance(requested, VideoRequested) and requested.image_ids == ("c1-h1-i1", "c1-h2-i1", "c2-h1-i1")
    assert requested.requested_at == AT  # when it was asked for
    assert uow.answered == [(asked.cause.id, requested)]  # caused by the CreateVideo, not by the event
    [render] = uow.enqueued
    assert render.kind == RENDER and render.payload == {"video_id": "v1"}
    assert uow.videos.by_id["v1"].status is Status.PENDING and await boards.waiting(SCRIPT) == ()


async def test_a_waiting_request_can_be_refused_by_the_event_that_catches_the_storyboard_up():
    """The sender saw c1's images; the storyboard had not planned c1's second shot yet."""
    boards = await storyboard(segmented(), planned("c1", 1, 2, 1), approved("c1-h1"))
    asked = await send(create(image_ids=("c1-h1-i1", "c1-h2-i1")), boards)
    assert asked.emitted == []

    uow = asked.sharing(delivered(planned("c1", 2, 2, 1), "scene"))
    await apply(planned("c1", 2, 2, 1), uow)
    assert uow.emitted == []  # c1-h2 is planned, its image not approved here yet: still behind the sender

    uow = asked.sharing(delivered(approved("c1-h2"), "image"))
    await apply(approved("c1-h2"), uow)
    [refused] = uow.emitted
    assert isinstance(refused, VideoCommandRejected) and refused.code == "images_missing"
    assert refused.unplanned_scene_ids == ("c2",) and refused.missing_shots == ()
    assert refused.command_id == asked.cause.id and uow.answered == [(asked.cause.id, refused)]
    assert "v1" not in uow.videos.by_id and await boards.waiting(SCRIPT) == ()


async def test_a_shot_the_sender_saw_planned_is_waited_for_so_the_refusal_lists_it():
    boards = await storyboard(segmented(), planned("c1", 1, 2, 1), planned("c1", 2, 2, 1))
    asked = await send(create(shot_ids=("c1-h1", "c1-h2", "c2-h1")), boards)
    assert asked.emitted == [] and asked.videos.by_id["v1"].status is Status.WAITING

    uow = asked.sharing(delivered(planned("c2", 1, 1, 2), "scene"))
    await apply(planned("c2", 1, 1, 2), uow)
    [refused] = uow.emitted
    assert [m.shot_id for m in refused.missing_shots] == list(ALL_SHOTS) and refused.unplanned_scene_ids == ()


async def test_the_deadline_job_waits_for_the_deadline_then_decides_with_what_the_storyboard_holds():
    boards = await storyboard(segmented(), *ALL_PLANNED, approved("c1-h1"))
    clock = Clock()
    asked = await send(create(image_ids=("c1-h1-i1", "c1-h2-i9")), boards, clock)
    [queued] = asked.enqueued
    decide_video = decide_video_with(clock)

    clock.advance(1.0)
    early = asked.sharing(job=job(DECIDE, queued.payload, job_id=queued.job_id))
    with pytest.raises(Deferred) as deferred:
        await decide_video(early.job, early)
    assert deferred.value.delay_s == pytest.approx(GRACE_S - 1.0) and early.commits == 0

    clock.advance(GRACE_S)
    due = asked.sharing(job=job(DECIDE, queued.payload, job_id=queued.job_id))
    await decide_video(due.job, due)
    [refused] = due.emitted
    assert isinstance(refused, VideoCommandRejected) and refused.command_id == asked.cause.id
    assert [m.shot_id for m in refused.missing_shots] == ["c1-h2", "c2-h1"]
    assert due.answered == [(asked.cause.id, refused)] and due.commits == 1
    assert "v1" not in due.videos.by_id and await boards.waiting(SCRIPT) == ()


async def test_a_storyboard_that_never_got_its_scenes_is_refused_at_the_deadline():
    clock = Clock()
    asked = await send(create(), FakeStoryboardRepository(), clock)
    assert asked.emitted == [] and asked.videos.by_id["v1"].status is Status.WAITING
    clock.advance(GRACE_S)
    due = asked.sharing(job=job(DECIDE, {"video_id": "v1"}))
    await decide_video_with(clock)(due.job, due)
    assert [(m.code, m.unplanned_scene_ids) for m in due.emitted] == [("not_segmented", ())]


async def test_a_request_is_decided_exactly_once_whoever_comes_first():
    boards = await storyboard(segmented(), *ALL_PLANNED, approved("c1-h1"), approved("c1-h2"))
    clock = Clock()
    asked = await send(create(image_ids=tuple(f"{s}-i1" for s in ALL_SHOTS)), boards, clock)
    completing = approved("c2-h1")
    first = asked.sharing(delivered(completing, "image"))
    await apply(completing, first)
    assert [type(m) for m in first.emitted] == [VideoRequested]

    # another event, the same event replayed, and the deadline job: none answers again
    later = [asked.sharing(delivered(event, "scene")) for event in (segmented(), completing)]
    for event, uow in zip((segmented(), completing), later, strict=False):
        await apply(event, uow)
    clock.advance(GRACE_S)
    deadline = asked.sharing(job=job(DECIDE, {"video_id": "v1"}))
    await decide_video_with(clock)(deadline.job, deadline)
    assert [uow.emitted for uow in (*later, deadline)] == [[], [], []]
    assert deadline.commits == 1  # the job is done
    assert [uow.enqueued for uow in (*later, deadline)] == [[], [], []]


async def test_a_request_decided_at_the_deadline_is_not_decided_again_by_the_storyboard():
    boards = await storyboard(segmented(), *ALL_PLANNED, approved("c1-h1"), approved("c1-h2"))
    clock = Clock()
    asked = await send(create(image_ids=tuple(f"{s}-i1" for s in ALL_SHOTS)), boards, clock)
    clock.advance(GRACE_S + 1)
    deadline = asked.sharing(job=job(DECIDE, {"video_id": "v1"}))
    await decide_video_with(clock)(deadline.job, deadline)
    assert [m.code for m in deadline.emitted] == ["images_missing"]

    uow = asked.sharing(delivered(approved("c2-h1"), "image"))
    await apply(approved("c2-h1"), uow)
    assert uow.emitted == [] and uow.enqueued == []


async def test_a_deadline_job_that_cannot_decide_refuses_the_request_rather_than_leave_it_waiting():
    boards = await storyboard(segmented(), *ALL_PLANNED)
    asked = await send(create(image_ids=("c1-h1-i1",)), boards)
    uow = asked.sharing(job=job(DECIDE, {"video_id": "v1"}, attempt=3))
    await give_up_decision(uow.job, Failure.of(RuntimeError("boom")), uow)
    [refused] = uow.emitted
    assert isinstance(refused, VideoCommandRejected) and refused.code == "decision_failed"
    assert refused.command_id == asked.cause.id and "v1" not in uow.videos.by_id
    assert uow.failed_with is not None


# -- the render job --------------------------------------------------------------------------------------


async def accepted_video() -> Video:
    uow = await send(create(), await complete_storyboard())
    return uow.videos.by_id["v1"]


async def test_a_render_stores_the_mp4_then_marks_the_video_approved_and_announces_it():
    video = await accepted_video()
    rendering = FakeRendering()
    uow = FakeVideoUnitOfWork(job=job(RENDER, {"video_id": "v1"}, attempt=2), videos=(video,))
    await render_with(rendering, progress_every_s=0.01)(uow.job, uow)
    assert rendering.calls == [("render", "v1", 24)]
    [rendered] = uow.emitted
    assert isinstance(rendered, VideoRendered) and rendered.media_key == "videos/video_v1.mp4"
    assert (rendered.width, rendered.height, rendered.fps, rendered.reused_segments) == (1280, 720, 24, 2)
    stored = uow.videos.by_id["v1"]
    assert stored.status is Status.APPROVED and stored.details["key"] == "videos/video_v1.mp4"
    assert uow.reports and all(isinstance(r, VideoRenderProgressed) and r.attempt == 2 for r in uow.reports)
    assert uow.reports[0].step == "preparing" and uow.reports[-1].step == "storing"


async def test_a_video_no_longer_pending_is_not_rendered_again():
    video = (await accepted_video()).rendered(key="k")
    rendering = FakeRendering()
    uow = FakeVideoUnitOfWork(job=job(RENDER, {"video_id": "v1"}), videos=(video,))
    await render_with(rendering)(uow.job, uow)
    assert rendering.calls == [] and uow.emitted == [] and uow.commits == 1  # the job is done


async def test_a_failed_render_commits_nothing_and_the_failure_goes_to_the_job_queue():
    video = await accepted_video()
    uow = FakeVideoUnitOfWork(job=job(RENDER, {"video_id": "v1"}), videos=(video,))
    with pytest.raises(RetryLater):
        await render_with(FakeRendering(RetryLater("storage_busy", "S3 slow down")))(uow.job, uow)
    assert uow.commits == 0 and uow.videos.by_id["v1"].status is Status.PENDING


@pytest.mark.parametrize(
    "failure, code",
    [
        (Failure("ffmpeg_failed", "FFmpeg exited with 1"), "ffmpeg_failed"),
        (Failure.of(ValueError("bad frame")), "render_failed"),
    ],
)
async def test_a_render_given_up_rejects_the_video_with_the_failures_code(failure, code):
    video = await accepted_video()
    uow = FakeVideoUnitOfWork(job=job(RENDER, {"video_id": "v1"}, attempt=3), videos=(video,))
    await give_up_render(uow.job, failure, uow)
    [failed] = uow.emitted
    assert isinstance(failed, VideoFailed) and (failed.code, failed.error, failed.attempts) == (
        code,
        failure.message,
        3,
    )
    assert uow.videos.by_id["v1"].status is Status.REJECTED and uow.failed_with == failure.named("render_failed")


async def test_a_render_given_up_after_the_video_was_rendered_changes_nothing():
    video = (await accepted_video()).rendered(key="k")
    uow = FakeVideoUnitOfWork(job=job(RENDER, {"video_id": "v1"}), videos=(video,))
    await give_up_render(uow.job, Failure("late", "too late"), uow)
    assert uow.emitted == [] and uow.videos.by_id["v1"].status is Status.APPROVED and uow.commits == 1
