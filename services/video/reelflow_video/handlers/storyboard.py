"""Keeping the video service's own storyboard of each script up to date from events."""

from __future__ import annotations

from reelflow_contracts.messages.image import ImageApproved
from reelflow_contracts.messages.scene import ScriptSegmented, ShotPlanned
from reelflow_kit.handling import HandlerContext
from reelflow_video.adapters.storyboards import Storyboards


async def script_segmented(ctx: HandlerContext[ScriptSegmented]) -> None:
    async with ctx.transaction() as tx:
        await Storyboards(tx.db, tx.session).segmented(ctx.message.script_id, list(ctx.message.scene_ids))


async def shot_planned(ctx: HandlerContext[ShotPlanned]) -> None:
    m = ctx.message
    async with ctx.transaction() as tx:
        await Storyboards(tx.db, tx.session).shot_planned(
            m.script_id, m.shot_id, scene_id=m.scene_id, scene_order=m.scene_order, order=m.order,
            shot_count=m.shot_count, duration_s=m.duration_s, description=m.description, narration=m.narration)


async def image_approved(ctx: HandlerContext[ImageApproved]) -> None:
    m = ctx.message
    async with ctx.transaction() as tx:
        await Storyboards(tx.db, tx.session).image_approved(m.script_id, m.shot_id, m.image_id, m.media_key)
