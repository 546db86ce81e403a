"""The scene service's own record of approved scripts (`scripts`): the context their shots are
planned in (title, aspect, characters and the looks of the main ones, style suffix, owner) and how segmentation went. Built from
ScriptApproved; the script service's database is never read."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_scene.domain import ScriptFacts

SCRIPTS = "scripts"


class MongoScriptFactsRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None = None) -> None:
        self._scripts = db[SCRIPTS]
        self._session = session

    async def get(self, script_id: str) -> ScriptFacts | None:
        doc = await self._scripts.find_one({"_id": script_id}, session=self._session)
        return facts_from(doc) if doc else None

    async def save(self, facts: ScriptFacts) -> None:
        await self._scripts.replace_one({"_id": facts.id}, document_of(facts), upsert=True, session=self._session)


def document_of(facts: ScriptFacts) -> dict[str, Any]:
    return {
        "_id": facts.id,
        "owner_id": facts.owner_id,
        "title": facts.title,
        "aspect": facts.aspect,
        "characters": list(facts.characters),
        "looks": [[name, look] for name, look in facts.looks],
        "style_suffix": facts.style_suffix,
        "approved_at": facts.approved_at,
        "segmentation": {
            "segmented": facts.segmented,
            "scene_count": facts.scene_count,
            "method": facts.method,
            "fell_back": facts.fell_back,
            "note": facts.note,
            "error": facts.error,
        },
    }


def facts_from(doc: dict[str, Any]) -> ScriptFacts:
    segmentation = doc.get("segmentation") or {}
    return ScriptFacts(
        id=doc["_id"],
        owner_id=doc["owner_id"],
        title=doc["title"],
        aspect=doc["aspect"],
        characters=tuple(doc.get("characters") or ()),
        style_suffix=doc.get("style_suffix", ""),
        approved_at=doc["approved_at"],
        segmented=segmentation.get("segmented", False),
        scene_count=segmentation.get("scene_count", 0),
        method=segmentation.get("method", ""),
        fell_back=segmentation.get("fell_back", False),
        note=segmentation.get("note", ""),
        error=segmentation.get("error", ""),
        looks=tuple((str(name), str(look)) for name, look in doc.get("looks") or ()),
    )
