"""Scripts in the service's own `scripts` collection, read and written inside the handler's
transaction (the session). Concurrent writers to one script hit MongoDB's write conflict,
which the kit answers by running the handler again."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.messages.base import Usage
from reelflow_script.domain import Script, Status

SCRIPTS = "scripts"


class MongoScriptRepository:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None = None) -> None:
        self._scripts = db[SCRIPTS]
        self._session = session

    async def get(self, script_id: str) -> Script | None:
        doc = await self._scripts.find_one({"_id": script_id}, session=self._session)
        return script_from(doc) if doc else None

    async def exists(self, script_id: str) -> bool:
        found = await self._scripts.find_one({"_id": script_id}, projection={"_id": 1}, session=self._session)
        return found is not None

    async def add(self, script: Script) -> None:
        await self._scripts.insert_one(document_of(script), session=self._session)

    async def save(self, script: Script) -> None:
        await self._scripts.replace_one({"_id": script.id}, document_of(script), session=self._session)


def document_of(script: Script) -> dict[str, Any]:
    return {
        "_id": script.id,
        "owner_id": script.owner_id,
        "title": script.title,
        "content": script.content,
        "aspect": script.aspect,
        "origin": script.origin,
        "status": script.status.value,
        "premise": script.premise,
        "usage": script.usage.model_dump(),
        "created_at": script.created_at,
        "updated_at": script.updated_at,
        "approved_at": script.approved_at,
    }


def script_from(doc: dict[str, Any]) -> Script:
    return Script(
        id=doc["_id"],
        owner_id=doc["owner_id"],
        title=doc["title"],
        content=doc["content"],
        aspect=doc["aspect"],
        origin=doc["origin"],
        status=Status(doc["status"]),
        premise=doc.get("premise"),
        usage=Usage.model_validate(doc.get("usage") or {}),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        approved_at=doc.get("approved_at"),
    )
