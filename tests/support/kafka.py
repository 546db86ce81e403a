"""Reading topics from the outside, as another system subscribing to our events would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[list[ConsumerRecord]], bool] = lambda records: False,
    timeout: float = 10.0,
    idle: float | None = None,
) -> list[ConsumerRecord]:
    """Every record of `topic` from the beginning, until `until(records)` holds or `timeout` passes.

    With `idle`, also stops once no record has arrived for that long (Tansu's end_offsets is
    unreliable, so "the end" is detected by silence).
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        partitions: set[int] | None = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic) or None
            if partitions is None:
                await consumer._client.force_metadata_update()
                await asyncio.sleep(0.1)
        if not partitions:
            return records
        assigned = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        last_arrival = time.monotonic()
        while time.monotonic() < deadline and not until(records):
            batch = await consumer.getmany(timeout_ms=100)
            fresh = [r for rs in batch.values() for r in rs]
            if fresh:
                records.extend(fresh)
                last_arrival = time.monotonic()
            elif idle is not None and time.monotonic() - last_arrival > idle:
                break
        return records
    finally:
        await consumer.stop()


def headers_of(record: ConsumerRecord) -> dict[str, str]:
    return {k: v.decode("utf-8", "replace") for k, v in record.headers or ()}
