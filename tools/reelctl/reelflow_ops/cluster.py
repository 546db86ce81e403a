"""What reelctl asks of the broker, answered correctly on Apache Kafka and on the embedded Tansu.

Tansu (ARCHITECTURE.md section 7, measured again for reelctl) answers some requests wrongly:
`ListOffsets` for the latest offset (`end_offsets`, `seek_to_end`) and for a timestamp
(`offsets_for_times`) return wrong offsets, and `OffsetFetch` for a whole group
(`list_consumer_group_offsets`) and `DescribeGroups` of an unknown group break the connection.
So on Tansu reelctl never sends those: the end of a partition is the high watermark of a fetch
(exact), a time is found by reading the partition's timestamps, and a group's committed offsets
are fetched per partition through its coordinator. Apache Kafka gets the direct requests.
Tansu also keeps listing a stopped consumer as a group member (its LeaveGroup and session
timeout are not always honoured) until the group rebalances; `stopped_group_state` makes the
group rebalance by joining it, so only members that still answer are counted.
When an answer cannot be had this way, reelctl refuses (`Unsupported`) instead of guessing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata, TopicPartition

from reelflow_ops.settings import OpsSettings

TANSU = "tansu"
APACHE = "kafka"
HIGHWATER_TIMEOUT_S = 10.0
PROBE_SESSION_MS = 6000
PROBE_JOIN_TIMEOUT_S = 90.0


class Unsupported(RuntimeError):
    """This broker cannot answer the question correctly; reelctl says so instead of guessing."""


@dataclass(frozen=True)
class GroupState:
    group: str
    state: str
    members: int

    @property
    def active(self) -> bool:
        return self.members > 0 or self.state not in ("Empty", "Dead", "")


class Cluster:
    """One admin client and one group-less consumer on the configured bootstrap servers."""

    def __init__(self, settings: OpsSettings, admin: AIOKafkaAdminClient, reader: AIOKafkaConsumer, kind: str) -> None:
        self.settings = settings
        self.admin = admin
        self.reader = reader
        self.kind = kind

    @property
    def exact_offset_requests(self) -> bool:
        """Whether ListOffsets (latest, by time) can be trusted on this broker."""
        return self.kind == APACHE

    # -- topics and offsets ---------------------------------------------------------------------

    async def topics(self) -> dict[str, list[int]]:
        """Every topic but the broker's own, with its partitions (one Metadata request for all)."""
        found = {}
        for topic in await self.admin.describe_topics():
            name = topic["topic"]
            if name.startswith("__") or topic["error_code"]:
                continue
            found[name] = sorted(p["partition"] for p in topic["partitions"])
        return dict(sorted(found.items()))

    async def partitions(self, topic: str) -> list[TopicPartition]:
        """The topic's partitions; none if it does not exist (asked among all topics: a Metadata
        request naming one topic makes Tansu create it)."""
        return [TopicPartition(topic, p) for p in (await self.topics()).get(topic, [])]

    async def beginning_offsets(self, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        tps = list(tps)
        return dict(await self.reader.beginning_offsets(tps)) if tps else {}

    async def end_offsets(self, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        tps = list(tps)
        if not tps:
            return {}
        if self.exact_offset_requests:
            return dict(await self.reader.end_offsets(tps))
        return await self._high_watermarks(tps)

    async def _high_watermarks(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        """The end of each partition as a fetch response states it (right on Tansu, unlike ListOffsets)."""
        consumer = self._consumer(max_partition_fetch_bytes=1024)
        await consumer.start()
        try:
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            deadline = time.monotonic() + HIGHWATER_TIMEOUT_S
            while True:
                await consumer.getmany(timeout_ms=50, max_records=1)
                marks = {tp: consumer.highwater(tp) for tp in tps}
                if all(mark is not None for mark in marks.values()):
                    return {tp: int(mark) for tp, mark in marks.items() if mark is not None}
                if time.monotonic() > deadline:
                    missing = ", ".join(f"{tp.topic}[{tp.partition}]" for tp, m in marks.items() if m is None)
                    raise Unsupported(f"the broker did not state the end of {missing}; refusing to guess")
        finally:
            await consumer.stop()

    async def offsets_at(self, tps: list[TopicPartition], when: datetime) -> dict[TopicPartition, int]:
        """The first offset of each partition whose record is at or after `when` (the end if none is)."""
        ends = await self.end_offsets(tps)
        if self.exact_offset_requests:
            found = await self.reader.offsets_for_times({tp: int(when.timestamp() * 1000) for tp in tps})
            return {tp: (found[tp].offset if found.get(tp) is not None else ends[tp]) for tp in tps}
        # Tansu's timestamp lookup is wrong: read the timestamps instead.
        wanted_ms = int(when.timestamp() * 1000)
        result = dict(ends)
        async for record in self.read(tps, start="earliest", stop_at=ends):
            tp = TopicPartition(record.topic, record.partition)
            if record.timestamp >= wanted_ms and record.offset < result[tp]:
                result[tp] = record.offset
        return result

    # -- reading ------------------------------------------------------------------------------------

    def _consumer(self, **options: Any) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            client_id="reelctl",
            enable_auto_commit=False,
            fetch_max_wait_ms=self.settings.kafka_fetch_max_wait_ms,
            request_timeout_ms=self.settings.kafka_request_timeout_ms,
            **options,
        )

    async def read(
        self,
        tps: list[TopicPartition],
        *,
        start: str | int | dict[TopicPartition, int] = "earliest",
        stop_at: dict[TopicPartition, int] | None = None,
        follow: bool = False,
    ) -> AsyncIterator[ConsumerRecord]:
        """The records of `tps` from `start` ("earliest", an offset, or one per partition) up to
        `stop_at` (exclusive; the ends as they are now when None), or for ever with `follow`."""
        if not tps:
            return
        if stop_at is None and not follow:
            stop_at = await self.end_offsets(tps)
        consumer = self._consumer()
        await consumer.start()
        try:
            consumer.assign(tps)
            positions = start_positions(tps, start, await self.beginning_offsets(tps))
            for tp, position in positions.items():
                consumer.seek(tp, position)
            pending = set(tps) if follow else {tp for tp in tps if stop_at is not None and positions[tp] < stop_at[tp]}
            while follow or pending:
                batch = await consumer.getmany(timeout_ms=200)
                for tp, records in batch.items():
                    for record in records:
                        if not follow and stop_at is not None and record.offset >= stop_at[tp]:
                            pending.discard(tp)
                            break
                        yield record
                        if not follow and stop_at is not None and record.offset + 1 >= stop_at[tp]:
                            pending.discard(tp)
        finally:
            await consumer.stop()

    # -- consumer groups ------------------------------------------------------------------------

    async def groups(self) -> list[str]:
        return sorted(group for group, _ in await self.admin.list_consumer_groups())

    async def group_state(self, group: str) -> GroupState:
        """State and member count; only for a group the broker lists (Tansu breaks on others)."""
        if group not in await self.groups():
            return GroupState(group, "Dead", 0)
        described = await self.admin.describe_consumer_groups([group])
        for response in described:
            for error_code, group_id, state, _protocol_type, _protocol, members, *_ in response.groups:
                if group_id == group and error_code == 0:
                    return GroupState(group, state, len(members))
        raise Unsupported(f"the broker gave no description of group {group!r}")

    async def stopped_group_state(self, group: str, topics: Iterable[str]) -> GroupState:
        """The group's state with only live members counted. On Tansu the listed members may be
        stopped consumers: reelctl then joins the group on `topics` (a rebalance, in which a member
        that does not answer within its timeout is dropped), counts the others, and leaves."""
        state = await self.group_state(group)
        if not state.active or self.kind != TANSU:
            return state
        return await self._members_answering(group, sorted(set(topics)))

    async def _members_answering(self, group: str, topics: list[str]) -> GroupState:
        if not topics:
            return await self.group_state(group)
        probe = self._consumer(
            group_id=group,
            session_timeout_ms=PROBE_SESSION_MS,
            heartbeat_interval_ms=PROBE_SESSION_MS // 3,
            rebalance_timeout_ms=PROBE_SESSION_MS,
        )
        probe.subscribe(topics)
        await probe.start()
        try:
            deadline = time.monotonic() + PROBE_JOIN_TIMEOUT_S
            while not probe.assignment():
                await probe.getmany(timeout_ms=200, max_records=1)
                if time.monotonic() > deadline:
                    raise Unsupported(
                        f"could not join group {group!r} within {PROBE_JOIN_TIMEOUT_S:.0f}s to see which members answer"
                    )
            joined = await self.group_state(group)  # Tansu names no client ids: the probe is one of these
            others = max(joined.members - 1, 0)
            state = GroupState(group, "Stable" if others else "Empty", others)
        finally:
            await probe.stop()
        return state

    async def committed(self, group: str, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        """The group's committed offset of each partition it has one for."""
        consumer = self._consumer(group_id=group)
        await consumer.start()
        try:
            found = {}
            for tp in tps:
                offset = await consumer.committed(tp)
                if offset is not None and offset >= 0:
                    found[tp] = offset
            return found
        finally:
            await consumer.stop()

    async def commit(self, group: str, offsets: dict[TopicPartition, int]) -> None:
        """Commit `offsets` for a group that has no member (as a standalone consumer of it)."""
        consumer = self._consumer(group_id=group)
        await consumer.start()
        try:
            consumer.assign(list(offsets))
            await consumer.commit({tp: OffsetAndMetadata(offset, "reelctl replay") for tp, offset in offsets.items()})
        finally:
            await consumer.stop()

    # -- writing ------------------------------------------------------------------------------------

    @asynccontextmanager
    async def producer(self) -> AsyncIterator[AIOKafkaProducer]:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            client_id="reelctl",
            acks="all",
            enable_idempotence=False,
            request_timeout_ms=self.settings.kafka_request_timeout_ms,
        )
        await producer.start()
        try:
            yield producer
        finally:
            await producer.stop()


def start_positions(
    tps: list[TopicPartition], start: str | int | dict[TopicPartition, int], firsts: dict[TopicPartition, int]
) -> dict[TopicPartition, int]:
    """Where reading starts on each partition: its first offset, the given one, or one per partition."""
    if start == "earliest":
        return {tp: firsts[tp] for tp in tps}
    if isinstance(start, dict):
        return {tp: max(start[tp], firsts[tp]) for tp in tps}
    return {tp: max(int(start), firsts[tp]) for tp in tps}


async def broker_kind(admin: AIOKafkaAdminClient) -> str:
    """ "tansu" or "kafka", from the cluster id DescribeCluster answers (Tansu's is `tansu_cluster`)."""
    try:
        described = await admin.describe_cluster()
    except Exception as exc:  # noqa: BLE001 - an old broker without DescribeCluster is not Tansu
        if "tansu" in repr(exc).lower():
            return TANSU
        return APACHE
    return TANSU if "tansu" in str(described.get("cluster_id") or "").lower() else APACHE


@asynccontextmanager
async def connect(settings: OpsSettings) -> AsyncIterator[Cluster]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id="reelctl",
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    reader = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id="reelctl",
        enable_auto_commit=False,
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    await asyncio.gather(admin.start(), reader.start())
    try:
        yield Cluster(settings, admin, reader, await broker_kind(admin))
    finally:
        await asyncio.gather(admin.close(), reader.stop(), return_exceptions=True)
