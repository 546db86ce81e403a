#!/usr/bin/env python3
"""Consumer overhead: CPU per record of the kit's consumer, against FastStream's default wiring
and raw aiokafka, in one run.

    .venv/bin/python bench/consumer.py [--records 3000] [--rounds 3]

Every consumer of ours reads records it passes over: the gateway's process manager sees every
event of every script and acts on few; the scene service reads all of `script.events`. What
such a record costs is CPU taken from the records that matter, in the same event loop. This
measures it on a throwaway embedded stack, `--records` ShotPlanned events produced beforehand,
each consumer in a child process on uvloop, alternating for `--rounds` rounds:

- kit: `ServiceRuntime.consume` with a `skip` that passes everything over (FastStream without
  FastDepends, the message handed to the handler as it is, decoded by the contracts);
- faststream default: the same subscriber and handler body, with FastDepends (FastStream's
  default `apply_types=True`; the kit's wiring until this benchmark) and the body as an argument;
- raw aiokafka: `getmany` in a loop, the same decode and skip; the floor.
CPU is counted from the 10th percent of the records to the last, so start-up and group joins
are left out. Prints ms of CPU per record, the medians of the rounds, and ratios to the floor.

On the 2-core machine (2 rounds of 3000 records):

    consumer (every record passed over)     CPU ms / record  / raw aiokafka
    kit                                               0.201            6.9x
    faststream default                                0.544           18.6x
    raw aiokafka                                      0.029            1.0x

FastDepends was most of FastStream's cost per record, which is why the kit's broker runs
without it. What remains is FastStream taking records one at a time through its subscriber
(middlewares, logging context, an ack decision each), where raw `getmany` takes a fetch at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from _support import add_child_arguments, alternate_in_children, create_topic, parent_or_child  # noqa: E402

KINDS = ("kit", "faststream default", "raw aiokafka")


def event_record():
    from reelflow_contracts.envelope import encode, new_envelope
    from reelflow_contracts.messages.scene import ShotPlanned

    return encode(
        new_envelope(
            ShotPlanned(
                script_id=str(uuid.uuid4()),
                scene_id=str(uuid.uuid4()),
                shot_id=str(uuid.uuid4()),
                scene_order=1,
                order=1,
                shot_count=4,
                description="MARA crosses the room",
                image_prompt="a harbor at dusk, rain on the glass",
                duration_s=3.0,
                narration="MARA crosses the room with a lantern.",
            ),
            source="bench",
        )
    )


async def produce(bootstrap: str, topic: str, count: int) -> None:
    from aiokafka import AIOKafkaProducer

    await create_topic(bootstrap, topic, partitions=4)
    record = event_record()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        acks = [await producer.send(topic, record.value, key=record.key, headers=record.headers) for _ in range(count)]
        await asyncio.gather(*acks)
    finally:
        await producer.stop()


class Counter:
    """Counts passed-over records and takes the CPU clock at the 10th percent and at the last."""

    def __init__(self, total: int) -> None:
        self.total, self.seen = total, 0
        self.start_at = max(1, total // 10)
        self.cpu_start = self.cpu_end = 0.0
        self.done = asyncio.Event()

    def skip(self, message) -> bool:
        self.seen += 1
        if self.seen == self.start_at:
            self.cpu_start = time.process_time()
        if self.seen == self.total:
            self.cpu_end = time.process_time()
            self.done.set()
        return True

    def per_record_ms(self) -> float:
        return (self.cpu_end - self.cpu_start) * 1000 / (self.total - self.start_at)


async def kit(bootstrap: str, mongo_uri: str, topic: str, counter: Counter) -> None:
    from reelflow_contracts.messages.scene import ShotPlanned
    from reelflow_kit.runtime import ServiceRuntime
    from reelflow_kit.settings import KitSettings

    settings = KitSettings(
        service_name="bench-consumer",
        kafka_bootstrap=bootstrap,
        mongo_uri=mongo_uri,
        mongo_database=f"bench_consumer_{uuid.uuid4().hex[:6]}",
    )
    runtime = ServiceRuntime(settings, uses_object_store=False, topics=[topic])

    async def never(ctx) -> None:
        raise AssertionError("everything is passed over")

    runtime.consume(f"{topic}.kit", [topic], {ShotPlanned: never}, skip=counter.skip)
    await runtime.start()
    try:
        await asyncio.wait_for(counter.done.wait(), 300)
    finally:
        await runtime.stop()


async def faststream_default(bootstrap: str, topic: str, counter: Counter) -> None:
    from faststream import AckPolicy
    from faststream.kafka import KafkaBroker
    from faststream.kafka.annotations import KafkaMessage

    from reelflow_contracts.envelope import decode

    broker = KafkaBroker(bootstrap, logger=logging.getLogger("faststream"), log_level=logging.DEBUG)

    async def raw_body(msg) -> bytes:
        return msg.body

    @broker.subscriber(
        topic,
        group_id=f"{topic}.faststream",
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_body,
        fetch_max_wait_ms=15,
    )
    async def on_message(body: bytes, msg: KafkaMessage) -> None:
        record = msg.raw_message
        counter.skip(decode(list(record.headers or ()), record.value).data)

    await broker.start()
    try:
        await asyncio.wait_for(counter.done.wait(), 300)
    finally:
        await broker.stop()


async def raw_aiokafka(bootstrap: str, topic: str, counter: Counter) -> None:
    from aiokafka import AIOKafkaConsumer

    from reelflow_contracts.envelope import decode

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"{topic}.raw",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=15,
    )
    await consumer.start()
    try:
        while not counter.done.is_set():
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    counter.skip(decode(list(record.headers or ()), record.value).data)
    finally:
        await consumer.stop()


def child(args) -> None:
    import uvloop

    counter = Counter(args.records)
    if args.child == "kit":
        run = kit(args.bootstrap, args.mongo_uri, args.topic, counter)
    elif args.child == "faststream default":
        run = faststream_default(args.bootstrap, args.topic, counter)
    else:
        run = raw_aiokafka(args.bootstrap, args.topic, counter)
    uvloop.run(run)
    print(json.dumps({"per_record_ms": counter.per_record_ms()}))


def measure(cfg, args) -> dict[str, list[float]]:
    def args_of(kind: str) -> list[str]:
        topic = f"bench.consumer.{uuid.uuid4().hex[:8]}"  # a topic of its own, filled before the child starts
        asyncio.run(produce(cfg.kafka_bootstrap, topic, args.records))
        return [
            "--records",
            str(args.records),
            "--topic",
            topic,
            "--bootstrap",
            cfg.kafka_bootstrap,
            "--mongo-uri",
            cfg.mongo_uri,
        ]

    runs = alternate_in_children(__file__, KINDS, args.rounds, args_of)
    return {kind: [run["per_record_ms"] for run in runs[kind]] for kind in KINDS}


def report(results: dict[str, list[float]]) -> None:
    floor = statistics.median(results["raw aiokafka"])
    print(f"\n{'consumer (every record passed over)':<38} {'CPU ms / record':>16} {'/ raw aiokafka':>15}")
    for kind in KINDS:
        value = statistics.median(results[kind])
        print(f"{kind:<38} {value:>16.3f} {value / floor:>14.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    add_child_arguments(parser, KINDS)
    parser.add_argument("--topic", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return parent_or_child(args, child, measure, report)


if __name__ == "__main__":
    sys.exit(main())
