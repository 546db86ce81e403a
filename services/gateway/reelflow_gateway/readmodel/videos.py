"""The videos view (`views.videos`), and whether a script is ready for a video.

A video's events (VideoRequested, VideoRenderProgressed while it renders, then VideoRendered or
VideoFailed) are all on `video.events`
under the script's key, so they arrive in order; each still writes only its own fields
(`requested_at` and the options, `rendered`, `failure`) and the status is derived at read time
(`public.video_status`), so a replay in any order reads the same. Like every other view, a
video keeps its `script_id` only and ownership is checked through the script view.

`missing_for_video` is the gateway's own answer to "can this script be rendered?", from what
the user sees in the read model (scenes, shots, approved images), with the same rule as the
video service: every scene of the script has all its shots planned and every shot has an
approved image. It lets create-video answer 409 at once; the video service's own refusal stays
the rule that counts (its storyboard may be a moment ahead or behind).
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts import VideoFailed, VideoRendered, VideoRenderProgressed, VideoRequested
from reelflow_contracts.envelope import Envelope

from reelflow_gateway.collections import SCENES, SHOTS, VIDEOS
from reelflow_gateway.readmodel.images import ImagesView

CREATED = {"requested_at": {"$exists": True}}


async def ensure_video_indexes(db: AsyncDatabase) -> None:
    await db[VIDEOS].create_index([("script_id", ASCENDING), ("requested_at", DESCENDING), ("_id", DESCENDING)],
                                  name="script_newest_first")


async def _update(db: AsyncDatabase, session: AsyncClientSession, video_id: str, change: dict) -> dict | None:
    return await db[VIDEOS].find_one_and_update({"_id": video_id}, change, upsert=True,
                                                return_document=ReturnDocument.AFTER, session=session)


async def apply_video_requested(db: AsyncDatabase, session: AsyncClientSession,
                                env: Envelope[VideoRequested]) -> dict | None:
    m = env.data
    return await _update(db, session, m.video_id, {
        "$set": {"script_id": m.script_id, "options": m.options.model_dump(mode="json"),
                 "image_ids": list(m.image_ids), "requested_at": m.requested_at},
        "$max": {"updated_at": m.requested_at},
    })


async def apply_video_render_progressed(db: AsyncDatabase, session: AsyncClientSession,
                                       env: Envelope[VideoRenderProgressed]) -> dict | None:
    """Only forward, only while the video renders: a report of an earlier try, or one that comes
    after the outcome (a replay), changes nothing."""
    m = env.data
    not_behind = {"$or": [{"progress": {"$exists": False}}, {"progress.attempt": {"$lt": m.attempt}},
                          {"progress.attempt": m.attempt, "progress.fraction": {"$lte": m.fraction}}]}
    return await db[VIDEOS].find_one_and_update(
        {"_id": m.video_id, **CREATED, "rendered": {"$exists": False}, "failure": {"$exists": False}, **not_behind},
        {"$set": {"progress": {"step": m.step, "fraction": m.fraction, "frames_done": m.frames_done,
                               "frames_total": m.frames_total, "attempt": m.attempt, "at": m.at}},
         "$max": {"updated_at": m.at}},
        return_document=ReturnDocument.AFTER, session=session)


async def apply_video_rendered(db: AsyncDatabase, session: AsyncClientSession,
                               env: Envelope[VideoRendered]) -> dict | None:
    m = env.data
    return await _update(db, session, m.video_id, {
        "$set": {"script_id": m.script_id,
                 "rendered": {"duration_s": m.duration_s, "width": m.width, "height": m.height, "fps": m.fps,
                              "size_bytes": m.size_bytes, "media_key": m.media_key, "has_audio": m.has_audio,
                              "render_s": m.render_s, "reused_segments": m.reused_segments,
                              "at": m.rendered_at}},
        "$max": {"updated_at": m.rendered_at},
    })


async def apply_video_failed(db: AsyncDatabase, session: AsyncClientSession,
                             env: Envelope[VideoFailed]) -> dict | None:
    m = env.data
    if not m.final:
        return None  # the video service is still retrying
    return await _update(db, session, m.video_id, {
        "$set": {"script_id": m.script_id,
                 "failure": {"code": m.code, "error": m.error, "stage": m.stage, "attempts": m.attempts,
                             "at": env.time}},
        "$max": {"updated_at": env.time},
    })


# -- readiness -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """What keeps a script from being rendered (empty: nothing the read model knows of)."""

    shots: tuple[dict, ...]
    """`{shot_id, scene_id, scene_order, order}` of every shot without an approved image, in video order."""
    unplanned_scene_ids: tuple[str, ...]
    """Scenes without all their shots planned (not approved yet, still planning, or planning failed), in order."""

    def __bool__(self) -> bool:
        return bool(self.shots or self.unplanned_scene_ids)

    def reason(self) -> str:
        """As the video service words it."""
        parts = []
        if self.unplanned_scene_ids:
            parts.append(f"{len(self.unplanned_scene_ids)} scene(s) have no planned shots yet")
        if self.shots:
            parts.append(f"{len(self.shots)} shot(s) have no approved image")
        return "cannot render yet: " + ("; ".join(parts) or "nothing is missing")

    def body(self) -> dict:
        return {"missing_shots": list(self.shots), "unplanned_scene_ids": list(self.unplanned_scene_ids)}


def missing_for_video(scenes: list[dict], shots: list[dict], approved_shot_ids: set[str]) -> Missing:
    """`scenes` (view documents of the script's scenes), `shots` (of its shots), and the shots
    with an approved image -> what is missing. Pure."""
    by_scene: dict[str, list[dict]] = {}
    for shot in shots:
        by_scene.setdefault(shot["scene_id"], []).append(shot)
    unplanned = []
    for scene in sorted(scenes, key=lambda s: s.get("order") or 0):
        planned = by_scene.get(scene["_id"], [])
        if not planned or len(planned) < planned[0].get("shot_count", 0):
            unplanned.append(scene["_id"])
    without = tuple(
        {"shot_id": s["_id"], "scene_id": s["scene_id"], "scene_order": s["scene_order"], "order": s["order"]}
        for s in sorted(shots, key=lambda s: (s["scene_order"], s["order"]))
        if s["_id"] not in approved_shot_ids)
    return Missing(without, tuple(unplanned))


# -- queries -------------------------------------------------------------------------------------


class VideosView:
    """Videos by id and by script, and a script's readiness. Callers check ownership."""

    def __init__(self, db: AsyncDatabase, images: ImagesView) -> None:
        self._videos = db[VIDEOS]
        self._scenes = db[SCENES]
        self._shots = db[SHOTS]
        self._images = images

    async def get(self, video_id: str) -> dict | None:
        return await self._videos.find_one({"_id": video_id, **CREATED})

    async def latest_of(self, script_id: str) -> dict | None:
        return await self._videos.find_one({"script_id": script_id, **CREATED},
                                           sort=[("requested_at", DESCENDING), ("_id", DESCENDING)])

    async def missing(self, script_id: str) -> Missing:
        scenes = await self._scenes.find({"script_id": script_id, "created_at": {"$exists": True}},
                                         {"order": 1}).to_list()
        shots = await self._shots.find({"script_id": script_id},
                                       {"scene_id": 1, "scene_order": 1, "order": 1, "shot_count": 1}).to_list()
        return missing_for_video(scenes, shots, await self._images.approved_shot_ids(script_id))
