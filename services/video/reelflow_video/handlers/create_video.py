"""CreateVideo, decided without waiting in the consumer.

When this service's storyboard has caught up with what the sender saw, the request is decided at
once. Otherwise the video is stored `waiting` (not announced), noted on its storyboard, and a
deadline job queued, all in the command's unit of work; then whichever comes first decides it:
the storyboard consumer applying the event that brings the storyboard up to date
(`storyboard.py`), or the job, with what the storyboard holds by then (`decide_video_with`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.video import CreateVideo
from reelflow_kit.clock import now
from reelflow_kit.failures import Failure
from reelflow_kit.jobs import Deferred, Job
from reelflow_video.domain import Request, Seen, Status, Undecided, Video, decide
from reelflow_video.handlers.decision import DECIDE, answer, rejection, settle
from reelflow_video.unit_of_work import VideoUnitOfWork

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
DECISION_FAILED = "decision_failed"


def create_video_with(grace_s: float, clock: Clock = now) -> Callable[[CreateVideo, VideoUnitOfWork], Awaitable[None]]:
    """`grace_s`: how long a request whose sender saw more than the storyboard holds may wait."""

    async def create_video(cmd: CreateVideo, uow: VideoUnitOfWork) -> None:
        async with uow:
            if await uow.videos.get(cmd.video_id) is not None:
                uow.refuse("already_exists", f"a video with id {cmd.video_id} already exists")
                return
            at = clock()
            video = Video.asked(cmd.video_id, cmd.script_id, cmd.options.model_dump(), request_of(cmd, uow.cause), at)
            board = await uow.storyboards.load(cmd.script_id)
            decision = decide(board, seen_by_sender(cmd), deadline_passed=grace_s <= 0)
            if not isinstance(decision, Undecided):
                await answer(video, decision, uow)
                return
            log.info(
                "the storyboard is behind the sender: the video waits for it",
                extra={"video": cmd.video_id, "script_id": cmd.script_id},
            )
            await uow.videos.save(video.waiting_until(at + timedelta(seconds=grace_s)))
            await uow.storyboards.wait(cmd.script_id, cmd.video_id)
            await uow.enqueue(
                DECIDE, uow.derived_id("decide"), {"video_id": cmd.video_id}, fair_key=cmd.script_id, delay_s=grace_s
            )

    return create_video


def decide_video_with(clock: Clock = now) -> Callable[[Job, VideoUnitOfWork], Awaitable[None]]:
    """The deadline job of a waiting video, queued with the request to run at its deadline (and
    put back until then, counting no attempt, should it run early); unless the storyboard
    consumer has decided meanwhile, it decides with what the storyboard holds."""

    async def decide_video(job: Job, uow: VideoUnitOfWork) -> None:
        video_id = job.payload["video_id"]
        video = await uow.videos.get(video_id)
        if video is not None and video.status is Status.WAITING and video.request and video.request.decide_by:
            due_in_s = (video.request.decide_by - clock()).total_seconds()
            if due_in_s > 0:
                raise Deferred(f"video {video_id} waits for its storyboard", delay_s=due_in_s)
        async with uow:
            video = await uow.videos.get(video_id)
            if video is None or video.status is not Status.WAITING:
                return  # decided when its storyboard caught up
            log.info(
                "the storyboard did not catch up in time: deciding with what it holds",
                extra={"video": video_id, "script_id": video.script_id},
            )
            await settle(video, await uow.storyboards.load(video.script_id), uow, deadline_passed=True)

    return decide_video


async def give_up_decision(job: Job, failure: Failure, uow: VideoUnitOfWork) -> None:
    """A deadline job that cannot decide refuses the request, rather than leave it waiting."""
    failure = failure.named(DECISION_FAILED)
    async with uow.failing(failure):
        video = await uow.videos.get(job.payload["video_id"])
        if video is None or video.status is not Status.WAITING or video.request is None:
            return
        await uow.storyboards.stop_waiting(video.script_id, video.id)
        await uow.videos.remove(video.id)
        with uow.answering_request(video.request):
            uow.emit(rejection(video, video.request, failure.code, failure.message))


def request_of(cmd: CreateVideo, envelope: Envelope[Any] | None) -> Request:
    assert envelope is not None, "a command is handled with its envelope"
    return Request(
        command_id=envelope.id,
        command_type=envelope.type,
        correlation_id=envelope.correlation_id,
        seen=seen_by_sender(cmd),
    )


def seen_by_sender(cmd: CreateVideo) -> Seen:
    return Seen(shot_ids=tuple(cmd.shot_ids), image_ids=tuple(cmd.image_ids))
