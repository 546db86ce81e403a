"""The scenes and shots views (`views.scenes`, `views.shots`) and what scene events add to scripts.

Scene events carry the script id but not its owner, and they arrive on `scene.events` while the
script's own events arrive on `script.events`: different topics, so different partitions, and
the read model may see a script's SceneCreated before its ScriptCreated (during a replay, or when
the script service's relay is slower than the scene service). So:

- Scene and shot views store the `script_id` only. Ownership is checked at read time through
  the script view (`views.scripts` knows the owner): until ScriptCreated is projected, nobody
  sees the scenes, and from then on exactly their owner does. No owner is ever copied, so no
  copy can be missing or stale.
- What scene events add to a script document (`scene_count`, `approved_scene_count`,
  `segmentation`) uses fields no script event writes, with `$inc`/`$set` and upsert. Applied in
  either order, script and scene events give the same document (a scene event that comes first
  leaves a placeholder with no owner, which no query can see until ScriptCreated fills it in).
- Within `scene.events`, one script's events share a key and so a partition, and arrive in the
  order the scene service committed them. The projections also commute where that is free:
  status and approval time of a scene are set only by SceneApproved (`$setOnInsert` on
  creation), `updated_at` takes the latest time (`$max`), versions and counters add up (`$inc`),
  and a scene's shot planning state is derived at read time from counters and the failure
  (see `public.shot_planning_of`), so shots projected before their SceneApproved still read right.

Each event is applied once per consumer group (the kit's inbox, in the same transaction), which
makes the counters exact. The same fact published again under another id (a replay into an
empty inbox somewhere upstream) changes nothing either: a scene is created, approved and counted
once (checked against its state), and a shot counts once however often it is planned (its upsert).
Like every projection, these depend only on the event, never the clock: a replay writes the
same documents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pymongo import ASCENDING, ReturnDocument, UpdateMany, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts import (
    SceneApproved,
    SceneCreated,
    SceneUpdated,
    ScriptSegmented,
    SegmentationFailed,
    ShotPlanned,
    ShotPlanningFailed,
)
from reelflow_contracts.envelope import Envelope
from reelflow_gateway.collections import IMAGES, SCENES, SCRIPTS, SHOTS


async def ensure_scene_indexes(db: AsyncDatabase) -> None:
    await db[SCENES].create_index([("script_id", ASCENDING), ("order", ASCENDING)], name="script_order")
    await db[SHOTS].create_index([("scene_id", ASCENDING), ("order", ASCENDING)], name="scene_order")
    await db[SHOTS].create_index("script_id", name="script")


# -- projections (called inside the projector's transaction) ---------------------------------


async def apply_scenes_created(
    db: AsyncDatabase, session: AsyncClientSession, envs: Sequence[Envelope[SceneCreated]]
) -> None:
    """SceneCreated events, in a few round trips however many there are (a script's scenes come together)."""
    ids = [env.data.scene_id for env in envs]
    seen = {
        doc["_id"]
        async for doc in db[SCENES].find(
            {"_id": {"$in": ids}, "created_at": {"$exists": True}}, {"_id": 1}, session=session
        )
    }
    scenes: list[UpdateOne] = []
    per_script: Counter[str] = Counter()
    for env in envs:
        m = env.data
        if m.scene_id in seen:
            continue  # the same fact published again under another id: the scene is counted once
        seen.add(m.scene_id)
        scenes.append(
            UpdateOne(
                {"_id": m.scene_id},
                {
                    "$set": {
                        "script_id": m.script_id,
                        "order": m.order,
                        "heading": m.heading,
                        "text": m.text,
                        "created_at": m.created_at,
                    },
                    "$setOnInsert": {"status": "pending", "approved_at": None},
                    "$max": {"updated_at": m.created_at},
                    "$inc": {"version": 1},
                },
                upsert=True,
            )
        )
        per_script[m.script_id] += 1
    if scenes:
        await db[SCENES].bulk_write(scenes, ordered=True, session=session)
        await db[SCRIPTS].bulk_write(
            [
                UpdateOne({"_id": script_id}, {"$inc": {"scene_count": n}}, upsert=True)
                for script_id, n in per_script.items()
            ],
            ordered=True,
            session=session,
        )


async def apply_scene_created(db: AsyncDatabase, session: AsyncClientSession, env: Envelope[SceneCreated]) -> None:
    await apply_scenes_created(db, session, [env])


async def apply_script_segmented(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ScriptSegmented]
) -> None:
    m = env.data
    await db[SCRIPTS].update_one(
        {"_id": m.script_id},
        {
            "$set": {
                "segmentation": {
                    "state": "done",
                    "method": m.method,
                    "fell_back": m.fell_back,
                    "note": m.note,
                    "scenes": len(m.scene_ids),
                    "code": None,
                    "error": None,
                    "at": env.time,
                }
            }
        },
        upsert=True,
        session=session,
    )


async def apply_segmentation_failed(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[SegmentationFailed]
) -> None:
    m = env.data
    if not m.final:
        return  # the scene service is still retrying
    await db[SCRIPTS].update_one(
        {"_id": m.script_id},
        {
            "$set": {
                "segmentation": {
                    "state": "failed",
                    "method": None,
                    "fell_back": False,
                    "note": "",
                    "scenes": 0,
                    "code": m.code,
                    "error": m.error,
                    "at": env.time,
                }
            }
        },
        upsert=True,
        session=session,
    )


async def apply_scene_updated(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[SceneUpdated]
) -> dict | None:
    m = env.data
    return await db[SCENES].find_one_and_update(
        {"_id": m.scene_id},
        {
            "$set": {"script_id": m.script_id, "order": m.order, "heading": m.heading, "text": m.text},
            "$max": {"updated_at": m.updated_at},
            "$inc": {"version": 1},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def apply_scene_approved(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[SceneApproved]
) -> dict | None:
    m = env.data
    change = {
        "$set": {"script_id": m.script_id, "order": m.order, "status": "approved", "approved_at": m.approved_at},
        "$max": {"updated_at": m.approved_at},
        "$inc": {"version": 1},
    }
    doc = await db[SCENES].find_one_and_update(
        {"_id": m.scene_id, "status": {"$ne": "approved"}},
        change,
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if doc is None:
        doc = await db[SCENES].find_one({"_id": m.scene_id}, session=session)
        if doc is not None:
            return doc  # approved already: the same fact published again changes nothing
        doc = await db[SCENES].find_one_and_update(
            {"_id": m.scene_id}, change, upsert=True, return_document=ReturnDocument.AFTER, session=session
        )
    await db[SCRIPTS].update_one(
        {"_id": m.script_id}, {"$inc": {"approved_scene_count": 1}}, upsert=True, session=session
    )
    return doc


async def apply_shots_planned(
    db: AsyncDatabase, session: AsyncClientSession, envs: Sequence[Envelope[ShotPlanned]]
) -> None:
    """ShotPlanned events, in two round trips however many there are (a scene's shots come together)."""
    stored = await db[SHOTS].bulk_write(
        [
            UpdateOne(
                {"_id": env.data.shot_id},
                {
                    "$set": {
                        "script_id": env.data.script_id,
                        "scene_id": env.data.scene_id,
                        "scene_order": env.data.scene_order,
                        "order": env.data.order,
                        "shot_count": env.data.shot_count,
                        "description": env.data.description,
                        "image_prompt": env.data.image_prompt,
                        "duration_s": env.data.duration_s,
                        "narration": env.data.narration,
                        "style": env.data.style.model_dump(mode="json"),
                        "planned_at": env.time,
                    }
                },
                upsert=True,
            )
            for env in envs
        ],
        ordered=True,
        session=session,
    )
    assert stored.upserted_ids is not None, "an acknowledged write reports its upserts"
    new = set(stored.upserted_ids)  # positions of shots seen for the first time: a shot planned again counts once
    scenes: dict[str, dict] = {}
    for position, env in enumerate(envs):
        m = env.data
        change = scenes.setdefault(m.scene_id, {"$set": {}, "$inc": {"shots_planned": 0}})
        change["$set"].update({"script_id": m.script_id, "shot_count": m.shot_count})
        change["$inc"]["shots_planned"] += 1 if position in new else 0
    await db[SCENES].bulk_write(
        [UpdateOne({"_id": scene_id}, change, upsert=True) for scene_id, change in scenes.items()],
        ordered=True,
        session=session,
    )
    # Images projected before their shot learn its order now (images.py copies it the other way round).
    await db[IMAGES].bulk_write(
        [UpdateMany({"shot_id": env.data.shot_id}, {"$set": {"shot_order": env.data.order}}) for env in envs],
        ordered=False,
        session=session,
    )


async def apply_shot_planned(db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ShotPlanned]) -> None:
    await apply_shots_planned(db, session, [env])


async def apply_shot_planning_failed(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ShotPlanningFailed]
) -> None:
    m = env.data
    if not m.final:
        return
    await db[SCENES].update_one(
        {"_id": m.scene_id},
        {
            "$set": {
                "script_id": m.script_id,
                "shot_planning_failure": {"code": m.code, "error": m.error, "attempts": m.attempts, "at": env.time},
            }
        },
        upsert=True,
        session=session,
    )


# -- queries -------------------------------------------------------------------------------------


class ScenesView:
    """Scene and shot views by id and by parent. Callers check ownership through the script view."""

    def __init__(self, db: AsyncDatabase) -> None:
        self._scenes = db[SCENES]
        self._shots = db[SHOTS]

    async def get(self, scene_id: str) -> dict | None:
        """A scene that SceneCreated made (a placeholder left by a later event that came first is not one yet)."""
        return await self._scenes.find_one({"_id": scene_id, "created_at": {"$exists": True}})

    async def of_script(self, script_id: str, limit: int, offset: int) -> tuple[list[dict], int]:
        query = {"script_id": script_id, "created_at": {"$exists": True}}
        items = await self._scenes.find(query).sort("order", ASCENDING).skip(offset).limit(limit).to_list()
        return items, await _total(self._scenes, query, items, limit, offset)

    async def planned_shot_ids(self, script_id: str) -> tuple[str, ...]:
        """Every planned shot of a script (what create-video says the user saw, with the approved images)."""
        return tuple([doc["_id"] async for doc in self._shots.find({"script_id": script_id}, {"_id": 1})])

    async def shots_of(self, scene_id: str, limit: int, offset: int) -> tuple[list[dict], int]:
        query = {"scene_id": scene_id}
        items = await self._shots.find(query).sort("order", ASCENDING).skip(offset).limit(limit).to_list()
        return items, await _total(self._shots, query, items, limit, offset)


async def _total(collection, query: dict, items: list[dict], limit: int, offset: int) -> int:
    """How many match in all; a first page that is not full already says, without counting."""
    if offset == 0 and len(items) < limit:
        return len(items)
    return await collection.count_documents(query)
