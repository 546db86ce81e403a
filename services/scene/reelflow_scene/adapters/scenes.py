"""Scenes in the service's own `scenes` collection, read and written inside the handler's
transaction (the session). One scene per (script, order): a unique index backs the handler's
check that a script is segmented once."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_scene.domain import Scene, ShotPlanning, Status

SCENES = "scenes"


async def ensure_scene_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    await db[SCENES].create_index([("script_id", ASCENDING), ("order", ASCENDING)], unique=True)


class MongoSceneRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None = None) -> None:
        self._scenes = db[SCENES]
        self._session = session

    async def get(self, scene_id: str) -> Scene | None:
        doc = await self._scenes.find_one({"_id": scene_id}, session=self._session)
        return scene_from(doc) if doc else None

    async def any_for_script(self, script_id: str) -> bool:
        found = await self._scenes.find_one({"script_id": script_id}, projection={"_id": 1}, session=self._session)
        return found is not None

    async def add_all(self, scenes: list[Scene]) -> None:
        if scenes:
            await self._scenes.insert_many([document_of(s) for s in scenes], ordered=True, session=self._session)

    async def save(self, scene: Scene) -> None:
        await self._scenes.replace_one({"_id": scene.id}, document_of(scene), session=self._session)

    async def record_shot_planning(self, scene_id: str, outcome: ShotPlanning, shot_count: int = 0) -> None:
        """Only the planning fields: the scene's approved text and status are not touched."""
        await self._scenes.update_one(
            {"_id": scene_id},
            {"$set": {"shot_planning": outcome.value, "shot_count": shot_count}},
            session=self._session,
        )


def document_of(scene: Scene) -> dict[str, Any]:
    return {
        "_id": scene.id,
        "script_id": scene.script_id,
        "order": scene.order,
        "heading": scene.heading,
        "text": scene.text,
        "status": scene.status.value,
        "shot_planning": scene.shot_planning.value,
        "shot_count": scene.shot_count,
        "created_at": scene.created_at,
        "updated_at": scene.updated_at,
        "approved_at": scene.approved_at,
    }


def scene_from(doc: dict[str, Any]) -> Scene:
    return Scene(
        id=doc["_id"],
        script_id=doc["script_id"],
        order=doc["order"],
        heading=doc.get("heading", ""),
        text=doc["text"],
        status=Status(doc["status"]),
        shot_planning=ShotPlanning(doc.get("shot_planning", ShotPlanning.NOT_STARTED.value)),
        shot_count=doc.get("shot_count", 0),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        approved_at=doc.get("approved_at"),
    )
