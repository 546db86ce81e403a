"""MongoDB: the video service's own copy of each script's scenes, shots and approved images
(`scripts`: one document a script, `shots`: one a shot), and the videos waiting for it.

Every change to a storyboard also writes its script's document, and so does a video that starts
waiting for it: a CreateVideo that finds the storyboard behind and an event that brings it up to
date, running at the same time, conflict on that document, and whichever runs again sees the
other's write. So no waiting video is missed by the event that completes its storyboard."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_video.adapters.videos import VIDEOS
from reelflow_video.domain import PlannedShot, Storyboard

SCRIPTS = "scripts"
SHOTS = "shots"
_SHOT_FIELDS = ("scene_id", "scene_order", "order", "shot_count", "duration_s", "description", "narration")


class MongoStoryboardRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None = None) -> None:
        self._scripts = db[SCRIPTS]
        self._shots = db[SHOTS]
        self._session = session

    async def segmented(self, script_id: str, scene_ids: tuple[str, ...]) -> None:
        await self._change(script_id, {"$set": {"scene_ids": list(scene_ids)}})

    async def shot_planned(self, script_id: str, shot: PlannedShot) -> None:
        await self._shots.update_one(
            {"_id": shot.shot_id},
            {"$set": {"script_id": script_id, **{k: getattr(shot, k) for k in _SHOT_FIELDS}}},
            upsert=True,
            session=self._session,
        )
        await self._change(script_id)

    async def image_approved(self, script_id: str, shot_id: str, image_id: str, image_key: str) -> None:
        # ImageApproved (image.events) may arrive before ShotPlanned (scene.events): upsert either way.
        await self._shots.update_one(
            {"_id": shot_id},
            {
                "$set": {"script_id": script_id, "image_id": image_id, "image_key": image_key},
                "$addToSet": {"approved_image_ids": image_id},
            },
            upsert=True,
            session=self._session,
        )
        await self._change(script_id)

    async def wait(self, script_id: str, video_id: str) -> None:
        """`video_id` waits for this storyboard to catch up."""
        await self._change(script_id, {"$addToSet": {"waiting": video_id}})

    async def stop_waiting(self, script_id: str, video_id: str) -> None:
        await self._change(script_id, {"$pull": {"waiting": video_id}})

    async def waiting(self, script_id: str) -> tuple[str, ...]:
        doc = await self._scripts.find_one({"_id": script_id}, {"waiting": 1}, session=self._session)
        return tuple((doc or {}).get("waiting", ()))

    async def load(self, script_id: str) -> Storyboard:
        script = await self._scripts.find_one({"_id": script_id}, session=self._session) or {}
        docs = await self._shots.find(
            {"script_id": script_id, "scene_id": {"$exists": True}}, session=self._session
        ).to_list()
        shots = tuple(
            PlannedShot(
                shot_id=d["_id"],
                image_id=d.get("image_id"),
                image_key=d.get("image_key"),
                **{k: d[k] for k in _SHOT_FIELDS},
            )
            for d in docs
        )
        known = {image for d in docs for image in (*d.get("approved_image_ids", ()), d.get("image_id")) if image}
        return Storyboard(
            script_id=script_id,
            scene_ids=tuple(script.get("scene_ids", ())),
            shots=shots,
            known_image_ids=frozenset(known),
            waiting=tuple(script.get("waiting", ())),
        )

    async def _change(self, script_id: str, change: dict[str, Any] | None = None) -> None:
        change = dict(change or {})
        change["$inc"] = {"changes": 1}  # the write a waiting video conflicts with (see above)
        await self._scripts.update_one({"_id": script_id}, change, upsert=True, session=self._session)


async def ensure_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    await db[SHOTS].create_index([("script_id", ASCENDING)])
    await db[VIDEOS].create_index([("script_id", ASCENDING), ("requested_at", ASCENDING)])
