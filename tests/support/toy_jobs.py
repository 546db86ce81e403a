"""A toy service with slow jobs, for testing the kit's job queue against real servers.

`StartWork(count, seconds, fail_first)` enqueues `count` jobs; each sleeps `seconds` (slow work
off the consumer), fails its first `fail_first` attempts, then records its run and emits `WorkDone`.
A job whose `fail_first` exceeds the attempt bound gives up and emits `WorkFailed`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from reelflow_contracts.messages.base import Command, Event, message
from reelflow_kit.failures import Failure, RetryLater
from reelflow_kit.handling import HandlerContext
from reelflow_kit.jobs import JobContext, enqueue_job
from reelflow_kit.runtime import ServiceRuntime
from reelflow_kit.settings import KitSettings

JOB_COMMANDS = "kit-jobs-test.commands"
JOB_EVENTS = "kit-jobs-test.events"
KIND = "toy-work"


@message("reelflow.kitjobs.start_work.v1", topic=JOB_COMMANDS)
class StartWork(Command):
    count: int
    seconds: float = 0.0
    fail_first: int = 0
    flaky_give_up: bool = False


@message("reelflow.kitjobs.work_done.v1", topic=JOB_EVENTS)
class WorkDone(Event):
    index: int
    attempt: int


@message("reelflow.kitjobs.work_failed.v1", topic=JOB_EVENTS)
class WorkFailed(Event):
    index: int
    error: str


async def start_work(ctx: HandlerContext[StartWork]) -> None:
    async with ctx.transaction() as tx:
        for index in range(ctx.message.count):
            payload = {
                "script_id": ctx.message.script_id,
                "index": index,
                "seconds": ctx.message.seconds,
                "fail_first": ctx.message.fail_first,
                "flaky_give_up": ctx.message.flaky_give_up,
            }
            await enqueue_job(tx, KIND, ctx.derived_id("work", index), payload)


async def do_work(ctx: JobContext) -> None:
    p = ctx.job.payload
    started = datetime.now(UTC)
    await asyncio.sleep(p["seconds"])
    if ctx.job.attempt <= p["fail_first"]:
        raise RetryLater("provider_busy", f"provider busy (attempt {ctx.job.attempt})", delay_s=0.05)
    async with ctx.transaction() as tx:
        await tx.db.runs.insert_one(
            {
                "job": ctx.job.id,
                "script_id": p["script_id"],
                "index": p["index"],
                "worker": ctx.runtime.instance_id,
                "started": started,
                "ended": datetime.now(UTC),
            },
            session=tx.session,
        )
        tx.emit(WorkDone(script_id=p["script_id"], index=p["index"], attempt=ctx.job.attempt))


async def give_up(ctx: JobContext, failure: Failure) -> None:
    p = ctx.job.payload
    if p.get("flaky_give_up") and not await ctx.db.give_up_hiccups.find_one({"_id": ctx.job.id}):
        await ctx.db.give_up_hiccups.insert_one({"_id": ctx.job.id})
        raise ConnectionError("the database went away while giving up")
    async with ctx.transaction(status="failed", failure=failure) as tx:
        tx.emit(WorkFailed(script_id=p["script_id"], index=p["index"], error=failure.message))


def build(settings: KitSettings, group: str, concurrency: int = 3, max_attempts: int = 3) -> ServiceRuntime:
    runtime = ServiceRuntime(settings, uses_object_store=False, topics=[JOB_COMMANDS, JOB_EVENTS])
    runtime.consume(group, [JOB_COMMANDS], {StartWork: start_work})
    runtime.work(KIND, do_work, concurrency=concurrency, lease_s=2.0, max_attempts=max_attempts, on_give_up=give_up)
    return runtime
