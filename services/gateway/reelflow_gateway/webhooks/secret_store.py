"""Each owner's webhook signing secrets in the gateway database: the current one, and the ones
rotated out that stay valid until their grace period ends (deliveries are signed with all).

One document per owner in `webhook_secrets`:
`{_id: owner_id, current: "whsec_...", created_at, retiring: [{secret, valid_until}, ...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from reelflow_gateway.collections import WEBHOOK_SECRETS
from reelflow_gateway.webhooks.signature import new_secret
from reelflow_kit.clock import now


@dataclass(frozen=True)
class Rotated:
    secret: str
    previous_valid_until: datetime | None
    """When the secret it replaced stops signing deliveries (None: there was none)."""


class WebhookSecrets:
    def __init__(self, db: AsyncDatabase, grace: timedelta) -> None:
        self._col = db[WEBHOOK_SECRETS]
        self._grace = grace

    async def create_if_missing(self, owner_id: str) -> str | None:
        """The owner's first secret, if this call created it (to be shown once); else None."""
        secret = new_secret()
        try:
            await self._col.insert_one({"_id": owner_id, "current": secret, "created_at": now(), "retiring": []})
        except DuplicateKeyError:
            return None
        return secret

    async def rotate(self, owner_id: str) -> Rotated:
        """A new current secret; the one it replaces keeps signing for the grace period."""
        while True:
            doc = await self._col.find_one({"_id": owner_id})
            if doc is None:
                created = await self.create_if_missing(owner_id)
                if created is not None:
                    return Rotated(created, None)
                continue
            at, secret = now(), new_secret()
            valid_until = at + self._grace
            retiring = [r for r in doc.get("retiring", []) if _aware(r["valid_until"]) > at]
            retiring.append({"secret": doc["current"], "valid_until": valid_until})
            replaced = await self._col.update_one(
                {"_id": owner_id, "current": doc["current"]},
                {"$set": {"current": secret, "created_at": at, "retiring": retiring}},
            )
            if replaced.matched_count == 1:
                return Rotated(secret, valid_until)
            # another rotation won the race: rotate what it left

    async def signing_secrets(self, owner_id: str) -> list[str]:
        """The secrets a delivery is signed with now: the current one first, then those still in
        their grace period. An owner without one (operations from before per-owner secrets) gets
        one created, which they can see by rotating it."""
        doc = await self._col.find_one({"_id": owner_id})
        if doc is None:
            await self.create_if_missing(owner_id)
            doc = await self._col.find_one({"_id": owner_id})
            if doc is None:
                raise RuntimeError(f"the webhook secrets of {owner_id!r} were deleted as they were being created")
        at = now()
        return [doc["current"], *(r["secret"] for r in doc.get("retiring", []) if _aware(r["valid_until"]) > at)]


def _aware(at: datetime) -> datetime:
    """MongoDB gives back naive UTC datetimes unless the client is tz-aware."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
