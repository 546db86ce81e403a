"""Answering a request for a video, at once or once its storyboard has caught up: accepted (the
video `pending`, its render queued, VideoRequested) or refused (VideoCommandRejected, with what
is missing). The rule itself is `domain.decide`; this is where its outcome is written.

Whoever answers (the CreateVideo handler, the storyboard consumer, the deadline job) does it in
its unit of work, writing the video and its storyboard's document: two of them answering the same
request at once conflict there, and the one that runs again finds it answered."""

from __future__ import annotations

import logging

from reelflow_contracts.messages.common import VideoOptions
from reelflow_contracts.messages.video import MissingShot, VideoCommandRejected, VideoRequested
from reelflow_kit.handling import derived_id
from reelflow_video.domain import (
    NOTHING_MISSING,
    Accepted,
    Missing,
    Refused,
    Request,
    Status,
    Storyboard,
    Undecided,
    Video,
    decide,
)
from reelflow_video.unit_of_work import VideoUnitOfWork

log = logging.getLogger(__name__)

RENDER = "render-video"
"""The render job, one per accepted video."""
DECIDE = "decide-video"
"""The deadline of a waiting video: it decides with what the storyboard holds by then."""


async def answer(video: Video, decision: Accepted | Refused, uow: VideoUnitOfWork) -> None:
    """Answer the request of `video` (not stored yet, or stored waiting) with `decision`."""
    request = _request_of(video)
    with uow.answering_request(request):
        if isinstance(decision, Refused):
            log.info(
                "video refused", extra={"video": video.id, "code": decision.rule.code, "reason": decision.rule.reason}
            )
            uow.emit(rejection(video, request, decision.rule.code, decision.rule.reason, decision.missing))
            return
        accepted = video.accepted(decision.plan)
        await uow.videos.save(accepted)
        # renders take turns by script: CreateVideo does not name the owner
        await uow.enqueue(
            RENDER, derived_id(request.command_id, "render"), {"video_id": video.id}, fair_key=video.script_id
        )
        uow.emit(
            VideoRequested(
                script_id=video.script_id,
                video_id=video.id,
                options=VideoOptions.model_validate(video.options),
                image_ids=accepted.image_ids,
                requested_at=accepted.requested_at,
            )
        )


async def settle(video: Video, board: Storyboard, uow: VideoUnitOfWork, *, deadline_passed: bool) -> None:
    """Decide a waiting video if its storyboard has caught up (or its deadline has passed)."""
    decision = decide(board, _request_of(video).seen, deadline_passed=deadline_passed)
    if isinstance(decision, Undecided):
        return
    await uow.storyboards.stop_waiting(video.script_id, video.id)
    if isinstance(decision, Refused):
        await uow.videos.remove(video.id)  # as a request refused at once: nothing kept, the id free again
    await answer(video, decision, uow)


async def settle_waiting(script_id: str, uow: VideoUnitOfWork) -> None:
    """After a change to the script's storyboard: decide the videos that waited for it."""
    waiting = await uow.storyboards.waiting(script_id)
    if not waiting:
        return
    board = await uow.storyboards.load(script_id)
    for video_id in waiting:
        video = await uow.videos.get(video_id)
        if video is None or video.status is not Status.WAITING:
            await uow.storyboards.stop_waiting(script_id, video_id)
            continue
        await settle(video, board, uow, deadline_passed=False)


def rejection(
    video: Video, request: Request, code: str, reason: str, missing: Missing = NOTHING_MISSING
) -> VideoCommandRejected:
    return VideoCommandRejected(
        script_id=video.script_id,
        target_id=video.id,
        command_id=request.command_id,
        command_type=request.command_type,
        code=code,
        reason=reason,
        missing_shots=tuple(
            MissingShot(shot_id=s.shot_id, scene_id=s.scene_id, scene_order=s.scene_order, order=s.order)
            for s in missing.shots
        ),
        unplanned_scene_ids=missing.unplanned_scene_ids,
    )


def _request_of(video: Video) -> Request:
    assert video.request is not None, "only a video not decided yet is answered"
    return video.request
