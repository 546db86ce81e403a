"""Rate limits counted in MongoDB hold across gateway instances: two limiters on one database
(as two instances would be) share every window, and a new window starts afresh."""

from __future__ import annotations

import asyncio
from datetime import UTC

import pytest
from pymongo import AsyncMongoClient

from reelflow_gateway.collections import RATE_COUNTERS
from reelflow_gateway.errors import ApiError
from reelflow_gateway.limits.counters import MongoWindowCounters, ensure_counter_indexes
from reelflow_gateway.limits.decisions import Window
from reelflow_gateway.limits.limiter import RateLimit, RateLimiter
from reelflow_gateway.limits.rates import Rate


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def db(infra, unique):
    client = AsyncMongoClient(infra.mongo_uri)
    database = client[f"gateway_counters_{unique}"]
    await ensure_counter_indexes(database)
    yield database
    await client.drop_database(database.name)
    await client.close()


async def test_two_instances_share_one_window_and_the_next_window_is_fresh(db) -> None:
    clock = Clock(1_000_000.0)
    first, second = RateLimiter(MongoWindowCounters(db), clock), RateLimiter(MongoWindowCounters(db), clock)
    writes = RateLimit("writes-user", "writes by this user", Rate(3, 60))
    await first.hit(writes, "alice")
    await second.hit(writes, "alice")
    await first.hit(writes, "alice")
    with pytest.raises(ApiError) as refused:
        await second.hit(writes, "alice")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert refused.value.headers == {"Retry-After": "20"}  # 1_000_000 is 40 s into its minute
    await second.hit(writes, "bob")  # per subject
    clock.now += 20
    await first.hit(writes, "alice")


async def test_first_hits_at_once_are_each_counted_once(db) -> None:
    counters = RateLimiter(MongoWindowCounters(db), Clock(5_000.0))
    limit = RateLimit("burst", "calls", Rate(10, 60))
    outcomes = await asyncio.gather(*(counters.hit(limit, "carol") for _ in range(15)), return_exceptions=True)
    allowed = sum(o is None for o in outcomes)
    # never more than the rate; a hit that raced the window's first one may read a later count
    assert 8 <= allowed <= 10, outcomes
    assert sum(isinstance(o, ApiError) and o.status == 429 for o in outcomes) == 15 - allowed
    [window] = await db[RATE_COUNTERS].find({"_id": {"$regex": "^burst"}}).to_list()
    assert window["n"] == 15  # each hit counted once


async def test_racing_first_hits_of_many_windows_never_fail(db) -> None:
    """The window's first hits race to create its document; the loser must still be counted
    (SecantusDB answers that race with no document, which once made a write answer 500)."""
    counters = MongoWindowCounters(db)
    rate = Rate(1000, 60)
    for round_ in range(25):
        window = Window(number=round_, ends_at=6_000.0)
        counts = await asyncio.gather(*(counters.add(f"race-{round_}", rate, window) for _ in range(8)))
        assert max(counts) == 8 and all(1 <= c <= 8 for c in counts), counts


async def test_counted_failures_refuse_without_counting_more(db) -> None:
    limiter = RateLimiter(MongoWindowCounters(db), Clock(7_200.0))
    failures = RateLimit("login-failures-account", "failed logins to this account", Rate(2, 60))
    await limiter.refuse_if_spent(failures, "dave@example.com")
    await limiter.add(failures, "dave@example.com")
    await limiter.refuse_if_spent(failures, "dave@example.com")
    await limiter.add(failures, "dave@example.com")
    for _ in range(3):
        with pytest.raises(ApiError) as refused:
            await limiter.refuse_if_spent(failures, "dave@example.com")
        assert "at most 2 per 60 s" in refused.value.detail
    [doc] = await db[RATE_COUNTERS].find({}).to_list()
    assert doc["n"] == 2 and "dave" not in doc["_id"]  # the email is kept as a digest
    assert (
        doc["expires_at"].replace(tzinfo=UTC).timestamp() >= 7_260.0
    )  # removed by the TTL index once the window ended
