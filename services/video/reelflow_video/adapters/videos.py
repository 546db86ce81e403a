"""MongoDB: the `videos` collection, read and written inside the handler's transaction (the
session) when there is one. Concurrent writers to one video hit MongoDB's write conflict, which
the kit answers by running the handler again: that is what makes a waiting video's decision
happen once, whichever of the storyboard consumer and the deadline job comes first."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_video.domain import PlannedShot, Request, Seen, Status, Video

VIDEOS = "videos"


class MongoVideoRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None = None) -> None:
        self._videos = db[VIDEOS]
        self._session = session

    async def get(self, video_id: str) -> Video | None:
        doc = await self._videos.find_one({"_id": video_id}, session=self._session)
        return video_from(doc) if doc else None

    async def save(self, video: Video) -> None:
        await self._videos.replace_one({"_id": video.id}, document_of(video), upsert=True, session=self._session)

    async def remove(self, video_id: str) -> None:
        await self._videos.delete_one({"_id": video_id}, session=self._session)


def document_of(video: Video) -> dict[str, Any]:
    doc = {
        "script_id": video.script_id,
        "status": video.status.value,
        "options": video.options,
        "image_ids": list(video.image_ids),
        "requested_at": video.requested_at,
        "error": video.error,
        "plan": [asdict(shot) for shot in video.plan],
        "details": video.details,
    }
    if (request := video.request) is not None:
        doc["request"] = {
            "command_id": request.command_id,
            "command_type": request.command_type,
            "correlation_id": request.correlation_id,
            "decide_by": request.decide_by,
            "shot_ids": list(request.seen.shot_ids),
            "image_ids": list(request.seen.image_ids),
        }
    return doc


def video_from(doc: dict[str, Any]) -> Video:
    request = doc.get("request")
    return Video(
        id=doc["_id"],
        script_id=doc["script_id"],
        status=Status(doc["status"]),
        options=doc["options"],
        image_ids=tuple(doc["image_ids"]),
        requested_at=doc["requested_at"],
        error=doc.get("error"),
        plan=tuple(PlannedShot(**shot) for shot in doc.get("plan", ())),
        details=doc.get("details", {}),
        request=request_from(request) if request else None,
    )


def request_from(doc: dict[str, Any]) -> Request:
    return Request(
        command_id=doc["command_id"],
        command_type=doc["command_type"],
        correlation_id=doc["correlation_id"],
        decide_by=doc.get("decide_by"),
        seen=Seen(shot_ids=tuple(doc.get("shot_ids", ())), image_ids=tuple(doc.get("image_ids", ()))),
    )
