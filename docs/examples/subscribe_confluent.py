"""Subscribe to Reelflow events with confluent-kafka (librdkafka): no Reelflow code.

    python docs/examples/subscribe_confluent.py --bootstrap 127.0.0.1:19092 --topic script.events

confluent-kafka 2.x works against the embedded broker (Tansu) and Apache Kafka alike.
"""

import argparse
import json

from confluent_kafka import Consumer, KafkaException


def subscribe(bootstrap: str, topics: list[str], group: str, max_events: int | None) -> None:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
            "fetch.wait.max.ms": 20,
        }
    )
    consumer.subscribe(topics)
    seen = 0
    try:
        while max_events is None or seen < max_events:
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error():
                raise KafkaException(message.error())
            headers = {key: value.decode() for key, value in message.headers() or []}
            payload = json.loads(message.value())
            print(
                headers["ce_type"],
                headers["ce_subject"],
                headers.get("ce_correlationid", ""),
                json.dumps(payload, sort_keys=True),
                flush=True,
            )
            consumer.commit(message=message, asynchronous=False)
            seen += 1
    finally:
        consumer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--topic", action="append", required=True, help="repeat for several topics")
    parser.add_argument("--group", default="example-confluent")
    parser.add_argument("--max", type=int, default=None, help="stop after this many events")
    args = parser.parse_args()
    subscribe(args.bootstrap, args.topic, args.group, args.max)


if __name__ == "__main__":
    main()
