#!/usr/bin/env python3
"""Event loops: what a service's own I/O costs on asyncio's loop and on uvloop, in one run.

    .venv/bin/python bench/loops.py [--transactions 300] [--idle-s 5] [--rounds 3]

Starts a throwaway embedded stack, then measures each workload in a child process per loop
(`asyncio.run` and `uvloop.run`), alternating the two for `--rounds` rounds so that both see the
machine in the same state:
- a MongoDB transaction as our handlers write one (inbox insert, a state upsert, an outbox
  insert, commit), through PyMongo's async client: wall time and this process's CPU per
  transaction;
- a `find_one` by id, as a read of the gateway does;
- an idle Kafka consumer in a group with the kit's settings (fetch_max_wait 15 ms), as every
  consumer of ours is between events: its CPU per second.
Prints the medians of the rounds and the ratio uvloop / asyncio for each.

Two runs on the 2-core machine (3 rounds of 300, then 4 rounds of 600):

    median of rounds                     asyncio    uvloop  uvloop / asyncio
    MongoDB transaction, client CPU ms     1.070     0.977             0.91x
    find_one, client CPU ms                0.373     0.321             0.86x
    idle consumer, CPU ms per s           40.445    30.539             0.76x

    MongoDB transaction, client CPU ms     1.393     1.163             0.84x
    find_one, client CPU ms                0.384     0.319             0.83x
    idle consumer, CPU ms per s           42.662    41.978             0.98x

Wall times follow the CPU within the runs' noise. A modest gain, but a free one on a machine
whose services are CPU-bound between the servers' answers, which is why the kit's `serve` runs
every service on uvloop when it is installed (the gateway already ran on it through uvicorn).
Note that a PyMongo operation costs 0.3-0.4 ms of client CPU here and a transaction about 1 ms:
the same order as the bare bus hop (bench/pipeline.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from _support import add_child_arguments, alternate_in_children, create_topic, parent_or_child  # noqa: E402

LOOPS = ("asyncio", "uvloop")


async def transactions(mongo_uri: str, count: int) -> dict:
    from pymongo import AsyncMongoClient

    client = AsyncMongoClient(mongo_uri)
    db = client[f"bench_loops_{uuid.uuid4().hex[:6]}"]
    try:
        await db.state.insert_one({"_id": "warm"})

        async def one(n: int) -> None:
            async with client.start_session() as session:
                async with await session.start_transaction():
                    await db.inbox.insert_one({"_id": f"group/{n}"}, session=session)
                    await db.state.update_one({"_id": f"s{n % 50}"}, {"$inc": {"n": 1}}, upsert=True, session=session)
                    await db.outbox.insert_one({"_id": n, "sent_at": None}, session=session)

        for n in range(20):  # warm: connections open, code paths loaded
            await one(-1 - n)
        tx = await _timed(one, count)
        reads = await _timed(lambda n: db.state.find_one({"_id": "warm"}), count)
        return {"transaction": tx, "find_one": reads}
    finally:
        await client.drop_database(db.name)
        await client.close()


async def idle_consumer(bootstrap: str, seconds: float) -> dict:
    from aiokafka import AIOKafkaConsumer

    topic = f"bench.loops.{uuid.uuid4().hex[:8]}"
    await create_topic(bootstrap, topic, partitions=4)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"{topic}.group",
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
        fetch_max_wait_ms=15,
    )
    await consumer.start()
    try:
        await consumer.getmany(timeout_ms=3000)  # joined and fetching
        cpu = time.process_time()
        await consumer.getmany(timeout_ms=int(seconds * 1000))
        return {"idle consumer": {"cpu_ms_per_s": (time.process_time() - cpu) * 1000 / seconds}}
    finally:
        await consumer.stop()


async def _timed(op, count: int) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        await op(n)
    return {
        "wall_ms": (time.perf_counter() - wall) * 1000 / count,
        "cpu_ms": (time.process_time() - cpu) * 1000 / count,
    }


def child(args) -> None:
    """One loop, one round: prints the measurements as JSON."""

    async def both() -> dict:
        return {
            **await transactions(args.mongo_uri, args.transactions),
            **await idle_consumer(args.bootstrap, args.idle_s),
        }

    if args.child == "uvloop":
        import uvloop

        result = uvloop.run(both())
    else:
        import asyncio

        result = asyncio.run(both())
    print(json.dumps(result))


def measure(cfg, args) -> dict[str, list[dict]]:
    return alternate_in_children(
        __file__,
        LOOPS,
        args.rounds,
        lambda loop: [
            "--mongo-uri",
            cfg.mongo_uri,
            "--bootstrap",
            cfg.kafka_bootstrap,
            "--transactions",
            str(args.transactions),
            "--idle-s",
            str(args.idle_s),
        ],
    )


def report(results: dict[str, list[dict]]) -> None:
    def median(loop: str, what: str, field: str) -> float:
        return statistics.median(r[what][field] for r in results[loop])

    print(f"\n{'median of rounds':<34} {'asyncio':>9} {'uvloop':>9} {'uvloop / asyncio':>17}")
    rows = [
        ("transaction", "wall_ms", "MongoDB transaction, wall ms"),
        ("transaction", "cpu_ms", "MongoDB transaction, client CPU ms"),
        ("find_one", "wall_ms", "find_one, wall ms"),
        ("find_one", "cpu_ms", "find_one, client CPU ms"),
        ("idle consumer", "cpu_ms_per_s", "idle consumer, CPU ms per s"),
    ]
    for what, field, label in rows:
        a, u = median("asyncio", what, field), median("uvloop", what, field)
        print(f"{label:<34} {a:>9.3f} {u:>9.3f} {u / a:>16.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=300, help="transactions (and reads) per round and loop")
    parser.add_argument("--idle-s", type=float, default=5.0, help="seconds the idle consumer is watched")
    parser.add_argument("--rounds", type=int, default=3)
    add_child_arguments(parser, LOOPS)
    args = parser.parse_args(argv)
    return parent_or_child(args, child, measure, report)


if __name__ == "__main__":
    sys.exit(main())
