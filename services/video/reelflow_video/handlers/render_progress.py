"""While a render runs, its progress goes out as VideoRenderProgressed events: at each step, and
within a step at most once per `every_s` (a step shorter than one report may go unreported). Progress is informational, so a report that cannot be
sent is skipped (the next one says more), and the render never waits for one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from reelflow_contracts.messages.video import VideoRenderProgressed
from reelflow_kit.clock import now
from reelflow_kit.jobs import LeaseLost
from reelflow_video.render.progress import RenderProgress

log = logging.getLogger(__name__)

TICK_S = 0.2

Report = Callable[[VideoRenderProgressed], Awaitable[None]]
"""Sends a job's interim event (the unit of work's `report`)."""


@contextlib.asynccontextmanager
async def reported(
    report: Report, script_id: str, video_id: str, attempt: int, every_s: float
) -> AsyncIterator[RenderProgress]:
    """A render's progress, sent with `report` while the block runs (`attempt`: the render's try)."""
    stepped = asyncio.Event()
    progress = RenderProgress(on_step=stepped.set)
    task = asyncio.create_task(_report(report, script_id, video_id, attempt, progress, stepped, every_s))
    try:
        yield progress
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _report(
    report: Report,
    script_id: str,
    video_id: str,
    attempt: int,
    progress: RenderProgress,
    stepped: asyncio.Event,
    every_s: float,
) -> None:
    sent: tuple[str, float, int, int] | None = None
    sent_at = float("-inf")
    while True:
        state = progress.snapshot()
        new_step = sent is None or state[0] != sent[0]
        if state != sent and (new_step or time.monotonic() - sent_at >= every_s):
            step, fraction, done, total = state
            try:
                await report(
                    VideoRenderProgressed(
                        script_id=script_id,
                        video_id=video_id,
                        step=step,
                        fraction=fraction,
                        frames_done=done,
                        frames_total=total,
                        attempt=attempt,
                        at=now(),
                    )
                )
            except LeaseLost:
                return  # the job is no longer ours: the lease keeper stops it
            except Exception as exc:  # noqa: BLE001 - informational: skip it and say more next time
                log.warning("render progress not sent", extra={"video": video_id, "error": str(exc)})
            sent, sent_at = state, time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stepped.wait(), TICK_S)
        stepped.clear()
