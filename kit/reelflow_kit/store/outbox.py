"""Transactional outbox: events are stored with the state change that caused them, then relayed.

Entries are written inside the handler's MongoDB transaction. After the commit they are handed
to the relay of the same process, which publishes them at once, without reading them back; it
reads the collection (in `seq` order) instead when it starts, after a failure, and every
`poll_interval`, which also picks up the entries of instances that died once they are older
than `orphan_after`. Sending happens before marking sent, so a crash in between publishes
twice at worst (at-least-once), never zero times.

No entry can hold back the ones after it. One larger than the bus carries is refused inside
its transaction (`RecordTooLarge`), so the state change that made it never commits; one the
broker refuses for good anyway (too large for its own limit, invalid) is set aside: kept with
its error and `set_aside_at`, counted in /healthz, handed to `on_refused` (which tells the
aggregate's owner), and every later entry still goes out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from reelflow_contracts.envelope import Envelope, KafkaRecord, encode
from reelflow_contracts.messages.base import Message
from reelflow_kit.bus.retry import Unprocessable, is_refused_for_good

log = logging.getLogger(__name__)

OUTBOX = "outbox"
SENT_RETENTION = timedelta(days=7)

Send = Callable[[KafkaRecord], Awaitable[Awaitable[object]]]
"""Starts sending a record and returns an awaitable that resolves when the broker acked it."""
OnRefused = Callable[[dict[str, Any], str], Awaitable[None]]
"""Called with an entry the broker refused for good and the error, to record it and tell its owner."""


class RecordTooLarge(Unprocessable):
    """An event bigger than the bus carries: the transaction that emitted it is refused."""

    def __init__(self, ce_type: str, size: int, limit: int) -> None:
        super().__init__(f"the event {ce_type} would be {size} bytes, more than the {limit} bytes the bus carries")
        self.ce_type, self.size, self.limit = ce_type, size, limit


def record_size(record: KafkaRecord) -> int:
    return len(record.value) + len(record.key) + sum(len(k) + len(v) for k, v in record.headers)


def outbox_document(
    envelope: Envelope[Message], owner: str, max_record_bytes: int | None = None, cause_type: str | None = None
) -> dict[str, Any]:
    record = encode(envelope)
    if max_record_bytes is not None and (size := record_size(record)) > max_record_bytes:
        raise RecordTooLarge(envelope.type, size, max_record_bytes)
    return {
        "_id": envelope.id,
        "seq": ObjectId(),
        "topic": record.topic,
        "key": record.key,
        "headers": [[k, v] for k, v in record.headers],
        "value": record.value,
        "type": envelope.type,
        "cause_type": cause_type,
        "owner": owner,
        "created_at": datetime.now(UTC),
        "sent_at": None,
    }


def record_of(doc: dict[str, Any]) -> KafkaRecord:
    return KafkaRecord(
        topic=doc["topic"],
        key=bytes(doc["key"]),
        headers=[(k, bytes(v)) for k, v in doc["headers"]],
        value=bytes(doc["value"]),
    )


async def ensure_outbox_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    await db[OUTBOX].create_index([("sent_at", ASCENDING), ("seq", ASCENDING)])
    await db[OUTBOX].create_index("set_aside_at", sparse=True)
    await db[OUTBOX].create_index(
        "sent_at",
        expireAfterSeconds=int(SENT_RETENTION.total_seconds()),
        name="sent_at_ttl",
        partialFilterExpression={"sent_at": {"$type": "date"}},
    )


async def add_to_outbox(
    db: AsyncDatabase[dict[str, Any]],
    session: AsyncClientSession,
    envelopes: Sequence[Envelope[Message]],
    owner: str,
    max_record_bytes: int | None = None,
    cause_type: str | None = None,
) -> list[dict[str, Any]]:
    """The envelopes' outbox entries, written in the caller's transaction; hand them to the relay
    (`OutboxRelay.hand_off`) once it committed. Raises `RecordTooLarge` for an envelope over
    `max_record_bytes`, which aborts the transaction."""
    docs = [outbox_document(e, owner, max_record_bytes, cause_type) for e in envelopes]
    if docs:
        await db[OUTBOX].insert_many(docs, ordered=True, session=session)
    return docs


class OutboxRelay:
    """Publishes unsent outbox entries in order and marks them sent."""

    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        send: Send,
        *,
        owner: str,
        poll_interval: float,
        orphan_after: float,
        batch_size: int = 500,
        on_refused: OnRefused | None = None,
    ) -> None:
        self._col = db[OUTBOX]
        self._send = send
        self._on_refused = on_refused or self._set_aside
        self._owner = owner
        self._poll_interval = poll_interval
        self._orphan_after = timedelta(seconds=orphan_after)
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sweep_all = False
        self._handed: list[dict[str, Any]] = []
        self._last_read = float("-inf")  # when the collection was last read with nothing failing since
        self._read_ids: set[str] = set()
        self.published = 0
        self.refused = 0
        self.last_error: str | None = None

    def hand_off(self, docs: Sequence[dict[str, Any]]) -> None:
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
            except TimeoutError:
                pass

    async def _due(self) -> list[dict[str, Any]]:
        orphan_before = datetime.now(UTC) - self._orphan_after
        query: dict[str, Any] = {"sent_at": None, "set_aside_at": None}
        if not self._sweep_all:
            query["$or"] = [{"owner": self._owner}, {"created_at": {"$lt": orphan_before}}]
        cursor = self._col.find(query).sort("seq", ASCENDING).limit(self._batch_size)
        return await cursor.to_list()

    async def _publish(self, docs: list[dict[str, Any]]) -> None:
        """Send `docs` in order; an entry the broker refuses for good is set aside and the others go
        on. Any other failure is raised after what was acked is marked sent (the rest is read again)."""
        if not docs:
            return
        # Start every send before awaiting any: the producer keeps per-partition order.
        started: list[tuple[dict[str, Any], Awaitable[object] | BaseException]] = []
        for doc in docs:
            try:
                started.append((doc, await self._send(record_of(doc))))
            except Exception as exc:
                if not is_refused_for_good(exc):
                    raise
                started.append((doc, exc))
        outcomes = await asyncio.gather(*(_settled(ack) for _, ack in started))
        acked = [doc for (doc, _), outcome in zip(started, outcomes, strict=True) if outcome is None]
        if acked:
            await self._col.update_many(
                {"_id": {"$in": [d["_id"] for d in acked]}}, {"$set": {"sent_at": datetime.now(UTC)}}
            )
            self.published += len(acked)
        failure = None
        for (doc, _), outcome in zip(started, outcomes, strict=True):
            if outcome is None:
                continue
            if is_refused_for_good(outcome):
                error = f"{type(outcome).__name__}: {outcome}"[:2000]
                log.error(
                    "outbox entry refused by the broker for good; set aside",
                    extra={"entry": doc["_id"], "type": doc.get("type"), "error": error},
                )
                await self._on_refused(doc, error)
                self.refused += 1
            elif failure is None:
                failure = outcome
        if failure is not None:
            raise failure

    async def _set_aside(self, doc: dict[str, Any], error: str, session: AsyncClientSession | None = None) -> None:
        await set_aside(self._col.database, doc["_id"], error, session)


async def _settled(ack: Awaitable[object] | BaseException) -> BaseException | None:
    """None once acked, or what it failed with."""
    if isinstance(ack, BaseException):
        return ack
    try:
        await ack
    except Exception as exc:
        return exc
    return None


async def set_aside(
    db: AsyncDatabase[dict[str, Any]], entry_id: str, error: str, session: AsyncClientSession | None = None
) -> None:
    """Keep a refused entry, with why, out of the relay's way."""
    await db[OUTBOX].update_one(
        {"_id": entry_id}, {"$set": {"set_aside_at": datetime.now(UTC), "error": error}}, session=session
    )


async def pending_count(db: AsyncDatabase[dict[str, Any]]) -> int:
    try:
        return await db[OUTBOX].count_documents({"sent_at": None, "set_aside_at": None})
    except PyMongoError:
        return -1


async def set_aside_count(db: AsyncDatabase[dict[str, Any]]) -> int:
    return await db[OUTBOX].count_documents({"set_aside_at": {"$type": "date"}})
