"""The images view (`views.images`): one document per image (one attempt of a shot).

Image events arrive on `image.events`, shots on `scene.events`: different topics, so an image
may be projected before its shot. Like scenes and shots, an image keeps its `script_id` only, and
ownership is checked at read time through the script view. The shot's `order` (for listing a
scene's images in shot order) is copied by whichever of the two comes second: an image
projection looks the shot up, and ShotPlanned fills it into the shot's images already known
(`scenes.apply_shots_planned`).

Each event writes only its own fields, so any order gives the same document, and the status is
derived at read time (`public.image_status`): ImageGenerated sets the picture (`generated_at`),
ImageApproved `approved_at` (and `replaced_by` on the image it replaces), ImageRejected
`rejected_at` and the feedback, a final ImageGenerationFailed the `failure`. Within
`image.events`, one script's events are in the order the image service committed them.
"""

from __future__ import annotations

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts import ImageApproved, ImageGenerated, ImageGenerationFailed, ImageRejected
from reelflow_contracts.envelope import Envelope
from reelflow_gateway.collections import IMAGES, SHOTS

KNOWN = {"attempt": {"$exists": True}}
"""An image some event described (not a placeholder left by a replacement that came first)."""


async def ensure_image_indexes(db: AsyncDatabase) -> None:
    await db[IMAGES].create_index(
        [("scene_id", ASCENDING), ("shot_order", ASCENDING), ("attempt", ASCENDING)], name="scene_shot_attempt"
    )
    await db[IMAGES].create_index([("shot_id", ASCENDING), ("attempt", ASCENDING)], name="shot_attempt")
    await db[IMAGES].create_index([("script_id", ASCENDING), ("approved_at", ASCENDING)], name="script_approved")


async def _shot_order(db: AsyncDatabase, session: AsyncClientSession, shot_id: str) -> dict:
    shot = await db[SHOTS].find_one({"_id": shot_id}, {"order": 1}, session=session)
    return {"shot_order": shot["order"]} if shot else {}


def _identity(m) -> dict:
    return {"script_id": m.script_id, "shot_id": m.shot_id, "scene_id": m.scene_id, "attempt": m.attempt}


async def _update(db: AsyncDatabase, session: AsyncClientSession, image_id: str, change: dict) -> dict | None:
    return await db[IMAGES].find_one_and_update(
        {"_id": image_id}, change, upsert=True, return_document=ReturnDocument.AFTER, session=session
    )


async def apply_image_generated(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ImageGenerated]
) -> dict | None:
    m = env.data
    return await _update(
        db,
        session,
        m.image_id,
        {
            "$set": {
                **_identity(m),
                **await _shot_order(db, session, m.shot_id),
                "width": m.width,
                "height": m.height,
                "prompt": m.prompt,
                "media_key": m.media_key,
                "size_bytes": m.size_bytes,
                "previous_image_id": m.previous_image_id,
                "generated_at": m.generated_at,
            },
            "$max": {"updated_at": m.generated_at},
        },
    )


async def apply_image_approved(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ImageApproved]
) -> dict | None:
    m = env.data
    if m.replaced_image_id and m.replaced_image_id != m.image_id:
        await db[IMAGES].update_one(
            {"_id": m.replaced_image_id},
            {"$set": {"replaced_by": m.image_id}, "$max": {"updated_at": m.approved_at}},
            upsert=True,
            session=session,
        )
    return await _update(
        db,
        session,
        m.image_id,
        {
            "$set": {
                **_identity(m),
                **await _shot_order(db, session, m.shot_id),
                "width": m.width,
                "height": m.height,
                "prompt": m.prompt,
                "media_key": m.media_key,
                "approved_at": m.approved_at,
            },
            "$max": {"updated_at": m.approved_at},
        },
    )


async def apply_image_rejected(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ImageRejected]
) -> dict | None:
    m = env.data
    return await _update(
        db,
        session,
        m.image_id,
        {
            "$set": {**_identity(m), "prompt": m.prompt, "feedback": m.feedback, "rejected_at": m.rejected_at},
            "$max": {"updated_at": m.rejected_at},
        },
    )


async def apply_image_generation_failed(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ImageGenerationFailed]
) -> dict | None:
    m = env.data
    if not m.final:
        return None  # the image service is still retrying this attempt
    return await _update(
        db,
        session,
        m.image_id,
        {
            "$set": {
                **_identity(m),
                **await _shot_order(db, session, m.shot_id),
                "failure": {"code": m.code, "error": m.error, "stage": m.stage, "at": env.time},
            },
            "$max": {"updated_at": env.time},
        },
    )


# -- queries -------------------------------------------------------------------------------------


class ImagesView:
    """Images by id and by scene. Callers check ownership through the script view."""

    def __init__(self, db: AsyncDatabase) -> None:
        self._images = db[IMAGES]

    async def get(self, image_id: str) -> dict | None:
        return await self._images.find_one({"_id": image_id, **KNOWN})

    async def of_scene(self, scene_id: str, limit: int, offset: int) -> tuple[list[dict], int]:
        """In shot order, then attempt (an image whose shot is not projected yet comes first)."""
        query = {"scene_id": scene_id, **KNOWN}
        items = await (
            self._images.find(query)
            .sort([("shot_order", ASCENDING), ("attempt", ASCENDING)])
            .skip(offset)
            .limit(limit)
            .to_list()
        )
        if offset == 0 and len(items) < limit:
            return items, len(items)
        return items, await self._images.count_documents(query)

    async def approved_image_ids(self, script_id: str) -> tuple[str, ...]:
        """The image a video of the script would show for each shot: the one approved last (a later
        rejection of that image does not take it away: the video keeps it until another is approved)."""
        cursor = self._images.find(
            {"script_id": script_id, "approved_at": {"$exists": True}}, {"shot_id": 1, "approved_at": 1}
        ).sort("approved_at", 1)
        return tuple({doc["shot_id"]: doc["_id"] async for doc in cursor}.values())
