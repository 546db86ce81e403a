"""Consuming with at-least-once delivery, idempotent handlers and a dead-letter topic.

For every record: decode the CloudEvent; an undecodable one goes to `<group>.dlq` with the
error in headers; a known message goes to its handler (a command that fails for good goes to
the DLQ too, and its sender gets a CommandRejected `dead_lettered`); the offset is committed only after
that, and if anything escapes the partition is sought back to the record, so it comes again.
A record this group passes over (a type without a handler, or one `skip` says is none of its
business) is not committed on its own: the next commit covers it, which spares a broker round
trip per record; at the latest every `PASSED_OVER_COMMIT_EVERY` records or
`PASSED_OVER_COMMIT_AFTER_S` seconds, so a restart reads little again. When nothing follows them,
the passed-over records themselves are committed once the partition has been quiet that long, so
a caught-up group shows no lag (operators read lag as work not done).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, cast

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from prometheus_client import CollectorRegistry
from pymongo.asynchronous.client_session import AsyncClientSession

from reelflow_contracts.envelope import Envelope, MessageDecodeError, UnknownMessageType, decode
from reelflow_contracts.messages.base import Message
from reelflow_contracts.topics import dead_letter_topic
from reelflow_kit.bus.broker import subscriber_options
from reelflow_kit.bus.delivery import dead_letter, with_message_retries
from reelflow_kit.bus.refusals import dead_letter_rejection
from reelflow_kit.handling import Handler, HandlerContext, HandlingRuntime
from reelflow_kit.logging import message_context
from reelflow_kit.metrics.bus import UNDECODABLE, BusMetrics
from reelflow_kit.metrics.labels import message_type
from reelflow_kit.settings import KitSettings
from reelflow_kit.store.inbox import AlreadyApplied, record_applied, was_applied

log = logging.getLogger(__name__)

DeadLetterNotice = Callable[[Envelope[Any], str], Message | None]
"""The failure event telling who waited on a dead-lettered event (given it and the error); registered
per message type, so it takes envelopes of the one type it is registered for."""

PASSED_OVER_COMMIT_EVERY = 200
PASSED_OVER_COMMIT_AFTER_S = 5.0


async def _the_message(msg: KafkaMessage) -> KafkaMessage:
    # The handler gets the message itself (to ack, nack and read its record), and FastStream
    # never parses the body: garbage must reach us to be dead-lettered.
    return msg


class ConsumingRuntime(HandlingRuntime, Protocol):
    """What a consumer needs of its runtime, beyond what its handlers' contexts need."""

    @property
    def settings(self) -> KitSettings:
        """The service's settings (retry and delivery settings)."""

    @property
    def broker(self) -> KafkaBroker:
        """The FastStream KafkaBroker it subscribes on and dead-letters through."""


class Consumer:
    def __init__(
        self,
        runtime: ConsumingRuntime,
        group: str,
        topics: tuple[str, ...],
        handlers: Mapping[type[Message], Handler],
        skip: Callable[[Message], bool] | None = None,
        look_up_inbox_first: bool = True,
        on_dead_letter: Mapping[type[Message], DeadLetterNotice] | None = None,
        metrics: BusMetrics | None = None,
    ) -> None:
        self.runtime = runtime
        self.metrics = metrics or BusMetrics(CollectorRegistry())
        self.on_dead_letter = dict(on_dead_letter or {})
        self.skip = skip
        self.look_up_inbox_first = look_up_inbox_first
        self.group = group
        self.topics = topics
        self.handlers = dict(handlers)
        self.dlq_topic = dead_letter_topic(group)
        self.processed = 0
        self.dead_lettered = 0
        self._passed_over = 0
        self._committed_at = time.monotonic()
        self._uncommitted: dict[TopicPartition, int] = {}
        """Next offset of each partition whose last records were passed over and not yet committed."""
        self._quiet_commit: asyncio.TimerHandle | None = None
        self._commit_lock = asyncio.Lock()

    def subscribe(self) -> None:
        settings = self.runtime.settings
        subscriber = self.runtime.broker.subscriber(
            *self.topics,
            group_id=self.group,
            ack_policy=AckPolicy.MANUAL,
            decoder=_the_message,
            **subscriber_options(settings),
        )

        async def on_message(msg: KafkaMessage) -> None:
            try:
                acted = await self.process(msg.raw_message)
            except BaseException:
                await msg.nack()  # seek back: it is read again, and nothing after it is committed
                raise
            if acted or self._commit_due():
                self._uncommitted.clear()
                if self._quiet_commit is not None:
                    self._quiet_commit.cancel()
                async with self._commit_lock:
                    await msg.ack()  # commits every record read so far, those passed over too
                self._passed_over, self._committed_at = 0, time.monotonic()
            else:
                record = cast(ConsumerRecord, msg.raw_message)  # one record: a batch subscriber is never used
                self._uncommitted[TopicPartition(record.topic, record.partition)] = record.offset + 1
                self._commit_when_quiet(msg)

        subscriber(on_message)

    def _commit_when_quiet(self, msg: KafkaMessage) -> None:
        if self._quiet_commit is not None:
            self._quiet_commit.cancel()
        loop = asyncio.get_running_loop()
        self._quiet_commit = loop.call_later(
            PASSED_OVER_COMMIT_AFTER_S, lambda: loop.create_task(self._commit_passed_over(msg))
        )

    async def _commit_passed_over(self, msg: KafkaMessage) -> None:
        """Commit exactly the passed-over records (never a position still being handled)."""
        offsets, self._uncommitted = self._uncommitted, {}
        if not offsets:
            return
        try:
            async with self._commit_lock:
                consumer = cast(AIOKafkaConsumer, msg.consumer)
                await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
            self._passed_over, self._committed_at = 0, time.monotonic()
        except Exception as exc:  # noqa: BLE001 - e.g. the partition moved to another member: it commits
            log.info("passed-over offsets not committed", extra={"group": self.group, "error": repr(exc)})

    async def process(self, record: ConsumerRecord) -> bool:
        """Handle or dead-letter `record`; False when it was passed over."""
        headers = list(record.headers or ())
        try:
            envelope = decode(headers, record.value)
        except UnknownMessageType as exc:
            log.debug("ignoring unknown message type", extra={"ce_type": exc.ce_type, "topic": record.topic})
            return False
        except MessageDecodeError as exc:
            await self.dead_letter(record, f"undecodable: {exc}", UNDECODABLE)
            return True
        handler = self.handlers.get(type(envelope.data))
        if handler is None or (self.skip is not None and self.skip(envelope.data)):
            self.metrics.consumed.labels(self.group, envelope.type, "passed_over").inc()
            return False
        began = time.perf_counter()
        with message_context(envelope.correlation_id, envelope.id):
            await self._handle(record, envelope, handler)
        self.metrics.handler_seconds.labels(self.group, envelope.type).observe(time.perf_counter() - began)
        self.metrics.consumed.labels(self.group, envelope.type, "handled").inc()
        self.processed += 1
        return True

    def _commit_due(self) -> bool:
        self._passed_over += 1
        return (
            self._passed_over >= PASSED_OVER_COMMIT_EVERY
            or time.monotonic() - self._committed_at >= PASSED_OVER_COMMIT_AFTER_S
        )

    async def _handle(self, record: ConsumerRecord, envelope: Envelope[Message], handler: Handler) -> None:
        async def attempt() -> None:
            if self.look_up_inbox_first and await was_applied(self.runtime.db, self.group, envelope.id):
                log.info("already applied, skipping", extra={"ce_id": envelope.id, "ce_type": envelope.type})
                return
            try:
                await handler(HandlerContext(self.runtime, self.group, envelope))
            except AlreadyApplied:
                return

        # Never dead-letter a good message for the state of our dependencies: a write conflict
        # (e.g. with a transaction a killed instance left open) or an unreachable server is
        # retried for as long as it takes (`with_message_retries`).
        async def give_up(error: str) -> None:
            await self.dead_letter(record, error, envelope.type)
            if (notice := self._notice_of(envelope, error)) is not None:
                await self._tell(envelope, notice)

        await with_message_retries(
            self.runtime.settings, attempt, give_up, on_retry=self.metrics.retried(self.group, envelope.type)
        )

    def _notice_of(self, envelope: Envelope[Message], error: str) -> Message | None:
        if (rejection := dead_letter_rejection(envelope, error)) is not None:
            return rejection
        notice = self.on_dead_letter.get(type(envelope.data))
        return notice(envelope, error) if notice is not None else None

    async def _tell(self, envelope: Envelope[Message], notice: Message) -> None:
        """Tell whoever waits on a dead-lettered message that it will not be applied; recorded in
        the inbox, so a replay of the topic neither runs it nor tells them again."""

        async def record_in_inbox(session: AsyncClientSession) -> None:
            await record_applied(self.runtime.db, session, self.group, envelope.id, envelope.type)

        try:
            async with self.runtime.transaction(
                id_seed=f"dead-lettered/{envelope.id}",
                correlation_id=envelope.correlation_id,
                causation_id=envelope.id,
                causation_type=envelope.type,
                first=record_in_inbox,
            ) as tx:
                tx.emit(notice)
        except AlreadyApplied:
            pass

    async def dead_letter(self, record: ConsumerRecord, error: str, ce_type: str) -> None:
        await dead_letter(self.runtime.broker, record, self.group, self.dlq_topic, error)
        self.dead_lettered += 1
        self.metrics.dead_letters.labels(self.group, ce_type if ce_type == UNDECODABLE else message_type(ce_type)).inc()
