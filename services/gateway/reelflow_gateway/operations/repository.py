"""Operations in MongoDB (`operations`): one document per operation, the only code that touches it.

A document is the domain's `Operation` plus two fields the domain does not know and every write
keeps: the webhook URL given at the start and what its delivery came to.

Concurrency: give the repository a transaction's session and its reads and writes are that
transaction's. Two transactions changing one operation (the process manager taking an event, a
user cancelling) conflict in MongoDB; the loser is run again from its read (the kit's consumer
for handlers, `retried_on_conflict` for requests), so it decides on the latest state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_gateway.collections import OPERATIONS
from reelflow_gateway.operations.domain import NOT_RUNNING, TERMINAL, Operation, from_document, to_document


@dataclass
class StoredOperation:
    operation: Operation
    webhook_url: str | None = None
    webhook: dict[str, Any] | None = None
    """What delivering the webhook came to: `status`, `attempts`, `at`, for a failure `error`."""


async def ensure_operation_indexes(db: AsyncDatabase) -> None:
    await db[OPERATIONS].create_index("script_id")
    await db[OPERATIONS].create_index([("owner_id", 1), ("created_at", -1)])


def _stored(doc: dict[str, Any]) -> StoredOperation:
    return StoredOperation(from_document(doc), doc.get("webhook_url"), doc.get("webhook"))


def _document(stored: StoredOperation) -> dict[str, Any]:
    kept = {"webhook_url": stored.webhook_url, "webhook": stored.webhook}
    return to_document(stored.operation) | {name: value for name, value in kept.items() if value is not None}


class MongoOperationRepository:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None = None) -> None:
        self._operations = db[OPERATIONS]
        self._session = session

    # -- reading

    async def get(self, operation_id: str) -> StoredOperation | None:
        doc = await self._operations.find_one({"_id": operation_id}, session=self._session)
        return _stored(doc) if doc is not None else None

    async def of_script(self, script_id: str) -> StoredOperation | None:
        """The operation of a script (an operation's script is its own: one at most)."""
        doc = await self._operations.find_one({"script_id": script_id}, session=self._session)
        return _stored(doc) if doc is not None else None

    async def drives(self, script_id: str) -> bool:
        """Whether an operation that has not ended drives this script."""
        found = await self._operations.find_one(
            {"script_id": script_id, "status": {"$nin": list(TERMINAL)}}, projection={"_id": 1}, session=self._session
        )
        return found is not None

    async def owner_of(self, operation_id: str) -> str | None:
        doc = await self._operations.find_one({"_id": operation_id}, projection={"owner_id": 1}, session=self._session)
        return doc["owner_id"] if doc is not None else None

    async def list_for_owner(self, owner_id: str, *, limit: int, offset: int) -> list[Operation]:
        """Newest first."""
        docs = (
            await self._operations.find({"owner_id": owner_id}, session=self._session)
            .sort([("created_at", -1), ("_id", -1)])
            .skip(offset)
            .limit(limit)
            .to_list()
        )
        return [from_document(doc) for doc in docs]

    async def count_for_owner(self, owner_id: str) -> int:
        return await self._operations.count_documents({"owner_id": owner_id}, session=self._session)

    async def count_running(self, owner_id: str) -> int:
        return await self._operations.count_documents(
            {"owner_id": owner_id, "status": {"$nin": list(NOT_RUNNING)}}, session=self._session
        )

    # -- writing

    async def add(self, stored: StoredOperation) -> None:
        await self._operations.insert_one(_document(stored), session=self._session)

    async def save(self, stored: StoredOperation) -> None:
        """The whole document replaced: read it in the same transaction first."""
        await self._operations.replace_one({"_id": stored.operation.id}, _document(stored), session=self._session)

    async def record_webhook(self, operation_id: str, webhook: dict[str, Any]) -> None:
        """What the webhook's delivery came to, leaving the rest of the operation as it is."""
        await self._operations.update_one({"_id": operation_id}, {"$set": {"webhook": webhook}}, session=self._session)
