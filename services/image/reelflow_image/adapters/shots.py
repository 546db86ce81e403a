"""The image service's own record of planned shots (`shots`), built from ShotPlanned (the scene
service's database is never read), with where each shot's images stand."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_image.adapters.documents import Document
from reelflow_image.domain import Shot

SHOTS = "shots"


async def ensure_shot_indexes(db: AsyncDatabase[Document]) -> None:
    await db[SHOTS].create_index([("scene_id", ASCENDING), ("order", ASCENDING)])


class MongoShotRepository:
    def __init__(self, db: AsyncDatabase[Document], session: AsyncClientSession | None = None) -> None:
        self._shots = db[SHOTS]
        self._session = session

    async def get(self, shot_id: str) -> Shot | None:
        doc = await self._shots.find_one({"_id": shot_id}, session=self._session)
        return shot_from(doc) if doc else None

    async def add(self, shot: Shot) -> None:
        await self._shots.insert_one(document_of(shot), session=self._session)

    async def save(self, shot: Shot) -> None:
        await self._shots.replace_one({"_id": shot.id}, document_of(shot), session=self._session)


def document_of(shot: Shot) -> Document:
    return {
        "_id": shot.id,
        "script_id": shot.script_id,
        "scene_id": shot.scene_id,
        "scene_order": shot.scene_order,
        "order": shot.order,
        "description": shot.description,
        "prompt": shot.prompt,
        "width": shot.width,
        "height": shot.height,
        "characters": list(shot.characters),
        "planned_at": shot.planned_at,
        "attempts": shot.attempts,
        "generating": shot.generating,
        "notes": list(shot.notes),
        "approved_image_id": shot.approved_image_id,
    }


def shot_from(doc: Document) -> Shot:
    return Shot(
        id=doc["_id"],
        script_id=doc["script_id"],
        scene_id=doc["scene_id"],
        scene_order=doc["scene_order"],
        order=doc["order"],
        description=doc["description"],
        prompt=doc["prompt"],
        width=doc["width"],
        height=doc["height"],
        characters=tuple(doc.get("characters") or ()),
        planned_at=doc["planned_at"],
        attempts=doc.get("attempts", 0),
        generating=doc.get("generating", False),
        notes=tuple(doc.get("notes") or ()),
        approved_image_id=doc.get("approved_image_id"),
    )
