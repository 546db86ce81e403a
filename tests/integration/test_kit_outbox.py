"""The outbox relay against the real document store and broker: entries handed off after their
commit go out at once, in commit order, each once; what a failure left behind is read back in
order; orphans of a dead instance are taken while hand-offs keep coming; an entry the broker
refuses for good is set aside and holds nothing back; an event too large for the bus never commits."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from reelflow_contracts.envelope import encode, new_envelope
from reelflow_kit.bus.broker import ensure_topics, make_broker, publish_record
from reelflow_kit.settings import KitSettings
from reelflow_kit.store.outbox import (
    OUTBOX,
    OutboxRelay,
    RecordTooLarge,
    add_to_outbox,
    ensure_outbox_indexes,
    outbox_document,
    pending_count,
    record_size,
    set_aside_count,
)
from tests.support.toy_service import Added

OWNER = "relay-test-instance"


class Sends:
    """The relay's `send`: records what it is asked to send, publishes it to the real broker, and
    refuses while `failing` is set."""

    def __init__(self, broker, topic: str) -> None:
        self.broker, self.topic = broker, topic
        self.ids: list[str] = []
        self.failing = False

    async def __call__(self, record):
        if self.failing:
            raise ConnectionError("broker away (test)")
        self.ids.append(dict(record.headers)["ce_id"].decode())
        return await publish_record(self.broker, record, wait=False, topic=self.topic)


@pytest.fixture
async def outbox(infra, unique):
    settings = KitSettings(service_name="toy", mongo_database=f"outbox_{unique}", **infra.settings_kwargs())
    topic = f"outbox-test-{unique}"
    await ensure_topics(settings, [topic])
    broker = make_broker(settings)
    await broker.start()
    client = AsyncMongoClient(infra.mongo_uri, tz_aware=True)
    db = client[settings.database_name]
    await ensure_outbox_indexes(db)
    sends = Sends(broker, topic)
    relays: list[OutboxRelay] = []

    def relay(**options) -> OutboxRelay:
        made = OutboxRelay(db, sends, owner=OWNER, **{"poll_interval": 30.0, "orphan_after": 60.0, **options})
        relays.append(made)
        return made

    try:
        yield db, sends, relay, client
    finally:
        for made in relays:
            await made.stop()
        await broker.stop()
        await client.drop_database(settings.database_name)
        await client.close()


def event(n: int):
    return new_envelope(Added(script_id=f"s-{n}", amount=n, total=n), source="toy")


async def commit(client, db, envelopes) -> list[dict]:
    async with client.start_session() as session:
        async with await session.start_transaction():
            return await add_to_outbox(db, session, envelopes, OWNER)


async def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_handed_off_entries_go_out_at_once_in_commit_order_each_once(outbox) -> None:
    db, sends, relay, client = outbox
    relay = relay()  # reads the collection every 30 s only: what goes out sooner was handed off
    relay.start()
    events = [event(n) for n in range(6)]
    for pair in (events[0:2], events[2:3], events[3:6]):
        relay.hand_off(await commit(client, db, pair))
    await until(lambda: len(sends.ids) >= 6)
    await until(lambda: relay.published == 6)
    assert sends.ids == [e.id for e in events]
    assert await db[OUTBOX].count_documents({"sent_at": None}) == 0


async def test_what_a_failed_send_left_behind_is_read_back_in_order(outbox) -> None:
    db, sends, relay, client = outbox
    relay = relay(poll_interval=0.1)
    relay.start()
    await until(lambda: relay.last_error is None and relay._task is not None)
    sends.failing = True
    first = [event(n) for n in range(3)]
    relay.hand_off(await commit(client, db, first))
    await until(lambda: relay.last_error is not None)
    later = [event(n) for n in range(3, 5)]
    relay.hand_off(await commit(client, db, later))  # handed off while the earlier ones wait
    sends.failing = False
    await until(lambda: relay.published >= 5)
    assert sends.ids == [e.id for e in first + later]  # nothing lost, nothing overtaken
    assert await db[OUTBOX].count_documents({"sent_at": None}) == 0


async def test_entries_a_read_already_sent_are_not_sent_again_when_handed_off(outbox) -> None:
    db, sends, relay, client = outbox
    relay = relay(poll_interval=0.5)
    relay.start()
    docs = await commit(client, db, [event(1)])  # not handed off yet: the periodic read finds it
    await until(lambda: relay.published == 1)
    relay.hand_off(docs)  # as a commit racing the read would, within its poll interval
    await asyncio.sleep(0.3)
    assert sends.ids == [docs[0]["_id"]]


async def test_an_orphan_of_a_dead_instance_is_taken_while_hand_offs_keep_coming(outbox) -> None:
    db, sends, relay, client = outbox
    relay = relay(poll_interval=0.2, orphan_after=1.0)
    relay.start()
    relay.hand_off(await commit(client, db, [event(0)]))
    await until(lambda: relay.published == 1)  # past the start, whose read takes every unsent entry
    orphan = outbox_document(event(99), owner="dead-instance")
    orphan["created_at"] = datetime.now(UTC) - timedelta(seconds=5)
    await db[OUTBOX].insert_one(orphan)
    deadline = time.monotonic() + 10
    n = 1
    while orphan["_id"] not in sends.ids:
        assert time.monotonic() < deadline, "the orphan was never published"
        relay.hand_off(await commit(client, db, [event(n)]))
        n += 1
        await asyncio.sleep(0.02)
    assert (await db[OUTBOX].find_one({"_id": orphan["_id"]}))["sent_at"] is not None


async def test_an_entry_the_broker_refuses_for_good_is_set_aside_and_every_later_one_goes_out(outbox) -> None:
    db, sends, relay, client = outbox
    told: list[tuple[str, str]] = []
    relay = relay(poll_interval=0.1)
    relay._on_refused = lambda doc, error: _told_then_set_aside(told, relay, doc, error)
    relay.start()
    first = await commit(client, db, [event(0)])
    too_large = outbox_document(event(1), owner=OWNER)  # e.g. written before the size guard existed
    too_large["value"] = b'{"text": "' + b"x" * 2_000_000 + b'"}'
    await db[OUTBOX].insert_one(too_large)
    relay.hand_off(first + [too_large])
    later = await commit(client, db, [event(2), event(3)])
    relay.hand_off(later)
    await until(lambda: relay.published == 3)
    assert [entry_id for entry_id, _ in told] == [too_large["_id"]] and relay.refused == 1
    assert "MessageSizeTooLarge" in told[0][1]
    kept = await db[OUTBOX].find_one({"_id": too_large["_id"]})
    assert kept["set_aside_at"] is not None and "MessageSizeTooLarge" in kept["error"] and kept["sent_at"] is None
    assert await pending_count(db) == 0 and await set_aside_count(db) == 1
    await asyncio.sleep(0.3)  # later reads of the collection leave it aside
    assert relay.refused == 1 and relay.last_error is None


async def _told_then_set_aside(told, relay, doc, error) -> None:
    told.append((doc["_id"], error))
    await relay._set_aside(doc, error)


async def test_an_event_larger_than_the_bus_carries_refuses_its_transaction(outbox) -> None:
    db, _, _, client = outbox
    small = event(1)
    limit = record_size(encode(small)) + 20
    big = new_envelope(Added(script_id="s" * 100, amount=1, total=1), source="toy")  # the key and subject grow
    async with client.start_session() as session:
        with pytest.raises(RecordTooLarge, match=f"more than the {limit} bytes"):
            async with await session.start_transaction():
                await db.state.insert_one({"_id": "changed"}, session=session)
                await add_to_outbox(db, session, [small, big], OWNER, max_record_bytes=limit)
    assert await db.state.count_documents({}) == 0 and await db[OUTBOX].count_documents({}) == 0
