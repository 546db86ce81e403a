"""The gateway's HTTP metrics, in its runtime's registry (served with the kit's at `/metrics`)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
"""The route label of a request no route took (a 404, or one answered before routing: 413, CORS)."""


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "reelflow_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.seconds = Histogram(
            "reelflow_http_request_duration_seconds",
            "Time to the response's status line (a stream's or a download's body is not counted)",
            ["method", "route"],
            buckets=HTTP_BUCKETS,
            registry=registry,
        )
        self.event_streams = Gauge(
            "reelflow_http_event_streams_open", "Server-Sent Event streams open now", registry=registry
        )

    @staticmethod
    def method(method: str) -> str:
        return method if method in METHODS else "other"
