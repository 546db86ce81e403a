"""User accounts in the gateway's own database (not part of the event-built read model)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from reelflow_gateway.collections import USERS


class EmailTaken(Exception):
    pass


def normalize_email(email: str) -> str:
    """The uniqueness key: the validated address, case-folded (mail providers ignore case)."""
    return email.strip().casefold()


@dataclass(frozen=True)
class User:
    id: str
    email: str
    password_hash: str
    created_at: datetime

    @classmethod
    def from_doc(cls, doc: dict) -> User:
        return cls(id=doc["_id"], email=doc["email"], password_hash=doc["password_hash"], created_at=doc["created_at"])


class UserStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self._col = db[USERS]

    async def ensure_indexes(self) -> None:
        await self._col.create_index("email_key", unique=True, name="email_key_unique")

    async def create(self, email: str, password_hash: str) -> User:
        user = User(id=str(uuid.uuid4()), email=email, password_hash=password_hash, created_at=datetime.now(UTC))
        try:
            await self._col.insert_one(
                {
                    "_id": user.id,
                    "email": user.email,
                    "email_key": normalize_email(email),
                    "password_hash": user.password_hash,
                    "created_at": user.created_at,
                }
            )
        except DuplicateKeyError:
            raise EmailTaken(email) from None
        return user

    async def by_email(self, email: str) -> User | None:
        doc = await self._col.find_one({"email_key": normalize_email(email)})
        return User.from_doc(doc) if doc else None

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self._col.update_one({"_id": user_id}, {"$set": {"password_hash": password_hash}})
