"""Subscribe to Reelflow events with plain aiokafka: no Reelflow code, just headers and JSON.

python docs/examples/subscribe_aiokafka.py --bootstrap 127.0.0.1:19092 --topic script.events
"""

import argparse
import asyncio
import json

from aiokafka import AIOKafkaConsumer


async def subscribe(bootstrap: str, topics: list[str], group: str, max_events: int | None) -> None:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",  # a new group reads the topics from their start
        enable_auto_commit=False,
        # the embedded broker (Tansu) joins groups quickly only with short timeouts
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        fetch_max_wait_ms=20,
    )
    await consumer.start()
    seen = 0
    try:
        async for record in consumer:
            headers = {key: value.decode() for key, value in record.headers}  # the CloudEvent attributes
            payload = json.loads(record.value)  # the event itself (the pydantic model's JSON)
            print(
                headers["ce_type"],
                headers["ce_subject"],
                headers.get("ce_correlationid", ""),
                json.dumps(payload, sort_keys=True),
                flush=True,
            )
            await consumer.commit()  # after handling: at-least-once, so handle each ce_id once
            seen += 1
            if max_events is not None and seen >= max_events:
                break
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--topic", action="append", required=True, help="repeat for several topics")
    parser.add_argument("--group", default="example-aiokafka")
    parser.add_argument("--max", type=int, default=None, help="stop after this many events")
    args = parser.parse_args()
    asyncio.run(subscribe(args.bootstrap, args.topic, args.group, args.max))


if __name__ == "__main__":
    main()
