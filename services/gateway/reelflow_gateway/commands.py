"""Sending a command and waiting for its outcome (read-your-writes for HTTP writes).

    envelope, outcome, view = await sender.send(CreateScript(...), owner_id=user_id, request_id=rid)

1. A future is registered for the command's ce_id, before anything is published.
2. The command is logged in `commands` (the gateway's record of what it asked, used to tell a
   pending script from an unknown one) and published to Kafka (acks=all).
3. The read-model projector commits the answering event and its outcome in one transaction,
   then resolves the future with the outcome and the new view document: the request wakes
   without polling and answers without reading the view again.
4. Instances of the gateway share the read-model consumer group, so the answering event may be
   projected by another instance. If this instance's consumer does not own the partition the
   answer arrives on, the request polls `views.command_outcomes` every `poll_interval`;
   if it does, it polls only rarely (in case a rebalance moves the partition meanwhile). The
   sender asks that through `PartitionReader`, which bootstrap.py wires to the consumer: it
   knows nothing else of the read model's consumer or projector.
5. Past `timeout` the answer is None: the command is on the bus and will still be applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.envelope import Envelope, new_envelope
from reelflow_contracts.messages.base import Command
from reelflow_gateway.collections import COMMANDS
from reelflow_gateway.readmodel.outcomes import Outcome, OutcomeWaiters, find_outcome
from reelflow_kit.runtime import ServiceRuntime

COMMAND_LOG_RETENTION_S = 7 * 24 * 3600
OWNED_POLL_INTERVAL_S = 0.5


async def ensure_command_indexes(db: AsyncDatabase) -> None:
    await db[COMMANDS].create_index([("subject", 1), ("owner_id", 1)], name="subject_owner")
    await db[COMMANDS].create_index("sent_at", expireAfterSeconds=COMMAND_LOG_RETENTION_S, name="sent_at_ttl")


class PartitionReader(Protocol):
    """Where answers are read: the read model's consumer, as the composition root wires it."""

    def owns(self, topic: str, key: str) -> bool:
        """Whether this instance reads the partition of `topic` that `key` lands on."""
        ...


def answer_topic(command_topic: str) -> str:
    """Commands on `<service>.commands` are answered on `<service>.events`."""
    return command_topic.rsplit(".", 1)[0] + ".events"


class CommandSender:
    def __init__(
        self,
        runtime: ServiceRuntime,
        waiters: OutcomeWaiters,
        *,
        answers_read_by: PartitionReader,
        timeout: float,
        poll_interval: float,
    ) -> None:
        self._runtime = runtime
        self._db = runtime.db
        self._waiters = waiters
        self._answers_read_by = answers_read_by
        self.timeout = timeout
        self.poll_interval = poll_interval

    async def send(
        self, command: Command, *, owner_id: str, request_id: str
    ) -> tuple[Envelope, Outcome | None, dict | None]:
        envelope = new_envelope(command, source="gateway", correlation_id=request_id)
        future = self._waiters.register(envelope.id)
        try:
            await self._db[COMMANDS].insert_one(
                {
                    "_id": envelope.id,
                    "type": envelope.type,
                    "subject": envelope.subject,
                    "owner_id": owner_id,
                    "correlation_id": request_id,
                    "sent_at": datetime.now(UTC),
                }
            )
            try:
                await self._runtime.publish(envelope)
            except Exception:
                # Most likely not on the bus: do not let GET report it as pending (best effort).
                with contextlib.suppress(Exception):
                    await self._db[COMMANDS].delete_one({"_id": envelope.id})
                raise
            owned = self.owns_partition(self._runtime.settings.topic(answer_topic(envelope.topic)), envelope.key)
            interval = max(OWNED_POLL_INTERVAL_S, self.poll_interval) if owned else self.poll_interval
            outcome, view = await self._wait(envelope.id, future, interval)
            return envelope, outcome, view
        finally:
            self._waiters.discard(envelope.id)

    async def _wait(
        self, command_id: str, future: asyncio.Future, interval: float
    ) -> tuple[Outcome | None, dict | None]:
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return await find_outcome(self._db, command_id), None
            done, _ = await asyncio.wait((future,), timeout=min(interval, remaining))
            if done:
                return future.result()
            outcome = await find_outcome(self._db, command_id)
            if outcome is not None:
                return outcome, None

    def owns_partition(self, topic: str, key: str) -> bool:
        """Whether this instance reads the answers on the partition of `topic` that `key` lands on."""
        return self._answers_read_by.owns(topic, key)

    async def outcome_of(self, command_id: str) -> Outcome | None:
        """How the command was answered, once it was (from the read model's outcomes)."""
        return await find_outcome(self._db, command_id)

    async def sent_by(self, owner_id: str, command_id: str) -> dict | None:
        """The record of a command this owner sent (another owner's is not found)."""
        return await self._db[COMMANDS].find_one({"_id": command_id, "owner_id": owner_id})

    async def pending_for(self, owner_id: str, subject: str) -> dict | None:
        """The newest command this owner sent about `subject`, if any (for telling pending from unknown)."""
        return await self._db[COMMANDS].find_one({"subject": subject, "owner_id": owner_id}, sort=[("sent_at", -1)])
