"""One transaction's emitted messages, with ids derived from what caused them; and what a
runtime must offer to open such transactions (the kit's handlers and jobs depend on this, not
on the runtime itself)."""

from __future__ import annotations

import uuid
from typing import AsyncContextManager, Awaitable, Callable, Protocol

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Message

EMITTED_ID_NAMESPACE = uuid.UUID("6f1c9a56-3a0e-4c5f-9f57-0b8f5e0c2a11")


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


class Transactions(Protocol):
    """What opens transactions: the service's database, and its runtime's `transaction`."""

    db: AsyncDatabase
    instance_id: str

    def transaction(self, *, correlation_id: str | None = None, causation_id: str | None = None,
                    causation_type: str | None = None, id_seed: str | None = None,
                    first: Callable[[AsyncClientSession], Awaitable[object]] | None = None,
                    ) -> AsyncContextManager[Transaction]: ...
