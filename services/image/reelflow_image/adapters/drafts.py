"""Pictures drawn but not yet stored (`drafts`): when the upload fails, the PNG waits here for
the job's next try, so a storage outage never pays for (or redraws) a picture twice, and the
usage it cost is still reported. A draft is removed in the transaction that ends its attempt.
(A frame is at most 1920x1920 RGB, under MongoDB's 16 MB document limit even uncompressed.)"""

from __future__ import annotations

from dataclasses import dataclass

from bson import Binary
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.messages.base import Usage
from reelflow_image.adapters.documents import Document

DRAFTS = "drafts"


@dataclass(frozen=True)
class Draft:
    png: bytes
    usage: Usage
    draw_s: float


class MongoDraftRepository:
    def __init__(self, db: AsyncDatabase[Document], session: AsyncClientSession | None = None) -> None:
        self._drafts = db[DRAFTS]
        self._session = session

    async def get(self, image_id: str) -> Draft | None:
        doc = await self._drafts.find_one({"_id": image_id}, session=self._session)
        if doc is None:
            return None
        return Draft(
            png=bytes(doc["png"]), usage=Usage.model_validate(doc.get("usage") or {}), draw_s=doc.get("draw_s", 0.0)
        )

    async def keep(self, image_id: str, draft: Draft) -> None:
        await self._drafts.replace_one(
            {"_id": image_id},
            {"_id": image_id, "png": Binary(draft.png), "usage": draft.usage.model_dump(), "draw_s": draft.draw_s},
            upsert=True,
            session=self._session,
        )

    async def remove(self, image_id: str) -> None:
        await self._drafts.delete_one({"_id": image_id}, session=self._session)
