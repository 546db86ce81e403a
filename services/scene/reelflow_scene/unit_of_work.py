"""The scene service's unit of work: its scenes, shots and script facts, in one transaction with
the inbox (or the job's outcome), the outbox and the jobs it queues."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.unit_of_work import MongoUnitOfWork
from reelflow_scene.adapters.scenes import MongoSceneRepository
from reelflow_scene.adapters.scripts import MongoScriptFactsRepository
from reelflow_scene.adapters.shots import MongoShotRepository


class SceneUnitOfWork(MongoUnitOfWork):
    scenes: MongoSceneRepository
    shots: MongoShotRepository
    script_facts: MongoScriptFactsRepository

    def _bind(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None) -> None:
        self.scenes = MongoSceneRepository(db, session)
        self.shots = MongoShotRepository(db, session)
        self.script_facts = MongoScriptFactsRepository(db, session)
