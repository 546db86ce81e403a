"""Prometheus metrics of a service process: one registry per runtime (`service.ServiceMetrics`),
served at `/metrics` beside `/healthz`. See docs/metrics.md for every name and label."""
