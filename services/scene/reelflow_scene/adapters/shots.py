"""Shots in the service's own `shots` collection, one per (scene, order)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_scene.domain import Shot

SHOTS = "shots"


async def ensure_shot_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    await db[SHOTS].create_index([("scene_id", ASCENDING), ("order", ASCENDING)], unique=True)
    await db[SHOTS].create_index([("script_id", ASCENDING), ("scene_order", ASCENDING), ("order", ASCENDING)])


class MongoShotRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None = None) -> None:
        self._shots = db[SHOTS]
        self._session = session

    async def any_for_scene(self, scene_id: str) -> bool:
        found = await self._shots.find_one({"scene_id": scene_id}, projection={"_id": 1}, session=self._session)
        return found is not None

    async def add_all(self, shots: list[Shot]) -> None:
        if shots:
            await self._shots.insert_many([document_of(s) for s in shots], ordered=True, session=self._session)


def document_of(shot: Shot) -> dict[str, Any]:
    return {
        "_id": shot.id,
        "script_id": shot.script_id,
        "scene_id": shot.scene_id,
        "scene_order": shot.scene_order,
        "order": shot.order,
        "shot_count": shot.shot_count,
        "description": shot.description,
        "image_prompt": shot.image_prompt,
        "duration_s": shot.duration_s,
        "narration": shot.narration,
        "style": {
            "aspect": shot.aspect,
            "style_suffix": shot.style_suffix,
            "setting": shot.setting,
            "time_of_day": shot.time_of_day,
            "characters": list(shot.characters),
        },
        "created_at": shot.created_at,
    }
