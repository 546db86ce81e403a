"""The `generate-image` job: draw one attempt of a shot, store the PNG, record it `pending`.

Queued by ShotPlanned (attempt 1) and by RejectImage (the next attempt), it runs in the kit's
durable job pool: `REELFLOW_IMAGE_CONCURRENCY` at once per instance, shared by every instance
through leases, retried with backoff. Each try:

1. asks the generator for a PNG of the shot's size (the local one draws in a worker thread);
   the prompt is the shot's, plus the reviewer's notes for a later attempt;
2. uploads it to `images/scene_{scene_id}/image_{image_id}.png` (the media store, from bootstrap);
3. in the job's unit of work, stores the image `pending` (attempt, size, prompt, key, usage,
   timings), marks the shot's attempt ended, removes its draft and emits ImageGenerated.

Failures: a provider error worth retrying (rate limits, 5xx, timeouts, invalid output) is
re-raised for the job queue, which comes back after the provider's Retry-After when it gave
one; a storage error is a RetryLater, and the drawn PNG is kept as a draft so the next try
uploads it without drawing (or paying) again. The store away (no connection, timeouts, 5xx) is
an Outage: retried with backoff, no try counted. A provider error no retry can fix (bad
credentials, unknown model, a refused prompt) or a PNG of the wrong size ends the attempt
`failed` at once (`failed_attempts`), as `give_up` does after the last try.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Awaitable, Callable

from reelflow_contracts.messages.image import ImageGenerated, image_media_key
from reelflow_image.adapters.drafts import Draft
from reelflow_image.adapters.media import MediaStore, StorageFailure
from reelflow_image.domain import Image, Shot
from reelflow_image.handlers.common import AttemptOrder, attempt_prompt
from reelflow_image.handlers.failed_attempts import record_failure
from reelflow_image.unit_of_work import ImageUnitOfWork
from reelflow_kit.ai import AIProviderError, ImageGenerator, ImageRequest
from reelflow_kit.clock import now
from reelflow_kit.failures import Failure, Outage, RetryLater
from reelflow_kit.jobs import Job

log = logging.getLogger(__name__)

GenerateImage = Callable[[Job, ImageUnitOfWork], Awaitable[None]]


def image_request(shot: Shot, attempt: int) -> ImageRequest:
    return ImageRequest(
        prompt=shot.prompt,
        width=shot.width,
        height=shot.height,
        attempt=attempt,
        feedback=shot.revision_notes,
        characters=shot.characters,
    )


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's header, None when `data` is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def generate_images_with(generator: ImageGenerator, media: MediaStore, instance_id: str) -> GenerateImage:
    """The job, drawing with `generator` and storing in `media`; `instance_id` goes into the timings."""

    async def generate_image(job: Job, uow: ImageUnitOfWork) -> None:
        order = AttemptOrder.of(job)
        started_at, began = time.time(), time.perf_counter()
        shot = await uow.shots.get(order.shot_id)
        if shot is None or await uow.images.exists(order.image_id):
            # cannot happen: the shot is stored with its first job, and an image ends its job
            log.error("nothing to generate", extra={"image_id": order.image_id, "shot_known": shot is not None})
            async with uow if shot else uow.failing(Failure("not_found", "unknown shot", retryable=False)):
                return
        draft = await uow.drafts.get(order.image_id)
        drawn_now = draft is None
        if draft is None:
            draft = await draw(generator, uow, order, shot)
            if draft is None:
                return  # the attempt ended failed
        media_key = image_media_key(shot.scene_id, order.image_id)
        began_upload = time.perf_counter()
        await upload(media, uow, order.image_id, media_key, draft, keep_draft=drawn_now)
        timings = {
            "draw_s": round(draft.draw_s, 4),
            "upload_s": round(time.perf_counter() - began_upload, 4),
            "redrawn": drawn_now,
            "job_s": round(time.perf_counter() - began, 4),
            "started_at": started_at,
            "try": job.attempt,
            "instance": instance_id,
        }
        async with uow:
            shot = await uow.shots.get(shot.id) or shot
            image = Image.generated(
                id=order.image_id,
                shot=shot,
                attempt=order.attempt,
                prompt=attempt_prompt(shot),
                media_key=media_key,
                size_bytes=len(draft.png),
                previous_image_id=order.previous_image_id,
                usage=draft.usage,
                at=now(),
            )
            await uow.images.add(image, timings)
            await uow.shots.save(shot.attempt_ended())
            if not drawn_now:
                await uow.drafts.remove(order.image_id)
            uow.emit(generated_event(image, draft))

    return generate_image


async def draw(generator: ImageGenerator, uow: ImageUnitOfWork, order: AttemptOrder, shot: Shot) -> Draft | None:
    """A new picture for the attempt; None when the attempt ended `failed` instead (a provider
    error no retry can fix, a PNG of another size). A provider error worth retrying is raised."""
    began = time.perf_counter()
    try:
        generated = await generator.generate(image_request(shot, order.attempt))
    except AIProviderError as failure:
        if failure.retryable:
            raise  # the job queue tries again (after the provider's Retry-After, if it gave one)
        await record_failure(uow, order, failure.failure, failure.usage)
        return None
    draft = Draft(png=generated.png, usage=generated.usage, draw_s=time.perf_counter() - began)
    if (size := png_size(draft.png)) != (shot.width, shot.height):
        await record_failure(
            uow,
            order,
            Failure(
                "invalid_output",
                f"the generator returned {size} instead of a {shot.width}x{shot.height} PNG",
                retryable=False,
            ),
            draft.usage,
        )
        return None
    return draft


async def upload(
    media: MediaStore, uow: ImageUnitOfWork, image_id: str, key: str, draft: Draft, *, keep_draft: bool
) -> None:
    """Put the PNG in the store; when it fails, keep the draft (if it is new) for the next try."""
    try:
        await media.put_png(key, draft.png)
    except StorageFailure as failure:
        if keep_draft:
            await uow.drafts.keep(image_id, draft)
        log.warning("image upload failed", extra={"image_id": image_id, "error": failure.message})
        if failure.unavailable:
            raise Outage(failure.code, failure.message) from failure
        raise RetryLater(failure.code, failure.message) from failure


def generated_event(image: Image, draft: Draft) -> ImageGenerated:
    return ImageGenerated(
        script_id=image.script_id,
        image_id=image.id,
        shot_id=image.shot_id,
        scene_id=image.scene_id,
        attempt=image.attempt,
        width=image.width,
        height=image.height,
        prompt=image.prompt,
        media_key=image.media_key,
        size_bytes=image.size_bytes,
        previous_image_id=image.previous_image_id,
        generated_at=image.created_at,
        generation_s=round(draft.draw_s, 4),
        usage=image.usage,
    )
