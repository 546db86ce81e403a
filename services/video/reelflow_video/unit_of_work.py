"""The video service's unit of work: its videos and storyboards, in one transaction with the
inbox (or the job's lease) and the outbox."""

from __future__ import annotations

import contextlib
from typing import Iterator

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.unit_of_work import MongoUnitOfWork
from reelflow_video.adapters.storyboards import MongoStoryboardRepository
from reelflow_video.adapters.videos import MongoVideoRepository
from reelflow_video.domain import Request


class VideoUnitOfWork(MongoUnitOfWork):
    videos: MongoVideoRepository
    storyboards: MongoStoryboardRepository

    def _bind(self, db: AsyncDatabase, session: AsyncClientSession | None) -> None:
        self.videos = MongoVideoRepository(db, session)
        self.storyboards = MongoStoryboardRepository(db, session)

    @contextlib.contextmanager
    def answering(self, request: Request) -> Iterator[None]:
        """Within the block, what is emitted and queued answers `request`'s CreateVideo (its
        causation and correlation), whatever this unit of work handles: a request decided when
        the storyboard caught up is answered from the storyboard's consumer, and the gateway
        knows the answer by the command it was caused by.

        Interim: it sets the kit transaction's causation for the block. The kit would better offer
        this itself (e.g. `MongoUnitOfWork.answering(command_id, correlation_id)`)."""
        tx = self._current()
        before = tx.causation_id, tx.correlation_id
        tx.causation_id, tx.correlation_id = request.command_id, request.correlation_id
        try:
            yield
        finally:
            tx.causation_id, tx.correlation_id = before
