"""Fixed-window counters in the gateway's MongoDB, shared by every gateway instance.

One document per (limit, subject, window): `{_id, n, expires_at}`, incremented atomically with an
upsert; a TTL index removes a window's document once it has ended. Why not the `limits` library:
its MongoDB storage for asyncio runs on Motor (deprecated since May 2025, a second client and
connection pool beside the PyMongo async one everything else uses); the part needed here is
one atomic upsert per call.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from reelflow_gateway.collections import RATE_COUNTERS
from reelflow_gateway.limits.decisions import Window
from reelflow_gateway.limits.rates import Rate


async def ensure_counter_indexes(db: AsyncDatabase) -> None:
    await db[RATE_COUNTERS].create_index("expires_at", expireAfterSeconds=0, name="window_ended")


class MongoWindowCounters:
    def __init__(self, db: AsyncDatabase) -> None:
        self._col = db[RATE_COUNTERS]

    async def add(self, key: str, rate: Rate, window: Window) -> int:
        """Counts one more in `key`'s current window; the count including this one."""
        doc_id = _doc_id(key, rate, window)
        expires_at = datetime.fromtimestamp(window.ends_at, UTC) + timedelta(seconds=1)
        for _ in range(3):
            try:
                doc = await self._col.find_one_and_update(
                    {"_id": doc_id},
                    {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": expires_at}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:  # two first hits at once (MongoDB): this one was not counted
                continue
            if doc is None:
                # The same race on SecantusDB counts the hit but returns no document: read the
                # count (it may include a racing hit, which refuses a little early, never late).
                doc = await self._col.find_one({"_id": doc_id}, {"n": 1})
            if doc is not None:
                return int(doc["n"])
        raise RuntimeError(f"rate counter {doc_id} could not be incremented")

    async def count(self, key: str, rate: Rate, window: Window) -> int:
        """How many were counted in `key`'s current window (nothing added)."""
        doc = await self._col.find_one({"_id": _doc_id(key, rate, window)}, {"n": 1})
        return int(doc["n"]) if doc else 0


def _doc_id(key: str, rate: Rate, window: Window) -> str:
    return f"{key}|{rate.per_s}|{window.number}"
