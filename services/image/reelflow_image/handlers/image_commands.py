"""ApproveImage and RejectImage.

Each loads the image and its shot in the unit of work, applies the domain rule, saves and
emits: ImageApproved (with `replaced_image_id` when the shot had another approved image), or
ImageRejected plus, in the same transaction, the shot's next attempt queued as a
`generate-image` job (ids derived from the shot and the attempt number, so a redelivered
command queues nothing twice). A rejection past the shot's last attempt is applied and followed
by ImageGenerationFailed (`code` `max_attempts`, `final`) about the rejected image instead of a
new attempt. A refusal is an ImageCommandRejected: `not_found` (also for an image of another
script than the command names), `not_pending`, `already_rejected`, `generation_in_progress`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from reelflow_contracts.messages.image import (
    ApproveImage,
    ImageApproved,
    ImageGenerationFailed,
    ImageRejected,
    RejectImage,
)
from reelflow_image.domain import Image, Shot, approve, reject
from reelflow_image.handlers.common import queue_attempt
from reelflow_image.unit_of_work import ImageUnitOfWork
from reelflow_kit.clock import now

MAX_ATTEMPTS_CODE = "max_attempts"


def not_found(image_id: str, script_id: str) -> str:
    return f"there is no image {image_id} in script {script_id}"


async def approve_image(cmd: ApproveImage, uow: ImageUnitOfWork) -> None:
    async with uow:
        found = await _image_and_shot(uow, cmd.image_id, cmd.script_id)
        if found is None:
            return
        at = now()
        approval = uow.obeying(approve, *found, at)
        if approval is None:
            return
        image = approval.image
        await uow.images.save(image)
        await uow.shots.save(approval.shot)
        uow.emit(
            ImageApproved(
                script_id=image.script_id,
                image_id=image.id,
                shot_id=image.shot_id,
                scene_id=image.scene_id,
                attempt=image.attempt,
                width=image.width,
                height=image.height,
                prompt=image.prompt,
                media_key=image.media_key,
                replaced_image_id=approval.replaced_image_id,
                approved_at=at,
            )
        )


def reject_image_with(max_attempts: int) -> Callable[[RejectImage, ImageUnitOfWork], Awaitable[None]]:
    async def reject_image(cmd: RejectImage, uow: ImageUnitOfWork) -> None:
        async with uow:
            found = await _image_and_shot(uow, cmd.image_id, cmd.script_id)
            if found is None:
                return
            at = now()
            rejection = uow.obeying(reject, *found, cmd.feedback, max_attempts, at)
            if rejection is None:
                return
            image = rejection.image
            await uow.images.save(image)
            await uow.shots.save(rejection.shot)
            uow.emit(
                ImageRejected(
                    script_id=image.script_id,
                    image_id=image.id,
                    shot_id=image.shot_id,
                    scene_id=image.scene_id,
                    attempt=image.attempt,
                    prompt=image.prompt,
                    feedback=image.feedback,
                    rejected_at=at,
                )
            )
            if rejection.next_attempt is None:
                uow.emit(
                    ImageGenerationFailed(
                        script_id=image.script_id,
                        image_id=image.id,
                        shot_id=image.shot_id,
                        scene_id=image.scene_id,
                        attempt=image.attempt,
                        code=MAX_ATTEMPTS_CODE,
                        final=True,
                        error=f"shot {image.shot_id} has used all {max_attempts} attempts; no further image is drawn",
                    )
                )
                return
            await queue_attempt(uow, rejection.shot, previous_image_id=image.id)

    return reject_image


async def _image_and_shot(uow: ImageUnitOfWork, image_id: str, script_id: str) -> tuple[Image, Shot] | None:
    """The image the command names and its shot; None (the command refused `not_found`) when
    there is no such image in that script."""
    image = await uow.images.get(image_id)
    shot = await uow.shots.get(image.shot_id) if image is not None and image.script_id == script_id else None
    if image is None or shot is None:
        uow.refuse("not_found", not_found(image_id, script_id))
        return None
    return image, shot
