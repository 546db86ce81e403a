"""Durable background jobs in MongoDB, for slow work (image generation, rendering).

A message handler enqueues a job in its transaction and returns at once, so the consumer keeps
serving the bus and commits offsets in order. Workers in every instance of the service claim
jobs with a lease (an atomic find-and-update), so several jobs run at once (bounded per
process) and instances share the work. A worker keeps extending its lease while the job runs;
if the process dies, another worker runs the job again: as soon as the session registry finds
the process dead (`release_jobs_of`), or at the latest when the lease expires. The job's
result (state change, emitted events, `done`) commits in one transaction that first checks the
lease is still held, so a job's outcome is applied once.

Failures: `RetryLater` (e.g. a 429 with Retry-After) or any exception puts the job back with
backoff; after `max_attempts` the pool calls `on_give_up`, which commits the *Failed event and
marks the job failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, AsyncIterator, Awaitable, Callable

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.bus.retry import is_transient_transaction_error
from reelflow_kit.handling import Transaction
from reelflow_kit.logging import message_context

if TYPE_CHECKING:
    from reelflow_kit.runtime import ServiceRuntime

log = logging.getLogger(__name__)

JOBS = "jobs"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


async def release_jobs_of(db: AsyncDatabase, instance_id: str) -> int:
    """The jobs a dead instance was running, back in the queue now (the attempt it made counts)."""
    result = await db[JOBS].update_many(
        {"status": RUNNING, "lease_owner": {"$regex": f"^{re.escape(instance_id)}/"}},
        {"$set": {"status": QUEUED, "not_before": _now()}, "$unset": {"lease_owner": "", "lease_until": ""}})
    if result.modified_count:
        log.warning("jobs of a dead instance queued again", extra={"dead_instance": instance_id,
                                                                   "jobs": result.modified_count})
    return result.modified_count


class RetryLater(Exception):
    """Put the job back; run it again after `delay_s` (counts as an attempt)."""

    def __init__(self, message: str, delay_s: float | None = None) -> None:
        super().__init__(message)
        self.delay_s = delay_s


class LeaseLost(Exception):
    """Another worker took the job over (this one was too slow to renew its lease)."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def ensure_job_indexes(db: AsyncDatabase) -> None:
    await db[JOBS].create_index([("kind", ASCENDING), ("status", ASCENDING), ("not_before", ASCENDING)])
    await db[JOBS].create_index([("kind", ASCENDING), ("status", ASCENDING), ("lease_until", ASCENDING)])


async def enqueue_job(tx: Transaction, kind: str, job_id: str, payload: dict) -> None:
    """Add a job in the caller's transaction. The same id twice is one job (replays add nothing)."""
    now = _now()
    await tx.db[JOBS].update_one(
        {"_id": job_id},
        {"$setOnInsert": {
            "kind": kind, "payload": payload, "status": QUEUED, "attempts": 0,
            "not_before": now, "created_at": now, "updated_at": now,
            "correlation_id": tx.correlation_id,
            "causation_id": tx.causation_id,
        }},
        upsert=True,
        session=tx.session,
    )
    tx.enqueued_kinds.add(kind)


@dataclass
class Job:
    id: str
    kind: str
    payload: dict
    attempt: int
    correlation_id: str | None
    causation_id: str | None


class JobContext:
    """What a job handler sees: the job and one transaction that commits its outcome."""

    def __init__(self, runtime: "ServiceRuntime", pool: "JobPool", job: Job) -> None:
        self.runtime = runtime
        self.job = job
        self._pool = pool
        self._opened = False

    @property
    def db(self) -> AsyncDatabase:
        return self.runtime.db

    @contextlib.asynccontextmanager
    async def transaction(self, *, status: str = DONE, error: str | None = None) -> AsyncIterator[Transaction]:
        if self._opened:
            raise RuntimeError("a job commits its outcome once")
        self._opened = True

        async def finish_if_still_leased(session: AsyncClientSession) -> None:
            finished = await self.db[JOBS].update_one(
                {"_id": self.job.id, "status": RUNNING, "lease_owner": self._pool.worker_id},
                {"$set": {"status": status, "updated_at": _now(), "last_error": error},
                 "$unset": {"lease_owner": "", "lease_until": ""}},
                session=session,
            )
            if finished.matched_count != 1:
                raise LeaseLost(self.job.id)

        # the job's events continue the chain of the message that enqueued it
        async with self.runtime.transaction(id_seed=f"job/{self.job.id}", correlation_id=self.job.correlation_id,
                                            causation_id=self.job.causation_id, first=finish_if_still_leased) as tx:
            yield tx

JobHandler = Callable[[JobContext], Awaitable[None]]
GiveUpHandler = Callable[[JobContext, str], Awaitable[None]]


class JobPool:
    def __init__(self, runtime: "ServiceRuntime", kind: str, handler: JobHandler, *, concurrency: int,
                 lease_s: float, max_attempts: int, on_give_up: GiveUpHandler | None,
                 poll_interval_s: float = 0.25) -> None:
        self.runtime = runtime
        self.kind = kind
        self.handler = handler
        self.concurrency = concurrency
        self.lease = timedelta(seconds=lease_s)
        self.max_attempts = max_attempts
        self.on_give_up = on_give_up
        self.poll_interval_s = poll_interval_s
        self.worker_id = f"{runtime.instance_id}/{kind}"
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._dispatcher: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()
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
        # jobs interrupted by a graceful stop (or claimed and not yet started) go back to the queue for any instance
        await self.runtime.db[JOBS].update_many(
            {"kind": self.kind, "status": RUNNING, "lease_owner": self.worker_id},
            {"$set": {"status": QUEUED, "not_before": _now()}, "$unset": {"lease_owner": "", "lease_until": ""}},
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
            log.error("job outcome not recorded; it runs again once its lease has run out",
                      extra={"job": job.id, "kind": self.kind, "error": repr(exc)})
        finally:
            self._slots.release()

    async def _claim(self) -> Job | None:
        now = _now()
        doc = await self.runtime.db[JOBS].find_one_and_update(
            {"kind": self.kind, "$or": [
                {"status": QUEUED, "not_before": {"$lte": now}},
                {"status": RUNNING, "lease_until": {"$lt": now}},  # its worker died
            ]},
            {"$set": {"status": RUNNING, "lease_owner": self.worker_id, "lease_until": now + self.lease,
                      "updated_at": now},
             "$inc": {"attempts": 1}},
            sort=[("not_before", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        log.info("job claimed", extra={"job": doc["_id"], "kind": self.kind, "attempt": doc["attempts"]})
        return Job(id=doc["_id"], kind=doc["kind"], payload=doc["payload"], attempt=doc["attempts"],
                   correlation_id=doc.get("correlation_id"), causation_id=doc.get("causation_id"))

    async def _run(self, job: Job) -> None:
        self.running += 1
        renewer = asyncio.create_task(self._renew_lease(job))
        try:
            await self.handler(JobContext(self.runtime, self, job))
            self.completed += 1
            log.info("job finished", extra={"job": job.id, "kind": self.kind, "attempt": job.attempt})
        except asyncio.CancelledError:
            raise
        except LeaseLost:
            log.warning("job lease lost; another worker has it", extra={"job": job.id})
        except Exception as exc:
            await self._failed(job, exc)
        finally:
            renewer.cancel()
            self.running -= 1

    async def _failed(self, job: Job, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, RetryLater) else str(exc)
        if is_transient_transaction_error(exc):
            await self._requeue(job, error, delay_s=0.05, count_attempt=False)
            return
        if job.attempt >= self.max_attempts:
            log.error("job gave up", extra={"job": job.id, "kind": self.kind, "error": error})
            self.failed += 1
            if self.on_give_up:
                try:
                    await self.on_give_up(JobContext(self.runtime, self, job), error)
                    return
                except LeaseLost:
                    return
                except Exception as give_up_error:
                    # The failure event must get out: put the job back and give up again later,
                    # rather than leave the aggregate waiting for an event that never comes.
                    log.warning("give-up handler failed, retrying",
                                extra={"job": job.id, "error": repr(give_up_error)})
                    await self._requeue(job, error, delay_s=1.0, count_attempt=False)
                    return
            await self._mark(job, FAILED, error)
            return
        delay = exc.delay_s if isinstance(exc, RetryLater) and exc.delay_s is not None else \
            random.uniform(0.5, 1.0) * min(30.0, 0.5 * 2 ** (job.attempt - 1))
        log.warning("job failed, retrying", extra={"job": job.id, "attempt": job.attempt, "error": error,
                                                   "retry_in_s": round(delay, 2)})
        await self._requeue(job, error, delay_s=delay)

    async def _requeue(self, job: Job, error: str, delay_s: float, count_attempt: bool = True) -> None:
        update: dict = {"$set": {"status": QUEUED, "not_before": _now() + timedelta(seconds=delay_s),
                                 "last_error": error, "updated_at": _now()},
                        "$unset": {"lease_owner": "", "lease_until": ""}}
        if not count_attempt:
            update["$inc"] = {"attempts": -1}
        await self.runtime.db[JOBS].update_one({"_id": job.id, "lease_owner": self.worker_id}, update)

    async def _mark(self, job: Job, status: str, error: str) -> None:
        await self.runtime.db[JOBS].update_one(
            {"_id": job.id, "lease_owner": self.worker_id},
            {"$set": {"status": status, "last_error": error, "updated_at": _now()},
             "$unset": {"lease_owner": "", "lease_until": ""}},
        )

    async def _renew_lease(self, job: Job) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            renewed = await self.runtime.db[JOBS].update_one(
                {"_id": job.id, "status": RUNNING, "lease_owner": self.worker_id},
                {"$set": {"lease_until": _now() + self.lease}},
            )
            if renewed.matched_count != 1:
                return
