"""Transactional outbox: events are stored with the state change that caused them, then relayed.

Entries are written inside the handler's MongoDB transaction. After the commit they are handed
to the relay of the same process, which publishes them at once, without reading them back; it
reads the collection (in `seq` order) instead when it starts, after a failure, and every
`poll_interval`, which also picks up the entries of instances that died once they are older
than `orphan_after`. Sending happens before marking sent, so a crash in between publishes
twice at worst (at-least-once), never zero times.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable, Sequence

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from reelflow_contracts.envelope import Envelope, KafkaRecord, encode

log = logging.getLogger(__name__)

OUTBOX = "outbox"
SENT_RETENTION = timedelta(days=7)

Send = Callable[[KafkaRecord], Awaitable[Awaitable[object]]]
"""Starts sending a record and returns an awaitable that resolves when the broker acked it."""


def outbox_document(envelope: Envelope, owner: str) -> dict:
    record = encode(envelope)
    return {
        "_id": envelope.id,
        "seq": ObjectId(),
        "topic": record.topic,
        "key": record.key,
        "headers": [[k, v] for k, v in record.headers],
        "value": record.value,
        "type": envelope.type,
        "owner": owner,
        "created_at": datetime.now(timezone.utc),
        "sent_at": None,
    }


def record_of(doc: dict) -> KafkaRecord:
    return KafkaRecord(
        topic=doc["topic"],
        key=bytes(doc["key"]),
        headers=[(k, bytes(v)) for k, v in doc["headers"]],
        value=bytes(doc["value"]),
    )


async def ensure_outbox_indexes(db: AsyncDatabase) -> None:
    await db[OUTBOX].create_index([("sent_at", ASCENDING), ("seq", ASCENDING)])
    await db[OUTBOX].create_index("sent_at", expireAfterSeconds=int(SENT_RETENTION.total_seconds()),
                                  name="sent_at_ttl", partialFilterExpression={"sent_at": {"$type": "date"}})


async def add_to_outbox(db: AsyncDatabase, session: AsyncClientSession, envelopes: Sequence[Envelope],
                        owner: str) -> list[dict]:
    """The envelopes' outbox entries, written in the caller's transaction; hand them to the relay
    (`OutboxRelay.hand_off`) once it committed."""
    docs = [outbox_document(e, owner) for e in envelopes]
    if docs:
        await db[OUTBOX].insert_many(docs, ordered=True, session=session)
    return docs


class OutboxRelay:
    """Publishes unsent outbox entries in order and marks them sent."""

    def __init__(self, db: AsyncDatabase, send: Send, *, owner: str, poll_interval: float,
                 orphan_after: float, batch_size: int = 500) -> None:
        self._col = db[OUTBOX]
        self._send = send
        self._owner = owner
        self._poll_interval = poll_interval
        self._orphan_after = timedelta(seconds=orphan_after)
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._sweep_all = False
        self._handed: list[dict] = []
        self._last_read = float("-inf")  # when the collection was last read with nothing failing since
        self._read_ids: set = set()
        self.published = 0
        self.last_error: str | None = None

    def hand_off(self, docs: Sequence[dict]) -> None:
        """Entries of a transaction that just committed, in commit order: published next, as they are."""
        self._handed.extend(docs)
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")
        # A starting instance may be replacing one that died: take every unsent entry at once
        # rather than waiting for `orphan_after`, so the restarted service resumes in order.
        self._sweep_all = True

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self.flush()

    async def flush(self) -> int:
        """Publish everything that is due now, read from the collection; returns how many entries went out."""
        total = 0
        self._read_ids = set()
        self._last_read = time.monotonic()
        while True:
            docs = await self._due()
            if not docs:
                self._sweep_all = False
                return total
            await self._publish(docs)
            self._read_ids.update(d["_id"] for d in docs)
            total += len(docs)

    async def _run(self) -> None:
        backoff = self._poll_interval
        while True:
            self._wake.clear()  # before publishing, so a hand-off meanwhile is not missed
            handed, self._handed = self._handed, []
            try:
                if time.monotonic() - self._last_read < self._poll_interval:
                    # what a read just sent is not sent again
                    await self._publish([d for d in handed if d["_id"] not in self._read_ids])
                else:  # the read takes the entries handed off too: they committed before
                    await self.flush()
                self.last_error = None
                backoff = self._poll_interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database down: keep the entries, try again
                self._last_read = float("-inf")  # what was not sent stays in the collection, to be read in order
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("outbox relay failed, retrying", extra={"error": self.last_error})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval)
            except asyncio.TimeoutError:
                pass

    async def _due(self) -> list[dict]:
        orphan_before = datetime.now(timezone.utc) - self._orphan_after
        query: dict = {"sent_at": None}
        if not self._sweep_all:
            query["$or"] = [{"owner": self._owner}, {"created_at": {"$lt": orphan_before}}]
        cursor = self._col.find(query).sort("seq", ASCENDING).limit(self._batch_size)
        return await cursor.to_list()

    async def _publish(self, docs: list[dict]) -> None:
        if not docs:
            return
        # Start every send before awaiting any: the producer keeps per-partition order.
        acks = [await self._send(record_of(doc)) for doc in docs]
        await asyncio.gather(*acks)
        await self._col.update_many(
            {"_id": {"$in": [d["_id"] for d in docs]}},
            {"$set": {"sent_at": datetime.now(timezone.utc)}},
        )
        self.published += len(docs)


async def pending_count(db: AsyncDatabase) -> int:
    try:
        return await db[OUTBOX].count_documents({"sent_at": None})
    except PyMongoError:
        return -1
