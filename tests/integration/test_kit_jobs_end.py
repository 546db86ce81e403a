"""Jobs end: attempts are checked when a job is claimed, every try has a deadline, a lease that
cannot be renewed stops its job, and a server away costs no attempt."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect

from reelflow_kit.jobs import JOBS, Outage, enqueue_job, release_jobs_of
from reelflow_kit.runtime import ServiceRuntime
from reelflow_video.render.encoding import run_ffmpeg
from tests.integration.test_kit_jobs import events_for, settings_for
from tests.support.toy_jobs import JOB_EVENTS, KIND, WorkDone, WorkFailed, build, give_up


def job_document(job_id: str, script_id: str, **fields) -> dict:
    now = datetime.now(UTC)
    return {
        "_id": job_id,
        "kind": KIND,
        "status": "queued",
        "attempts": 0,
        "not_before": now,
        "payload": {"script_id": script_id, "index": 0, "seconds": 0, "fail_first": 0},
        "correlation_id": "corr",
        "causation_id": "cause",
        **fields,
    }


async def test_a_job_whose_workers_died_max_attempts_times_is_given_up_instead_of_run(infra, unique, database):
    """A job that kills its process (a crash, an OOM kill) would otherwise crash-loop every
    instance that claims it, at every restart."""
    expired = datetime.now(UTC) - timedelta(seconds=1)
    still_leased = datetime.now(UTC) + timedelta(minutes=5)
    async with AsyncMongoClient(infra.mongo_uri) as client:
        await client[database][JOBS].insert_many(
            [
                # its lease ran out: the third worker running it died
                job_document(
                    f"expired-{unique}",
                    f"expired-{unique}",
                    status="running",
                    attempts=3,
                    failures=0,
                    lease_owner="gone/toy-work/1",
                    lease_until=expired,
                ),
                # its process is known dead (the session registry releases its jobs); one try had failed before
                job_document(
                    f"released-{unique}",
                    f"released-{unique}",
                    status="running",
                    attempts=3,
                    failures=1,
                    last_failure={"code": "provider_busy", "message": "provider busy (attempt 1)"},
                    lease_owner=f"dead-{unique}/toy-work/2",
                    lease_until=still_leased,
                ),
            ]
        )
    runtime = build(settings_for(infra, database, f"one-{unique}"), group=f"jobs-{unique}", max_attempts=3)
    await runtime.start()
    try:
        assert await release_jobs_of(runtime.db, f"dead-{unique}") == 1
        expired_events = await events_for(infra, f"expired-{unique}", 1)
        released_events = await events_for(infra, f"released-{unique}", 1)
        mine = [f"expired-{unique}", f"released-{unique}"]  # (the toy consumer replays other tests' commands)
        jobs = {j["_id"]: j for j in await runtime.db[JOBS].find({"_id": {"$in": mine}}).to_list()}
        runs = await runtime.db.runs.count_documents({"script_id": {"$in": mine}})
    finally:
        await runtime.stop()

    assert runs == 0  # neither ran again
    assert WorkFailed.model_validate_json(expired_events[0].value).error == "worker died 3 times while running this job"
    assert (
        WorkFailed.model_validate_json(released_events[0].value).error
        == "worker died 2 times while running this job (last error: provider busy (attempt 1))"
    )
    assert {j["status"] for j in jobs.values()} == {"failed"}
    assert {j["attempts"] for j in jobs.values()} == {3}


async def test_a_job_past_its_deadline_is_cancelled_and_its_subprocess_killed(infra, unique, database, tmp_path):
    pid_file = tmp_path / "pid"
    hang_forever = [
        sys.executable,
        "-c",
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(3600)",
    ]

    async def hangs(ctx) -> None:
        await run_ffmpeg(hang_forever)  # an FFmpeg that never ends

    runtime = ServiceRuntime(
        settings_for(infra, database, f"one-{unique}"), uses_object_store=False, topics=[JOB_EVENTS]
    )
    runtime.work(KIND, hangs, lease_s=10.0, max_attempts=1, on_give_up=give_up, deadline_s=1.5)
    await runtime.start()
    try:
        async with runtime.transaction() as tx:
            await enqueue_job(tx, KIND, f"job-{unique}", job_document("", f"s-{unique}")["payload"])
        failed = await events_for(infra, f"s-{unique}", 1, timeout=30)
    finally:
        await runtime.stop()

    assert WorkFailed.model_validate_json(failed[0].value).error == "deadline of 1.5 s exceeded"
    pid = int(pid_file.read_text())
    assert not Path(f"/proc/{pid}").exists(), "the hung subprocess is still there (or was not reaped)"


class FlakyLeaseRenewals:
    """The service's database, except that lease renewals raise AutoReconnect while `away()` says
    so (the database unreachable just for them, as a network blip would make it)."""

    def __init__(self, db, away) -> None:
        self._db = db
        self._away = away

    def __getitem__(self, name: str):
        collection = self._db[name]
        return _FlakyJobs(collection, self._away) if name == JOBS else collection

    def __getattr__(self, name: str):
        return getattr(self._db, name)


class _FlakyJobs:
    def __init__(self, collection, away) -> None:
        self._collection = collection
        self._away = away

    async def update_one(self, query, update, *args, **kwargs):
        if set(update) == {"$set"} and set(update["$set"]) == {"lease_until"} and self._away():
            raise AutoReconnect("connection refused")
        return await self._collection.update_one(query, update, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._collection, name)


class Tries:
    """A job handler that records each try (start, end, how it ended); the first try takes
    `first_s`, later ones finish at once."""

    def __init__(self, first_s: float) -> None:
        self.first_s = first_s
        self.tries: list[dict] = []

    async def __call__(self, ctx) -> None:
        record = {"attempt": ctx.job.attempt, "started": time.monotonic(), "ended": None, "cancelled": False}
        self.tries.append(record)
        try:
            await asyncio.sleep(self.first_s if len(self.tries) == 1 else 0)
            async with ctx.transaction():
                pass
        except asyncio.CancelledError:
            record["cancelled"] = True
            raise
        finally:
            record["ended"] = time.monotonic()

    def overlapping(self) -> bool:
        spans = sorted((t["started"], t["ended"] or float("inf")) for t in self.tries)
        return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))


LEASE_S = 3.0


async def run_one_job(infra, unique, database, handler, away) -> dict:
    """One job on a pool of two slots (so a job whose lease ran out could be claimed again
    alongside itself) whose lease renewals fail while `away()`; the job's document at the end."""
    runtime = ServiceRuntime(
        settings_for(infra, database, f"one-{unique}"), uses_object_store=False, topics=[JOB_EVENTS]
    )
    runtime.db = FlakyLeaseRenewals(runtime.db, away)
    runtime.work(KIND, handler, concurrency=2, lease_s=LEASE_S, max_attempts=3)
    await runtime.start()
    try:
        async with runtime.transaction() as tx:
            await enqueue_job(tx, KIND, f"job-{unique}", {})
        deadline = time.monotonic() + 30
        while (job := await runtime.db[JOBS].find_one({"_id": f"job-{unique}"}))["status"] != "done":
            assert time.monotonic() < deadline, job
            await asyncio.sleep(0.1)
        await asyncio.sleep(LEASE_S)  # time for a second worker to have taken the job over, were it going to
    finally:
        await runtime.stop()
    return job


async def test_lease_renewals_that_fail_for_a_while_are_retried_and_the_job_runs_once(infra, unique, database):
    began = time.monotonic()
    handler = Tries(first_s=LEASE_S * 4 / 3)
    await run_one_job(infra, unique, database, handler, away=lambda: time.monotonic() < began + LEASE_S / 2)
    assert len(handler.tries) == 1 and not handler.tries[0]["cancelled"]


async def test_a_job_whose_lease_cannot_be_renewed_is_stopped_before_another_worker_may_take_it(
    infra, unique, database, caplog
):
    handler = Tries(first_s=3600)
    with caplog.at_level("ERROR", logger="reelflow_kit.job_lease"):
        job = await run_one_job(infra, unique, database, handler, away=lambda: True)
    first, second = handler.tries[:2]
    assert first["cancelled"] and first["ended"] - first["started"] < LEASE_S
    assert not handler.overlapping()
    assert second["attempt"] == 1 and job["attempts"] == 1  # the stopped try was handed back, not counted
    assert "job lease not renewed in time" in caplog.text


@pytest.mark.parametrize(
    "outage",
    [
        lambda: EndpointConnectionError(endpoint_url="http://127.0.0.1:1/bucket"),
        lambda: AutoReconnect("connection refused"),
        lambda: Outage("storage_unavailable", "S3 answered 503"),
    ],
    ids=["s3-unreachable", "mongodb-unreachable", "outage-raised-by-the-handler"],
)
async def test_outages_are_retried_with_growing_delays_and_use_up_no_attempt(infra, unique, database, outage):
    tries: list[tuple[float, int]] = []

    async def meets_three_outages(ctx) -> None:
        tries.append((time.monotonic(), ctx.job.attempt))
        if len(tries) <= 3:
            raise outage()
        async with ctx.transaction() as tx:
            tx.emit(WorkDone(script_id=f"s-{unique}", index=0, attempt=ctx.job.attempt))

    runtime = ServiceRuntime(
        settings_for(infra, database, f"one-{unique}"), uses_object_store=False, topics=[JOB_EVENTS]
    )
    runtime.work(KIND, meets_three_outages, lease_s=10.0, max_attempts=2, on_give_up=give_up)
    await runtime.start()
    try:
        async with runtime.transaction() as tx:
            await enqueue_job(tx, KIND, f"job-{unique}", job_document("", f"s-{unique}")["payload"])
        [done] = await events_for(infra, f"s-{unique}", 1, timeout=30)
        job = await runtime.db[JOBS].find_one({"_id": f"job-{unique}"})
    finally:
        await runtime.stop()

    assert WorkDone.model_validate_json(done.value).attempt == 1  # more tries than max_attempts, none counted
    assert [attempt for _, attempt in tries] == [1, 1, 1, 1]
    assert job["status"] == "done" and job["outages"] == 3
    gaps = [later - earlier for (earlier, _), (later, _) in zip(tries, tries[1:], strict=False)]
    assert gaps[2] > gaps[0]  # backed off


async def test_an_outage_that_lasts_past_the_bound_still_ends_the_job(infra, unique, database):
    async def store_always_away(ctx) -> None:
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1/bucket")

    runtime = ServiceRuntime(
        settings_for(infra, database, f"one-{unique}"), uses_object_store=False, topics=[JOB_EVENTS]
    )
    runtime.work(KIND, store_always_away, lease_s=10.0, max_attempts=5, max_outages=3, on_give_up=give_up)
    await runtime.start()
    try:
        async with runtime.transaction() as tx:
            await enqueue_job(tx, KIND, f"job-{unique}", job_document("", f"s-{unique}")["payload"])
        [failed] = await events_for(infra, f"s-{unique}", 1, timeout=30)
        job = await runtime.db[JOBS].find_one({"_id": f"job-{unique}"})
    finally:
        await runtime.stop()
    assert "Could not connect to the endpoint URL" in WorkFailed.model_validate_json(failed.value).error
    assert job["status"] == "failed" and job["outages"] == 2 and job["attempts"] == 1
