"""ApproveImage and RejectImage.

Each loads the image and its shot inside the transaction, applies the domain rule, saves and
emits: ImageApproved (with `replaced_image_id` when the shot had another approved image), or
ImageRejected plus, in the same transaction, the shot's next attempt queued as a
`generate-image` job (ids derived from the shot and the attempt number, so a redelivered
command queues nothing twice). A rejection past the shot's last attempt is applied and followed
by ImageGenerationFailed (`code` `max_attempts`, `final`) about the rejected image instead of a
new attempt. A refusal is an ImageCommandRejected: `not_found` (also for an image of another
script than the command names), `not_pending`, `already_rejected`, `generation_in_progress`.
"""

from __future__ import annotations

from reelflow_contracts.messages.image import (
    ApproveImage, ImageApproved, ImageGenerationFailed, ImageRejected, RejectImage,
)
from reelflow_kit.handling import Handler, HandlerContext
from reelflow_image.adapters.images import MongoImageRepository
from reelflow_image.adapters.shots import MongoShotRepository
from reelflow_image.domain import Image, ImageRuleBroken, approve, reject
from reelflow_kit.clock import now
from reelflow_image.handlers.common import reject_command
from reelflow_image.handlers.shots import queue_attempt

MAX_ATTEMPTS_CODE = "max_attempts"


def not_found(image_id: str, script_id: str) -> str:
    return f"there is no image {image_id} in script {script_id}"


async def approve_image(ctx: HandlerContext[ApproveImage]) -> None:
    cmd = ctx.message
    async with ctx.transaction() as tx:
        images = MongoImageRepository(tx.db, tx.session)
        shots = MongoShotRepository(tx.db, tx.session)
        image = await _image_of(images, cmd.image_id, cmd.script_id)
        shot = await shots.get(image.shot_id) if image else None
        if image is None or shot is None:
            reject_command(ctx, tx, "not_found", not_found(cmd.image_id, cmd.script_id))
            return
        try:
            approval = approve(image, shot, now())
        except ImageRuleBroken as broken:
            reject_command(ctx, tx, broken.code, broken.reason)
            return
        await images.save(approval.image)
        await shots.save(approval.shot)
        image = approval.image
        tx.emit(ImageApproved(script_id=image.script_id, image_id=image.id, shot_id=image.shot_id,
                              scene_id=image.scene_id, attempt=image.attempt, width=image.width, height=image.height,
                              prompt=image.prompt, media_key=image.media_key,
                              replaced_image_id=approval.replaced_image_id, approved_at=image.decided_at))


def reject_image_with(max_attempts: int) -> Handler:
    async def reject_image(ctx: HandlerContext[RejectImage]) -> None:
        cmd = ctx.message
        async with ctx.transaction() as tx:
            images = MongoImageRepository(tx.db, tx.session)
            shots = MongoShotRepository(tx.db, tx.session)
            image = await _image_of(images, cmd.image_id, cmd.script_id)
            shot = await shots.get(image.shot_id) if image else None
            if image is None or shot is None:
                reject_command(ctx, tx, "not_found", not_found(cmd.image_id, cmd.script_id))
                return
            try:
                rejection = reject(image, shot, cmd.feedback, max_attempts, now())
            except ImageRuleBroken as broken:
                reject_command(ctx, tx, broken.code, broken.reason)
                return
            image = rejection.image
            await images.save(image)
            await shots.save(rejection.shot)
            tx.emit(ImageRejected(script_id=image.script_id, image_id=image.id, shot_id=image.shot_id,
                                  scene_id=image.scene_id, attempt=image.attempt, prompt=image.prompt,
                                  feedback=image.feedback, rejected_at=image.decided_at))
            if rejection.next_attempt is None:
                tx.emit(ImageGenerationFailed(
                    script_id=image.script_id, image_id=image.id, shot_id=image.shot_id, scene_id=image.scene_id,
                    attempt=image.attempt, code=MAX_ATTEMPTS_CODE, final=True,
                    error=f"shot {image.shot_id} has used all {max_attempts} attempts; no further image is drawn"))
                return
            await queue_attempt(tx, rejection.shot, previous_image_id=image.id)

    return reject_image


async def _image_of(images: MongoImageRepository, image_id: str, script_id: str) -> Image | None:
    image = await images.get(image_id)
    return image if image is not None and image.script_id == script_id else None
