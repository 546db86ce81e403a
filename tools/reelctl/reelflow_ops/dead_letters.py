"""`reelctl dlq list|show|redrive`: the records consumer groups set aside, and sending them back.

A dead letter (kit/reelflow_kit/bus/delivery.py) is the original record, key and value
unchanged, with its original headers and `x-dlq-error`, `x-dlq-source-topic`,
`x-dlq-source-partition`, `x-dlq-source-offset` and `x-dlq-group`. Redriving sends it back to
its source topic with its key, value and original headers (the `x-dlq-*` ones taken off), marked
`x-redriven-from` (`<dlq topic>/<partition>/<offset>`) and `x-redriven-at`, so the consumer
reads it again once whatever made it fail is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka.structs import TopicPartition

from reelflow_contracts.envelope import format_time
from reelflow_ops.cluster import Cluster
from reelflow_ops.records import Event, read_event
from reelflow_ops.settings import OpsSettings

DLQ_SUFFIX = ".dlq"
REDRIVEN_FROM = "x-redriven-from"
REDRIVEN_AT = "x-redriven-at"


@dataclass(frozen=True)
class DeadLetterTopic:
    group: str
    topic: str
    records: int


@dataclass(frozen=True)
class DeadLetter:
    event: Event
    raw_headers: list[tuple[str, bytes]]
    value: bytes
    key: bytes | None

    @property
    def where(self) -> str:
        return f"{self.event.partition}:{self.event.offset}"

    @property
    def error(self) -> str:
        return self.event.headers.get("x-dlq-error", "")

    @property
    def source_topic(self) -> str:
        return self.event.headers.get("x-dlq-source-topic", "")

    @property
    def source(self) -> str:
        h = self.event.headers
        return f"{h.get('x-dlq-source-topic', '?')}[{h.get('x-dlq-source-partition', '?')}]@{h.get('x-dlq-source-offset', '?')}"

    def redrive_headers(self) -> list[tuple[str, bytes]]:
        kept = [(k, v) for k, v in self.raw_headers if not k.startswith("x-dlq-") and not k.startswith("x-redriven-")]
        return [
            *kept,
            (REDRIVEN_FROM, f"{self.event.topic}/{self.event.partition}/{self.event.offset}".encode()),
            (REDRIVEN_AT, format_time(datetime.now(UTC)).encode()),
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "dlq": self.event.topic,
            "partition": self.event.partition,
            "offset": self.event.offset,
            "error": self.error,
            "source_topic": self.source_topic,
            "source_partition": self.event.headers.get("x-dlq-source-partition"),
            "source_offset": self.event.headers.get("x-dlq-source-offset"),
            "group": self.event.headers.get("x-dlq-group"),
            "redriven_from": self.event.headers.get(REDRIVEN_FROM),
            "key": self.event.key,
            "type": self.event.type,
            "id": self.event.id,
            "time": self.event.time,
            "subject": self.event.subject,
            "correlationid": self.event.correlation_id,
            "payload": self.event.payload,
        }


async def dead_letter_topics(cluster: Cluster, settings: OpsSettings) -> list[DeadLetterTopic]:
    prefix = f"{settings.kafka_namespace}." if settings.kafka_namespace else ""
    topics = {t: ps for t, ps in (await cluster.topics()).items() if t.endswith(DLQ_SUFFIX) and t.startswith(prefix)}
    tps = [TopicPartition(t, p) for t, ps in topics.items() for p in ps]
    firsts, ends = await cluster.beginning_offsets(tps), await cluster.end_offsets(tps)
    return [
        DeadLetterTopic(
            group=settings.contract_name(topic).removesuffix(DLQ_SUFFIX),
            topic=topic,
            records=sum(ends[tp] - firsts[tp] for tp in tps if tp.topic == topic),
        )
        for topic in topics
    ]


async def dead_letters(cluster: Cluster, settings: OpsSettings, group: str) -> list[DeadLetter]:
    topic = settings.local_group(group) + DLQ_SUFFIX
    found = []
    async for record in cluster.read(await cluster.partitions(topic), start="earliest"):
        found.append(DeadLetter(read_event(record), list(record.headers or ()), record.value or b"", record.key))
    return found


def chosen(letters: list[DeadLetter], picks: list[str], everything: bool) -> list[DeadLetter]:
    """`picks` are `PARTITION:OFFSET`, or `OFFSET` when the dead-letter topic has one partition."""
    if everything:
        return letters
    partitions = {d.event.partition for d in letters}
    wanted = set()
    for pick in picks:
        if ":" not in pick:
            if len(partitions) > 1:
                raise ValueError(f"{pick!r}: the dead letters are on several partitions, say PARTITION:OFFSET")
            pick = f"{next(iter(partitions), 0)}:{pick}"
        wanted.add(pick)
    missing = wanted - {d.where for d in letters}
    if missing:
        raise ValueError(f"no dead letter at {', '.join(sorted(missing))}")
    return [d for d in letters if d.where in wanted]


async def redrive(cluster: Cluster, letters: list[DeadLetter]) -> list[tuple[DeadLetter, str, int, int]]:
    """Each letter back to its source topic: (letter, topic, partition, offset) as written."""
    sent = []
    async with cluster.producer() as producer:
        for letter in letters:
            if not letter.source_topic:
                raise ValueError(f"dead letter {letter.where} names no source topic (x-dlq-source-topic)")
            meta = await producer.send_and_wait(
                letter.source_topic,
                letter.value,
                key=letter.key,
                headers=letter.redrive_headers(),
            )
            sent.append((letter, meta.topic, meta.partition, meta.offset))
    return sent
