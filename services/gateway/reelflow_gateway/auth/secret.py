"""The JWT signing key: from settings, or generated once and kept in the gateway database.

Keeping a generated key in MongoDB means `make up` needs no configuration, tokens survive a
restart, and every gateway instance sharing the database signs with the same key.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from reelflow_gateway.collections import SECRETS

JWT_SECRET_ID = "jwt_hs256"


async def resolve_jwt_secret(db: AsyncDatabase, configured: str | None) -> str:
    return await resolve_secret(db, JWT_SECRET_ID, configured)


async def resolve_secret(db: AsyncDatabase, secret_id: str, configured: str | None) -> str:
    """`configured` if given, else the key stored under `secret_id`, generated on first use."""
    if configured:
        return configured
    col = db[SECRETS]
    doc = await col.find_one({"_id": secret_id})
    if doc is None:
        try:
            await col.insert_one(
                {"_id": secret_id, "value": secrets.token_urlsafe(64), "created_at": datetime.now(UTC)}
            )
        except DuplicateKeyError:
            pass  # another instance generated it first: use theirs
        doc = await col.find_one({"_id": secret_id})
        if doc is None:
            raise RuntimeError(f"the secret {secret_id!r} was deleted as it was being created")
    return doc["value"]
