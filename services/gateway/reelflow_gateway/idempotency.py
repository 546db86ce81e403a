"""`Idempotency-Key`: a repeated POST with the same key gets the first answer, not a second effect.

Answers are kept per user and route for a day (IETF draft "The Idempotency-Key HTTP Header
Field"). A key is claimed before the request runs, so two requests racing with one key run it
once: the second is told the first is still in progress (409, retry). A key sent again with a
different request is refused (422). An answer that says nothing about the request itself (a
5xx, a 429, the server unreachable) is not kept, so a retry really retries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from reelflow_gateway.collections import IDEMPOTENCY_KEYS

KEPT_FOR = timedelta(days=1)
ABANDONED_AFTER = timedelta(minutes=2)
"""A claim whose request never finished (its process died) is free again after this."""
KEPT_HEADERS = ("location", "retry-after", "x-command-id", "x-request-id", "content-type")
NOT_KEPT_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Kept:
    status: int
    body: bytes
    headers: dict[str, str]


class KeyInUse(Exception):
    """The same key's first request is still running."""


class KeyReused(Exception):
    """The key came with another request before."""


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join((method.encode(), path.encode(), body))).hexdigest()


def worth_keeping(status: int) -> bool:
    return status < 500 and status not in NOT_KEPT_STATUSES


class IdempotencyStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self._col = db[IDEMPOTENCY_KEYS]

    async def ensure_indexes(self) -> None:
        await self._col.create_index(
            "created_at", expireAfterSeconds=int(KEPT_FOR.total_seconds()), name="created_at_ttl"
        )

    async def claim(self, user: str, scope: str, key: str, print_: str) -> Kept | None:
        """The kept answer for this key, or None once the key is claimed for this request."""
        key_id = f"{user}|{scope}|{key}"
        now = datetime.now(UTC)
        try:
            await self._col.insert_one({"_id": key_id, "fingerprint": print_, "created_at": now, "answer": None})
            return None
        except DuplicateKeyError:
            pass
        doc = await self._col.find_one({"_id": key_id})
        if doc is None:  # expired meanwhile
            return await self.claim(user, scope, key, print_)
        if doc["fingerprint"] != print_:
            raise KeyReused(key)
        if doc["answer"] is not None:
            answer = doc["answer"]
            return Kept(answer["status"], bytes(answer["body"]), dict(answer["headers"]))
        abandoned = await self._col.update_one(
            {"_id": key_id, "answer": None, "created_at": {"$lt": now - ABANDONED_AFTER}}, {"$set": {"created_at": now}}
        )
        if abandoned.modified_count:
            return None
        raise KeyInUse(key)

    async def keep(self, user: str, scope: str, key: str, answer: Kept) -> None:
        await self._col.update_one(
            {"_id": f"{user}|{scope}|{key}"},
            {"$set": {"answer": {"status": answer.status, "body": answer.body, "headers": answer.headers}}},
        )

    async def release(self, user: str, scope: str, key: str) -> None:
        await self._col.delete_one({"_id": f"{user}|{scope}|{key}", "answer": None})
