"""The JWT signing key: from settings, or generated once and kept in the gateway database.

Keeping a generated key in MongoDB means `make up` needs no configuration, tokens survive a
restart, and every gateway instance sharing the database signs with the same key.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

SECRETS = "secrets"
JWT_SECRET_ID = "jwt_hs256"


async def resolve_jwt_secret(db: AsyncDatabase, configured: str | None) -> str:
    if configured:
        return configured
    col = db[SECRETS]
    doc = await col.find_one({"_id": JWT_SECRET_ID})
    if doc is None:
        try:
            await col.insert_one({"_id": JWT_SECRET_ID, "value": secrets.token_urlsafe(64),
                                  "created_at": datetime.now(timezone.utc)})
        except DuplicateKeyError:
            pass  # another instance generated it first: use theirs
        doc = await col.find_one({"_id": JWT_SECRET_ID})
    return doc["value"]
