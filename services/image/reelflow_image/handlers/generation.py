"""The `generate-image` job: draw one attempt of a shot, store the PNG, record it `pending`.

Queued by ShotPlanned (attempt 1) and by RejectImage (the next attempt), it runs in the kit's
durable job pool: `REELFLOW_IMAGE_CONCURRENCY` at once per instance, shared by every instance
through leases, retried with backoff. Each try:

1. asks the generator for a PNG of the shot's size (the local one draws in a worker thread);
   the prompt is the shot's, plus the reviewer's notes for a later attempt;
2. uploads it to `images/scene_{scene_id}/image_{image_id}.png`;
3. in the job's transaction, stores the image `pending` (attempt, size, prompt, key, usage,
   timings), marks the shot's attempt ended and emits ImageGenerated.

Failures: a provider error worth retrying (rate limits, 5xx, timeouts, invalid output) is a
RetryLater, after the provider's Retry-After when it gave one; a storage error too, and the
drawn PNG is kept as a draft so the next try uploads it without drawing (or paying) again. The
store away (no connection, timeouts, 5xx) is an Outage: retried with backoff, no try counted.
After `REELFLOW_IMAGE_GENERATION_TRIES` tries, `give_up` stores the attempt as a `failed` image
and emits ImageGenerationFailed (`final`, the last error's code and text). A provider error no
retry can fix (bad credentials, unknown model, a refused prompt) does the same at once. Either
way the shot is no longer generating, so RejectImage of the failed image starts its next attempt.
"""

from __future__ import annotations

import logging
import struct
import time

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.image import ImageGenerated, ImageGenerationFailed, image_media_key
from reelflow_kit.ai import AIProviderError, ImageGenerator, ImageRequest, compose_prompt
from reelflow_kit.failures import Failure, Outage, RetryLater
from reelflow_kit.jobs import DONE, FAILED, JobContext, JobHandler
from reelflow_image.adapters.drafts import Draft, MongoDraftStore
from reelflow_image.adapters.images import MongoImageRepository
from reelflow_image.adapters.media import STORAGE_UNAVAILABLE, ImageMedia, StorageFailure
from reelflow_image.adapters.shots import MongoShotRepository
from reelflow_image.domain import Image, Shot
from reelflow_kit.clock import now

log = logging.getLogger(__name__)

GAVE_UP_CODE = "generation_failed"


def image_request(shot: Shot, attempt: int) -> ImageRequest:
    return ImageRequest(prompt=shot.prompt, caption=shot.description, width=shot.width, height=shot.height,
                        attempt=attempt, feedback=shot.revision_notes, characters=shot.characters)


def attempt_prompt(shot: Shot) -> str:
    """The prompt an attempt is drawn from, as stored and emitted: the shot's, with the reviewer's notes."""
    return compose_prompt(shot.prompt, shot.revision_notes)


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's header, None when `data` is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def generate_images_with(generator: ImageGenerator) -> JobHandler:
    async def generate_image(ctx: JobContext) -> None:
        order = ctx.job.payload
        image_id, attempt = order["image_id"], order["attempt"]
        started_at, began = time.time(), time.perf_counter()
        shot = await MongoShotRepository(ctx.db).get(order["shot_id"])
        if shot is None or await MongoImageRepository(ctx.db).exists(image_id):
            # cannot happen: the shot is stored with its first job, and an image ends its job
            log.error("nothing to generate", extra={"image_id": image_id, "shot_known": shot is not None})
            async with ctx.transaction(status=DONE if shot else FAILED,
                                       failure=None if shot else Failure("not_found", "unknown shot", retryable=False)):
                return
        drafts = MongoDraftStore(ctx.db)
        draft = await drafts.get(image_id)
        drawn_now = draft is None
        if draft is None:
            began_drawing = time.perf_counter()
            try:
                generated = await generator.generate(image_request(shot, attempt))
            except AIProviderError as failure:
                if failure.retryable:
                    raise  # the job queue tries again (after the provider's Retry-After, if it gave one)
                await _record_failure(ctx, failure.failure, failure.usage)
                return
            draft = Draft(png=generated.png, usage=generated.usage, draw_s=time.perf_counter() - began_drawing)
            if png_size(draft.png) != (shot.width, shot.height):
                await _record_failure(ctx, Failure("invalid_output", f"the generator returned {png_size(draft.png)} "
                                      f"instead of a {shot.width}x{shot.height} PNG", retryable=False), draft.usage)
                return
        media_key = image_media_key(shot.scene_id, image_id)
        began_upload = time.perf_counter()
        try:
            await ImageMedia(ctx.runtime.store).put_png(media_key, draft.png)
        except StorageFailure as failure:
            if drawn_now:
                await drafts.keep(image_id, draft)
            log.warning("image upload failed", extra={"image_id": image_id, "error": failure.message})
            if failure.code == STORAGE_UNAVAILABLE:
                raise Outage(failure.code, failure.message) from failure
            raise RetryLater(failure.code, failure.message) from failure
        upload_s = time.perf_counter() - began_upload
        timings = {"draw_s": round(draft.draw_s, 4), "upload_s": round(upload_s, 4), "redrawn": drawn_now,
                   "job_s": round(time.perf_counter() - began, 4), "started_at": started_at,
                   "try": ctx.job.attempt, "instance": ctx.runtime.instance_id}
        async with ctx.transaction() as tx:
            shots = MongoShotRepository(tx.db, tx.session)
            shot = await shots.get(shot.id)
            image = Image.generated(id=image_id, shot=shot, attempt=attempt, prompt=attempt_prompt(shot),
                                    media_key=media_key, size_bytes=len(draft.png),
                                    previous_image_id=order.get("previous_image_id"), usage=draft.usage, at=now())
            await MongoImageRepository(tx.db, tx.session).add(image, timings)
            await shots.save(shot.attempt_ended())
            if not drawn_now:
                await MongoDraftStore(tx.db, tx.session).remove(image_id)
            tx.emit(ImageGenerated(script_id=image.script_id, image_id=image.id, shot_id=image.shot_id,
                                   scene_id=image.scene_id, attempt=image.attempt, width=image.width,
                                   height=image.height, prompt=image.prompt, media_key=image.media_key,
                                   size_bytes=image.size_bytes, previous_image_id=image.previous_image_id,
                                   generated_at=image.created_at, generation_s=round(draft.draw_s, 4),
                                   usage=image.usage))

    return generate_image


async def give_up(ctx: JobContext, failure: Failure) -> None:
    """The attempt used up its tries: a `failed` image and ImageGenerationFailed with the last error."""
    draft = await MongoDraftStore(ctx.db).get(ctx.job.payload["image_id"])
    await _record_failure(ctx, failure.named(GAVE_UP_CODE), draft.usage if draft else Usage())


async def _record_failure(ctx: JobContext, failure: Failure, usage: Usage) -> None:
    order = ctx.job.payload
    image_id = order["image_id"]
    code, message = failure.code, failure.message
    async with ctx.transaction(status=FAILED, failure=failure) as tx:
        shots = MongoShotRepository(tx.db, tx.session)
        images = MongoImageRepository(tx.db, tx.session)
        shot = await shots.get(order["shot_id"])
        if shot is None or await images.exists(image_id):
            return
        image = Image.failed(id=image_id, shot=shot, attempt=order["attempt"], prompt=attempt_prompt(shot),
                             previous_image_id=order.get("previous_image_id"), usage=usage, code=code,
                             error=message, at=now())
        await images.add(image)
        await shots.save(shot.attempt_ended())
        await MongoDraftStore(tx.db, tx.session).remove(image_id)
        log.warning("image generation failed", extra={"image_id": image_id, "code": code, "error": message})
        tx.emit(ImageGenerationFailed(script_id=image.script_id, image_id=image.id, shot_id=image.shot_id,
                                      scene_id=image.scene_id, attempt=image.attempt, code=code, error=message,
                                      final=True, usage=usage))
