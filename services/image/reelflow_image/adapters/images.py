"""Images in the service's own `images` collection: one document per attempt of a shot (a unique
index on (`shot_id`, `attempt`) backs "nothing is generated twice"). A generated image also
records how its job went (`timings`: drawing, upload, the whole job, and the instance that ran it)."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.messages.base import Usage
from reelflow_image.adapters.documents import Document
from reelflow_image.domain import Image, ImageStatus

IMAGES = "images"


async def ensure_image_indexes(db: AsyncDatabase[Document]) -> None:
    await db[IMAGES].create_index([("shot_id", ASCENDING), ("attempt", ASCENDING)], unique=True)
    await db[IMAGES].create_index([("scene_id", ASCENDING), ("shot_id", ASCENDING)])


class MongoImageRepository:
    def __init__(self, db: AsyncDatabase[Document], session: AsyncClientSession | None = None) -> None:
        self._images = db[IMAGES]
        self._session = session

    async def get(self, image_id: str) -> Image | None:
        doc = await self._images.find_one({"_id": image_id}, session=self._session)
        return image_from(doc) if doc else None

    async def exists(self, image_id: str) -> bool:
        return await self._images.find_one({"_id": image_id}, projection={"_id": 1}, session=self._session) is not None

    async def add(self, image: Image, timings: Document | None = None) -> None:
        doc = document_of(image)
        if timings:
            doc["timings"] = timings
        await self._images.insert_one(doc, session=self._session)

    async def save(self, image: Image) -> None:
        """The image's state (timings, once recorded, are kept)."""
        state = {k: v for k, v in document_of(image).items() if k != "_id"}
        await self._images.update_one({"_id": image.id}, {"$set": state}, session=self._session)


def document_of(image: Image) -> Document:
    return {
        "_id": image.id,
        "script_id": image.script_id,
        "shot_id": image.shot_id,
        "scene_id": image.scene_id,
        "attempt": image.attempt,
        "status": image.status.value,
        "prompt": image.prompt,
        "width": image.width,
        "height": image.height,
        "media_key": image.media_key,
        "size_bytes": image.size_bytes,
        "previous_image_id": image.previous_image_id,
        "usage": image.usage.model_dump(),
        "feedback": image.feedback,
        "created_at": image.created_at,
        "decided_at": image.decided_at,
        "error_code": image.error_code,
        "error": image.error,
    }


def image_from(doc: Document) -> Image:
    return Image(
        id=doc["_id"],
        script_id=doc["script_id"],
        shot_id=doc["shot_id"],
        scene_id=doc["scene_id"],
        attempt=doc["attempt"],
        status=ImageStatus(doc["status"]),
        prompt=doc["prompt"],
        width=doc["width"],
        height=doc["height"],
        media_key=doc.get("media_key", ""),
        size_bytes=doc.get("size_bytes", 0),
        previous_image_id=doc.get("previous_image_id"),
        usage=Usage.model_validate(doc.get("usage") or {}),
        feedback=doc.get("feedback", ""),
        created_at=doc["created_at"],
        decided_at=doc.get("decided_at"),
        error_code=doc.get("error_code", ""),
        error=doc.get("error", ""),
    )
