"""The scripts view (`views.scripts`) and failed generations (`views.script_failures`).

Scene events add `scene_count`, `approved_scene_count` and `segmentation` to the script
documents (see scenes.py); no projection here touches those fields, so the order in which
script and scene events are projected does not matter.

Each projection is a pure function of one event: it touches only fields the event carries and
never reads the clock, so a replay writes the same documents. It returns the script's new state
(as `ScriptsView.get` would read it), which the projector hands to the waiting write request.
"""

from __future__ import annotations

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts import ScriptApproved, ScriptCreated, ScriptGenerationFailed, ScriptUpdated
from reelflow_contracts.envelope import Envelope
from reelflow_gateway.collections import SCRIPT_FAILURES, SCRIPTS
from reelflow_gateway.readmodel.public import SCRIPT_FIELDS
from reelflow_gateway.readmodel.usage import usage_of
from reelflow_kit.ai.fountain import read_title_page

_PROJECTION = {name: 1 for name in ("owner_id", *SCRIPT_FIELDS, "scene_count", "approved_scene_count", "segmentation")}


async def ensure_script_indexes(db: AsyncDatabase) -> None:
    await db[SCRIPTS].create_index(
        [("owner_id", 1), ("created_at", DESCENDING), ("_id", DESCENDING)], name="owner_newest_first"
    )
    await db[SCRIPT_FAILURES].create_index("owner_id")


def title_page_of(content: str) -> dict | None:
    """A Fountain title page as the script's metadata (`title`, `authors`, every field), or None."""
    page = read_title_page(content)
    if not page.fields:
        return None
    return {"title": page.title, "authors": list(page.authors), "fields": dict(page.fields)}


# -- projections (called inside the projector's transaction) ---------------------------------


async def apply_created(db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ScriptCreated]) -> dict | None:
    m = env.data
    doc = await db[SCRIPTS].find_one_and_update(
        {"_id": m.script_id},
        {
            "$set": {
                "owner_id": m.owner_id,
                "title": m.title,
                "content": m.content,
                "title_page": title_page_of(m.content),
                "status": "draft",
                "origin": m.origin,
                "aspect": m.aspect,
                "premise": m.premise,
                "created_at": m.created_at,
                "updated_at": m.created_at,
                "approved_at": None,
                "version": 1,
                "last_event_id": env.id,
            }
        },
        upsert=True,
        projection=_PROJECTION,
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if m.origin == "ai":
        # A generation that failed before and succeeded on a retry is no longer a failure.
        await db[SCRIPT_FAILURES].delete_one({"_id": m.script_id}, session=session)
    return doc


async def apply_updated(db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ScriptUpdated]) -> dict | None:
    m = env.data
    return await db[SCRIPTS].find_one_and_update(
        {"_id": m.script_id},
        {
            "$set": {
                "title": m.title,
                "content": m.content,
                "title_page": title_page_of(m.content),
                "aspect": m.aspect,
                "updated_at": m.updated_at,
                "last_event_id": env.id,
            },
            "$inc": {"version": 1},
        },
        projection=_PROJECTION,
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def apply_approved(db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ScriptApproved]) -> dict | None:
    m = env.data
    doc = await db[SCRIPTS].find_one_and_update(
        {"_id": m.script_id, "status": {"$ne": "approved"}},
        {
            "$set": {
                "title": m.title,
                "content": m.content,
                "title_page": title_page_of(m.content),
                "aspect": m.aspect,
                "status": "approved",
                "approved_at": m.approved_at,
                "updated_at": m.approved_at,
                "last_event_id": env.id,
            },
            "$inc": {"version": 1},
        },
        projection=_PROJECTION,
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if doc is None:
        # Approved already: the same fact published again under another id changes nothing.
        doc = await db[SCRIPTS].find_one({"_id": m.script_id}, _PROJECTION, session=session)
    return doc


async def apply_generation_failed(
    db: AsyncDatabase, session: AsyncClientSession, env: Envelope[ScriptGenerationFailed]
) -> None:
    m = env.data
    if not m.final:
        return None  # the script service is still retrying
    await db[SCRIPT_FAILURES].update_one(
        {"_id": m.script_id},
        {
            "$set": {
                "owner_id": m.owner_id,
                "premise": m.premise,
                "title": m.title,
                "stage": m.stage,
                "code": m.code,
                "error": m.error,
                "attempts": m.attempts,
                "failed_at": env.time,
                "last_event_id": env.id,
            }
        },
        upsert=True,
        session=session,
    )


# -- queries -------------------------------------------------------------------------------------


class ScriptsView:
    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db
        self._scripts = db[SCRIPTS]
        self._failures = db[SCRIPT_FAILURES]

    async def get(self, owner_id: str, script_id: str) -> dict | None:
        """One indexed lookup; another owner's script is simply not found."""
        return await self._scripts.find_one({"_id": script_id, "owner_id": owner_id}, _PROJECTION)

    async def owns(self, owner_id: str, script_id: str) -> bool:
        return await self._scripts.find_one({"_id": script_id, "owner_id": owner_id}, {"_id": 1}) is not None

    async def page(self, owner_id: str, limit: int, offset: int) -> tuple[list[dict], int]:
        cursor = (
            self._scripts.find({"owner_id": owner_id}, _PROJECTION)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .skip(offset)
            .limit(limit)
        )
        items = await cursor.to_list()
        total = await self._scripts.count_documents({"owner_id": owner_id})
        return items, total

    async def failure(self, owner_id: str, script_id: str) -> dict | None:
        return await self._failures.find_one({"_id": script_id, "owner_id": owner_id})

    async def usage(self, script_id: str) -> list[dict]:
        """What AI the script used, by provider and model (callers check ownership)."""
        return await usage_of(self._db, script_id)
