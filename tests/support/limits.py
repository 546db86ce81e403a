"""Gateway limits for tests that are not about limits."""

from __future__ import annotations

HIGH_LIMITS = {
    "REELFLOW_RATE_LIMIT_LOGIN_PER_ADDRESS": "100000/60s",
    "REELFLOW_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT": "100000/60s",
    "REELFLOW_RATE_LIMIT_REGISTER_PER_ADDRESS": "100000/60s",
    "REELFLOW_RATE_LIMIT_REGISTER_PER_ACCOUNT": "100000/60s",
    "REELFLOW_RATE_LIMIT_WRITES_PER_USER": "100000/60s",
    "REELFLOW_MAX_RUNNING_OPERATIONS_PER_USER": "1000",
    "REELFLOW_MAX_HELD_REQUESTS_PER_USER": "1000",
}
"""The shared e2e gateway's limits: far above what the tests do (every test registers users and
writes quickly from one address). tests/e2e/test_limits.py runs a gateway of its own with low ones."""


def high_limit_settings() -> dict[str, str]:
    """HIGH_LIMITS as keyword arguments of the gateway's Settings."""
    return {name.removeprefix("REELFLOW_").lower(): value for name, value in HIGH_LIMITS.items()}
