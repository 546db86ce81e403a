"""FastStream KafkaBroker wiring with the settings that work on every broker we run on.

Tansu (the embedded broker) rejects idempotent producers and transactions, and group joins
are slow unless the session timeout is short; on Apache Kafka the producer is idempotent
(`kafka_idempotent_producer`). See docs/architecture.md, Broker settings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import RecordMetadata
from faststream._internal.types import BrokerMiddleware
from faststream.kafka import KafkaBroker

from reelflow_contracts.envelope import Envelope, KafkaRecord, encode
from reelflow_contracts.messages.base import Message
from reelflow_kit.settings import KitSettings

log = logging.getLogger(__name__)

TOPIC_EXISTS = TopicAlreadyExistsError.errno


def make_broker(settings: KitSettings, middlewares: Sequence[BrokerMiddleware[Any, Any]] = ()) -> KafkaBroker:
    # apply_types=False: no FastDepends around handlers. Ours take the message itself (see
    # bus/consumer.py) and decode it with the contracts, so FastDepends would only cost CPU per record
    # (bench/consumer.py).
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=f"reelflow-{settings.service_name}",
        request_timeout_ms=settings.kafka_request_timeout_ms,
        acks="all",
        enable_idempotence=settings.kafka_idempotent_producer,
        linger_ms=0,
        allow_auto_create_topics=True,
        graceful_timeout=15.0,
        logger=logging.getLogger("faststream"),
        log_level=logging.DEBUG,
        apply_types=False,
        middlewares=tuple(middlewares),
    )


def subscriber_options(settings: KitSettings) -> dict[str, Any]:
    """Consumer options for at-least-once delivery: offsets are committed after handling."""
    return {
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
    }


async def ensure_topics(settings: KitSettings, topics: Iterable[str]) -> None:
    """Create the topics we use with our partition count; existing ones are left alone."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap,
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    await admin.start()
    try:
        new = [
            NewTopic(t, num_partitions=settings.kafka_partitions, replication_factor=settings.kafka_replication_factor)
            for t in set(topics)
        ]
        if not new:
            return
        response = await admin.create_topics(new)
        for name, code, message in response.topic_errors:
            if code not in (0, TOPIC_EXISTS):
                raise RuntimeError(f"cannot create topic {name}: error {code} {message}")
    finally:
        await admin.close()


async def publish_record(
    broker: KafkaBroker, record: KafkaRecord, *, wait: bool = True, topic: str | None = None
) -> asyncio.Future[RecordMetadata] | RecordMetadata:
    """Send one encoded record (to `topic` if given, e.g. a namespaced one). With wait=False,
    returns the delivery future (order is kept per partition)."""
    headers = record.header_dict()
    return await broker.publish(
        record.value,
        topic or record.topic,
        key=record.key,
        headers=headers,
        correlation_id=headers.get("ce_correlationid"),
        no_confirm=not wait,
    )


async def publish(broker: KafkaBroker, envelope: Envelope[Message]) -> None:
    """Publish straight to Kafka (for commands from HTTP; handlers emit through the outbox)."""
    await publish_record(broker, encode(envelope))
