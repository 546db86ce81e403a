"""What a message handler sees: the message, the database, and one transaction to commit in.

A handler does its slow work (AI calls, uploads) first, then opens `ctx.transaction()` once to
write its state change and emit its events. The transaction also records the message as
applied, so a redelivery or replay changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import TYPE_CHECKING, AsyncIterator, Awaitable, Callable, Generic, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Message
from reelflow_kit.store.inbox import record_applied

if TYPE_CHECKING:
    from reelflow_kit.runtime import ServiceRuntime

M = TypeVar("M", bound=Message)

EMITTED_ID_NAMESPACE = uuid.UUID("6f1c9a56-3a0e-4c5f-9f57-0b8f5e0c2a11")
log = logging.getLogger(__name__)


def derived_id(cause_id: str, *parts: object) -> str:
    """A stable id for something created in reaction to `cause_id` (the same on every redelivery)."""
    return str(uuid.uuid5(EMITTED_ID_NAMESPACE, "/".join([cause_id, *map(str, parts)])))


class Transaction:
    """State changes and emitted events of one handler call; they commit together.

    Emitted ids derive from `id_seed`, so re-running the same work emits the same ids.
    """

    def __init__(self, db: AsyncDatabase, session: AsyncClientSession, *, source: str, id_seed: str,
                 correlation_id: str | None, causation_id: str | None, causation_type: str | None = None) -> None:
        self.db = db
        self.session = session
        self.source = source
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self.causation_type = causation_type
        self._id_seed = id_seed
        self.emitted: list[Envelope] = []
        self.outboxed: list[dict] = []
        """The outbox entries of `emitted`, once written (just before the commit)."""
        self.enqueued_kinds: set[str] = set()

    def emit(self, message: Message) -> Envelope:
        event_id = derived_id(self._id_seed, "emit", len(self.emitted))
        envelope = Envelope(data=message, source=self.source, correlation_id=self.correlation_id or event_id,
                            causation_id=self.causation_id, id=event_id)
        self.emitted.append(envelope)
        return envelope


class HandlerContext(Generic[M]):
    def __init__(self, runtime: "ServiceRuntime", group: str, envelope: Envelope[M]) -> None:
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
