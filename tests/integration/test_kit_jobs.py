"""The kit's durable job queue: concurrent, shared between instances, retried, crash-safe."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from reelflow_contracts.envelope import new_envelope
from reelflow_kit.jobs import JOBS, enqueue_job
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.settings import KitSettings
from tests.support.kafka import headers_of, read_topic
from tests.support.toy_jobs import JOB_EVENTS, KIND, StartWork, WorkDone, WorkFailed, build, do_work


def settings_for(infra, database: str, instance: str) -> KitSettings:
    return KitSettings(service_name="toyjobs", mongo_database=database, instance_id=instance, **infra.settings_kwargs())


async def events_for(infra, script_id: str, count: int, timeout: float = 30):
    def mine(records):
        return [r for r in records if r.key == script_id.encode()]

    await read_topic(infra.kafka_bootstrap, JOB_EVENTS, until=lambda rs: len(mine(rs)) >= count, timeout=timeout)
    return mine(await read_topic(infra.kafka_bootstrap, JOB_EVENTS, timeout=3, idle=1.0))


def overlapping(runs) -> bool:
    return most_at_once(runs) > 1


def most_at_once(runs) -> int:
    edges = sorted([(r["started"], 1) for r in runs] + [(r["ended"], -1) for r in runs], key=lambda e: (e[0], e[1]))
    at_once = most = 0
    for _, step in edges:
        at_once += step
        most = max(most, at_once)
    return most


async def test_jobs_run_concurrently_and_two_instances_share_them(infra, unique, database):
    script_id = f"s-{unique}"
    first = build(settings_for(infra, database, f"one-{unique}"), group=f"jobs-{unique}", concurrency=3)
    second = build(settings_for(infra, database, f"two-{unique}"), group=f"jobs-{unique}", concurrency=3)
    await first.start()
    await second.start()
    try:
        command = new_envelope(StartWork(script_id=script_id, count=12, seconds=0.3), source="test")
        await first.publish(command)
        await first.publish(command)  # redelivered command: still twelve jobs
        events = await events_for(infra, script_id, 12)
        runs = await first.db.runs.find({"script_id": script_id}).to_list()
    finally:
        await first.stop()
        await second.stop()

    assert sorted(WorkDone.model_validate_json(r.value).index for r in events) == list(range(12))
    assert len(runs) == 12
    assert {r["worker"] for r in runs} == {f"one-{unique}", f"two-{unique}"}
    assert overlapping([r for r in runs if r["worker"] == f"one-{unique}"])
    assert all(
        most_at_once([r for r in runs if r["worker"] == worker]) <= 3 for worker in (f"one-{unique}", f"two-{unique}")
    )
    assert all(headers_of(r)["ce_correlationid"] == command.correlation_id for r in events)
    assert all(headers_of(r)["ce_causationid"] == command.id for r in events)


async def test_an_idle_pool_asks_for_jobs_once_per_poll_whatever_its_concurrency(infra, unique, database):
    """Each claim is a find-and-update on the jobs collection: workers that each polled on their
    own asked `concurrency` times as often, in every service, all day."""
    runtime = ServiceRuntime(
        settings_for(infra, database, f"one-{unique}"), uses_object_store=False, topics=[JOB_EVENTS]
    )  # no consumer: only the jobs enqueued below
    pool = runtime.work(KIND, do_work, concurrency=4, lease_s=2.0)
    claims = 0
    claim = pool._claim

    async def counted():
        nonlocal claims
        claims += 1
        return await claim()

    pool._claim = counted
    await runtime.start()
    try:
        await asyncio.sleep(0.2)
        before = claims
        await asyncio.sleep(2.0)
        idle_claims = claims - before
        async with runtime.transaction() as tx:  # and a job queued here is still run at once
            for index in range(2):
                await enqueue_job(
                    tx,
                    KIND,
                    f"job-{unique}-{index}",
                    {"script_id": f"s-{unique}", "index": index, "seconds": 0, "fail_first": 0},
                )
        assert len(await events_for(infra, f"s-{unique}", 2, timeout=10)) == 2
    finally:
        await runtime.stop()
    polls = 2.0 / pool.poll_interval_s
    assert polls - 2 <= idle_claims <= polls + 2, (
        f"{idle_claims} claims in 2 s of idling, polling every {pool.poll_interval_s} s"
    )


async def test_a_failure_that_cannot_be_recorded_costs_the_pool_no_slot(infra, unique, database):
    """The database may be away just when a failed attempt is put back in the queue: that job
    waits for its lease to run out, and the pool goes on with its full concurrency."""
    runtime = build(settings_for(infra, database, f"one-{unique}"), group=f"jobs-{unique}", concurrency=1)
    pool = runtime.job_pools[KIND]
    requeue, refused = pool._requeue, []

    async def away_once(job, *args, **kwargs):
        if not refused:
            refused.append(job.id)
            raise ConnectionError("the database went away")
        return await requeue(job, *args, **kwargs)

    pool._requeue = away_once
    await runtime.start()
    try:
        await runtime.publish(new_envelope(StartWork(script_id=f"ko-{unique}", count=1, fail_first=1), source="t"))
        while not refused:
            await asyncio.sleep(0.05)
        await runtime.publish(new_envelope(StartWork(script_id=f"ok-{unique}", count=1), source="t"))
        done = await events_for(infra, f"ok-{unique}", 1, timeout=10)  # the one slot is free again
        retried = await events_for(infra, f"ko-{unique}", 1, timeout=20)  # after its 2 s lease
    finally:
        await runtime.stop()
    assert WorkDone.model_validate_json(done[0].value).index == 0
    assert WorkDone.model_validate_json(retried[0].value).attempt == 2


async def test_failing_jobs_are_retried_then_give_up_with_a_failure_event(infra, unique, database):
    runtime = build(settings_for(infra, database, f"one-{unique}"), group=f"jobs-{unique}", max_attempts=3)
    await runtime.start()
    try:
        await runtime.publish(new_envelope(StartWork(script_id=f"ok-{unique}", count=1, fail_first=2), source="t"))
        await runtime.publish(new_envelope(StartWork(script_id=f"ko-{unique}", count=1, fail_first=9), source="t"))
        recovered = await events_for(infra, f"ok-{unique}", 1)
        failed = await events_for(infra, f"ko-{unique}", 1)
        jobs = {j["payload"]["script_id"]: j for j in await runtime.db[JOBS].find().to_list()}
    finally:
        await runtime.stop()

    assert WorkDone.model_validate_json(recovered[0].value).attempt == 3
    failure = WorkFailed.model_validate_json(failed[0].value)
    assert "provider busy (attempt 3)" in failure.error
    assert jobs[f"ok-{unique}"]["status"] == "done"
    assert jobs[f"ko-{unique}"]["status"] == "failed" and jobs[f"ko-{unique}"]["attempts"] == 3


async def test_a_job_whose_worker_died_is_taken_over_after_its_lease(infra, unique, database):
    script_id = f"s-{unique}"
    async with AsyncMongoClient(infra.mongo_uri) as client:
        expired = datetime.now(UTC) - timedelta(seconds=1)
        await client[database][JOBS].insert_one(
            {
                "_id": f"orphan-{unique}",
                "kind": KIND,
                "status": "running",
                "attempts": 1,
                "lease_owner": "dead-instance/toy-work",
                "lease_until": expired,
                "not_before": expired,
                "payload": {"script_id": script_id, "index": 0, "seconds": 0, "fail_first": 0},
                "correlation_id": "corr",
                "causation_id": "cause",
            }
        )
    runtime = build(settings_for(infra, database, f"one-{unique}"), group=f"jobs-{unique}")
    await runtime.start()
    try:
        events = await events_for(infra, script_id, 1)
        job = await runtime.db[JOBS].find_one({"_id": f"orphan-{unique}"})
    finally:
        await runtime.stop()
    assert len(events) == 1 and WorkDone.model_validate_json(events[0].value).attempt == 2
    assert job["status"] == "done" and "lease_owner" not in job


async def test_a_give_up_that_fails_is_retried_so_the_failure_event_still_gets_out(infra, unique, database):
    runtime = build(settings_for(infra, database, f"one-{unique}"), group=f"jobs-{unique}", max_attempts=2)
    await runtime.start()
    try:
        await runtime.publish(
            new_envelope(StartWork(script_id=f"ko-{unique}", count=1, fail_first=9, flaky_give_up=True), source="t")
        )
        failed = await events_for(infra, f"ko-{unique}", 1)
        job = await runtime.db[JOBS].find_one({"payload.script_id": f"ko-{unique}"})
    finally:
        await runtime.stop()
    assert len(failed) == 1 and WorkFailed.model_validate_json(failed[0].value).index == 0
    assert job["status"] == "failed"
