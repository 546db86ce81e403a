"""The runtime kit against the real broker and document store."""

from __future__ import annotations

import asyncio
import time

import pytest
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pymongo import AsyncMongoClient

from reelflow_contracts.envelope import new_envelope
from reelflow_kit.bus.broker import make_broker, publish
from reelflow_kit.settings import KitSettings
from tests.support.kafka import headers_of, read_topic
from tests.support.toy_service import TOY_COMMANDS, TOY_EVENTS, Add, Added, build

CE_HEADERS = (
    "ce_specversion",
    "ce_id",
    "ce_type",
    "ce_source",
    "ce_time",
    "ce_subject",
    "ce_correlationid",
    "ce_causationid",
)


def toy_settings(infra, unique: str, **overrides) -> KitSettings:
    return KitSettings(
        service_name="toy",
        mongo_database=f"kittest_{unique}",
        outbox_orphan_after_s=1.0,
        **infra.settings_kwargs(),
        **overrides,
    )


@pytest.fixture
async def toy(infra, unique):
    settings = toy_settings(infra, unique, handler_max_attempts=3, retry_backoff_s=0.01)
    runtime = build(settings, group=f"toy-{unique}")
    await runtime.start()
    yield runtime
    await runtime.stop()
    async with AsyncMongoClient(infra.mongo_uri) as client:
        await client.drop_database(settings.database_name)


def added_for(records, script_id: str) -> list[Added]:
    out = []
    for r in records:
        if r.key == script_id.encode() and headers_of(r).get("ce_type") == Added.ce_type:
            out.append(Added.model_validate_json(r.value))
    return out


async def wait_for(condition, timeout: float = 15.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := await condition():
            return result
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


async def test_published_message_reaches_a_group_subscriber_with_envelope_headers(infra, unique):
    settings = KitSettings(service_name="kittest", **infra.settings_kwargs())
    producer = make_broker(settings)
    consumer = KafkaBroker(infra.kafka_bootstrap)
    received: asyncio.Queue = asyncio.Queue()

    @consumer.subscriber(
        TOY_COMMANDS,
        group_id=f"headers-{unique}",
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.ACK,
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
        fetch_max_wait_ms=15,
    )
    async def on_add(body: dict, msg: KafkaMessage) -> None:
        await received.put((body, msg.raw_message))

    cause = new_envelope(Add(script_id=f"s-{unique}", amount=1), source="kittest")
    envelope = new_envelope(Add(script_id=f"s-{unique}", amount=3), source="kittest", causation=cause)
    await producer.start()
    await consumer.start()
    try:
        await publish(producer, envelope)
        while True:
            body, record = await asyncio.wait_for(received.get(), timeout=20)
            if record.key == envelope.key.encode():
                break
    finally:
        await consumer.stop()
        await producer.stop()

    headers = headers_of(record)
    assert set(CE_HEADERS) <= set(headers)
    assert headers["ce_id"] == envelope.id
    assert headers["ce_type"] == "reelflow.kittest.add.v1"
    assert headers["ce_source"] == "kittest"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_correlationid"] == cause.id
    assert headers["ce_causationid"] == cause.id
    assert headers["content-type"] == "application/json"
    assert body == {"script_id": f"s-{unique}", "amount": 3, "requested_by": ""}


async def test_outbox_emits_once_even_when_the_same_event_is_delivered_twice(infra, unique, toy):
    script_id = f"s-{unique}"
    envelope = new_envelope(Add(script_id=script_id, amount=5), source="kittest")
    await toy.publish(envelope)
    await toy.publish(envelope)  # a redelivery: same ce_id
    await toy.publish(new_envelope(Add(script_id=script_id, amount=2), source="kittest"))

    records = await read_topic(
        infra.kafka_bootstrap, TOY_EVENTS, until=lambda rs: len(added_for(rs, script_id)) >= 2, timeout=20
    )
    # keep listening a little: a second emission of the first event would show up here
    records = await read_topic(infra.kafka_bootstrap, TOY_EVENTS, timeout=3, idle=1.5)
    events = added_for(records, script_id)
    assert [(e.amount, e.total) for e in events] == [(5, 5), (2, 7)]
    counter = await toy.db.counters.find_one({"_id": script_id})
    assert counter["total"] == 7
    assert await toy.db.outbox.count_documents({"sent_at": None}) == 0
    emitted = [r for r in records if r.key == script_id.encode()]
    assert headers_of(emitted[0])["ce_causationid"] == envelope.id
    assert headers_of(emitted[0])["ce_correlationid"] == envelope.correlation_id


async def test_undecodable_messages_go_to_the_dead_letter_topic_and_consumption_continues(infra, unique, toy):
    script_id = f"s-{unique}"
    group = f"toy-{unique}"
    await toy.broker.publish(b"\x00\xffnot a cloud event", TOY_COMMANDS, key=script_id.encode())
    bad_json = new_envelope(Add(script_id=script_id, amount=1), source="kittest")
    from reelflow_contracts.envelope import encode

    record = encode(bad_json)
    await toy.broker.publish(
        b'{"script_id": "' + script_id.encode() + b'", "amount": "lots"}',
        TOY_COMMANDS,
        key=record.key,
        headers=record.header_dict(),
    )
    await toy.publish(new_envelope(Add(script_id=script_id, amount=4), source="kittest"))

    events = await read_topic(
        infra.kafka_bootstrap, TOY_EVENTS, until=lambda rs: len(added_for(rs, script_id)) >= 1, timeout=20
    )
    assert [(e.amount, e.total) for e in added_for(events, script_id)] == [(4, 4)]

    def dead_lettered_here(records):  # by key: the group also meets garbage earlier tests left
        return [r for r in records if r.key == script_id.encode()]

    dlq = dead_lettered_here(
        await read_topic(
            infra.kafka_bootstrap, f"{group}.dlq", until=lambda rs: len(dead_lettered_here(rs)) >= 2, timeout=10
        )
    )
    assert len(dlq) == 2
    first, second = (headers_of(r) for r in dlq)
    assert "missing header" in first["x-dlq-error"] and "ce_type" in first["x-dlq-error"]
    assert "amount" in second["x-dlq-error"]
    assert second["ce_id"] == bad_json.id  # original headers are kept
    assert first["x-dlq-source-topic"] == TOY_COMMANDS and first["x-dlq-group"] == group
    assert dlq[0].value == b"\x00\xffnot a cloud event"


async def test_a_message_read_from_kafka_parses_with_the_stock_cloudevents_sdk(infra, unique, toy):
    from cloudevents.core.bindings import kafka as ce_kafka

    script_id = f"s-{unique}"
    cause = new_envelope(Add(script_id=script_id, amount=9), source="kittest")
    await toy.publish(cause)
    records = await read_topic(
        infra.kafka_bootstrap, TOY_EVENTS, until=lambda rs: len(added_for(rs, script_id)) >= 1, timeout=20
    )
    record = next(r for r in records if r.key == script_id.encode())

    event = ce_kafka.from_binary_event(
        ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
    )
    assert event.get_type() == "reelflow.kittest.added.v1"
    assert event.get_source() == "toy"
    assert event.get_subject() == script_id
    assert event.get_extension("causationid") == cause.id
    assert event.get_extension("correlationid") == cause.correlation_id
    assert event.get_data() == {"script_id": script_id, "amount": 9, "total": 9}


async def test_a_handler_that_keeps_failing_is_dead_lettered_after_bounded_retries(infra, unique, toy):
    script_id = f"s-{unique}"
    failing = new_envelope(Add(script_id=script_id, amount=-1), source="kittest")
    await toy.publish(failing)
    await toy.publish(new_envelope(Add(script_id=script_id, amount=6), source="kittest"))

    events = await read_topic(
        infra.kafka_bootstrap, TOY_EVENTS, until=lambda rs: len(added_for(rs, script_id)) >= 1, timeout=20
    )
    assert [(e.amount, e.total) for e in added_for(events, script_id)] == [(6, 6)]

    def failed_here(records):  # the group also dead-letters garbage that earlier tests left on the topic
        return [headers_of(r) for r in records if headers_of(r).get("ce_id") == failing.id]

    dlq = await read_topic(infra.kafka_bootstrap, f"toy-{unique}.dlq", until=failed_here, timeout=10)
    [headers] = failed_here(dlq)
    assert "after 3 attempts" in headers["x-dlq-error"] and "negative amounts" in headers["x-dlq-error"]


async def test_a_namespace_keeps_a_deployment_on_topics_and_groups_of_its_own(infra, unique):
    namespace = f"ns{unique}"
    settings = toy_settings(infra, unique, kafka_namespace=namespace)
    runtime = build(settings, group="toy")
    await runtime.start()
    try:
        script_id = f"s-{unique}"
        await runtime.publish(new_envelope(Add(script_id=script_id, amount=2), source="kittest"))
        inside = await read_topic(
            infra.kafka_bootstrap,
            f"{namespace}.{TOY_EVENTS}",
            until=lambda rs: len(added_for(rs, script_id)) >= 1,
            timeout=20,
        )
        outside = await read_topic(infra.kafka_bootstrap, TOY_EVENTS, timeout=3, idle=1.0)
        assert runtime.consumers[0].group == f"{namespace}.toy"
        assert runtime.consumers[0].dlq_topic == f"{namespace}.toy.dlq"
    finally:
        await runtime.stop()
        async with AsyncMongoClient(infra.mongo_uri) as client:
            await client.drop_database(settings.database_name)
    assert [(e.amount, e.total) for e in added_for(inside, script_id)] == [(2, 2)]
    assert added_for(outside, script_id) == []


async def test_passed_over_messages_are_committed_by_the_next_handled_one(infra, unique):
    """A group that passes a message over (`skip`) does not commit it on its own (a broker round
    trip per record saved); the next handled message's commit covers it, or, when none follows,
    a commit of the passed-over records once the partition has been quiet a while."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.partitioner import DefaultPartitioner

    from reelflow_kit.bus.consumer import PASSED_OVER_COMMIT_AFTER_S
    from reelflow_kit.runtime import ServiceRuntime
    from tests.support.toy_service import handle_add

    settings = toy_settings(infra, unique, kafka_namespace=f"ns{unique}")  # topics with nothing else on them
    runtime = ServiceRuntime(settings, uses_object_store=False, topics=[TOY_COMMANDS, TOY_EVENTS])
    consumer = runtime.consume("toy", [TOY_COMMANDS], {Add: handle_add}, skip=lambda m: m.amount == 0)
    script_id = f"s-{unique}"
    partition = DefaultPartitioner()(script_id.encode(), list(range(settings.kafka_partitions)), None)
    tp = TopicPartition(settings.topic(TOY_COMMANDS), partition)
    checker = AIOKafkaConsumer(
        bootstrap_servers=infra.kafka_bootstrap, group_id=consumer.group, enable_auto_commit=False
    )

    async def handled(n: int) -> bool:
        return consumer.processed == n

    async def add(amount: int) -> None:
        await runtime.publish(new_envelope(Add(script_id=script_id, amount=amount), source="kittest"))

    await runtime.start()
    await checker.start()  # never subscribes: it only asks for the group's committed offsets
    try:
        await add(1)
        await wait_for(lambda: handled(1))
        committed = await checker.committed(tp)
        for _ in range(3):
            await add(0)
        await asyncio.sleep(1.5)  # read and passed over meanwhile
        assert await checker.committed(tp) == committed
        await add(2)
        await wait_for(lambda: handled(2))
        assert await checker.committed(tp) == committed + 4
        assert (await runtime.db.counters.find_one({"_id": script_id}))["total"] == 3
        for _ in range(2):
            await add(0)  # and nothing after them

        async def quiet_committed() -> bool:
            return await checker.committed(tp) == committed + 6

        await wait_for(quiet_committed, timeout=PASSED_OVER_COMMIT_AFTER_S + 10, interval=0.5)
    finally:
        await checker.stop()
        await runtime.stop()
        async with AsyncMongoClient(infra.mongo_uri) as client:
            await client.drop_database(settings.database_name)


async def test_without_the_inbox_lookup_first_a_redelivery_is_still_applied_once(infra, unique):
    from reelflow_kit.runtime import ServiceRuntime
    from tests.support.toy_service import handle_add

    settings = toy_settings(infra, unique, kafka_namespace=f"ns{unique}")
    runtime = ServiceRuntime(settings, uses_object_store=False, topics=[TOY_COMMANDS, TOY_EVENTS])
    consumer = runtime.consume("toy", [TOY_COMMANDS], {Add: handle_add}, look_up_inbox_first=False)
    script_id = f"s-{unique}"
    envelope = new_envelope(Add(script_id=script_id, amount=5), source="kittest")
    await runtime.start()
    try:
        await runtime.publish(envelope)
        await runtime.publish(envelope)  # a redelivery: same ce_id, stopped by the transaction's inbox insert
        await runtime.publish(new_envelope(Add(script_id=script_id, amount=2), source="kittest"))
        records = await read_topic(
            infra.kafka_bootstrap,
            settings.topic(TOY_EVENTS),
            until=lambda rs: len(added_for(rs, script_id)) >= 2,
            timeout=20,
        )
        records = await read_topic(infra.kafka_bootstrap, settings.topic(TOY_EVENTS), timeout=3, idle=1.5)
        assert [(e.amount, e.total) for e in added_for(records, script_id)] == [(5, 5), (2, 7)]
        assert (await runtime.db.counters.find_one({"_id": script_id}))["total"] == 7
        assert consumer.processed == 3 and consumer.dead_lettered == 0
    finally:
        await runtime.stop()
        async with AsyncMongoClient(infra.mongo_uri) as client:
            await client.drop_database(settings.database_name)
