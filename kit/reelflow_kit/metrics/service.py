"""The metrics of one service process, in a registry of its own (so tests can run several
services in one process), served as Prometheus text at `/metrics`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_kit.metrics.ai import AIMetrics
from reelflow_kit.metrics.bus import BusMetrics, TypedKafkaPrometheusMiddleware
from reelflow_kit.metrics.jobs import JobMetrics
from reelflow_kit.metrics.sampled import SampledGauges

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""What `generate_latest` writes: the classic text format, which every Prometheus reads."""


class RelayCounts(Protocol):
    """What the metrics read of the outbox relay (its own counters, no I/O)."""

    @property
    def published(self) -> int: ...

    @property
    def refused(self) -> int: ...

    @property
    def last_error(self) -> str | None: ...


class _RelayCollector:
    """The relay's counters, read when scraped."""

    def __init__(self, relay: Callable[[], RelayCounts]) -> None:
        self._relay = relay

    def describe(self) -> Iterator[Metric]:
        """The families without reading the relay (registering needs no relay yet)."""
        return self._families(0, 0, failing=False)

    def collect(self) -> Iterator[Metric]:
        relay = self._relay()
        return self._families(relay.published, relay.refused, failing=relay.last_error is not None)

    @staticmethod
    def _families(published: int, refused: int, *, failing: bool) -> Iterator[Metric]:
        yield CounterMetricFamily(
            "reelflow_outbox_published", "Outbox entries this process published (acked by the broker)", published
        )
        yield CounterMetricFamily(
            "reelflow_outbox_refused", "Outbox entries the broker refused for good (then set aside)", refused
        )
        yield GaugeMetricFamily(
            "reelflow_outbox_relay_failing",
            "1 while the relay's last try failed (broker or database away)",
            1.0 if failing else 0.0,
        )


class ServiceMetrics:
    def __init__(
        self,
        service: str,
        db: AsyncDatabase[dict[str, Any]],
        *,
        relay: Callable[[], RelayCounts],
        job_kinds: Callable[[], Iterable[str]],
        sample_budget_s: float,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.bus_middleware = TypedKafkaPrometheusMiddleware(registry=self.registry, app_name=service)
        self.bus = BusMetrics(self.registry)
        self.jobs = JobMetrics(self.registry)
        self.ai = AIMetrics(self.registry)
        self.sampled = SampledGauges(self.registry, db, budget_s=sample_budget_s, job_kinds=job_kinds)
        self.registry.register(_RelayCollector(relay))

    async def exposition(self) -> bytes:
        """The Prometheus text format of every metric, with the database-read gauges refreshed."""
        await self.sampled.refresh()
        return generate_latest(self.registry)
