"""The read model's consumer: every `*.events` topic, projected a batch at a time.

The services' consumers (the kit's `Consumer`) handle one message per MongoDB transaction, with
an inbox lookup before and a Kafka offset commit after each. For the read model that made every
hop of the pipeline wait on a queue of small transactions: the events of one hop arrive together
(a service's outbox relay sends a transaction's events at once: a script's SceneCreated and
ScriptSegmented, a scene's ShotPlanned), and each cost about 10 ms on its own (bench/pipeline.py).
Here whatever one fetch returns (up to `max_batch` records) is applied in one transaction, whose
first write both asks and fills the inbox, with one offset commit after it.

The delivery rules are the kit's (docs/architecture.md), with the same inbox collection and keys:
- offsets are committed only after the batch's transaction committed (at-least-once);
- each event id is recorded in the inbox (`<group>/<ce_id>`) in that transaction, so a
  redelivered or replayed event changes nothing;
- the AI usage the events carry is added to their scripts' totals in that transaction too
  (`usage.py`);
- a record that is not a valid CloudEvent of a known type goes to `<group>.dlq` with the error in
  its headers; a well-formed message of an unknown type, or of a type the read model does not
  project, is skipped;
- a server that is away or a write conflict: the batch is retried, without limit;
- anything else: the batch is projected again one event per transaction, each retried up to
  `handler_max_attempts` times and then dead-lettered, so one bad event neither blocks nor
  drops its neighbours.
After the commit, each outcome wakes the write request waiting for it in this process, and the
ids the events were about wake the GETs waiting for those views to change (`changes`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.structs import ConsumerRecord, TopicPartition
from pymongo import UpdateOne

from reelflow_contracts.envelope import Envelope, MessageDecodeError, UnknownMessageType, decode
from reelflow_contracts.messages.base import Message
from reelflow_contracts.topics import dead_letter_topic
from reelflow_gateway.readmodel.changes import ViewChanges, subjects_of
from reelflow_gateway.readmodel.outcomes import OutcomeWaiters, store_outcome
from reelflow_gateway.readmodel.projector import Apply, ApplyMany, OutcomeOf
from reelflow_gateway.readmodel.usage import add_usage
from reelflow_kit.bus.delivery import dead_letter, with_message_retries
from reelflow_kit.bus.retry import backoff_delay, is_infrastructure_error, is_transient_transaction_error
from reelflow_kit.logging import message_context
from reelflow_kit.metrics.bus import UNDECODABLE
from reelflow_kit.metrics.labels import record_type
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.store.inbox import INBOX, AlreadyApplied, inbox_key, record_applied

log = logging.getLogger(__name__)

Projection = tuple["Apply | None", "OutcomeOf"]
Item = tuple[ConsumerRecord, Envelope, Projection]

_partitioner = DefaultPartitioner()

BATCH = "batch"
"""The `type` label of the read model's handler time and batch retries: a batch mixes types."""


class ReadModelConsumer:
    def __init__(
        self,
        runtime: ServiceRuntime,
        group: str,
        topics: Iterable[str],
        projections: Mapping[type[Message], Projection],
        waiters: OutcomeWaiters,
        *,
        batched: Mapping[type[Message], ApplyMany] | None = None,
        max_batch: int = 500,
        idle_wait_ms: int = 500,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.group = settings.consumer_group(group)
        self.topics = tuple(settings.topic(t) for t in topics)
        self.dlq_topic = dead_letter_topic(self.group)
        self.max_batch = max_batch
        self.idle_wait_ms = idle_wait_ms
        self._projections = dict(projections)
        self._batched = dict(batched or {})
        self._waiters = waiters
        self.changes = ViewChanges()
        self.consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task | None = None
        self.processed = 0
        self.dead_lettered = 0
        self.batches = 0
        self.metrics = runtime.metrics.bus
        # The runtime creates the topics on start and lists this consumer's counters in /healthz.
        runtime.topics.update(self.topics)
        runtime.topics.add(self.dlq_topic)
        runtime.consumers.append(self)  # type: ignore[arg-type]  # same counters as the kit's Consumer

    # -- lifecycle

    async def start(self) -> None:
        settings = self.runtime.settings
        self.consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=settings.kafka_bootstrap,
            group_id=self.group,
            client_id=f"reelflow-{settings.service_name}-read-model",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
            request_timeout_ms=max(settings.kafka_request_timeout_ms, settings.kafka_session_timeout_ms + 1000),
        )
        await self.consumer.start()
        self._task = asyncio.create_task(self._run(), name="read-model")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()  # an interrupted batch is not committed: it comes again, and the inbox skips it
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self.consumer:
            await self.consumer.stop()
            self.consumer = None

    # -- partitions (read-your-writes asks whose the answer is)

    def owns(self, topic: str, key: str) -> bool:
        """Whether this instance is assigned the partition of `topic` that `key` lands on."""
        consumer = self.consumer
        if consumer is None:
            return False
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return False
        partition = _partitioner(key.encode(), sorted(partitions), None)
        return TopicPartition(topic, partition) in consumer.assignment()

    def assigned_partitions(self) -> int:
        return len(self.consumer.assignment()) if self.consumer is not None else 0

    # -- the loop

    async def _run(self) -> None:
        assert self.consumer is not None
        failures = 0
        while True:
            try:
                fetched = await self.consumer.getmany(timeout_ms=self.idle_wait_ms, max_records=self.max_batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker is away: keep asking
                failures += 1
                log.warning("read model cannot fetch, retrying", extra={"error": repr(exc), "retries": failures})
                await asyncio.sleep(
                    backoff_delay(
                        min(failures, 4),
                        self.runtime.settings.retry_backoff_s,
                        self.runtime.settings.retry_backoff_max_s,
                    )
                )
                continue
            failures = 0
            records = [record for batch in fetched.values() for record in batch]
            if not records:
                continue
            try:
                await self.handle(records)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # e.g. the dead-letter topic unreachable: read the batch again
                failures += 1
                log.warning("read model batch not handled, reading it again", extra={"error": repr(exc)})
                self._rewind(records)
                await asyncio.sleep(
                    backoff_delay(
                        min(failures, 4),
                        self.runtime.settings.retry_backoff_s,
                        self.runtime.settings.retry_backoff_max_s,
                    )
                )
                continue
            await self._commit_offsets()

    def _rewind(self, records: list[ConsumerRecord]) -> None:
        assert self.consumer is not None
        first: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            first[tp] = min(first.get(tp, record.offset), record.offset)
        for tp, offset in first.items():
            if tp in self.consumer.assignment():
                self.consumer.seek(tp, offset)

    async def _commit_offsets(self) -> None:
        assert self.consumer is not None
        try:
            await self.consumer.commit()
        except (CommitFailedError, IllegalStateError) as exc:
            # The partitions moved meanwhile: their new owner gets these records again and the
            # inbox skips what was applied here.
            log.info("offsets not committed after a rebalance", extra={"error": repr(exc)})
        except KafkaError as exc:
            log.warning("offsets not committed; the next batch's commit covers them", extra={"error": repr(exc)})

    async def handle(self, records: list[ConsumerRecord]) -> None:
        """Project `records` (in the order given) and wake the requests waiting for their outcomes."""
        items: list[Item] = []
        for record in records:
            try:
                envelope = decode(list(record.headers or ()), record.value)
            except UnknownMessageType as exc:
                log.debug("ignoring unknown message type", extra={"ce_type": exc.ce_type, "topic": record.topic})
                continue
            except MessageDecodeError as exc:
                await self.dead_letter(record, f"undecodable: {exc}", undecodable=True)
                continue
            projection = self._projections.get(type(envelope.data))
            if projection is not None:
                items.append((record, envelope, projection))
        if not items:
            return
        began = time.perf_counter()
        transient = 0
        while True:
            try:
                answers = await self._apply_batch(items)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient_transaction_error(exc) or is_infrastructure_error(exc):
                    transient += 1
                    self.metrics.retries.labels(self.group, BATCH, "transient").inc()
                    if transient in (1, 10) or transient % 50 == 0:
                        log.warning(
                            "read model batch: transient failure, retrying",
                            extra={"error": repr(exc), "retries": transient},
                        )
                    await asyncio.sleep(
                        backoff_delay(
                            min(transient, 4),
                            self.runtime.settings.retry_backoff_s,
                            self.runtime.settings.retry_backoff_max_s,
                        )
                    )
                    continue
                log.warning(
                    "read model batch failed; projecting its events one at a time",
                    extra={"error": repr(exc), "events": len(items)},
                )
                answers = [answer for item in items for answer in await self._apply_alone(item)]
                break
        for outcome, view in answers:
            self._waiters.resolve(outcome, view)
        self.changes.touched(subjects_of(envelope for _, envelope, _ in items))
        self.batches += 1
        self.processed += len(items)
        self.metrics.handler_seconds.labels(self.group, BATCH).observe(time.perf_counter() - began)
        for _, envelope, _ in items:
            self.metrics.consumed.labels(self.group, envelope.type, "handled").inc()

    async def _apply_batch(self, items: list[Item]) -> list[tuple]:
        """Every new event of the batch in one transaction; returns (outcome, view) per applied event.

        The inbox is asked and filled in one round trip: an upsert per event id, in the
        transaction, whose `upserted_ids` are the events never applied before."""
        db = self.runtime.db
        unique: dict[str, Item] = {}
        for item in items:
            unique.setdefault(inbox_key(self.group, item[1].id), item)  # the first of a repeat in one batch
        keys = list(unique)
        now = datetime.now(UTC)
        answers: list[tuple] = []
        async with self.runtime.sessions.session() as session:
            async with await session.start_transaction():
                marked = await db[INBOX].bulk_write(
                    [
                        UpdateOne(
                            {"_id": key},
                            {"$setOnInsert": {"type": unique[key][1].type, "applied_at": now}},
                            upsert=True,
                        )
                        for key in keys
                    ],
                    ordered=True,
                    session=session,
                )
                assert marked.upserted_ids is not None, "an acknowledged write reports its upserts"
                fresh = [unique[keys[position]] for position in sorted(marked.upserted_ids)]
                for run in runs(fresh, self._batched):
                    answers += await self._apply_run(session, run)
                await add_usage(db, session, (envelope for _, envelope, _ in fresh))
        return answers

    async def _apply_run(self, session, run: list[Item]) -> list[tuple]:
        db = self.runtime.db
        if len(run) == 1:
            _, envelope, (apply, outcome_of) = run[0]
            with message_context(envelope.correlation_id, envelope.id):
                return [await _project(db, session, envelope, apply, outcome_of)]
        envelopes = [envelope for _, envelope, _ in run]
        await self._batched[type(envelopes[0].data)](db, session, envelopes)
        answers = []
        for _, envelope, (_, outcome_of) in run:
            outcome = outcome_of(envelope)
            if outcome is not None:
                await store_outcome(db, session, outcome)
            answers.append((outcome, None))
        return answers

    async def _apply_alone(self, item: Item) -> list[tuple]:
        """One event in its own transaction, as the kit's Consumer does: retried, then dead-lettered."""
        record, envelope, (apply, outcome_of) = item
        db = self.runtime.db

        async def attempt() -> list[tuple]:
            try:
                async with self.runtime.sessions.session() as session:
                    async with await session.start_transaction():
                        await record_applied(db, session, self.group, envelope.id, envelope.type)
                        answer = await _project(db, session, envelope, apply, outcome_of)
                        await add_usage(db, session, [envelope])
                        return [answer]
            except AlreadyApplied:
                return []

        async def give_up(error: str) -> list[tuple]:
            await self.dead_letter(record, error)
            return []

        with message_context(envelope.correlation_id, envelope.id):
            return await with_message_retries(
                self.runtime.settings,
                attempt,
                give_up,
                what="projection",
                on_retry=self.metrics.retried(self.group, envelope.type),
            )

    async def dead_letter(self, record: ConsumerRecord, error: str, *, undecodable: bool = False) -> None:
        """The record to `<group>.dlq`, with the kit's `x-dlq-*` headers."""
        await dead_letter(self.runtime.broker, record, self.group, self.dlq_topic, error)
        self.dead_lettered += 1
        ce_type = UNDECODABLE if undecodable else record_type(record.headers)
        self.metrics.dead_letters.labels(self.group, ce_type).inc()


def runs(items: list[Item], batched: Mapping[type[Message], ApplyMany]) -> list[list[Item]]:
    """`items` cut into runs, in order: consecutive events of one batched type together, any other alone."""
    cut: list[list[Item]] = []
    for item in items:
        kind = type(item[1].data)
        if cut and kind in batched and type(cut[-1][0][1].data) is kind:
            cut[-1].append(item)
        else:
            cut.append([item])
    return cut


async def _project(db, session, envelope: Envelope, apply, outcome_of) -> tuple:
    outcome = outcome_of(envelope)
    view = await apply(db, session, envelope) if apply is not None else None
    if outcome is not None:
        await store_outcome(db, session, outcome)
    return outcome, view
