"""The videos view (`views.videos`).

A video's events (VideoRequested, VideoRenderProgressed while it renders, then VideoRendered or
VideoFailed) are all on `video.events`
under the script's key, so they arrive in order; each still writes only its own fields
(`requested_at` and the options, `rendered`, `failure`) and the status is derived at read time
(`public.video_status`), so a replay in any order reads the same. Like every other view, a
video keeps its `script_id` only and ownership is checked through the script view.

Whether a script can be rendered is not decided here: that rule is the video service's
(`reelflow_video.domain.decide`), and create-video answers with that service's answer.
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts import VideoFailed, VideoRendered, VideoRenderProgressed, VideoRequested
from reelflow_contracts.envelope import Envelope
from reelflow_gateway.collections import VIDEOS

CREATED = {"requested_at": {"$exists": True}}


async def ensure_video_indexes(db: AsyncDatabase) -> None:
    await db[VIDEOS].create_index(
        [("script_id", ASCENDING), ("requested_at", DESCENDING), ("_id", DESCENDING)], name="script_newest_first"
    )


async def _update(db: AsyncDatabase, session: AsyncClientSession, video_id: str, change: dict) -> dict | None:
    return await db[VIDEOS].find_one_and_update(
        {"_id": video_id}, change, upsert=True, return_document=ReturnDocument.AFTER, session=session
    )


async def apply_video_requested(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[VideoRequested]
) -> dict | None:
    m = env.data
    return await _update(
        db,
        session,
        m.video_id,
        {
            "$set": {
                "script_id": m.script_id,
                "options": m.options.model_dump(mode="json"),
                "image_ids": list(m.image_ids),
                "requested_at": m.requested_at,
            },
            "$max": {"updated_at": m.requested_at},
        },
    )


async def apply_video_render_progressed(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[VideoRenderProgressed]
) -> dict | None:
    """Only forward, only while the video renders: a report of an earlier try, or one that comes
    after the outcome (a replay), changes nothing."""
    m = env.data
    not_behind = {
        "$or": [
            {"progress": {"$exists": False}},
            {"progress.attempt": {"$lt": m.attempt}},
            {"progress.attempt": m.attempt, "progress.fraction": {"$lte": m.fraction}},
        ]
    }
    return await db[VIDEOS].find_one_and_update(
        {"_id": m.video_id, **CREATED, "rendered": {"$exists": False}, "failure": {"$exists": False}, **not_behind},
        {
            "$set": {
                "progress": {
                    "step": m.step,
                    "fraction": m.fraction,
                    "frames_done": m.frames_done,
                    "frames_total": m.frames_total,
                    "attempt": m.attempt,
                    "at": m.at,
                }
            },
            "$max": {"updated_at": m.at},
        },
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def apply_video_rendered(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[VideoRendered]
) -> dict | None:
    m = env.data
    return await _update(
        db,
        session,
        m.video_id,
        {
            "$set": {
                "script_id": m.script_id,
                "rendered": {
                    "duration_s": m.duration_s,
                    "width": m.width,
                    "height": m.height,
                    "fps": m.fps,
                    "size_bytes": m.size_bytes,
                    "media_key": m.media_key,
                    "has_audio": m.has_audio,
                    "render_s": m.render_s,
                    "reused_segments": m.reused_segments,
                    "at": m.rendered_at,
                },
            },
            "$max": {"updated_at": m.rendered_at},
        },
    )


async def apply_video_failed(db: AsyncDatabase, session: AsyncClientSession, env: Envelope[VideoFailed]) -> dict | None:
    m = env.data
    if not m.final:
        return None  # the video service is still retrying
    return await _update(
        db,
        session,
        m.video_id,
        {
            "$set": {
                "script_id": m.script_id,
                "failure": {"code": m.code, "error": m.error, "stage": m.stage, "attempts": m.attempts, "at": env.time},
            },
            "$max": {"updated_at": env.time},
        },
    )


# -- queries -------------------------------------------------------------------------------------


class VideosView:
    """Videos by id and by script. Callers check ownership."""

    def __init__(self, db: AsyncDatabase) -> None:
        self._videos = db[VIDEOS]

    async def get(self, video_id: str) -> dict | None:
        return await self._videos.find_one({"_id": video_id, **CREATED})

    async def latest_of(self, script_id: str) -> dict | None:
        return await self._videos.find_one(
            {"script_id": script_id, **CREATED}, sort=[("requested_at", DESCENDING), ("_id", DESCENDING)]
        )
