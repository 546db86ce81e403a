"""The image service's unit of work: its shots, images and drafts, in one transaction with the
inbox and outbox (and, in a job, the job's outcome)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_image.adapters.documents import Document
from reelflow_image.adapters.drafts import MongoDraftRepository
from reelflow_image.adapters.images import MongoImageRepository
from reelflow_image.adapters.shots import MongoShotRepository
from reelflow_kit.unit_of_work import MongoUnitOfWork


class ImageUnitOfWork(MongoUnitOfWork):
    shots: MongoShotRepository
    images: MongoImageRepository
    drafts: MongoDraftRepository

    def _bind(self, db: AsyncDatabase[Document], session: AsyncClientSession | None) -> None:
        self.shots = MongoShotRepository(db, session)
        self.images = MongoImageRepository(db, session)
        self.drafts = MongoDraftRepository(db, session)
