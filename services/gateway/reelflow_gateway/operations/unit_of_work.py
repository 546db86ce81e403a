"""The process manager's unit of work: the operations, in one transaction with the inbox, the
outbox and the webhook jobs."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_gateway.operations.repository import MongoOperationRepository
from reelflow_kit.unit_of_work import MongoUnitOfWork


class OperationsUnitOfWork(MongoUnitOfWork):
    operations: MongoOperationRepository

    def _bind(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None) -> None:
        self.operations = MongoOperationRepository(db, session)
