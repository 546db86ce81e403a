"""Job metrics measured by the pools of this process (the queue's size is sampled: `sampled.py`)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

DONE, RETRY, GAVE_UP, OUTAGE, DEFERRED, LEASE_LOST = "done", "retry", "gave_up", "outage", "deferred", "lease_lost"
"""How one attempt of a job ended."""


class JobMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter(
            "reelflow_job_attempts",
            "Job attempts by kind and outcome: done, retry, gave_up (the job failed), outage, deferred, lease_lost",
            ["kind", "outcome"],
            registry=registry,
        )
        self.seconds = Histogram(
            "reelflow_job_duration_seconds",
            "Time one attempt of a job took, by kind and outcome",
            ["kind", "outcome"],
            buckets=JOB_BUCKETS,
            registry=registry,
        )
        self.waited = Histogram(
            "reelflow_job_queue_wait_seconds",
            "Time from a job being due to a worker claiming it, by kind",
            ["kind"],
            buckets=JOB_BUCKETS,
            registry=registry,
        )
        self.running = Gauge(
            "reelflow_jobs_running_here", "Jobs this process is running now, by kind", ["kind"], registry=registry
        )

    def ended(self, kind: str, outcome: str, seconds: float) -> None:
        self.attempts.labels(kind, outcome).inc()
        self.seconds.labels(kind, outcome).observe(seconds)
