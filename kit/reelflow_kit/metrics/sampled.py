"""Gauges read from MongoDB when Prometheus scrapes: the outbox backlog, entries set aside, and
the job queue of every kind. Each read has a time budget and runs on the event loop without
blocking it (async driver); a read that fails or runs out of time leaves the gauge at its last
value and counts in `reelflow_metrics_sample_failures_total`. Reads are reused for
`MIN_INTERVAL_S`, so several scrapers cost no more."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.jobs import JOBS, UNFINISHED
from reelflow_kit.store.outbox import OUTBOX

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 1.0


class SampledGauges:
    def __init__(
        self,
        registry: CollectorRegistry,
        db: AsyncDatabase[dict[str, Any]],
        *,
        budget_s: float,
        job_kinds: Callable[[], Iterable[str]],
    ) -> None:
        self._db = db
        self._budget_s = budget_s
        self._job_kinds = job_kinds
        self._sampled_at = float("-inf")
        self._lock = asyncio.Lock()
        self.outbox_backlog = Gauge(
            "reelflow_outbox_backlog", "Outbox entries not yet published (set-aside ones excluded)", registry=registry
        )
        self.outbox_oldest = Gauge(
            "reelflow_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unpublished outbox entry (0: none)",
            registry=registry,
        )
        self.outbox_set_aside = Gauge(
            "reelflow_outbox_set_aside",
            "Outbox entries the broker refused for good, kept aside with their error",
            registry=registry,
        )
        self.jobs = Gauge(
            "reelflow_jobs",
            "Unfinished jobs in the service's queue (all instances), by kind and status (queued, running)",
            ["kind", "status"],
            registry=registry,
        )
        self.failures = Counter(
            "reelflow_metrics_sample_failures",
            "Scrape-time database reads that failed or ran out of their time budget",
            ["sample"],
            registry=registry,
        )

    async def refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._sampled_at < MIN_INTERVAL_S:
                return
            await asyncio.gather(
                self._sample("outbox", self._outbox),
                self._sample("set_aside", self._set_aside),
                self._sample("jobs", self._jobs),
            )
            self._sampled_at = time.monotonic()

    async def _sample(self, name: str, read: Callable[[], Awaitable[None]]) -> None:
        try:
            await asyncio.wait_for(read(), self._budget_s)
        except Exception as exc:  # the database slow or away: /healthz says so, metrics stay up
            self.failures.labels(name).inc()
            log.debug("metrics sample failed", extra={"sample": name, "error": repr(exc)})

    async def _outbox(self) -> None:
        unsent = {"sent_at": None, "set_aside_at": None}
        backlog = await self._db[OUTBOX].count_documents(unsent)
        oldest = await self._db[OUTBOX].find_one(unsent, {"created_at": 1}, sort=[("seq", 1)])
        self.outbox_backlog.set(backlog)
        self.outbox_oldest.set(_age_s(oldest["created_at"]) if oldest else 0.0)

    async def _set_aside(self) -> None:
        self.outbox_set_aside.set(await self._db[OUTBOX].count_documents({"set_aside_at": {"$type": "date"}}))

    async def _jobs(self) -> None:
        counts = {(kind, status): 0 for kind in self._job_kinds() for status in UNFINISHED}
        pipeline: list[dict[str, Any]] = [
            {"$match": {"status": {"$in": list(UNFINISHED)}}},
            {"$group": {"_id": {"kind": "$kind", "status": "$status"}, "n": {"$sum": 1}}},
        ]
        async for row in await self._db[JOBS].aggregate(pipeline):
            counts[(row["_id"]["kind"], row["_id"]["status"])] = row["n"]
        for (kind, status), n in counts.items():
            self.jobs.labels(kind, status).set(n)


def _age_s(created_at: datetime) -> float:
    if created_at.tzinfo is None:  # PyMongo hands back naive UTC unless told otherwise
        created_at = created_at.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - created_at).total_seconds())
