"""Idempotent consumption: the ids of applied messages, recorded in the handler's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

INBOX = "inbox"


class AlreadyApplied(Exception):
    """This consumer group applied the message before: it is a redelivery or a replay."""


def inbox_key(group: str, message_id: str) -> str:
    return f"{group}/{message_id}"


async def was_applied(db: AsyncDatabase[dict[str, Any]], group: str, message_id: str) -> bool:
    return await db[INBOX].find_one({"_id": inbox_key(group, message_id)}, projection={"_id": 1}) is not None


async def record_applied(
    db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession, group: str, message_id: str, ce_type: str
) -> None:
    try:
        await db[INBOX].insert_one(
            {"_id": inbox_key(group, message_id), "type": ce_type, "applied_at": datetime.now(UTC)},
            session=session,
        )
    except DuplicateKeyError:
        raise AlreadyApplied(message_id) from None
