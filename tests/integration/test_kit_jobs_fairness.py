"""A job pool is shared fairly between keys (owners): one key's backlog does not hold up another's job."""

from __future__ import annotations

import asyncio
import time

from reelflow_kit.jobs import JOBS, enqueue_job
from reelflow_kit.runtime import ServiceRuntime
from tests.integration.test_kit_jobs import settings_for
from tests.support.toy_jobs import JOB_EVENTS, KIND

BACKLOG = 50


async def test_one_keys_backlog_does_not_hold_up_another_keys_job(infra, unique, database):
    ran: list[str] = []

    async def work(ctx) -> None:
        ran.append(ctx.job.id)
        await asyncio.sleep(0.05)
        async with ctx.transaction():
            pass

    runtime = ServiceRuntime(
        settings_for(infra, database, f"one-{unique}"), uses_object_store=False, topics=[JOB_EVENTS]
    )
    runtime.work(KIND, work, concurrency=1, lease_s=10.0)
    await runtime.start()
    try:
        async with runtime.transaction() as tx:  # key A: a big batch at once
            for index in range(BACKLOG):
                await enqueue_job(tx, KIND, f"a-{index}", {}, fair_key="owner-a")
        while not ran:
            await asyncio.sleep(0.01)
        async with runtime.transaction() as tx:  # then key B: one job
            await enqueue_job(tx, KIND, "b-0", {}, fair_key="owner-b")
        ran_before_b = len(ran)
        deadline = time.monotonic() + 60
        while await runtime.db[JOBS].count_documents({"status": {"$ne": "done"}}):
            assert time.monotonic() < deadline, ran
            await asyncio.sleep(0.1)
    finally:
        await runtime.stop()

    assert sorted(ran) == sorted([f"a-{i}" for i in range(BACKLOG)] + ["b-0"])
    # B's job is among the next couple of claims after it was queued, not behind the rest of A's backlog
    assert ran.index("b-0") <= ran_before_b + 1, (ran_before_b, ran.index("b-0"))
    assert len(ran) - ran.index("b-0") > BACKLOG // 2
    # and A's own jobs still run oldest first
    a_order = [int(job.split("-")[1]) for job in ran if job.startswith("a-")]
    assert a_order == sorted(a_order)


async def test_a_key_that_comes_late_takes_its_turn_from_now_on(infra, unique, database):
    """Ranks start at the rank being served: a key with a long history, or one that comes after
    others have waited, neither loses nor jumps the queue."""
    runtime = ServiceRuntime(
        settings_for(infra, database, f"one-{unique}"), uses_object_store=False, topics=[JOB_EVENTS]
    )  # no workers: ranks only
    await runtime.start()
    try:
        async with runtime.transaction() as tx:
            for index in range(4):
                await enqueue_job(tx, KIND, f"a-{index}", {}, fair_key="owner-a")
        await runtime.db[JOBS].update_many({"_id": {"$in": ["a-0", "a-1"]}}, {"$set": {"status": "done"}})
        async with runtime.transaction() as tx:
            await enqueue_job(tx, KIND, "b-0", {}, fair_key="owner-b")
            await enqueue_job(tx, KIND, "b-1", {}, fair_key="owner-b")
            await enqueue_job(tx, KIND, "a-4", {}, fair_key="owner-a")
        ranks = {j["_id"]: j["rank"] for j in await runtime.db[JOBS].find().to_list()}
    finally:
        await runtime.stop()
    assert [ranks[f"a-{i}"] for i in range(5)] == [0, 1, 2, 3, 4]
    assert (ranks["b-0"], ranks["b-1"]) == (2, 3)  # from the rank served now (a-2's), not from 0
