"""What a message handler sees: the message, the database, and one transaction to commit in.

A handler does its slow work (AI calls, uploads) first, then opens `ctx.transaction()` once to
write its state change and emit its events. The transaction also records the message as
applied, so a redelivery or replay changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
from typing import AsyncIterator, Awaitable, Callable, Generic, Protocol, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Message
from reelflow_kit.store.inbox import record_applied
from reelflow_kit.transaction import Transaction, Transactions, derived_id

__all__ = ["Handler", "HandlerContext", "HandlingRuntime", "Transaction", "derived_id"]

M = TypeVar("M", bound=Message)
log = logging.getLogger(__name__)


class HandlingRuntime(Transactions, Protocol):
    """What a handler's context needs of its runtime."""

    after_commit_hooks: list[Callable[["HandlerContext"], None]]


class HandlerContext(Generic[M]):
    def __init__(self, runtime: HandlingRuntime, group: str, envelope: Envelope[M]) -> None:
        self.runtime = runtime
        self.group = group
        self.envelope = envelope
        self.committed = False
        self._opened = False

    @property
    def message(self) -> M:
        return self.envelope.data

    @property
    def db(self) -> AsyncDatabase:
        return self.runtime.db

    def derived_id(self, *parts: object) -> str:
        return derived_id(self.envelope.id, *parts)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        if self._opened:
            raise RuntimeError("a handler commits once: open ctx.transaction() a single time")
        self._opened = True

        async def record_in_inbox(session: AsyncClientSession) -> None:
            await record_applied(self.db, session, self.group, self.envelope.id, self.envelope.type)

        async with self.runtime.transaction(id_seed=self.envelope.id, correlation_id=self.envelope.correlation_id,
                                            causation_id=self.envelope.id, causation_type=self.envelope.type,
                                            first=record_in_inbox) as tx:
            yield tx
        self.committed = True
        for hook in self.runtime.after_commit_hooks:
            hook(self)

Handler = Callable[[HandlerContext], Awaitable[None]]
