"""The gateway's operations, in memory, for its process manager's decisions."""

from __future__ import annotations

from typing import Any

from reelflow_contracts.envelope import Envelope
from reelflow_gateway.operations.repository import StoredOperation
from tests.support.fakes import FakeUnitOfWork


class FakeOperationRepository:
    def __init__(self, *stored: StoredOperation) -> None:
        self.by_id = {s.operation.id: s for s in stored}
        self.webhooks: dict[str, dict[str, Any]] = {}

    async def get(self, operation_id: str) -> StoredOperation | None:
        return self.by_id.get(operation_id)

    async def of_script(self, script_id: str) -> StoredOperation | None:
        return next((s for s in self.by_id.values() if s.operation.script_id == script_id), None)

    async def drives(self, script_id: str) -> bool:
        stored = await self.of_script(script_id)
        return stored is not None and stored.operation.status not in ("completed", "cancelled")

    async def owner_of(self, operation_id: str) -> str | None:
        stored = self.by_id.get(operation_id)
        return stored.operation.owner_id if stored else None

    async def add(self, stored: StoredOperation) -> None:
        self.by_id[stored.operation.id] = stored

    async def save(self, stored: StoredOperation) -> None:
        self.by_id[stored.operation.id] = stored

    async def record_webhook(self, operation_id: str, webhook: dict[str, Any]) -> None:
        self.webhooks[operation_id] = webhook


class FakeOperationsUnitOfWork(FakeUnitOfWork):
    def __init__(self, cause: Envelope[Any] | None = None, *stored: StoredOperation) -> None:
        super().__init__(cause)
        self.operations = FakeOperationRepository(*stored)
