"""A consumer killed after its commit but before its Kafka offset commit loses nothing, applies nothing twice."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from reelflow_contracts.envelope import new_envelope
from reelflow_kit.bus.broker import make_broker, publish
from reelflow_kit.settings import KitSettings
from tests.integration.test_kit_bus import added_for
from tests.support.kafka import read_topic
from tests.support.processes import ServiceProcess, free_port
from tests.support.toy_service import TOY_EVENTS, Add


async def test_kill_after_write_before_offset_commit(infra, unique, tmp_path):
    script_id = f"s-{unique}"
    database = f"kittest_{unique}"
    port = free_port()
    env = {
        **infra.env(),
        "TOY_GROUP": f"toy-crash-{unique}",
        "REELFLOW_MONGO_DATABASE": database,
        "REELFLOW_OUTBOX_ORPHAN_AFTER_S": "1",
        "REELFLOW_HEALTH_PORT": str(port),
    }
    marker = tmp_path / "crashed"
    args = ["-m", "tests.support.toy_service"]
    first = ServiceProcess(
        args,
        {**env, "TOY_CRASH_MARKER": str(marker), "TOY_CRASH_SCRIPT": script_id},
        tmp_path / "toy.log",
        f"http://127.0.0.1:{port}/healthz",
    ).start()
    producer = make_broker(KitSettings(service_name="kittest", **infra.settings_kwargs()))
    await producer.start()
    mongo = AsyncMongoClient(infra.mongo_uri)
    try:
        first.wait_healthy()
        crashing = new_envelope(Add(script_id=script_id, amount=5), source="kittest")
        await publish(producer, crashing)
        assert first.wait_exit() == 137, first.log_tail()
        assert marker.read_text() == crashing.id

        db = mongo[database]
        assert (await db.counters.find_one({"_id": script_id}))["total"] == 5
        assert await db.outbox.count_documents({"sent_at": None}) == 1  # written, never relayed

        second = ServiceProcess(args, env, tmp_path / "toy.log", f"http://127.0.0.1:{port}/healthz").start()
        try:
            second.wait_healthy()
            following = new_envelope(Add(script_id=script_id, amount=7), source="kittest")
            await publish(producer, following)
            await read_topic(
                infra.kafka_bootstrap, TOY_EVENTS, until=lambda rs: len(added_for(rs, script_id)) >= 2, timeout=30
            )
            records = await read_topic(infra.kafka_bootstrap, TOY_EVENTS, timeout=4, idle=2)
        finally:
            second.stop()

        assert [(e.amount, e.total) for e in added_for(records, script_id)] == [(5, 5), (7, 12)]
        assert (await db.counters.find_one({"_id": script_id}))["total"] == 12
        applied = await db.inbox.find({"_id": {"$regex": f"({crashing.id}|{following.id})$"}}).to_list()
        assert len(applied) == 2
        assert await db.outbox.count_documents({"sent_at": None}) == 0
    finally:
        first.kill()
        await producer.stop()
        await mongo.drop_database(database)
        await mongo.close()
