"""The script service's unit of work: its scripts, in one transaction with the inbox and outbox."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.unit_of_work import MongoUnitOfWork
from reelflow_script.adapters.scripts import MongoScriptRepository


class ScriptUnitOfWork(MongoUnitOfWork):
    scripts: MongoScriptRepository

    def _bind(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None) -> None:
        self.scripts = MongoScriptRepository(db, session)
