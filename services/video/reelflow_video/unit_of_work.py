"""The video service's unit of work: its videos and storyboards, in one transaction with the
inbox (or the job's lease) and the outbox."""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.unit_of_work import MongoUnitOfWork
from reelflow_video.adapters.storyboards import MongoStoryboardRepository
from reelflow_video.adapters.videos import MongoVideoRepository
from reelflow_video.domain import Request


class VideoUnitOfWork(MongoUnitOfWork):
    videos: MongoVideoRepository
    storyboards: MongoStoryboardRepository

    def _bind(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None) -> None:
        self.videos = MongoVideoRepository(db, session)
        self.storyboards = MongoStoryboardRepository(db, session)

    def answering_request(self, request: Request) -> contextlib.AbstractContextManager[None]:
        """Within the block, what is emitted and queued answers `request`'s CreateVideo: a request
        decided when the storyboard caught up is answered from the storyboard's consumer, and the
        gateway knows the answer by the command it was caused by."""
        return self.answering(request.command_id, request.correlation_id)
