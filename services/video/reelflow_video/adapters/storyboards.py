"""MongoDB: the video service's own copy of each script's scenes, shots and approved images."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_video.domain import PlannedShot, Storyboard

_SHOT_FIELDS = ("scene_id", "scene_order", "order", "shot_count", "duration_s", "description", "narration")


class Storyboards:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None = None) -> None:
        self._scripts = db["scripts"]
        self._shots = db["shots"]
        self._session = session

    async def segmented(self, script_id: str, scene_ids: list[str]) -> None:
        await self._scripts.update_one({"_id": script_id}, {"$set": {"scene_ids": scene_ids}},
                                       upsert=True, session=self._session)

    async def shot_planned(self, script_id: str, shot_id: str, **fields) -> None:
        await self._shots.update_one({"_id": shot_id},
                                     {"$set": {"script_id": script_id, **{k: fields[k] for k in _SHOT_FIELDS}}},
                                     upsert=True, session=self._session)

    async def image_approved(self, script_id: str, shot_id: str, image_id: str, image_key: str) -> None:
        # ImageApproved (image.events) may arrive before ShotPlanned (scene.events): upsert either way.
        await self._shots.update_one({"_id": shot_id},
                                     {"$set": {"script_id": script_id, "image_id": image_id, "image_key": image_key}},
                                     upsert=True, session=self._session)

    async def load(self, script_id: str) -> Storyboard:
        script = await self._scripts.find_one({"_id": script_id}, session=self._session) or {}
        docs = await self._shots.find({"script_id": script_id, "scene_id": {"$exists": True}},
                                      session=self._session).to_list()
        shots = tuple(PlannedShot(shot_id=d["_id"], image_id=d.get("image_id"), image_key=d.get("image_key"),
                                  **{k: d[k] for k in _SHOT_FIELDS}) for d in docs)
        return Storyboard(scene_ids=tuple(script.get("scene_ids", ())), shots=shots)


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db["shots"].create_index([("script_id", ASCENDING)])
    await db["videos"].create_index([("script_id", ASCENDING), ("requested_at", ASCENDING)])
