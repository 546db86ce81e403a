"""MongoDB: the `videos` collection."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from dataclasses import asdict

from reelflow_video.domain import PlannedShot, Video


class Videos:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None = None) -> None:
        self._col = db["videos"]
        self._session = session

    async def get(self, video_id: str) -> Video | None:
        doc = await self._col.find_one({"_id": video_id}, session=self._session)
        if doc is None:
            return None
        return Video(id=doc["_id"], script_id=doc["script_id"], status=doc["status"], options=doc["options"],
                     image_ids=tuple(doc["image_ids"]), requested_at=doc["requested_at"], error=doc.get("error"),
                     plan=tuple(PlannedShot(**shot) for shot in doc.get("plan", ())),
                     details=doc.get("details", {}))

    async def save(self, video: Video) -> None:
        await self._col.replace_one({"_id": video.id}, {
            "script_id": video.script_id, "status": video.status, "options": video.options,
            "image_ids": list(video.image_ids), "requested_at": video.requested_at, "error": video.error,
            "plan": [asdict(shot) for shot in video.plan],
            "details": video.details,
        }, upsert=True, session=self._session)
