"""An attempt that ends without a picture: a `failed` image, the shot's attempt ended, its draft
removed and ImageGenerationFailed (`final`, the failure's code and text, the usage of a picture
drawn but never stored), committed with the job `failed`. The generation job ends so at once on
a failure no retry can fix; `give_up` does after the attempt's last try. Either way the shot is
no longer generating, so RejectImage of the failed image starts its next attempt."""

from __future__ import annotations

import logging

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.image import ImageGenerationFailed
from reelflow_image.domain import Image
from reelflow_image.handlers.common import AttemptOrder, attempt_prompt
from reelflow_image.unit_of_work import ImageUnitOfWork
from reelflow_kit.clock import now
from reelflow_kit.failures import Failure
from reelflow_kit.jobs import Job

log = logging.getLogger(__name__)

GAVE_UP_CODE = "generation_failed"
"""The code of a last failure nobody named (an unexpected error)."""


async def give_up(job: Job, failure: Failure, uow: ImageUnitOfWork) -> None:
    """The attempt used up its tries: a `failed` image and ImageGenerationFailed with the last error."""
    order = AttemptOrder.of(job)
    draft = await uow.drafts.get(order.image_id)
    await record_failure(uow, order, failure.named(GAVE_UP_CODE), draft.usage if draft else Usage())


async def record_failure(uow: ImageUnitOfWork, order: AttemptOrder, failure: Failure, usage: Usage) -> None:
    async with uow.failing(failure):
        shot = await uow.shots.get(order.shot_id)
        if shot is None or await uow.images.exists(order.image_id):
            return
        image = Image.failed(
            id=order.image_id,
            shot=shot,
            attempt=order.attempt,
            prompt=attempt_prompt(shot),
            previous_image_id=order.previous_image_id,
            usage=usage,
            code=failure.code,
            error=failure.message,
            at=now(),
        )
        await uow.images.add(image)
        await uow.shots.save(shot.attempt_ended())
        await uow.drafts.remove(order.image_id)
        log.warning(
            "image generation failed", extra={"image_id": image.id, "code": failure.code, "error": failure.message}
        )
        uow.emit(
            ImageGenerationFailed(
                script_id=image.script_id,
                image_id=image.id,
                shot_id=image.shot_id,
                scene_id=image.scene_id,
                attempt=image.attempt,
                code=failure.code,
                error=failure.message,
                final=True,
                usage=usage,
            )
        )
