"""Reading Retry-After and choosing backoff delays (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from reelflow_kit.ai.openai_compat.retry_policy import RetryPolicy, parse_retry_after

NOW = datetime(2025, 3, 14, 9, 0, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_retries=3, backoff_s=0.5, backoff_max_s=4.0, retry_after_max_s=30.0)


@pytest.mark.parametrize(
    "headers, seconds",
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": "0.2"}, 0.2),
        ({"Retry-After-Ms": "150"}, 0.15),
        ({"retry-after-ms": "150", "retry-after": "9"}, 0.15),
        ({"Retry-After": "Fri, 14 Mar 2025 09:00:07 GMT"}, 7.0),
        ({"Retry-After": "Fri, 14 Mar 2025 08:59:00 GMT"}, 0.0),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_from_seconds_milliseconds_or_a_date(headers, seconds):
    assert parse_retry_after(headers, now=NOW) == seconds


def test_the_servers_retry_after_is_the_delay_when_given():
    assert POLICY.delay(1, retry_after=0.2) == 0.2
    assert POLICY.delay(3, retry_after=7.0) == 7.0


def test_without_retry_after_the_delay_doubles_up_to_the_cap_with_jitter():
    rng = random.Random(7)
    for retry, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (8, 4.0)]:
        delays = [POLICY.delay(retry, None, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > 0


def test_a_retry_after_beyond_the_limit_is_not_waited_for():
    assert POLICY.waits_too_long(31.0)
    assert not POLICY.waits_too_long(30.0)
    assert not POLICY.waits_too_long(None)
