"""Subscribe to Reelflow events with the stock CloudEvents SDK (`pip install cloudevents`, 2.x)
over aiokafka: the SDK's Kafka binding turns each record into a CloudEvent.

    python docs/examples/subscribe_cloudevents.py --bootstrap 127.0.0.1:19092 --topic script.events
"""

import argparse
import asyncio
import json

from aiokafka import AIOKafkaConsumer
from cloudevents.core.bindings import kafka as ce_kafka


async def subscribe(bootstrap: str, topics: list[str], group: str, max_events: int | None) -> None:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        fetch_max_wait_ms=20,
    )
    await consumer.start()
    seen = 0
    try:
        async for record in consumer:
            event = ce_kafka.from_binary_event(
                ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
            )
            print(
                event.get_type(),
                event.get_subject(),
                event.get_extension("correlationid"),
                json.dumps(event.get_data(), sort_keys=True),  # the JSON payload, as a dict
                flush=True,
            )
            await consumer.commit()
            seen += 1
            if max_events is not None and seen >= max_events:
                break
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--topic", action="append", required=True, help="repeat for several topics")
    parser.add_argument("--group", default="example-cloudevents")
    parser.add_argument("--max", type=int, default=None, help="stop after this many events")
    args = parser.parse_args()
    asyncio.run(subscribe(args.bootstrap, args.topic, args.group, args.max))


if __name__ == "__main__":
    main()
