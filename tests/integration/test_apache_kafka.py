"""What Apache Kafka does exactly and Tansu does not (docs/architecture.md, Broker settings):
idempotent producers, end offsets, timestamp lookups, seeking to the end.

Runs only when the session's broker is Apache Kafka (`REELFLOW_STACK_KAFKA=apache`, as in
`make test`'s compatibility run, or testcontainers); skipped on Tansu.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from reelflow_kit.bus.broker import make_broker
from reelflow_kit.settings import KitSettings


@pytest.fixture
def bootstrap(infra) -> str:
    if infra.kafka_broker != "apache":
        pytest.skip(f"Apache Kafka only (this session's broker: {infra.kafka_broker})")
    return infra.kafka_bootstrap


async def new_topic(bootstrap: str, name: str) -> TopicPartition:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    return TopicPartition(name, 0)


async def produce(bootstrap: str, topic: str, values: list[bytes], timestamps_ms: list[int]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for value, at in zip(values, timestamps_ms, strict=True):
            await producer.send_and_wait(topic, value, timestamp_ms=at)
    finally:
        await producer.stop()


async def test_the_kits_broker_is_idempotent_here_and_publishes(infra, bootstrap, unique):
    settings = KitSettings(**infra.settings_kwargs(), service_name=f"apache-{unique}")
    assert settings.kafka_idempotent_producer
    tp = await new_topic(bootstrap, f"apache.idempotent.{unique}")
    broker = make_broker(settings)
    await broker.start()
    try:
        for n in range(3):
            await broker.publish(f"record {n}".encode(), tp.topic, key=b"k")
    finally:
        await broker.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        batch = await consumer.getmany(tp, timeout_ms=5000)
        assert [r.value for r in batch.get(tp, [])] == [b"record 0", b"record 1", b"record 2"]
    finally:
        await consumer.stop()


async def test_end_offsets_timestamp_lookups_and_seek_to_end_are_exact(bootstrap, unique):
    tp = await new_topic(bootstrap, f"apache.offsets.{unique}")
    base = int(time.time() * 1000) - 60_000
    await produce(bootstrap, tp.topic, [b"a", b"b", b"c", b"d"], [base, base + 1000, base + 2000, base + 3000])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        assert await consumer.end_offsets([tp]) == {tp: 4}
        assert await consumer.beginning_offsets([tp]) == {tp: 0}
        found = await consumer.offsets_for_times({tp: base + 1500})
        assert (found[tp].offset, found[tp].timestamp) == (2, base + 2000)
        assert (await consumer.offsets_for_times({tp: base + 10_000}))[tp] is None

        consumer.assign([tp])
        consumer.seek(tp, found[tp].offset)
        assert (await consumer.getone()).value == b"c"
        await consumer.seek_to_end(tp)
        assert await consumer.position(tp) == 4
        await produce(bootstrap, tp.topic, [b"e"], [base + 4000])
        assert (await asyncio.wait_for(consumer.getone(), 10)).value == b"e"
    finally:
        await consumer.stop()
