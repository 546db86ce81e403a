"""What the routes ask of operations: start one, cancel one, read the caller's own.

Refusals are exceptions of this module (and `WebhookUrlRejected` of the webhooks part); the
routes say them in HTTP.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from reelflow_contracts.messages.base import Command
from reelflow_contracts.messages.common import ScriptText, VideoOptions
from reelflow_contracts.messages.operation import OperationCancelled, OperationStarted
from reelflow_contracts.messages.script import CreateScript, GenerateScript
from reelflow_gateway.costs import PriceList
from reelflow_gateway.limits.decisions import Refusal, over_cap
from reelflow_gateway.operations.domain import TERMINAL, Operation
from reelflow_gateway.operations.events import usage_totals
from reelflow_gateway.operations.repository import MongoOperationRepository, StoredOperation
from reelflow_gateway.operations.unit_of_work import OperationsUnitOfWork
from reelflow_gateway.webhooks.policy import OutboundPolicy
from reelflow_gateway.webhooks.secret_store import WebhookSecrets
from reelflow_gateway.webhooks.url_check import check_webhook_url
from reelflow_kit.bus.retry import retried_on_conflict
from reelflow_kit.clock import now
from reelflow_kit.runtime import ServiceRuntime

RUNNING_RETRY_AFTER_S = 30
"""An operation takes minutes: sooner than this, the same answer is likely."""


@dataclass(frozen=True)
class OperationRequest:
    """What starting an operation takes: a premise (the AI writes the script) or a script."""

    premise: str | None
    content: ScriptText | None
    title: str
    target_scenes: int | None
    options: VideoOptions
    auto_approve: bool
    webhook_url: str | None


@dataclass(frozen=True)
class Started:
    operation: Operation
    webhook_secret: str | None
    """The owner's first webhook secret, when this start created it: shown this once."""


class TooManyRunning(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.detail)
        self.refusal = refusal


class OperationNotFound(Exception):
    """No such operation, or another owner's."""


class AlreadyEnded(Exception):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class OperationService:
    def __init__(
        self,
        runtime: ServiceRuntime,
        *,
        webhook_secrets: WebhookSecrets,
        webhook_policy: OutboundPolicy,
        prices: PriceList,
        running_cap: int,
    ) -> None:
        self._runtime = runtime
        self._webhook_secrets = webhook_secrets
        self._webhook_policy = webhook_policy
        self.prices = prices
        self.running_cap = running_cap
        self._reads = MongoOperationRepository(runtime.db)  # reads, outside any transaction

    # -- reading

    async def owned(self, owner_id: str, operation_id: str) -> StoredOperation:
        stored = await self._reads.get(operation_id)
        if stored is None or stored.operation.owner_id != owner_id:
            raise OperationNotFound(operation_id)
        return stored

    async def latest(self, operation_id: str) -> StoredOperation:
        """An operation known to exist, as it is now (for a stream that checked its owner first)."""
        stored = await self._reads.get(operation_id)
        if stored is None:
            raise OperationNotFound(operation_id)
        return stored

    async def page(self, owner_id: str, *, limit: int, offset: int) -> tuple[list[Operation], int]:
        """The owner's operations, newest first, and how many they have in all."""
        listed = await self._reads.list_for_owner(owner_id, limit=limit, offset=offset)
        return listed, await self._reads.count_for_owner(owner_id)

    # -- changing

    async def start(self, owner_id: str, request: OperationRequest) -> Started:
        """The operation stored and its first command sent, in one transaction; first refused with
        TooManyRunning at the owner's cap, or WebhookUrlRejected for a webhook URL no delivery may reach."""
        running = await self._reads.count_running(owner_id)
        refusal = over_cap(
            "running operations (not completed, cancelled or failed)", self.running_cap, running, RUNNING_RETRY_AFTER_S
        )
        if refusal:
            raise TooManyRunning(refusal)
        webhook_secret = None
        if request.webhook_url:
            await check_webhook_url(request.webhook_url, self._webhook_policy)
            webhook_secret = await self._webhook_secrets.create_if_missing(owner_id)
        op = Operation(
            id=str(uuid.uuid4()),
            owner_id=owner_id,
            script_id=str(uuid.uuid4()),
            input="premise" if request.premise else "content",
            auto_approve=request.auto_approve,
            options=request.options.model_dump(),
            created_at=now(),
            title=request.title,
        )
        op.updated_at = op.created_at
        async with OperationsUnitOfWork.for_request(self._runtime, correlation_id=op.id) as uow:
            await uow.operations.add(StoredOperation(op, request.webhook_url or None))
            uow.emit(
                OperationStarted(
                    script_id=op.script_id,
                    operation_id=op.id,
                    owner_id=owner_id,
                    input=op.input,
                    title=request.title,
                    premise=request.premise,
                    auto_approve=op.auto_approve,
                    options=request.options,
                    webhook=bool(request.webhook_url),
                    started_at=op.created_at,
                )
            )
            uow.emit(first_command(op, request))
        return Started(op, webhook_secret)

    async def cancel(self, owner_id: str, operation_id: str) -> StoredOperation:
        """Runs again when it races the operation's own progress (a write conflict): it then sees
        the latest state, and may find the operation ended (AlreadyEnded)."""
        await self.owned(owner_id, operation_id)

        async def attempt() -> StoredOperation:
            async with OperationsUnitOfWork.for_request(self._runtime, correlation_id=operation_id) as uow:
                stored = await uow.operations.get(operation_id)
                assert stored is not None  # operations are never deleted
                op = stored.operation
                if op.status in TERMINAL:
                    raise AlreadyEnded(op.status)
                cancelled_at = now()
                op.cancel(cancelled_at)
                await uow.operations.save(stored)
                uow.emit(
                    OperationCancelled(
                        script_id=op.script_id,
                        operation_id=op.id,
                        stage=op.stage,
                        cancelled_by=owner_id,
                        usage=usage_totals(op, self.prices),
                        cancelled_at=cancelled_at,
                    )
                )
            return stored

        return await retried_on_conflict(attempt)


def first_command(op: Operation, request: OperationRequest) -> Command:
    """What makes the operation's script: the AI writes it from the premise, or the given one is stored."""
    if request.premise:
        return GenerateScript(
            script_id=op.script_id,
            owner_id=op.owner_id,
            premise=request.premise,
            title=request.title,
            target_scenes=request.target_scenes,
            aspect=request.options.aspect,
            requested_by=op.requester,
        )
    assert request.content is not None, "a request gives a premise or a script's content"
    return CreateScript(
        script_id=op.script_id,
        owner_id=op.owner_id,
        title=request.title,
        content=request.content,
        aspect=request.options.aspect,
        requested_by=op.requester,
    )
