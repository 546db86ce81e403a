"""Rebuild the read model from the event log.

    python -m reelflow_gateway.readmodel.rebuild      # every gateway instance stopped first

Drops every `views.*` collection, forgets which events the read-model consumer group applied
(its inbox entries) and moves the group's committed offsets back to the start of every event
topic. The next gateway start replays all events and rebuilds the views exactly: they are
built from events only, by projections that depend on nothing but the event.
Users, the JWT key and the command log are the gateway's own data and are kept.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import time

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import OffsetAndMetadata, TopicPartition

from reelflow_contracts.topics import EVENT_TOPICS
from reelflow_gateway.collections import VIEW_PREFIX
from reelflow_gateway.settings import Settings
from reelflow_kit.bus.broker import ensure_topics
from reelflow_kit.store.inbox import INBOX
from reelflow_kit.store.mongo import database, make_client

log = logging.getLogger(__name__)


async def drop_views(settings: Settings) -> list[str]:
    client = make_client(settings)
    try:
        db = database(client, settings)
        dropped = [name for name in await db.list_collection_names() if name.startswith(VIEW_PREFIX)]
        for name in dropped:
            await db.drop_collection(name)
        prefix = re.escape(f"{settings.consumer_group(settings.read_model_group)}/")
        await db[INBOX].delete_many({"_id": {"$regex": f"^{prefix}"}})
        return dropped
    finally:
        await client.close()


async def rewind_group(settings: Settings, timeout: float = 60.0) -> int:
    """Commit offset 0 on every partition of every event topic for the read-model group."""
    topics = [settings.topic(t) for t in EVENT_TOPICS]
    await ensure_topics(settings, topics)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.consumer_group(settings.read_model_group),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
    )
    await consumer.start()
    try:
        consumer.subscribe(topics)
        wanted: set[TopicPartition] = set()
        deadline = time.monotonic() + timeout
        while True:
            # Polling drives the group join; nothing read here is committed.
            await consumer.getmany(timeout_ms=200, max_records=1)
            wanted = {TopicPartition(t, p) for t in topics for p in (consumer.partitions_for_topic(t) or ())}
            if wanted and consumer.assignment() >= wanted:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"group {settings.consumer_group(settings.read_model_group)!r} was not given every event partition within {timeout:.0f}s "
                    f"({len(consumer.assignment())} of {len(wanted)}): stop every gateway instance first"
                )
        await consumer.commit({tp: OffsetAndMetadata(0, "") for tp in wanted})
        return len(wanted)
    finally:
        await consumer.stop()


async def rebuild(settings: Settings) -> str:
    dropped = await drop_views(settings)
    partitions = await rewind_group(settings)
    return (
        f"dropped {len(dropped)} view collection(s) ({', '.join(dropped) or 'none'}); group "
        f"{settings.consumer_group(settings.read_model_group)!r} rewound to offset 0 on {partitions} partitions; "
        "start the gateway to replay"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(asyncio.run(rebuild(Settings())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
