"""The script service's repository, in memory."""

from __future__ import annotations

from reelflow_contracts.envelope import Envelope
from reelflow_script.domain import Script
from tests.support.fakes import FakeUnitOfWork, InMemoryRepository


class FakeScriptRepository(InMemoryRepository[Script]):
    pass


class FakeScriptUnitOfWork(FakeUnitOfWork):
    def __init__(self, cause: Envelope, *scripts: Script) -> None:
        super().__init__(cause)
        self.scripts = FakeScriptRepository(*scripts)
