"""Durable background jobs in MongoDB, for slow work (image generation, rendering).

A message handler enqueues a job in its transaction and returns at once, so the consumer keeps
serving the bus and commits offsets in order. Workers in every instance of the service claim
jobs with a lease (an atomic find-and-update), so several jobs run at once (bounded per
process) and instances share the work; between owners the claim is fair (`job_fairness`).
A worker keeps extending its lease while the job runs (`job_lease`), and stops the job if it
cannot; if the process dies, another worker runs the job again: as soon as the session
registry finds the process dead (`release_jobs_of`), or at the latest when the lease expires.
The job's result (state change, emitted events, `done`) commits in one transaction that first
checks the lease is still held, so a job's outcome is applied once.

Failures: `RetryLater` (e.g. a 429 with Retry-After), the job's deadline passing, or any
exception puts the job back with backoff, and counts as an attempt; after `max_attempts` the
pool calls `on_give_up`, which commits the *Failed event and marks the job failed. Every claim
counts as an attempt, so a job whose worker died while running it meets the same bound: claimed
past it, it is given up instead of run. A server away (MongoDB, Kafka, S3: `is_server_away`, or
`Outage` raised by the handler) puts the job back with a growing delay and counts nothing;
only after `max_outages` of them in a row (minutes of backoff) is the job given up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.messages.base import Message
from reelflow_kit.bus.retry import is_server_away, is_transient_transaction_error
from reelflow_kit.failures import DeadlineExceeded, Failure, Outage
from reelflow_kit.job_fairness import FAIRNESS_INDEXES, SHARED_KEY, rank_for
from reelflow_kit.job_lease import LeaseKeeper
from reelflow_kit.logging import message_context
from reelflow_kit.metrics import jobs as outcomes
from reelflow_kit.metrics.jobs import JobMetrics
from reelflow_kit.transaction import Transaction, Transactions

log = logging.getLogger(__name__)

JOBS = "jobs"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
UNFINISHED = (QUEUED, RUNNING)


async def release_jobs_of(db: AsyncDatabase[dict[str, Any]], instance_id: str) -> int:
    """The jobs a dead instance was running, back in the queue now (the attempt it made counts)."""
    result = await db[JOBS].update_many(
        {"status": RUNNING, "lease_owner": {"$regex": f"^{re.escape(instance_id)}/"}},
        {"$set": {"status": QUEUED, "not_before": _now()}, "$unset": {"lease_owner": "", "lease_until": ""}},
    )
    if result.modified_count:
        log.warning(
            "jobs of a dead instance queued again", extra={"dead_instance": instance_id, "jobs": result.modified_count}
        )
    return result.modified_count


class Deferred(Exception):
    """Not now, and not a failure (e.g. its owner has enough jobs of this kind running): put the
    job back to run after `delay_s`, counting nothing."""

    def __init__(self, message: str, delay_s: float) -> None:
        super().__init__(message)
        self.delay_s = delay_s


class LeaseLost(Exception):
    """Another worker took the job over (this one was too slow to renew its lease)."""


def _now() -> datetime:
    return datetime.now(UTC)


async def ensure_job_indexes(db: AsyncDatabase[dict[str, Any]]) -> None:
    for keys in FAIRNESS_INDEXES:
        await db[JOBS].create_index(keys)
    await db[JOBS].create_index([("kind", ASCENDING), ("status", ASCENDING), ("lease_until", ASCENDING)])


async def enqueue_job(
    tx: Transaction,
    kind: str,
    job_id: str,
    payload: dict[str, Any],
    *,
    fair_key: str | None = None,
    delay_s: float = 0.0,
) -> None:
    """Add a job in the caller's transaction. The same id twice is one job (replays add nothing).
    `fair_key` (the owner, else the script) shares the pool fairly between keys; jobs without
    one share a single turn. It runs `delay_s` from now at the earliest."""
    now = _now()
    fair_key = fair_key or SHARED_KEY
    rank = await rank_for(tx.db[JOBS], kind, fair_key, UNFINISHED, session=tx.session)
    await tx.db[JOBS].update_one(
        {"_id": job_id},
        {
            "$setOnInsert": {
                "kind": kind,
                "payload": payload,
                "status": QUEUED,
                "attempts": 0,
                "failures": 0,
                "outages": 0,
                "fair_key": fair_key,
                "rank": rank,
                "not_before": now + timedelta(seconds=delay_s),
                "created_at": now,
                "updated_at": now,
                "correlation_id": tx.correlation_id,
                "causation_id": tx.causation_id,
            }
        },
        upsert=True,
        session=tx.session,
    )
    tx.enqueued_kinds.add(kind)


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    payload: dict[str, Any]
    attempt: int
    correlation_id: str | None
    causation_id: str | None
    lease: str = ""
    """This claim's lease token: each claim has its own, even within one pool."""
    claimed_at: float = 0.0
    """time.monotonic() just before the claim: the lease lasts from there."""
    failures: int = 0
    """Attempts whose failure was put on record; the others of `attempt - 1` died with their worker."""
    outages: int = 0
    last_failure: Failure | None = None


class JobContext:
    """What a job handler sees: the job and one transaction that commits its outcome."""

    def __init__(self, runtime: Transactions, job: Job) -> None:
        self.runtime = runtime
        self.job = job
        self._opened = False
        self._reports = 0

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        return self.runtime.db

    @contextlib.asynccontextmanager
    async def transaction(self, *, status: str = DONE, failure: Failure | None = None) -> AsyncIterator[Transaction]:
        if self._opened:
            raise RuntimeError("a job commits its outcome once")
        self._opened = True

        async def finish_if_still_leased(session: AsyncClientSession) -> None:
            finished = await self.db[JOBS].update_one(
                {"_id": self.job.id, "status": RUNNING, "lease_owner": self.job.lease},
                {
                    "$set": {
                        "status": status,
                        "updated_at": _now(),
                        "attempts": self.job.attempt,
                        "last_error": str(failure) if failure else None,
                        "last_failure": failure.to_doc() if failure else None,
                    },
                    "$unset": {"lease_owner": "", "lease_until": ""},
                },
                session=session,
            )
            if finished.matched_count != 1:
                raise LeaseLost(self.job.id)

        # the job's events continue the chain of the message that enqueued it
        async with self.runtime.transaction(
            id_seed=f"job/{self.job.id}",
            correlation_id=self.job.correlation_id,
            causation_id=self.job.causation_id,
            first=finish_if_still_leased,
        ) as tx:
            yield tx

    async def report(self, *events: Message) -> None:
        """Emit interim events (progress) in their own transaction while the job runs, if the
        job is still this worker's; the outcome still commits once, through `transaction`."""
        self._reports += 1

        async def check_still_leased(session: AsyncClientSession) -> None:
            # a read, not a write: the lease keeper's renewals never conflict with a report
            held = await self.db[JOBS].find_one(
                {"_id": self.job.id, "status": RUNNING, "lease_owner": self.job.lease}, {"_id": 1}, session=session
            )
            if held is None:
                raise LeaseLost(self.job.id)

        async with self.runtime.transaction(
            id_seed=f"job/{self.job.id}/{self.job.attempt}/report/{self._reports}",
            correlation_id=self.job.correlation_id,
            causation_id=self.job.causation_id,
            first=check_still_leased,
        ) as tx:
            for event in events:
                tx.emit(event)


JobHandler = Callable[[JobContext], Awaitable[None]]
GiveUpHandler = Callable[[JobContext, Failure], Awaitable[None]]


class JobPool:
    def __init__(
        self,
        runtime: Transactions,
        kind: str,
        handler: JobHandler,
        *,
        concurrency: int,
        lease_s: float,
        max_attempts: int,
        on_give_up: GiveUpHandler | None,
        deadline_s: float,
        max_outages: int = 20,
        poll_interval_s: float = 0.25,
        outage_backoff_s: float = 0.5,
        outage_backoff_cap_s: float = 30.0,
        metrics: JobMetrics | None = None,
    ) -> None:
        self.runtime = runtime
        self.metrics = metrics or JobMetrics(CollectorRegistry())
        self.kind = kind
        self.handler = handler
        self.concurrency = concurrency
        self.lease = timedelta(seconds=lease_s)
        self.max_attempts = max_attempts
        self.on_give_up = on_give_up
        self.deadline_s = deadline_s
        self.max_outages = max_outages
        self.poll_interval_s = poll_interval_s
        self.outage_backoff_s = outage_backoff_s
        self.outage_backoff_cap_s = outage_backoff_cap_s
        self.worker_id = f"{runtime.instance_id}/{kind}"
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._dispatcher: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self.running = 0
        self.completed = 0
        self.failed = 0

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._dispatcher = asyncio.create_task(self._dispatch(), name=f"jobs-{self.kind}")

    async def stop(self) -> None:
        tasks = [t for t in (self._dispatcher, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._dispatcher, self._running = None, set()
        # jobs interrupted by a graceful stop (or claimed and not yet started) go back to the queue
        # for any instance; the interrupted attempt does not count
        await self.runtime.db[JOBS].update_many(
            {"kind": self.kind, "status": RUNNING, "lease_owner": {"$regex": f"^{re.escape(self.worker_id)}/"}},
            {
                "$set": {"status": QUEUED, "not_before": _now()},
                "$unset": {"lease_owner": "", "lease_until": ""},
                "$inc": {"attempts": -1},
            },
        )

    async def _dispatch(self) -> None:
        """Claims one job whenever a slot is free and runs it in its own task. One claimer per
        pool, however large its concurrency: an idle pool asks the database once per wake-up or
        poll interval, and a job queued here is claimed once, not raced for by every idle worker."""
        while True:
            await self._slots.acquire()
            job = await self._next_job()
            task = asyncio.create_task(self._run_in_slot(job), name=f"job-{self.kind}-{job.id}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _next_job(self) -> Job:
        while True:
            self._wake.clear()  # before asking: a job queued while the claim is on its way wakes the wait below
            try:
                job = await self._claim()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cannot claim jobs", extra={"kind": self.kind, "error": repr(exc)})
                await asyncio.sleep(1.0)
                continue
            if job is not None:
                return job
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)

    async def _run_in_slot(self, job: Job) -> None:
        try:
            with message_context(job.correlation_id, job.causation_id):
                await self._run(job)
        except Exception as exc:  # e.g. the database away while a failure was put on record
            log.error(
                "job outcome not recorded; it runs again once its lease has run out",
                extra={"job": job.id, "kind": self.kind, "error": repr(exc)},
            )
        finally:
            self._slots.release()

    async def _claim(self) -> Job | None:
        """The lowest-ranked job that is due (or whose worker died), oldest first among equals."""
        claimed_at, now = time.monotonic(), _now()
        lease = f"{self.worker_id}/{uuid.uuid4().hex[:12]}"
        doc = await self.runtime.db[JOBS].find_one_and_update(
            {
                "kind": self.kind,
                "$or": [
                    {"status": QUEUED, "not_before": {"$lte": now}},
                    {"status": RUNNING, "lease_until": {"$lt": now}},  # its worker died
                ],
            },
            {
                "$set": {"status": RUNNING, "lease_owner": lease, "lease_until": now + self.lease, "updated_at": now},
                "$inc": {"attempts": 1},
            },
            sort=[("rank", ASCENDING), ("not_before", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        log.info("job claimed", extra={"job": doc["_id"], "kind": self.kind, "attempt": doc["attempts"]})
        self.metrics.waited.labels(self.kind).observe(max(0.0, (now - _aware(doc["not_before"])).total_seconds()))
        return Job(
            id=doc["_id"],
            kind=doc["kind"],
            payload=doc["payload"],
            attempt=doc["attempts"],
            correlation_id=doc.get("correlation_id"),
            causation_id=doc.get("causation_id"),
            lease=lease,
            claimed_at=claimed_at,
            failures=doc.get("failures", 0),
            outages=doc.get("outages", 0),
            last_failure=Failure.from_doc(doc["last_failure"]) if doc.get("last_failure") else None,
        )

    async def _run(self, job: Job) -> None:
        self.running += 1
        running = self.metrics.running.labels(self.kind)
        running.inc()
        began, outcome = time.perf_counter(), None
        try:
            if job.attempt > self.max_attempts:  # its attempts are used up: the last ones died with their worker
                outcome = outcomes.GAVE_UP
                await self._give_up(replace(job, attempt=job.attempt - 1), _died(job))
                return
            await self._attempt(job)
            outcome = outcomes.DONE
            self.completed += 1
            log.info("job finished", extra={"job": job.id, "kind": self.kind, "attempt": job.attempt})
        except asyncio.CancelledError:
            raise
        except LeaseLost:
            outcome = outcomes.LEASE_LOST
            log.warning("job stopped: its lease is lost", extra={"job": job.id})
            await self._hand_back(job)
        except Exception as exc:
            outcome = await self._failed(job, exc)
        finally:
            self.running -= 1
            running.dec()
            if outcome is not None:  # None: stopped (the process is stopping)
                self.metrics.ended(self.kind, outcome, time.perf_counter() - began)

    async def _attempt(self, job: Job) -> None:
        """The handler, within the deadline and for as long as the lease is kept."""
        handling = asyncio.create_task(self._handle_within_deadline(job))
        keeper = LeaseKeeper(
            lambda: self._extend_lease(job),
            lease_s=self.lease.total_seconds(),
            held_until=job.claimed_at + self.lease.total_seconds(),
            what={"job": job.id, "kind": self.kind},
        )
        keeping = asyncio.create_task(keeper.keep(handling))
        try:
            await handling
        except asyncio.CancelledError:
            this_task = asyncio.current_task()
            assert this_task is not None  # a coroutine run by a task
            if keeper.lost and not this_task.cancelling():
                raise LeaseLost(job.id) from None
            raise
        finally:
            keeping.cancel()

    async def _handle_within_deadline(self, job: Job) -> None:
        limit = asyncio.timeout(self.deadline_s)
        try:
            async with limit:
                await self.handler(JobContext(self.runtime, job))
        except TimeoutError:
            if limit.expired():
                raise DeadlineExceeded(self.deadline_s) from None
            raise

    async def _extend_lease(self, job: Job) -> bool:
        """Whether the lease is still this claim's (now extended)."""
        renewed = await self.runtime.db[JOBS].update_one(
            {"_id": job.id, "status": RUNNING, "lease_owner": job.lease},
            {"$set": {"lease_until": _now() + self.lease}},
        )
        return renewed.matched_count == 1

    async def _failed(self, job: Job, exc: Exception) -> str:
        """Puts the failed attempt on record; returns how it ended (`reelflow_kit.metrics.jobs`)."""
        failure = Failure.of(exc)
        if is_transient_transaction_error(exc):
            await self._requeue(job, failure, delay_s=0.05, count_attempt=False)
            return outcomes.RETRY
        if isinstance(exc, Deferred):
            await self._requeue(job, Failure("deferred", str(exc)), delay_s=exc.delay_s, count_attempt=False)
            return outcomes.DEFERRED
        if isinstance(exc, Outage) or is_server_away(exc):
            if job.outages + 1 >= self.max_outages:  # away for minutes, not seconds: the job still ends
                await self._give_up(job, failure)
                return outcomes.GAVE_UP
            delay = random.uniform(0.5, 1.0) * min(self.outage_backoff_cap_s, self.outage_backoff_s * 2**job.outages)
            log.warning(
                "job met an outage, retrying (not counted as an attempt)",
                extra={"job": job.id, "error": str(failure), "outages": job.outages + 1, "retry_in_s": round(delay, 2)},
            )
            await self._requeue(job, failure, delay_s=delay, count_attempt=False, outage=True)
            return outcomes.OUTAGE
        if job.attempt >= self.max_attempts or not failure.retryable:
            await self._give_up(job, failure)
            return outcomes.GAVE_UP
        delay = (
            failure.delay_s
            if failure.delay_s is not None
            else random.uniform(0.5, 1.0) * min(30.0, 0.5 * 2 ** (job.attempt - 1))
        )
        log.warning(
            "job failed, retrying",
            extra={"job": job.id, "attempt": job.attempt, "error": str(failure), "retry_in_s": round(delay, 2)},
        )
        await self._requeue(job, failure, delay_s=delay)
        return outcomes.RETRY

    async def _give_up(self, job: Job, failure: Failure) -> None:
        log.error("job gave up", extra={"job": job.id, "kind": self.kind, "error": str(failure)})
        self.failed += 1
        if self.on_give_up:
            try:
                await self.on_give_up(JobContext(self.runtime, job), failure)
                return
            except LeaseLost:
                return
            except Exception as give_up_error:
                # The failure event must get out: put the job back and give up again later,
                # rather than leave the aggregate waiting for an event that never comes.
                log.warning("give-up handler failed, retrying", extra={"job": job.id, "error": repr(give_up_error)})
                await self._requeue(job, failure, delay_s=1.0, count_attempt=False)
                return
        await self._mark(job, FAILED, failure)

    async def _requeue(
        self, job: Job, failure: Failure, delay_s: float, count_attempt: bool = True, outage: bool = False
    ) -> None:
        update: dict[str, Any] = {
            "$set": {
                "status": QUEUED,
                "not_before": _now() + timedelta(seconds=delay_s),
                "last_error": str(failure),
                "last_failure": failure.to_doc(),
                "updated_at": _now(),
            },
            "$unset": {"lease_owner": "", "lease_until": ""},
            "$inc": {"failures": 1} if count_attempt else {"attempts": -1},
        }
        if outage:
            update["$inc"]["outages"] = 1
        await self.runtime.db[JOBS].update_one({"_id": job.id, "lease_owner": job.lease}, update)

    async def _hand_back(self, job: Job) -> None:
        """A job stopped because its lease could not be renewed goes back to the queue at once
        (not counted) if the lease is still its own and the database answers; else it waits for
        its lease to run out, and the stopped attempt counts as one whose worker died."""
        try:
            await self._requeue(
                job, Failure("lease_lost", "the job's lease could not be renewed"), delay_s=0, count_attempt=False
            )
        except Exception as exc:
            log.warning("stopped job left to its lease", extra={"job": job.id, "error": repr(exc)})

    async def _mark(self, job: Job, status: str, failure: Failure) -> None:
        await self.runtime.db[JOBS].update_one(
            {"_id": job.id, "lease_owner": job.lease},
            {
                "$set": {
                    "status": status,
                    "last_error": str(failure),
                    "last_failure": failure.to_doc(),
                    "updated_at": _now(),
                    "attempts": job.attempt,
                },
                "$unset": {"lease_owner": "", "lease_until": ""},
            },
        )


def _aware(moment: datetime) -> datetime:
    """PyMongo hands dates back naive (in UTC) unless its client is told otherwise."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _died(job: Job) -> Failure:
    """Why a job claimed past its attempts is given up: its workers died running it."""
    deaths = max(1, job.attempt - 1 - job.failures)
    message = f"worker died {deaths} time{'s' if deaths != 1 else ''} while running this job"
    if job.last_failure is not None:
        return Failure(job.last_failure.code, f"{message} (last error: {job.last_failure.message})")
    return Failure("worker_died", message)
