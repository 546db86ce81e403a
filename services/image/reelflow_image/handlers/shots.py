"""ShotPlanned -> the shot recorded and its first image queued, in one transaction.

The shot's size is its script's frame shape at 1080p (`dimensions(style.aspect, "1080p")`):
1920x1080, 1080x1920 or 1080x1080. The `generate-image` job and the image get ids derived from
the shot id and the attempt number, so a redelivered ShotPlanned (stopped by the inbox) or the
same shot under a new event id (a replay into an empty inbox: the shot is known) queues nothing.
Generation jobs take turns by script (their fairness key: ShotPlanned does not name the owner),
so a script of many shots does not hold up another script's few.
"""

from __future__ import annotations

import logging

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.common import DEAD_LETTERED, Resolution, dimensions
from reelflow_contracts.messages.image import ImageGenerationFailed
from reelflow_contracts.messages.scene import ShotPlanned
from reelflow_image.domain import Shot
from reelflow_image.handlers.common import image_id_of, queue_attempt
from reelflow_image.unit_of_work import ImageUnitOfWork
from reelflow_kit.clock import now

log = logging.getLogger(__name__)
RESOLUTION: Resolution = "1080p"


async def on_shot_planned(event: ShotPlanned, uow: ImageUnitOfWork) -> None:
    width, height = dimensions(event.style.aspect, RESOLUTION)
    async with uow:
        if await uow.shots.get(event.shot_id) is not None:
            log.info("shot already known; nothing to generate", extra={"shot_id": event.shot_id})
            return
        shot = Shot.planned(
            id=event.shot_id,
            script_id=event.script_id,
            scene_id=event.scene_id,
            scene_order=event.scene_order,
            order=event.order,
            description=event.description,
            prompt=event.image_prompt,
            width=width,
            height=height,
            characters=tuple(event.style.characters),
            at=now(),
        ).first_attempt()
        await uow.shots.add(shot)
        await queue_attempt(uow, shot, previous_image_id=None)


def shot_not_drawn(envelope: Envelope[ShotPlanned], error: str) -> ImageGenerationFailed:
    """A ShotPlanned this service dead-lettered: its first image fails for good, so the scene and
    any operation waiting on it say why instead of waiting."""
    shot = envelope.data
    return ImageGenerationFailed(
        script_id=shot.script_id,
        image_id=image_id_of(shot.shot_id, 1),
        shot_id=shot.shot_id,
        scene_id=shot.scene_id,
        attempt=1,
        code=DEAD_LETTERED,
        error=f"the shot could not be taken in for drawing: {error}",
    )
