"""CreateVideo: refuse while shots lack approved images, otherwise record the request and queue the render."""

from __future__ import annotations

import asyncio
import logging
import time

from reelflow_contracts.messages.video import CreateVideo, MissingShot, VideoCommandRejected, VideoRequested
from reelflow_kit.handling import HandlerContext
from reelflow_kit.jobs import enqueue_job
from reelflow_video.adapters.storyboards import Storyboards
from reelflow_video.adapters.videos import Videos
from reelflow_video.domain import Video, VideoRuleBroken
from reelflow_kit.clock import now

log = logging.getLogger(__name__)
RENDER = "render-video"


def create_video_with(grace_s: float):
    async def create_video(ctx: HandlerContext[CreateVideo]) -> None:
        await _storyboard_caught_up(ctx, grace_s)
        await _create(ctx)

    return create_video


async def _storyboard_caught_up(ctx: HandlerContext[CreateVideo], grace_s: float) -> None:
    """The storyboard is fed from other topics by its own consumer, so an image approved just
    before this command may not be in it yet: give it a moment before refusing, or before
    rendering an older image than the one the sender saw approved."""
    expected = set(ctx.message.image_ids)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        board = await Storyboards(ctx.db).load(ctx.message.script_id)
        if board.scene_ids and not board.missing() and expected <= {s.image_id for s in board.shots}:
            return
        await asyncio.sleep(0.1)
    log.info("storyboard still behind the command after the grace period; going on with what it holds",
             extra={"script_id": ctx.message.script_id})


async def _create(ctx: HandlerContext[CreateVideo]) -> None:
    cmd = ctx.message
    async with ctx.transaction() as tx:
        videos = Videos(tx.db, tx.session)
        if await videos.get(cmd.video_id) is not None:
            tx.emit(VideoCommandRejected.of(ctx.envelope, code="already_exists",
                                            reason=f"a video with id {cmd.video_id} already exists"))
            return
        board = await Storyboards(tx.db, tx.session).load(cmd.script_id)
        try:
            video = Video.requested(cmd.video_id, cmd.script_id, cmd.options.model_dump(), board, now())
        except VideoRuleBroken as broken:
            log.info("video refused", extra={"code": broken.code, "reason": broken.reason})
            missing = board.missing()
            tx.emit(VideoCommandRejected.of(
                ctx.envelope, code=broken.code, reason=broken.reason,
                missing_shots=tuple(MissingShot(shot_id=s.shot_id, scene_id=s.scene_id, scene_order=s.scene_order,
                                                order=s.order) for s in missing.shots),
                unplanned_scene_ids=missing.unplanned_scene_ids))
            return
        await videos.save(video)
        # renders take turns by script: CreateVideo does not name the owner
        await enqueue_job(tx, RENDER, ctx.derived_id("render"), {"video_id": video.id}, fair_key=cmd.script_id)
        tx.emit(VideoRequested(script_id=cmd.script_id, video_id=video.id, options=cmd.options,
                               image_ids=video.image_ids, requested_at=video.requested_at))
