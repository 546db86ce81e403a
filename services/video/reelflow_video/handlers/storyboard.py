"""Keeping the video service's own storyboard of each script up to date from events; a change may
complete what a waiting video request needs, which is then decided in the same unit of work."""

from __future__ import annotations

from reelflow_contracts.messages.image import ImageApproved
from reelflow_contracts.messages.scene import ScriptSegmented, ShotPlanned
from reelflow_video.domain import PlannedShot
from reelflow_video.handlers.decision import settle_waiting
from reelflow_video.unit_of_work import VideoUnitOfWork


async def script_segmented(event: ScriptSegmented, uow: VideoUnitOfWork) -> None:
    async with uow:
        await uow.storyboards.segmented(event.script_id, tuple(event.scene_ids))
        await settle_waiting(event.script_id, uow)


async def shot_planned(event: ShotPlanned, uow: VideoUnitOfWork) -> None:
    shot = PlannedShot(
        shot_id=event.shot_id,
        scene_id=event.scene_id,
        scene_order=event.scene_order,
        order=event.order,
        shot_count=event.shot_count,
        duration_s=event.duration_s,
        description=event.description,
        narration=event.narration,
    )
    async with uow:
        await uow.storyboards.shot_planned(event.script_id, shot)
        await settle_waiting(event.script_id, uow)


async def image_approved(event: ImageApproved, uow: VideoUnitOfWork) -> None:
    async with uow:
        await uow.storyboards.image_approved(event.script_id, event.shot_id, event.image_id, event.media_key)
        await settle_waiting(event.script_id, uow)
