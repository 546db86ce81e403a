"""Consuming with at-least-once delivery, idempotent handlers and a dead-letter topic.

For every record: decode the CloudEvent; an undecodable one goes to `<group>.dlq` with the
error in headers; a known message goes to its handler; the offset is committed only after
that (FastStream's NACK_ON_ERROR policy seeks back if anything escapes).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, Mapping

from aiokafka.structs import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka.annotations import KafkaMessage

from reelflow_contracts.envelope import Envelope, MessageDecodeError, UnknownMessageType, decode
from reelflow_contracts.messages.base import Message
from reelflow_contracts.topics import dead_letter_topic
from reelflow_kit.bus.broker import subscriber_options
from reelflow_kit.bus.delivery import dead_letter, with_message_retries
from reelflow_kit.handling import Handler, HandlerContext
from reelflow_kit.logging import message_context
from reelflow_kit.store.inbox import AlreadyApplied, was_applied

if TYPE_CHECKING:
    from reelflow_kit.runtime import ServiceRuntime

log = logging.getLogger(__name__)


async def _raw_body(msg) -> bytes:
    # Keep FastStream from parsing JSON itself: garbage must reach us to be dead-lettered.
    return msg.body


class Consumer:
    def __init__(self, runtime: "ServiceRuntime", group: str, topics: tuple[str, ...],
                 handlers: Mapping[type[Message], Handler],
                 skip: Callable[[Message], bool] | None = None) -> None:
        self.runtime = runtime
        self.skip = skip
        self.group = group
        self.topics = topics
        self.handlers = dict(handlers)
        self.dlq_topic = dead_letter_topic(group)
        self.processed = 0
        self.dead_lettered = 0

    def subscribe(self) -> None:
        settings = self.runtime.settings
        subscriber = self.runtime.broker.subscriber(
            *self.topics,
            group_id=self.group,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            decoder=_raw_body,
            **subscriber_options(settings),
        )

        async def on_message(body: bytes, msg: KafkaMessage) -> None:
            await self.process(msg.raw_message)

        subscriber(on_message)

    async def process(self, record: ConsumerRecord) -> None:
        headers = list(record.headers or ())
        try:
            envelope = decode(headers, record.value)
        except UnknownMessageType as exc:
            log.debug("ignoring unknown message type", extra={"ce_type": exc.ce_type, "topic": record.topic})
            return
        except MessageDecodeError as exc:
            await self.dead_letter(record, f"undecodable: {exc}")
            return
        handler = self.handlers.get(type(envelope.data))
        if handler is None or (self.skip is not None and self.skip(envelope.data)):
            return
        with message_context(envelope.correlation_id, envelope.id):
            await self._handle(record, envelope, handler)
        self.processed += 1

    async def _handle(self, record: ConsumerRecord, envelope: Envelope, handler: Handler) -> None:
        async def attempt() -> None:
            if await was_applied(self.runtime.db, self.group, envelope.id):
                log.info("already applied, skipping", extra={"ce_id": envelope.id, "ce_type": envelope.type})
                return
            try:
                await handler(HandlerContext(self.runtime, self.group, envelope))
            except AlreadyApplied:
                return

        # Never dead-letter a good message for the state of our dependencies: a write conflict
        # (e.g. with a transaction a killed instance left open) or an unreachable server is
        # retried for as long as it takes (`with_message_retries`).
        await with_message_retries(self.runtime.settings, attempt, lambda error: self.dead_letter(record, error))

    async def dead_letter(self, record: ConsumerRecord, error: str) -> None:
        await dead_letter(self.runtime.broker, record, self.group, self.dlq_topic, error)
        self.dead_lettered += 1
