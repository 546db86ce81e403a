"""Command outcomes: which command an event answered, and how (applied, rejected, failed).

The projector stores an outcome in the same transaction as the view change it caused, keyed by
the command's ce_id (the event's causation id, or a CommandRejected's command_id). A write
request waiting for its command is woken in-process right after that commit; a request served
by another gateway instance finds the outcome by polling MongoDB instead.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_gateway.collections import OUTCOMES

OUTCOME_RETENTION_S = 7 * 24 * 3600

Status = Literal["applied", "rejected", "failed"]


@dataclass(frozen=True)
class Outcome:
    command_id: str
    status: Status
    subject: str
    event_type: str
    at: datetime
    code: str | None = None
    reason: str | None = None
    details: dict | None = None
    """What a refusal says beyond code and reason (e.g. a refused video's `missing_shots`)."""

    def to_doc(self) -> dict:
        doc = {
            "_id": self.command_id,
            "status": self.status,
            "subject": self.subject,
            "event_type": self.event_type,
            "at": self.at,
            "code": self.code,
            "reason": self.reason,
        }
        if self.details:
            doc["details"] = self.details
        return doc

    @classmethod
    def from_doc(cls, doc: dict) -> Outcome:
        return cls(
            command_id=doc["_id"],
            status=doc["status"],
            subject=doc["subject"],
            event_type=doc["event_type"],
            at=doc["at"],
            code=doc.get("code"),
            reason=doc.get("reason"),
            details=doc.get("details"),
        )


async def ensure_outcome_indexes(db: AsyncDatabase) -> None:
    # `at` is the event's time, so a replay rebuilds (and expires) exactly the same documents.
    await db[OUTCOMES].create_index("at", expireAfterSeconds=OUTCOME_RETENTION_S, name="at_ttl")


async def store_outcome(db: AsyncDatabase, session: AsyncClientSession, outcome: Outcome) -> None:
    """Record the first answer to a command (a command answered by several events keeps the first)."""
    doc = outcome.to_doc()
    await db[OUTCOMES].update_one({"_id": doc.pop("_id")}, {"$setOnInsert": doc}, upsert=True, session=session)


async def find_outcome(db: AsyncDatabase, command_id: str) -> Outcome | None:
    doc = await db[OUTCOMES].find_one({"_id": command_id})
    return Outcome.from_doc(doc) if doc else None


Answer = tuple[Outcome, "dict | None"]
"""An outcome and, when the projector had it at hand, the aggregate's new view document."""


class OutcomeWaiters:
    """Futures of the write requests waiting in this process, by command id."""

    def __init__(self) -> None:
        self._futures: dict[str, asyncio.Future[Answer]] = {}

    def register(self, command_id: str) -> asyncio.Future[Answer]:
        future = asyncio.get_running_loop().create_future()
        self._futures[command_id] = future
        return future

    def discard(self, command_id: str) -> None:
        self._futures.pop(command_id, None)

    def resolve(self, outcome: Outcome | None, view: dict | None = None) -> None:
        """Called after the projector's transaction committed."""
        if outcome is None:
            return
        future = self._futures.get(outcome.command_id)
        if future is not None and not future.done():
            future.set_result((outcome, view))

    def __len__(self) -> int:
        return len(self._futures)
