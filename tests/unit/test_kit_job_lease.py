"""The lease keeper's decision, with a fake renewal: retry through errors, stop the job in time."""

from __future__ import annotations

import asyncio
import time

from pymongo.errors import AutoReconnect

from reelflow_kit.job_lease import LeaseKeeper

LEASE_S = 1.2


class Renewals:
    """A renewal that raises while `failing` says so (the database away), else answers `held`."""

    def __init__(self, failing) -> None:
        self.failing = failing
        self.held = True
        self.calls: list[tuple[float, bool]] = []

    async def __call__(self) -> bool:
        failed = self.failing(len(self.calls))
        self.calls.append((time.monotonic(), not failed))
        if failed:
            raise AutoReconnect("connection refused")
        return self.held


async def keep_while(renewals: Renewals, work_s: float) -> tuple[LeaseKeeper, asyncio.Task, float]:
    """Runs `work_s` of work under a keeper; the keeper, the work's task, and when the lease began."""
    began = time.monotonic()
    keeper = LeaseKeeper(renewals, lease_s=LEASE_S, held_until=began + LEASE_S, what={"job": "j"})
    work = asyncio.create_task(asyncio.sleep(work_s))
    keeping = asyncio.create_task(keeper.keep(work))
    await asyncio.gather(work, return_exceptions=True)
    keeping.cancel()
    await asyncio.gather(keeping, return_exceptions=True)
    return keeper, work, began


async def test_renewals_that_fail_for_a_while_are_retried_and_the_job_goes_on():
    renewals = Renewals(failing=lambda call: call < 2)
    keeper, work, _ = await keep_while(renewals, work_s=3 * LEASE_S)
    assert not work.cancelled() and not keeper.lost
    assert [ok for _, ok in renewals.calls][:3] == [False, False, True]
    # never a gap between renewals that let the lease run out
    gaps = [
        later - earlier for (earlier, ok), (later, _) in zip(renewals.calls, renewals.calls[1:], strict=False) if ok
    ]
    assert all(gap < LEASE_S for gap in gaps)


async def test_a_lease_that_cannot_be_renewed_stops_the_job_before_it_runs_out():
    renewals = Renewals(failing=lambda call: True)
    keeper, work, began = await keep_while(renewals, work_s=10 * LEASE_S)
    stopped = time.monotonic()
    assert work.cancelled() and keeper.lost
    assert len(renewals.calls) >= 2  # retried before giving up
    assert stopped < began + LEASE_S  # before the lease ran out: no other worker could have it yet


async def test_a_lease_taken_by_another_worker_stops_the_job():
    renewals = Renewals(failing=lambda call: False)
    renewals.held = False
    keeper, work, _ = await keep_while(renewals, work_s=10 * LEASE_S)
    assert work.cancelled() and keeper.lost and len(renewals.calls) == 1


async def test_a_renewal_that_hangs_counts_as_failed():
    async def hangs() -> bool:
        await asyncio.sleep(3600)
        return True

    keeper = LeaseKeeper(hangs, lease_s=LEASE_S, held_until=time.monotonic() + LEASE_S, what={"job": "j"})
    work = asyncio.create_task(asyncio.sleep(3600))
    began = time.monotonic()
    await keeper.keep(work)
    await asyncio.gather(work, return_exceptions=True)
    assert work.cancelled() and keeper.lost and time.monotonic() < began + LEASE_S
