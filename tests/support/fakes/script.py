"""The script service's repository, in memory."""

from __future__ import annotations

from reelflow_contracts.envelope import Envelope
from reelflow_script.domain import Script
from tests.support.fakes import FakeUnitOfWork


class FakeScriptRepository:
    def __init__(self, *scripts: Script) -> None:
        self.by_id = {s.id: s for s in scripts}

    async def get(self, script_id: str) -> Script | None:
        return self.by_id.get(script_id)

    async def exists(self, script_id: str) -> bool:
        return script_id in self.by_id

    async def add(self, script: Script) -> None:
        assert script.id not in self.by_id, "duplicate key"
        self.by_id[script.id] = script

    async def save(self, script: Script) -> None:
        self.by_id[script.id] = script


class FakeScriptUnitOfWork(FakeUnitOfWork):
    def __init__(self, cause: Envelope, *scripts: Script) -> None:
        super().__init__(cause)
        self.scripts = FakeScriptRepository(*scripts)
