"""Adapters: the image service's ports to MongoDB (`shots`, `images`, `drafts` collections) and to
object storage (`media`). (Its AI port is the kit's `reelflow_kit.ai`.)"""

from pymongo.asynchronous.database import AsyncDatabase

from reelflow_image.adapters.documents import Document
from reelflow_image.adapters.images import ensure_image_indexes
from reelflow_image.adapters.shots import ensure_shot_indexes


async def ensure_indexes(db: AsyncDatabase[Document]) -> None:
    await ensure_shot_indexes(db)
    await ensure_image_indexes(db)
